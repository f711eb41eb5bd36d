// The driver-facing half of the session: actions, connection lifecycle,
// request queueing and the packed output buffer.
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
      parser(options.limits) {
  watch_server =
      options.watch_server || options.leader_only || options.remotes.size() > 1;
  std::string db;
  append_json_string(db, options.database.value());
  data_monid = "[\"monid\"," + db + "]";
  server_monid = "[\"monid\",\"_Server\"]";
}

// ------------------------------------------------------------ driver side

SessionAction Session::Impl::next_action(SteadyTime now) {
  last_now = now;
  if (pending_disconnect && (is_connected() || phase == SessionPhase::connecting)) {
    Error reason = std::move(*pending_disconnect);
    pending_disconnect.reset();
    lose_connection(now, reason, is_connected());
    return DisconnectAction{std::move(reason)};
  }
  pending_disconnect.reset();
  if (stopped) return WaitAction{std::nullopt};

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
                                 "no reply from " + options.remotes[remote_index()].text + " for " +
                                     std::to_string(2 * options.reconnect.probe_interval.count()) +
                                     " ms")
                         : Error(Errc::connect_timeout,
                                 "connecting to " + options.remotes[remote_index()].text);
      lose_connection(now, reason, was_connected);
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

  if (is_connected() && !write_in_flight) {
    if (writing_done < writing.size()) {
      write_in_flight = true;
      return WriteAction{std::string_view(writing).substr(writing_done)};
    }
    if (!out.empty()) {
      writing.swap(out);
      out.clear();
      writing_done = 0;
      for (int64_t id : out_ids) {
        auto it = pending.find(id);
        if (it != pending.end() && it->second.state == ReqState::buffered) {
          it->second.state = ReqState::written;
        }
      }
      out_ids.clear();
      write_in_flight = true;
      ++metrics.writes;
      return WriteAction{std::string_view(writing)};
    }
  }
  return WaitAction{reconnect.next_deadline()};
}

void Session::Impl::write_done(size_t n) {
  if (!write_in_flight) return;
  write_in_flight = false;
  n = std::min(n, writing.size() - writing_done);
  writing_done += n;
  metrics.bytes_sent += n;
  if (writing_done >= writing.size()) {
    writing.clear();
    writing_done = 0;
  }
}

void Session::Impl::on_connected(SteadyTime now) {
  last_now = now;
  if (phase != SessionPhase::connecting || stopped) return;
  reconnect.connected(now);
  ++metrics.connects;
  framer = Framer(options.limits);
  phase = SessionPhase::checking_server;
  server_ok = schema_ok = monitor_requested = synced = false;
  server_rows.clear();
  current_is_leader.reset();
  emit(Connected{remote_index()});
  start_handshake();
}

void Session::Impl::on_connect_failed(SteadyTime now, Error reason) {
  last_now = now;
  if (phase != SessionPhase::connecting) return;
  size_t remote = remote_index();
  reconnect.connect_failed(now, reason);
  ++metrics.connect_failures;
  phase = stopped ? SessionPhase::stopped : SessionPhase::disconnected;
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
  lose_connection(now, reason, true);
}

void Session::Impl::lose_connection(SteadyTime now, const Error& reason, bool connected_before) {
  size_t remote = remote_index();
  if (connected_before) {
    reconnect.disconnected(now, reason);
    ++metrics.reconnects;
    emit(Disconnected{remote, reason});
  } else {
    reconnect.connect_failed(now, reason);
    ++metrics.connect_failures;
    emit(ConnectFailed{remote, reason});
  }
  phase = stopped ? SessionPhase::stopped : SessionPhase::disconnected;
  // Every request on the wire is now either answered or unknowable.
  std::vector<int64_t> requeue;
  for (auto it = pending.begin(); it != pending.end();) {
    PendingRequest& req = it->second;
    if (!req.user_visible()) {
      it = pending.erase(it);
      continue;
    }
    if (req.state == ReqState::written) {
      ++metrics.outcome_unknown;
      Error e(Errc::outcome_unknown, "connection to " + options.remotes[remote].text +
                                         " lost after request " + std::to_string(it->first) +
                                         " (" + req.method + ") was sent: " + reason.message());
      if (req.kind == ReqKind::user_transact) {
        complete_transact(req, e);
      } else {
        complete(req, e);
      }
      it = pending.erase(it);
      continue;
    }
    if (req.state == ReqState::buffered) {
      req.state = ReqState::queued;
      requeue.push_back(it->first);
    }
    ++it;
  }
  if (!requeue.empty()) {
    // Never written: they go out first on the next connection, in order.
    requeue.insert(requeue.end(), queued.begin(), queued.end());
    std::sort(requeue.begin(), requeue.end());
    queued.assign(requeue.begin(), requeue.end());
  }
  out.clear();
  out_ids.clear();
  writing.clear();
  writing_done = 0;
  write_in_flight = false;
  for (auto& [name, held] : locks) {
    if (held) {
      held = false;
      emit(LockChanged{name, LockEvent::lost});
    }
  }
  server_ok = schema_ok = monitor_requested = synced = false;
  current_is_leader.reset();
  pending_disconnect.reset();
}

void Session::Impl::fail_connection(Error reason) {
  if (!pending_disconnect) {
    if (reason.is(Errc::server_rejected)) {
      ++metrics.server_rejections;
      emit(ServerRejected{remote_index(), reason});
    } else {
      ++metrics.protocol_errors;
    }
    pending_disconnect = std::move(reason);
  }
}

void Session::Impl::on_bytes_received(size_t n, SteadyTime now) {
  last_now = now;
  if (!is_connected()) return;
  framer.commit(n);
  metrics.bytes_received += n;
  reconnect.activity(now);
  // The messages that arrived together are parsed in one pass; each is still
  // handled (and may end the connection) before the next is looked at.
  while (!pending_disconnect) {
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
      dispatch(*rpc, now);
      return !pending_disconnect;
    });
  }
}

// ---------------------------------------------------------------- output

void Session::Impl::append_request(int64_t id, PendingRequest& req) {
  JsonWriter w(out);
  w.begin_object().key("id").integer(id).key("method").string(req.method).key("params").raw(
      req.params);
  w.end_object();
  req.state = ReqState::buffered;
  out_ids.push_back(id);
  ++metrics.messages_sent;
  if (req.kind == ReqKind::user_transact) ++metrics.transactions_sent;
}

void Session::Impl::append_notification(std::string_view method, std::string_view params) {
  JsonWriter w(out);
  w.begin_object().key("id").null().key("method").string(method).key("params").raw(params);
  w.end_object();
  ++metrics.messages_sent;
}

int64_t Session::Impl::send_internal(ReqKind kind, std::string method, std::string params) {
  int64_t id = next_id++;
  PendingRequest req;
  req.kind = kind;
  req.method = std::move(method);
  req.params = std::move(params);
  auto& stored = pending.emplace(id, std::move(req)).first->second;
  append_request(id, stored);
  return id;
}

RequestHandle Session::Impl::submit(ReqKind kind, std::string method, std::string params,
                                    std::optional<Transaction> txn, std::string lock_name) {
  int64_t id = next_id++;
  PendingRequest req;
  req.kind = kind;
  req.handle = static_cast<RequestHandle>(id);
  req.method = std::move(method);
  req.params = std::move(params);
  req.txn = std::move(txn);
  req.lock_name = std::move(lock_name);
  if (stopped || user_pending >= options.max_pending_requests) {
    Error e = stopped ? Error(Errc::canceled, "the session is stopped")
                      : Error(Errc::resources_exhausted,
                              "more than max_pending_requests (" +
                                  std::to_string(options.max_pending_requests) +
                                  ") requests pending");
    if (kind == ReqKind::user_transact) {
      emit(TransactDone{req.handle, e});
    } else {
      emit(RpcDone{req.handle, e});
    }
    return req.handle;
  }
  ++user_pending;
  auto& stored = pending.emplace(id, std::move(req)).first->second;
  if (server_ok && is_connected()) {
    append_request(id, stored);
  } else {
    queued.push_back(id);
  }
  return static_cast<RequestHandle>(id);
}

void Session::Impl::flush_queued() {
  while (!queued.empty()) {
    int64_t id = queued.front();
    queued.pop_front();
    auto it = pending.find(id);
    if (it != pending.end() && it->second.state == ReqState::queued) append_request(id, it->second);
  }
}

void Session::Impl::complete(PendingRequest& req, Result<std::string> result) {
  if (!req.user_visible()) return;
  if (user_pending > 0) --user_pending;
  emit(RpcDone{req.handle, std::move(result)});
}

void Session::Impl::complete_transact(PendingRequest& req, Result<TransactResult> result) {
  if (user_pending > 0) --user_pending;
  emit(TransactDone{req.handle, std::move(result)});
}

bool Session::Impl::cancel(RequestHandle handle) {
  auto it = pending.find(static_cast<int64_t>(handle));
  if (handle == 0 || it == pending.end() || !it->second.user_visible()) return false;
  PendingRequest& req = it->second;
  if (req.state == ReqState::queued) {
    queued.erase(std::remove(queued.begin(), queued.end(), it->first), queued.end());
    Error e(Errc::canceled, "request " + std::to_string(handle) + " (" + req.method +
                                ") canceled before it was sent");
    if (req.kind == ReqKind::user_transact) {
      complete_transact(req, e);
    } else {
      complete(req, e);
    }
    pending.erase(it);
    return true;
  }
  if (req.kind == ReqKind::user_transact && is_connected()) {
    append_notification("cancel", "[" + std::to_string(handle) + "]");
    return true;
  }
  return false;
}

void Session::Impl::stop(SteadyTime now, Error reason) {
  if (stopped) return;
  stopped = true;
  for (auto& [id, req] : pending) {
    if (!req.user_visible()) continue;
    Error e = req.state == ReqState::written
                  ? Error(Errc::outcome_unknown, "the session was stopped after request " +
                                                     std::to_string(id) + " was sent")
                  : reason;
    if (req.kind == ReqKind::user_transact) {
      complete_transact(req, e);
    } else {
      complete(req, e);
    }
  }
  pending.clear();
  queued.clear();
  user_pending = 0;
  if (is_connected() || phase == SessionPhase::connecting) {
    pending_disconnect = reason;
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
void Session::write_done(size_t bytes) { impl_->write_done(bytes); }
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
    RequestHandle h = static_cast<RequestHandle>(impl_->next_id++);
    impl_->emit(TransactDone{h, ok.error()});
    return h;
  }
  std::string params = txn.params_json();
  return impl_->submit(ReqKind::user_transact, "transact", std::move(params), std::move(txn));
}

RequestHandle Session::list_dbs() { return impl_->submit(ReqKind::user_rpc, "list_dbs", "[]"); }

RequestHandle Session::get_schema(std::string_view database) {
  std::string params = "[";
  append_json_string(params, database);
  params += "]";
  return impl_->submit(ReqKind::user_rpc, "get_schema", std::move(params));
}

RequestHandle Session::echo(std::string params_json) {
  return call("echo", std::move(params_json));
}

RequestHandle Session::get_server_id() {
  return impl_->submit(ReqKind::user_rpc, "get_server_id", "[]");
}

RequestHandle Session::set_db_change_aware(bool aware) {
  return impl_->submit(ReqKind::user_rpc, "set_db_change_aware", aware ? "[true]" : "[false]");
}

namespace {
std::string name_params(std::string_view name) {
  std::string params = "[";
  append_json_string(params, name);
  params += "]";
  return params;
}
}  // namespace

RequestHandle Session::lock(std::string_view name) {
  impl_->locks.emplace(std::string(name), false);
  return impl_->submit(ReqKind::user_lock, "lock", name_params(name), std::nullopt,
                       std::string(name));
}

RequestHandle Session::steal(std::string_view name) {
  impl_->locks.emplace(std::string(name), false);
  return impl_->submit(ReqKind::user_lock, "steal", name_params(name), std::nullopt,
                       std::string(name));
}

RequestHandle Session::unlock(std::string_view name) {
  auto it = impl_->locks.find(name);
  if (it != impl_->locks.end()) impl_->locks.erase(it);
  return impl_->submit(ReqKind::user_unlock, "unlock", name_params(name), std::nullopt,
                       std::string(name));
}

RequestHandle Session::set_condition(std::string_view table, std::string where_json) {
  auto fail = [&](Error e) {
    RequestHandle h = static_cast<RequestHandle>(impl_->next_id++);
    impl_->emit(RpcDone{h, std::move(e)});
    return h;
  };
  if (!where_json.empty()) {
    auto ok = check_json_array(where_json, "the where condition of table " + std::string(table));
    if (!ok) return fail(ok.error());
  }
  auto& monitor = impl_->options.monitor;
  auto it = std::find_if(monitor.begin(), monitor.end(),
                         [&](const MonitoredTable& t) { return t.table == table; });
  if (it == monitor.end()) {
    if (!monitor.empty() || impl_->replica) {
      // Monitoring everything: a condition narrows one table, the rest stay whole.
      if (monitor.empty() && impl_->replica) {
        for (size_t i = 0; i < impl_->replica->table_count(); ++i) {
          monitor.push_back({std::string(impl_->replica->table_at(i).name()), {}, {}});
        }
        it = std::find_if(monitor.begin(), monitor.end(),
                          [&](const MonitoredTable& t) { return t.table == table; });
      }
    }
    if (it == monitor.end()) {
      return fail(Error(Errc::unknown_table, "table " + std::string(table) + " is not monitored"));
    }
  }
  it->where_json = where_json;
  const bool monitor_out =
      impl_->is_connected() && impl_->monitor_requested && impl_->monitor_wanted;
  if (!monitor_out) {
    // The next monitor request carries the new condition.
    RequestHandle h = static_cast<RequestHandle>(impl_->next_id++);
    impl_->emit(RpcDone{h, std::string("{}")});
    return h;
  }
  // {"<table>": [{"where": cond}]} for the monitor of this connection.
  std::string params = impl_->data_monid + "," + impl_->data_monid + ",{";
  append_json_string(params, table);
  params += ":[{\"where\":";
  params += where_json.empty() ? "[true]" : where_json;
  params += "}]}]";
  params.insert(0, "[");
  return impl_->submit(ReqKind::user_rpc, "monitor_cond_change", std::move(params));
}

RequestHandle Session::cancel_monitor() {
  auto done_now = [&](Result<std::string> r) {
    RequestHandle h = static_cast<RequestHandle>(impl_->next_id++);
    impl_->emit(RpcDone{h, std::move(r)});
    return h;
  };
  if (!impl_->options.replicate) {
    return done_now(Error(Errc::invalid_argument, "cancel_monitor: the session does not replicate"));
  }
  impl_->monitor_wanted = false;
  if (!impl_->is_connected() || !impl_->monitor_requested) return done_now(std::string("{}"));
  return impl_->submit(ReqKind::user_monitor_cancel, "monitor_cancel", "[" + impl_->data_monid + "]");
}

RequestHandle Session::resume_monitor() {
  RequestHandle h = static_cast<RequestHandle>(impl_->next_id++);
  if (!impl_->options.replicate) {
    impl_->emit(RpcDone{h, Error(Errc::invalid_argument,
                                 "resume_monitor: the session does not replicate")});
    return h;
  }
  impl_->emit(RpcDone{h, std::string("{}")});
  if (impl_->monitor_wanted) return h;
  impl_->monitor_wanted = true;
  if (!impl_->is_connected()) return h;
  // Without a monitor in place (a cancel still on the wire sends it when
  // confirmed): ask now.
  impl_->maybe_request_monitor();
  if (impl_->monitor_requested && !impl_->synced) impl_->phase = SessionPhase::monitoring;
  return h;
}

RequestHandle Session::call(std::string_view method, std::string params_json) {
  auto ok = check_json_array(params_json, "the params of " + std::string(method));
  if (!ok) {
    RequestHandle h = static_cast<RequestHandle>(impl_->next_id++);
    impl_->emit(RpcDone{h, ok.error()});
    return h;
  }
  return impl_->submit(ReqKind::user_rpc, std::string(method), std::move(params_json));
}

bool Session::cancel(RequestHandle handle) { return impl_->cancel(handle); }
void Session::stop(SteadyTime now) {
  impl_->stop(now, Error(Errc::canceled, "the session was stopped"));
}

std::optional<SessionEvent> Session::poll_event() {
  if (impl_->events.empty()) return std::nullopt;
  SessionEvent e = std::move(impl_->events.front());
  impl_->events.pop_front();
  return e;
}

void Session::set_change_listener(ChangeListener listener) { impl_->listener = std::move(listener); }
const Replica* Session::replica() const noexcept {
  return impl_->replica ? &*impl_->replica : nullptr;
}
bool Session::synced() const noexcept { return impl_->synced; }
bool Session::connected() const noexcept { return impl_->is_connected(); }
SessionPhase Session::phase() const noexcept { return impl_->phase; }
size_t Session::current_remote() const noexcept { return impl_->remote_index(); }
bool Session::has_lock(std::string_view name) const noexcept {
  auto it = impl_->locks.find(name);
  return it != impl_->locks.end() && it->second;
}
bool Session::monitor_canceled() const noexcept { return !impl_->monitor_wanted; }
size_t Session::pending_requests() const noexcept { return impl_->user_pending; }
const SessionMetrics& Session::metrics() const noexcept { return impl_->metrics; }
const SessionOptions& Session::options() const noexcept { return impl_->options; }
const Reconnect& Session::reconnect() const noexcept { return impl_->reconnect; }

}  // namespace fastovsdb
