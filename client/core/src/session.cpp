// The driver-facing half of the session: actions, the connection lifecycle,
// user requests and their completion.
#include <algorithm>
#include <cstring>

#include "session_impl.hpp"

namespace fastovsdb {

std::string minify(simdjson::dom::element e) { return simdjson::minify(e); }

Error server_error(const RpcMessage& msg, std::string_view what) {
  std::string text = msg.error_text();
  if (text == "canceled") return Error(Errc::canceled, std::string(what) + ": canceled by the server");
  return Error(Errc::server_error, std::string(what) + ": " + text);
}

bool is_unknown_method(const RpcMessage& msg) {
  return msg.error_text().find("unknown method") != std::string::npos;
}

std::string name_params(std::string_view name) {
  std::string params;
  JsonWriter(params).begin_array().string(name).end_array();
  return params;
}

namespace {

Result<void> check_json_array(std::string_view json, std::string_view what) {
  simdjson::dom::parser p;
  simdjson::padded_string padded(json);
  simdjson::dom::element e;
  if (p.parse(padded).get(e) != simdjson::SUCCESS || !e.is_array()) {
    return Error(Errc::invalid_argument, std::string(what) + " must be a JSON array: " +
                                             std::string(json.substr(0, 200)));
  }
  return {};
}

}  // namespace

Session::Impl::Impl(SessionOptions o, SteadyTime now)
    : options(std::move(o)),
      reconnect(options.reconnect, options.remotes.size(), now),
      framer(options.limits),
      parser(options.limits),
      server(options.database.value(), options.leader_only, options.cluster_id) {
  watch_server = options.watch_server || options.leader_only || options.remotes.size() > 1;
  data_monid.clear();
  JsonWriter(data_monid).begin_array().string("monid").string(options.database.value()).end_array();
  for (const auto& t : options.monitor) conditions.add_table(t.table, t.where_json);
}

// ------------------------------------------------------------ driver side

SessionAction Session::Impl::next_action(SteadyTime now) {
  last_now = now;
  if (pending_disconnect && (is_connected() || phase == SessionPhase::connecting)) {
    auto [reason, ending] = std::move(*pending_disconnect);
    pending_disconnect.reset();
    lose_connection(now, reason, is_connected(), ending);
    return DisconnectAction{std::move(reason)};
  }
  pending_disconnect.reset();
  if (stopped()) return WaitAction{std::nullopt};

  switch (reconnect.run(now)) {
    case Reconnect::Action::connect: {
      reconnect.connecting(now);
      phase = SessionPhase::connecting;
      size_t i = reconnect.current_remote();
      return ConnectAction{i, &options.remotes[i]};
    }
    case Reconnect::Action::disconnect: {
      bool was_connected = is_connected();
      Error reason = was_connected
                         ? Error(Errc::probe_timeout,
                                 "no reply from " + remote_name() + " for " +
                                     std::to_string(2 * options.reconnect.probe_interval.count()) + " ms")
                         : Error(Errc::connect_timeout, "connecting to " + remote_name());
      lose_connection(now, reason, was_connected, Ending::failure);
      return DisconnectAction{std::move(reason)};
    }
    case Reconnect::Action::probe:
      if (is_connected()) {
        send_internal(ReqKind::probe, "echo", "[]");
        ++metrics.probes_sent;
      }
      break;
    case Reconnect::Action::none: break;
  }

  if (is_connected()) {
    if (auto bytes = requests.next_write()) return WriteAction{*bytes};
  }
  return WaitAction{reconnect.next_deadline()};
}

void Session::Impl::on_connected(SteadyTime now) {
  last_now = now;
  if (phase != SessionPhase::connecting || stopped()) return;
  reconnect.connected(now);
  ++metrics.connects;
  framer = Framer(options.limits);
  phase = SessionPhase::checking_server;
  server.start(remote_index());
  monitor = MonitorState::idle;
  schema_received = false;
  emit(Connected{remote_index()});
  start_handshake();
}

void Session::Impl::on_connect_failed(SteadyTime now, Error reason) {
  last_now = now;
  if (phase != SessionPhase::connecting) return;
  size_t remote = remote_index();
  reconnect.connect_failed(now, reason);
  ++metrics.connect_failures;
  phase = stopped() ? SessionPhase::stopped : SessionPhase::disconnected;
  emit(ConnectFailed{remote, std::move(reason)});
}

void Session::Impl::on_disconnected(SteadyTime now, Error reason) {
  last_now = now;
  if (phase == SessionPhase::connecting) {
    on_connect_failed(now, std::move(reason));
    return;
  }
  if (!is_connected()) return;
  // Say so when the peer closed in the middle of a message, and where.
  if (auto cut = framer.finish(); !cut && !framer.failed()) {
    reason.detail += "; " + cut.error().detail;
  }
  lose_connection(now, reason, true, Ending::failure);
}

void Session::Impl::lose_connection(SteadyTime now, const Error& reason, bool connected_before,
                                    Ending ending) {
  size_t remote = remote_index();
  // Losing a cluster member or relay that served us (a leader killed, or one
  // that tells us it no longer leads) starts a new free pass over the list at
  // once, as the OVS IDL does: the next leader is elected within seconds.
  if (server.served() && (server.model() == "clustered" || server.model() == "relay")) {
    reconnect.reset_backoff();
  }
  if (!connected_before) {
    reconnect.connect_failed(now, reason);
    ++metrics.connect_failures;
    emit(ConnectFailed{remote, reason});
  } else {
    if (ending == Ending::failure) {
      reconnect.disconnected(now, reason);
    } else {
      reconnect.refused(now, reason, ending == Ending::passing_refusal);
    }
    ++metrics.reconnects;
    emit(Disconnected{remote, reason});
  }
  phase = stopped() ? SessionPhase::stopped : SessionPhase::disconnected;
  // Every request on the wire is now either answered or unknowable.
  for (auto& [id, req] : requests.connection_lost()) {
    ++metrics.outcome_unknown;
    complete(req, Error(Errc::outcome_unknown, "connection to " + options.remotes[remote].text +
                                                   " lost after request " + std::to_string(id) + " (" +
                                                   req.method + ") was sent: " + reason.message()));
  }
  for (auto& lost : locks.lose_all()) emit(std::move(lost));
  conditions_lost_with_connection();
  server.start(remote);
  monitor = MonitorState::idle;
  schema_received = false;
  pending_disconnect.reset();
}

void Session::Impl::fail_connection(Error reason, Ending ending) {
  if (pending_disconnect) return;
  if (reason.is(Errc::server_rejected)) {
    ++metrics.server_rejections;
    emit(ServerRejected{remote_index(), reason});
  } else {
    ++metrics.protocol_errors;
  }
  pending_disconnect.emplace(std::move(reason), ending);
}

void Session::Impl::refuse_permanently(Error reason) {
  // With one remote, or once every remote has refused in a row, no retry
  // can help: stop with the servers' own words.
  if (++permanent_refusals < options.remotes.size()) {
    fail_connection(std::move(reason), Ending::refusal);
    return;
  }
  if (reason.is(Errc::server_rejected)) {
    ++metrics.server_rejections;
    emit(ServerRejected{remote_index(), reason});
  }
  std::string detail = reason.detail;
  if (options.remotes.size() > 1) {
    reconnect.refused(last_now, reason, false);
    detail = "every server refused: " + failures_by_remote_text();
  }
  stop(last_now, Error(reason.code, std::move(detail)));
}

std::string Session::Impl::failures_by_remote_text() const {
  std::string out;
  const auto& failures = reconnect.failures();
  for (size_t i = 0; i < failures.size(); ++i) {
    if (!failures[i]) continue;
    if (!out.empty()) out += "; ";
    out += options.remotes[i].text + ": " + failures[i]->message();
  }
  return out;
}

void Session::Impl::on_bytes_received(size_t n, SteadyTime now) {
  last_now = now;
  if (!is_connected()) return;
  framer.commit(n);
  metrics.bytes_received += n;
  reconnect.activity(now);
  // The messages that arrived together are parsed in one pass; each is still
  // handled (and may end the connection) before the next is looked at.
  while (!pending_disconnect && !stopped()) {
    auto batch = framer.next_batch(parser.batch_limit());
    if (!batch) {
      fail_connection(batch.error());
      break;
    }
    if (!*batch) break;
    parser.parse_batch(**batch, [&](const FramedMessage& m, Result<simdjson::dom::element> root) {
      ++metrics.messages_received;
      if (!root) {
        fail_connection(root.error());
        return false;
      }
      auto rpc = decode_rpc(*root, m.stream_offset());
      if (!rpc) {
        fail_connection(rpc.error());
        return false;
      }
      dispatch(*rpc);
      return !pending_disconnect && !stopped();
    });
  }
}

// ---------------------------------------------------------------- requests

PendingRequest& Session::Impl::send_internal(ReqKind kind, std::string method, std::string params) {
  PendingRequest req;
  req.kind = kind;
  req.method = std::move(method);
  req.params = std::move(params);
  return requests.send(std::move(req));
}

RequestHandle Session::Impl::submit(ReqKind kind, std::string method, std::string params,
                                    std::optional<Transaction> txn, std::string lock_name, ReplyShape shape) {
  int64_t id = requests.allocate_id();
  auto handle = static_cast<RequestHandle>(id);
  if (stopped() || requests.pending() >= options.max_pending_requests) {
    Error e = stopped() ? Error(Errc::canceled, "the session is stopped: " + stop_reason->message())
                        : Error(Errc::resources_exhausted,
                                "more than max_pending_requests (" +
                                    std::to_string(options.max_pending_requests) + ") requests pending");
    complete(handle, kind, e);
    return handle;
  }
  PendingRequest req;
  req.kind = kind;
  req.handle = handle;
  req.method = std::move(method);
  req.params = std::move(params);
  req.txn = std::move(txn);
  req.lock_name = std::move(lock_name);
  req.shape = shape;
  requests.submit(id, std::move(req), server_accepted() && is_connected());
  return handle;
}

RequestHandle Session::Impl::done_now(Result<std::string> result) {
  auto handle = static_cast<RequestHandle>(requests.allocate_id());
  emit(RpcDone{handle, std::move(result)});
  return handle;
}

void Session::Impl::complete(RequestHandle handle, ReqKind kind, Result<std::string> result) {
  if (handle == 0) return;
  if (kind == ReqKind::user_transact) {
    Result<TransactResult> r = result ? Result<TransactResult>(Error(Errc::invalid_transact_reply, "no result"))
                                      : Result<TransactResult>(result.error());
    emit(TransactDone{handle, std::move(r)});
  } else {
    emit(RpcDone{handle, std::move(result)});
  }
}

void Session::Impl::complete(const PendingRequest& req, Result<std::string> result) {
  complete(req.handle, req.kind, std::move(result));
}

bool Session::Impl::cancel(RequestHandle handle) {
  if (handle == 0) return false;
  auto id = static_cast<int64_t>(handle);
  if (auto req = requests.take_queued(id)) {
    complete(*req, Error(Errc::canceled, "request " + std::to_string(handle) + " (" + req->method +
                                             ") canceled before it was sent"));
    return true;
  }
  const PendingRequest* req = requests.find(id);
  if (req && req->kind == ReqKind::user_transact && is_connected()) {
    requests.send_notification("cancel", "[" + std::to_string(handle) + "]");
    return true;
  }
  return false;
}

void Session::Impl::stop(SteadyTime now, Error reason) {
  if (stopped()) return;
  stop_reason = reason;
  for (auto& [id, req] : requests.take_all()) {
    complete(req, req.state == ReqState::written
                      ? Error(Errc::outcome_unknown,
                              "the session was stopped after request " + std::to_string(id) + " was sent")
                      : reason);
  }
  for (auto handle : conditions.take_all_handles()) emit(RpcDone{handle, reason});
  if (is_connected() || phase == SessionPhase::connecting) {
    if (!pending_disconnect) pending_disconnect.emplace(reason, Ending::failure);
  } else {
    phase = SessionPhase::stopped;
  }
  reconnect.stop(now);
  emit(SessionStopped{reason});
}

// ---------------------------------------------------------------- Session

Result<Session> Session::create(SessionOptions options, SteadyTime now) {
  if (options.database.value().empty()) {
    return Error(Errc::invalid_argument, "SessionOptions::database is empty");
  }
  if (options.remotes.empty()) return Error(Errc::invalid_argument, "SessionOptions::remotes is empty");
  for (const auto& t : options.monitor) {
    if (t.table.empty()) return Error(Errc::invalid_argument, "a monitored table has no name");
    if (!t.where_json.empty()) {
      auto ok = check_json_array(t.where_json, "the where condition of table " + t.table);
      if (!ok) return ok.error();
    }
  }
  return Session(std::make_unique<Impl>(std::move(options), now));
}

Session::Session(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

SessionAction Session::next_action(SteadyTime now) { return impl_->next_action(now); }
void Session::write_done(size_t bytes) { impl_->metrics.bytes_sent += impl_->requests.write_done(bytes); }
void Session::on_connected(SteadyTime now) { impl_->on_connected(now); }
void Session::on_connect_failed(SteadyTime now, Error reason) {
  impl_->on_connect_failed(now, std::move(reason));
}
void Session::on_disconnected(SteadyTime now, Error reason) {
  impl_->on_disconnected(now, std::move(reason));
}
// Beyond this, buffers sized for one huge message are freed once it is
// handled: a replica should not keep several times the dump's bytes resident
// for a buffer that steady-state updates never need. Below it, reusing them
// saves reallocating and faulting in pages for every message.
constexpr size_t release_buffers_above = size_t{4} << 20;

void Session::Impl::release_idle_buffers() {
  if (framer.capacity() > release_buffers_above) framer.shrink();  // no-op unless nothing is buffered
  if (parser.batch_limit() > release_buffers_above) parser = MessageParser(options.limits);
}

std::span<char> Session::read_buffer(size_t min_bytes) {
  impl_->release_idle_buffers();
  return impl_->framer.prepare(min_bytes);
}
void Session::on_bytes_received(size_t n, SteadyTime now) { impl_->on_bytes_received(n, now); }
void Session::feed(std::string_view bytes, SteadyTime now) {
  if (!impl_->is_connected()) return;
  auto span = impl_->framer.prepare(bytes.size());
  size_t n = std::min(span.size(), bytes.size());
  if (n > 0) std::memcpy(span.data(), bytes.data(), n);
  impl_->on_bytes_received(n, now);
}
void Session::add_processing_time(std::chrono::nanoseconds d) noexcept {
  impl_->metrics.processing_time += d;
}

RequestHandle Session::transact(Transaction txn) {
  Result<void> ok = impl_->schema && txn.database() == impl_->options.database
                        ? txn.validate(*impl_->schema)
                        : txn.check();
  if (!ok) {
    auto h = static_cast<RequestHandle>(impl_->requests.allocate_id());
    impl_->emit(TransactDone{h, ok.error()});
    return h;
  }
  std::string params = txn.params_json();
  return impl_->submit(ReqKind::user_transact, "transact", std::move(params), std::move(txn));
}

RequestHandle Session::list_dbs() {
  return impl_->submit(ReqKind::user_rpc, "list_dbs", "[]", std::nullopt, {}, ReplyShape::database_names);
}

RequestHandle Session::get_schema(std::string_view database) {
  return impl_->submit(ReqKind::user_rpc, "get_schema", name_params(database), std::nullopt, {},
                       ReplyShape::schema);
}

RequestHandle Session::echo(std::string params_json) { return call("echo", std::move(params_json)); }

RequestHandle Session::get_server_id() { return impl_->submit(ReqKind::user_rpc, "get_server_id", "[]"); }

RequestHandle Session::set_db_change_aware(bool aware) {
  return impl_->submit(ReqKind::user_rpc, "set_db_change_aware", aware ? "[true]" : "[false]");
}

RequestHandle Session::lock(std::string_view name) {
  impl_->locks.want(name);
  return impl_->submit(ReqKind::user_lock, "lock", name_params(name), std::nullopt, std::string(name),
                       ReplyShape::lock);
}

RequestHandle Session::steal(std::string_view name) {
  impl_->locks.want(name);
  return impl_->submit(ReqKind::user_lock, "steal", name_params(name), std::nullopt, std::string(name),
                       ReplyShape::lock);
}

RequestHandle Session::unlock(std::string_view name) {
  impl_->locks.forget(name);
  return impl_->submit(ReqKind::user_unlock, "unlock", name_params(name), std::nullopt, std::string(name));
}

RequestHandle Session::set_condition(std::string_view table, std::string where_json) {
  if (!where_json.empty()) {
    auto ok = check_json_array(where_json, "the where condition of table " + std::string(table));
    if (!ok) return impl_->done_now(ok.error());
  }
  return impl_->set_condition(table, std::move(where_json));
}

uint64_t Session::condition_seqno() const noexcept { return impl_->conditions.seqno(); }
bool Session::conditions_pending() const noexcept { return impl_->conditions.pending(); }

RequestHandle Session::cancel_monitor() {
  if (!impl_->options.replicate) {
    return impl_->done_now(Error(Errc::invalid_argument, "cancel_monitor: the session does not replicate"));
  }
  impl_->monitor_wanted = false;
  if (!impl_->is_connected() || impl_->monitor == MonitorState::idle) return impl_->done_now(std::string("{}"));
  return impl_->submit(ReqKind::user_monitor_cancel, "monitor_cancel", "[" + impl_->data_monid + "]");
}

RequestHandle Session::resume_monitor() {
  if (!impl_->options.replicate) {
    return impl_->done_now(Error(Errc::invalid_argument, "resume_monitor: the session does not replicate"));
  }
  RequestHandle h = impl_->done_now(std::string("{}"));
  if (impl_->monitor_wanted) return h;
  impl_->monitor_wanted = true;
  // Without a monitor in place (a cancel still on the wire sends it when
  // confirmed): ask now.
  if (impl_->is_connected()) impl_->maybe_request_monitor();
  return h;
}

RequestHandle Session::call(std::string_view method, std::string params_json) {
  auto ok = check_json_array(params_json, "the params of " + std::string(method));
  if (!ok) return impl_->done_now(ok.error());
  return impl_->submit(ReqKind::user_rpc, std::string(method), std::move(params_json));
}

bool Session::cancel(RequestHandle handle) { return impl_->cancel(handle); }
void Session::stop(SteadyTime now) { impl_->stop(now, Error(Errc::canceled, "the session was stopped")); }

std::optional<SessionEvent> Session::poll_event() {
  if (impl_->events.empty()) return std::nullopt;
  SessionEvent e = std::move(impl_->events.front());
  impl_->events.pop_front();
  return e;
}

void Session::set_change_listener(ChangeListener listener) { impl_->listener = std::move(listener); }
const Replica* Session::replica() const noexcept { return impl_->replica ? &*impl_->replica : nullptr; }
const DatabaseSchema* Session::server_schema() const noexcept { return impl_->schema.get(); }
bool Session::server_has_table(std::string_view table) const noexcept {
  return impl_->schema && impl_->schema->find_table(table);
}
bool Session::server_has_column(std::string_view table, std::string_view column) const noexcept {
  const TableSchema* t = impl_->schema ? impl_->schema->find_table(table) : nullptr;
  return t && (column == "_uuid" || column == "_version" || t->find_column(column));
}
const std::optional<Error>& Session::stop_reason() const noexcept { return impl_->stop_reason; }
std::string Session::failures_by_remote() const { return impl_->failures_by_remote_text(); }
bool Session::synced() const noexcept { return impl_->synced(); }
bool Session::connected() const noexcept { return impl_->is_connected(); }
SessionPhase Session::phase() const noexcept { return impl_->phase; }
size_t Session::current_remote() const noexcept { return impl_->remote_index(); }
bool Session::has_lock(std::string_view name) const noexcept { return impl_->locks.held(name); }
bool Session::monitor_canceled() const noexcept { return !impl_->monitor_wanted; }
size_t Session::pending_requests() const noexcept { return impl_->requests.pending(); }
const SessionMetrics& Session::metrics() const noexcept { return impl_->metrics; }
const SessionOptions& Session::options() const noexcept { return impl_->options; }
const Reconnect& Session::reconnect() const noexcept { return impl_->reconnect; }

}  // namespace fastovsdb
