// The data side of a connection: get_schema, then monitor_cond_since ->
// monitor_cond -> monitor, the updates that follow, and condition changes
// (after ovsdb-cs.c).
#include "session_impl.hpp"

namespace fastovsdb {

namespace {

constexpr std::string_view zero_txn_id = "00000000-0000-0000-0000-000000000000";

std::string_view method_name(MonitorMethod m) {
  switch (m) {
    case MonitorMethod::cond_since: return "monitor_cond_since";
    case MonitorMethod::cond: return "monitor_cond";
    case MonitorMethod::plain: return "monitor";
  }
  return "monitor";
}

// Replica indexes on tables and columns that the server's schema has.
std::vector<ReplicaOptions::ExtraIndex> indexes_the_schema_has(
    const std::vector<ReplicaOptions::ExtraIndex>& wanted, const DatabaseSchema& schema) {
  std::vector<ReplicaOptions::ExtraIndex> out;
  for (const auto& index : wanted) {
    const TableSchema* t = schema.find_table(index.table);
    if (!t) continue;
    bool all = true;
    for (const auto& c : index.columns) all = all && t->find_column(c);
    if (all) out.push_back(index);
  }
  return out;
}

}  // namespace

void Session::Impl::start_handshake() {
  // One write carries the whole opening: the server answers in order, and
  // nothing waits for a round trip it does not need.
  if (watch_server) {
    send_internal(ReqKind::db_change_aware, "set_db_change_aware", "[true]");
    send_internal(ReqKind::server_monitor, "monitor", server.request_params());
  }
  send_internal(ReqKind::schema, "get_schema", name_params(options.database.value()));
  if (!watch_server) {
    server.accept_unwatched();
    on_server_accepted();
  }
}

void Session::Impl::on_server_accepted() {
  phase = options.replicate && monitor_wanted && !synced() ? SessionPhase::monitoring : SessionPhase::live;
  emit(ServerAccepted{remote_index()});
  // Locks are per connection on the server: ask again for every lock wanted,
  // unless the user's own request for it is still queued.
  for (const std::string& name : locks.names()) {
    if (requests.queued_lock_request(name)) continue;
    send_internal(ReqKind::relock, "lock", name_params(name)).lock_name = name;
  }
  requests.flush_queued();
  maybe_request_monitor();
}

void Session::Impl::on_schema_reply(const RpcMessage& msg) {
  const std::string& db = options.database.value();
  if (msg.is_error()) {
    if (msg.error_text().find("unknown database") != std::string::npos) {
      refuse_permanently(Error(Errc::server_rejected, remote_name() + ": the server does not have database " +
                                                          db + " (get_schema: " + msg.error_text() + ")"));
      return;
    }
    fail_connection(server_error(msg, "get_schema " + db));
    return;
  }
  auto parsed = parse_schema(msg.result);
  if (!parsed) {
    fail_connection(Error(parsed.error().code, "schema of " + db + ": " + parsed.error().detail));
    return;
  }
  if (parsed->name.value() != db) {
    fail_connection(Error(Errc::protocol_violation,
                          "get_schema " + db + " returned the schema of " + parsed->name.value()));
    return;
  }
  if (!schema || !(*schema == *parsed)) {
    schema = std::make_shared<const DatabaseSchema>(std::move(*parsed));
    if (options.replicate) {
      plan = plan_monitor(options.monitor, *schema);
      for (const SchemaGap& gap : plan.gaps) {
        if (!reported_gaps.emplace(gap.table, gap.column).second) continue;
        ++metrics.schema_gaps;
        emit(SchemaSkew{gap});
      }
      for (const auto& t : plan.tables) {
        if (!conditions.has_table(t.name)) conditions.add_table(t.name, {});
      }
      ReplicaOptions ro;
      if (!options.monitor.empty()) {
        for (const auto& t : plan.tables) ro.tables.push_back(t.name);
      }
      ro.extra_indexes = indexes_the_schema_has(options.extra_indexes, *schema);
      auto created = Replica::create(schema, std::move(ro));
      if (!created) {
        // A configuration that this schema cannot serve: retrying cannot help.
        stop(last_now, Error(created.error().code, "cannot replicate " + db + " (schema version " +
                                                       schema->version + "): " + created.error().detail));
        return;
      }
      replica.emplace(std::move(*created));
      txn_id_valid = false;
      emit(ReplicaReset{});
    }
  }
  if (!options.replicate) permanent_refusals = 0;
  schema_received = true;
  maybe_request_monitor();
}

void Session::Impl::maybe_request_monitor() {
  if (!options.replicate || !monitor_wanted || !server_accepted() || !schema_received ||
      monitor != MonitorState::idle || !replica) {
    return;
  }
  phase = SessionPhase::monitoring;
  send_data_monitor(MonitorMethod::cond_since);
}

std::string Session::Impl::monitor_requests_json(MonitorMethod method) const {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  for (const auto& t : plan.tables) {
    w.key(t.name);
    if (method != MonitorMethod::plain) w.begin_array();
    w.begin_object();
    if (!t.columns.empty()) {
      w.key("columns").begin_array();
      for (const auto& c : t.columns) w.string(c);
      w.end_array();
    }
    // "monitor" has no conditions: such servers send every row. A request
    // carries only acknowledged conditions (see condition_tracker.hpp).
    const std::string& where = conditions.acknowledged(t.name);
    if (!where.empty() && method != MonitorMethod::plain) w.key("where").raw(where);
    w.end_object();
    if (method != MonitorMethod::plain) w.end_array();
  }
  w.end_object();
  return out;
}

void Session::Impl::send_data_monitor(MonitorMethod method) {
  std::string params;
  JsonWriter w(params);
  w.begin_array().string(options.database.value()).raw(data_monid).raw(monitor_requests_json(method));
  if (method == MonitorMethod::cond_since) {
    w.string(txn_id_valid && !replica->last_txn_id().empty() ? std::string_view(replica->last_txn_id())
                                                              : zero_txn_id);
  }
  w.end_array();
  monitor = MonitorState::requested;
  send_internal(ReqKind::data_monitor, std::string(method_name(method)), std::move(params)).monitor_method =
      method;
}

void Session::Impl::on_data_monitor_reply(const PendingRequest& req, const RpcMessage& msg) {
  if (!replica) return;
  if (msg.is_error()) {
    if (!monitor_wanted) {
      // Canceled by the user before the server answered: no fallback, no
      // monitor; the monitor_cancel behind it finds nothing to cancel.
      monitor = MonitorState::idle;
      phase = SessionPhase::live;
      return;
    }
    if (is_unknown_method(msg) && req.monitor_method != MonitorMethod::plain) {
      send_data_monitor(req.monitor_method == MonitorMethod::cond_since ? MonitorMethod::cond
                                                                        : MonitorMethod::plain);
      return;
    }
    // The server refuses what we ask (a condition or column it rejects):
    // asking again cannot help.
    refuse_permanently(Error(Errc::server_error, remote_name() + " refused " +
                                                     std::string(method_name(req.monitor_method)) + " of " +
                                                     options.database.value() + " (schema version " +
                                                     (schema ? schema->version : std::string("?")) +
                                                     "): " + msg.error_text()));
    return;
  }
  bool incremental = false;
  Result<void> applied;
  switch (req.monitor_method) {
    case MonitorMethod::cond_since: {
      simdjson::dom::array reply;
      bool found = false;
      std::string_view last_id;
      simdjson::dom::element updates;
      if (msg.result.get_array().get(reply) != simdjson::SUCCESS || reply.size() != 3 ||
          reply.at(0).get_bool().get(found) != simdjson::SUCCESS ||
          reply.at(1).get_string().get(last_id) != simdjson::SUCCESS ||
          reply.at(2).get(updates) != simdjson::SUCCESS || !Uuid::is_uuid_text(last_id)) {
        fail_connection(Error(Errc::protocol_violation,
                              "monitor_cond_since reply is not [found, last-txn-id, updates]"));
        return;
      }
      if (found) {
        if (!txn_id_valid) {
          fail_connection(Error(Errc::protocol_violation,
                                "monitor_cond_since found=true for a transaction we never named"));
          return;
        }
        incremental = true;
        applied = replica->apply_update3(last_id, updates, listener);
      } else {
        applied = replica->replace_with_snapshot(updates, UpdateFormat::update2, listener);
        if (applied) applied = replica->set_last_txn_id(last_id);
      }
      txn_id_valid = static_cast<bool>(applied);
      break;
    }
    case MonitorMethod::cond:
      txn_id_valid = false;
      applied = replica->replace_with_snapshot(msg.result, UpdateFormat::update2, listener);
      break;
    case MonitorMethod::plain:
      txn_id_valid = false;
      applied = replica->replace_with_snapshot(msg.result, UpdateFormat::update, listener);
      break;
  }
  if (!applied) {
    txn_id_valid = false;
    fail_connection(Error(applied.error().code,
                          std::string(method_name(req.monitor_method)) + " reply: " + applied.error().detail));
    return;
  }
  ++(incremental ? metrics.resync_incremental : metrics.resync_full);
  live_method = req.monitor_method;
  on_monitor_live();
  emit(Synced{incremental});
}

void Session::Impl::on_monitor_live() {
  monitor = MonitorState::live;
  phase = SessionPhase::live;
  permanent_refusals = 0;
  // Conditions set meanwhile go out now that the monitor exists.
  send_condition_changes();
}

void Session::Impl::on_data_update(UpdateFormat format, simdjson::dom::array params) {
  if (!replica || monitor != MonitorState::live) {
    fail_connection(Error(Errc::protocol_violation, "table update before the reply to the monitor request"));
    return;
  }
  Result<void> applied;
  if (format == UpdateFormat::update3) {
    std::string_view last_id;
    if (params.size() != 3 || params.at(1).get_string().get(last_id) != simdjson::SUCCESS) {
      fail_connection(Error(Errc::protocol_violation, "update3 params are not [monitor-id, last-txn-id, updates]"));
      return;
    }
    applied = replica->apply_update3(last_id, params.at(2).value_unsafe(), listener);
    // Every change up to `last_id` under the condition in force is in the
    // replica now (see on_cond_change_reply).
    if (applied) txn_id_valid = true;
  } else {
    // Without a transaction id the replica's last one no longer describes it.
    txn_id_valid = false;
    applied = replica->apply(params.at(1).value_unsafe(), format, listener);
  }
  if (!applied) {
    // The replica is unchanged, but the server's view and ours differ: the
    // next connection must fetch a full snapshot.
    txn_id_valid = false;
    fail_connection(applied.error());
    return;
  }
  ++metrics.updates_applied;
}

// ------------------------------------------------------------- conditions

RequestHandle Session::Impl::set_condition(std::string_view table, std::string where_json) {
  if (!conditions.has_table(table)) {
    // Monitoring every table: a condition narrows one of them.
    if (options.monitor.empty() && schema && schema->find_table(table)) {
      conditions.add_table(std::string(table), {});
    } else {
      return done_now(Error(Errc::unknown_table, "table " + std::string(table) + " is not monitored"));
    }
  }
  if (stopped()) return done_now(Error(Errc::canceled, "the session is stopped: " + stop_reason->message()));
  auto handle = static_cast<RequestHandle>(requests.allocate_id());
  if (RequestHandle older = conditions.set(table, std::move(where_json), handle)) {
    emit(RpcDone{older, Error(Errc::canceled, "superseded by a later condition for table " + std::string(table) +
                                                  " before it was sent")});
  }
  if (monitor == MonitorState::live) send_condition_changes();
  return handle;
}

void Session::Impl::send_condition_changes() {
  if (monitor != MonitorState::live) return;
  for (auto& change : conditions.take_sendable()) {
    if (live_method == MonitorMethod::plain) {
      // "monitor" has no conditions: the replica holds every row anyway.
      if (auto h = conditions.acknowledge(change.table)) emit(RpcDone{h, std::string("{}")});
      continue;
    }
    if (!plan.find(change.table)) {
      ++metrics.conditions_rejected;
      if (auto h = conditions.reject(change.table)) {
        emit(RpcDone{h, Error(Errc::unknown_table, "the server's " + options.database.value() +
                                                       " schema (version " + schema->version +
                                                       ") has no table " + change.table)});
      }
      continue;
    }
    // [monid, monid, {"<table>": [{"where": cond}]}]: one table a request, so
    // that a rejection is that table's alone.
    std::string params;
    JsonWriter w(params);
    w.begin_array().raw(data_monid).raw(data_monid).begin_object().key(change.table).begin_array();
    w.begin_object().key("where").raw(change.where_json).end_object();
    w.end_array().end_object().end_array();
    ++metrics.condition_changes;
    send_internal(ReqKind::cond_change, "monitor_cond_change", std::move(params)).table = change.table;
  }
}

void Session::Impl::on_cond_change_reply(const PendingRequest& req, const RpcMessage& msg) {
  if (msg.is_error()) {
    ++metrics.conditions_rejected;
    if (auto h = conditions.reject(req.table)) {
      emit(RpcDone{h, server_error(msg, "monitor_cond_change of table " + req.table)});
    }
  } else {
    // The server sends the rows the change adds and removes before this
    // reply: the replica holds the new condition's rows now. But a change
    // that moves no row brings no update3, and the replica's last transaction
    // id may predate commits to rows that only the new condition selects: a
    // resume "since" that id would send changes of rows we never had. The id
    // describes the replica again from the next update3 on.
    txn_id_valid = false;
    if (auto h = conditions.acknowledge(req.table)) emit(RpcDone{h, std::string("{}")});
  }
  send_condition_changes();
}

void Session::Impl::conditions_lost_with_connection() {
  std::vector<RequestHandle> superseded;
  if (conditions.reset(superseded)) {
    // The server may or may not have applied (and sent the rows of) a change
    // that was on the wire: only a full snapshot tells the replica the truth.
    txn_id_valid = false;
  }
  for (auto h : superseded) {
    emit(RpcDone{h, Error(Errc::canceled, "superseded by a later condition before the server answered")});
  }
}

}  // namespace fastovsdb
