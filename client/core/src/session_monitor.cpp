// The data side of a connection: get_schema, then monitor_cond_since ->
// monitor_cond -> monitor, and the updates that follow (after ovsdb-cs.c).
#include "session_impl.hpp"

namespace fastovsdb {

std::string db_params(std::string_view database) {
  std::string p = "[";
  append_json_string(p, database);
  p += "]";
  return p;
}

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

}  // namespace

void Session::Impl::start_handshake() {
  // One write carries the whole opening: the server answers in order, and
  // nothing waits for a round trip it does not need.
  if (watch_server) {
    send_internal(ReqKind::db_change_aware, "set_db_change_aware", "[true]");
    send_server_monitor();
  }
  send_internal(ReqKind::schema, "get_schema", db_params(options.database.value()));
  if (!watch_server) on_server_accepted();
}

void Session::Impl::on_server_accepted() {
  if (server_ok) return;
  server_ok = true;
  phase = options.replicate && monitor_wanted && !synced ? SessionPhase::monitoring
                                                         : SessionPhase::live;
  emit(ServerAccepted{remote_index()});
  // Locks are per connection on the server: ask again for every lock wanted,
  // unless the user's own request for it is still queued.
  for (auto& [name, held] : locks) {
    bool queued_by_user = false;
    for (int64_t id : queued) {
      auto it = pending.find(id);
      if (it != pending.end() && it->second.kind == ReqKind::user_lock &&
          it->second.lock_name == name) {
        queued_by_user = true;
        break;
      }
    }
    if (queued_by_user) continue;
    int64_t id = send_internal(ReqKind::relock, "lock", db_params(name));
    pending[id].lock_name = name;
  }
  flush_queued();
  maybe_request_monitor();
}

void Session::Impl::on_schema_reply(const RpcMessage& msg) {
  const std::string& db = options.database.value();
  if (msg.is_error()) {
    Error e = server_error(msg, "get_schema " + db);
    if (msg.error_text().find("unknown database") != std::string::npos) {
      e = Error(Errc::server_rejected, "database " + db + " is not served by " +
                                           options.remotes[remote_index()].text);
    }
    fail_connection(std::move(e));
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
      ReplicaOptions ro;
      for (const auto& t : options.monitor) ro.tables.push_back(t.table);
      ro.extra_indexes = options.extra_indexes;
      auto created = Replica::create(schema, std::move(ro));
      if (!created) {
        // A configuration that this schema cannot serve: retrying cannot help.
        Error e(created.error().code,
                "cannot replicate " + db + ": " + created.error().detail);
        stop(last_now, std::move(e));
        return;
      }
      replica.emplace(std::move(*created));
      txn_id_valid = false;
      synced = false;
      emit(ReplicaReset{});
    }
  }
  schema_ok = true;
  maybe_request_monitor();
}

void Session::Impl::maybe_request_monitor() {
  if (!options.replicate || !monitor_wanted || !server_ok || !schema_ok || monitor_requested ||
      !replica) {
    return;
  }
  if (phase != SessionPhase::live) phase = SessionPhase::monitoring;
  send_data_monitor(MonitorMethod::cond_since);
}

std::string Session::Impl::monitor_requests_json(MonitorMethod method) const {
  std::string out = "{";
  bool first = true;
  auto add = [&](std::string_view table, const std::vector<std::string>& columns,
                 std::string_view where) {
    if (!first) out += ',';
    first = false;
    append_json_string(out, table);
    out += ':';
    if (method != MonitorMethod::plain) out += '[';
    out += '{';
    bool need_comma = false;
    if (!columns.empty()) {
      out += "\"columns\":[";
      for (size_t i = 0; i < columns.size(); ++i) {
        if (i) out += ',';
        append_json_string(out, columns[i]);
      }
      out += ']';
      need_comma = true;
    }
    // "monitor" has no conditions: such servers send every row.
    if (!where.empty() && method != MonitorMethod::plain) {
      if (need_comma) out += ',';
      out += "\"where\":";
      out += where;
    }
    out += '}';
    if (method != MonitorMethod::plain) out += ']';
  };
  if (options.monitor.empty()) {
    static const std::vector<std::string> all;
    for (size_t i = 0; i < replica->table_count(); ++i) add(replica->table_at(i).name(), all, {});
  } else {
    for (const auto& t : options.monitor) add(t.table, t.columns, t.where_json);
  }
  out += '}';
  return out;
}

void Session::Impl::send_data_monitor(MonitorMethod method) {
  std::string params = "[";
  append_json_string(params, options.database.value());
  params += ',';
  params += data_monid;
  params += ',';
  params += monitor_requests_json(method);
  if (method == MonitorMethod::cond_since) {
    params += ',';
    append_json_string(params, txn_id_valid && !replica->last_txn_id().empty()
                                   ? std::string_view(replica->last_txn_id())
                                   : zero_txn_id);
  }
  params += ']';
  monitor_requested = true;
  int64_t id = send_internal(ReqKind::data_monitor, std::string(method_name(method)),
                             std::move(params));
  pending[id].monitor_method = method;
}

void Session::Impl::on_data_monitor_reply(PendingRequest& req, const RpcMessage& msg) {
  if (!replica) return;
  if (msg.is_error()) {
    if (!monitor_wanted) {
      // Canceled by the user before the server answered: no fallback, no
      // monitor; the monitor_cancel behind it finds nothing to cancel.
      monitor_requested = false;
      phase = SessionPhase::live;
      return;
    }
    if (is_unknown_method(msg) && req.monitor_method != MonitorMethod::plain) {
      send_data_monitor(req.monitor_method == MonitorMethod::cond_since ? MonitorMethod::cond
                                                                        : MonitorMethod::plain);
      return;
    }
    fail_connection(server_error(msg, std::string(method_name(req.monitor_method))));
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
    fail_connection(Error(applied.error().code, std::string(method_name(req.monitor_method)) +
                                                    " reply: " + applied.error().detail));
    return;
  }
  ++(incremental ? metrics.resync_incremental : metrics.resync_full);
  synced = true;
  phase = SessionPhase::live;
  emit(Synced{incremental});
}

void Session::Impl::on_data_update(UpdateFormat format, simdjson::dom::array params) {
  if (!replica || !synced) {
    fail_connection(Error(Errc::protocol_violation,
                          "table update before the reply to the monitor request"));
    return;
  }
  Result<void> applied;
  if (format == UpdateFormat::update3) {
    std::string_view last_id;
    if (params.size() != 3 || params.at(1).get_string().get(last_id) != simdjson::SUCCESS) {
      fail_connection(Error(Errc::protocol_violation,
                            "update3 params are not [monitor-id, last-txn-id, updates]"));
      return;
    }
    applied = replica->apply_update3(last_id, params.at(2).value_unsafe(), listener);
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

}  // namespace fastovsdb
