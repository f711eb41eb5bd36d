// Routing of incoming messages: the server's requests (echo), notifications
// (updates, locks) and the replies to our requests.
#include "replies.hpp"
#include "session_impl.hpp"

namespace fastovsdb {

void Session::Impl::dispatch(const RpcMessage& msg) {
  switch (msg.kind) {
    case RpcKind::request: on_request(msg); break;
    case RpcKind::notification: on_notification(msg); break;
    case RpcKind::response: on_response(msg); break;
  }
}

void Session::Impl::on_request(const RpcMessage& msg) {
  if (msg.method == "echo") {
    // Answered at once, even in the middle of a dump: it is its own message.
    write_echo_reply(requests.output(), msg);
    ++metrics.echo_replies;
  } else {
    write_error_response(requests.output(), msg.id.json, "unknown method", std::string(msg.method));
  }
  ++metrics.messages_sent;
}

namespace {

std::optional<std::string_view> single_string_param(const RpcMessage& msg) {
  std::string_view s;
  if (msg.params.size() < 1 || msg.params.at(0).get_string().get(s) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return s;
}

}  // namespace

void Session::Impl::on_notification(const RpcMessage& msg) {
  const std::string_view m = msg.method;
  if (m == "update" || m == "update2" || m == "update3") {
    if (msg.params.size() < 2) {
      fail_connection(Error(Errc::protocol_violation,
                            std::string(m) + " notification with fewer than 2 params"));
      return;
    }
    const std::string monid = minify(msg.params.at(0).value_unsafe());
    if (monid == ServerWatch::monitor_id_json() && m == "update") {
      on_server_verdict(server.on_update(msg.params.at(1).value_unsafe(), remote_name()));
      return;
    }
    if (monid == data_monid && monitor == MonitorState::idle) {
      fail_connection(Error(Errc::protocol_violation,
                            std::string(m) + " notification for monitor " + monid +
                                " while none is requested (never, or canceled)"));
      return;
    }
    if (monid != data_monid) {
      fail_connection(Error(Errc::protocol_violation,
                            std::string(m) + " notification for unknown monitor " + monid.substr(0, 200)));
      return;
    }
    UpdateFormat format = m == "update"    ? UpdateFormat::update
                          : m == "update2" ? UpdateFormat::update2
                                           : UpdateFormat::update3;
    on_data_update(format, msg.params);
    return;
  }
  if (m == "locked" || m == "stolen") {
    auto name = single_string_param(msg);
    if (!name) {
      fail_connection(Error(Errc::protocol_violation, std::string(m) + " notification without a lock name"));
      return;
    }
    if (auto changed = locks.set_held(*name, m == "locked")) emit(std::move(*changed));
    return;
  }
  if (m == "monitor_canceled") {
    if (msg.params.size() < 1) return;
    const std::string monid = minify(msg.params.at(0).value_unsafe());
    if (monid == data_monid) {
      // The database changed under us (schema upgrade, or removed): start over
      // with its schema on this same connection, keeping the replica. The
      // conditions on the wire died with the monitor.
      conditions_lost_with_connection();
      schema_received = false;
      monitor = MonitorState::idle;
      phase = monitor_wanted && options.replicate ? SessionPhase::monitoring : SessionPhase::live;
      send_internal(ReqKind::schema, "get_schema", name_params(options.database.value()));
    } else if (monid == ServerWatch::monitor_id_json()) {
      send_internal(ReqKind::server_monitor, "monitor", server.request_params());
    }
    return;
  }
  // Anything else ("update" of a monitor we do not know, future methods) is
  // ignored, as ovsdb-cs does.
}

void Session::Impl::on_server_verdict(const ServerWatch::Verdict& verdict) {
  if (verdict.leader_changed) {
    ++metrics.leader_changes;
    emit(LeaderChanged{remote_index(), *verdict.leader_changed});
  }
  if (verdict.violation) {
    fail_connection(*verdict.violation);
    return;
  }
  if (verdict.rejection) {
    if (verdict.passing) {
      fail_connection(*verdict.rejection, Ending::passing_refusal);
    } else if (verdict.permanent) {
      refuse_permanently(*verdict.rejection);
    } else {
      fail_connection(*verdict.rejection, Ending::refusal);
    }
    return;
  }
  if (verdict.newly_accepted) on_server_accepted();
}

void Session::Impl::on_lock_reply(const PendingRequest& req, const RpcMessage& msg) {
  if (msg.is_error()) return;
  bool locked = false;
  simdjson::dom::object obj;
  if (msg.result.get_object().get(obj) != simdjson::SUCCESS ||
      obj["locked"].get_bool().get(locked) != simdjson::SUCCESS || !locked) {
    return;
  }
  if (auto changed = locks.set_held(req.lock_name, true)) emit(std::move(*changed));
}

void Session::Impl::on_user_reply(const PendingRequest& req, const RpcMessage& msg) {
  if (msg.is_error()) {
    complete(req, server_error(msg, req.method));
    return;
  }
  Result<RpcValue> value = decode_reply(req.shape, req.method, msg.result);
  if (!value) {
    complete(req, value.error());
    return;
  }
  emit(RpcDone{req.handle, minify(msg.result), std::move(*value)});
}

void Session::Impl::on_monitor_cancel_reply(const PendingRequest& req, const RpcMessage& msg) {
  if (msg.is_error()) {
    // No such monitor on the server (a cancel repeated, or one sent before
    // the monitor was set up again): what the user asked for already holds,
    // and the state of any monitor requested since must not be touched.
    if (msg.error_text().find("unknown monitor") != std::string::npos) {
      complete(req, std::string("{}"));
    } else {
      complete(req, server_error(msg, req.method));
    }
    return;
  }
  // The server sends no update for this monitor any more; the replica stays
  // as it was, frozen at its last transaction id (still valid for a later
  // monitor_cond_since). Condition changes on the wire died with it.
  conditions_lost_with_connection();
  monitor = MonitorState::idle;
  phase = SessionPhase::live;
  complete(req, minify(msg.result));
  // resume_monitor() came while the cancel was on the wire.
  maybe_request_monitor();
}

void Session::Impl::on_response(const RpcMessage& msg) {
  if (!msg.id.integer) {
    ++metrics.unexpected_replies;
    return;
  }
  auto taken = requests.take_answered(*msg.id.integer);
  if (!taken) {
    // Not a reply to anything on this connection (OVS logs and drops these).
    ++metrics.unexpected_replies;
    return;
  }
  const PendingRequest& req = *taken;
  switch (req.kind) {
    case ReqKind::user_transact: {
      if (msg.is_error()) {
        emit(TransactDone{req.handle, server_error(msg, "transact " + std::to_string(req.handle))});
        return;
      }
      const DatabaseSchema* txn_schema =
          schema && req.txn->database() == options.database ? schema.get() : nullptr;
      emit(TransactDone{req.handle, parse_transact_result(msg.result, *req.txn, txn_schema)});
      return;
    }
    case ReqKind::user_lock:
      on_lock_reply(req, msg);
      [[fallthrough]];
    case ReqKind::user_rpc: on_user_reply(req, msg); return;
    case ReqKind::user_unlock:
      if (!msg.is_error()) emit(LockChanged{req.lock_name, LockEvent::released});
      complete(req, msg.is_error() ? Result<std::string>(server_error(msg, req.method)) : minify(msg.result));
      return;
    case ReqKind::user_monitor_cancel: on_monitor_cancel_reply(req, msg); return;
    case ReqKind::relock: on_lock_reply(req, msg); return;
    case ReqKind::server_monitor: {
      std::optional<std::string> error;
      if (msg.is_error()) error = msg.error_text();
      on_server_verdict(server.on_reply(msg.result, error, remote_name()));
      return;
    }
    case ReqKind::schema: on_schema_reply(msg); return;
    case ReqKind::data_monitor: on_data_monitor_reply(req, msg); return;
    case ReqKind::cond_change: on_cond_change_reply(req, msg); return;
    case ReqKind::db_change_aware:
    case ReqKind::probe: return;
  }
}

}  // namespace fastovsdb
