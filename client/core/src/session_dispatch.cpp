// Routing of incoming messages: the server's requests (echo), notifications
// (updates, locks) and the replies to our requests.
#include "session_impl.hpp"

namespace fastovsdb {

void Session::Impl::dispatch(const RpcMessage& msg, SteadyTime) {
  switch (msg.kind) {
    case RpcKind::request: on_request(msg); break;
    case RpcKind::notification: on_notification(msg); break;
    case RpcKind::response: on_response(msg); break;
  }
}

void Session::Impl::on_request(const RpcMessage& msg) {
  if (msg.method == "echo") {
    // Answered at once, even in the middle of a dump: it is its own message.
    write_echo_reply(out, msg);
    ++metrics.echo_replies;
  } else {
    write_error_response(out, msg.id.json, "unknown method", std::string(msg.method));
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
    if (monid == server_monid && m == "update") {
      on_server_update(msg.params.at(1).value_unsafe());
      return;
    }
    if (monid == data_monid && !monitor_requested) {
      fail_connection(Error(Errc::protocol_violation,
                            std::string(m) + " notification for monitor " + monid +
                                " while none is requested (never, or canceled)"));
      return;
    }
    if (monid != data_monid) {
      fail_connection(Error(Errc::protocol_violation,
                            std::string(m) + " notification for unknown monitor " +
                                monid.substr(0, 200)));
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
      fail_connection(Error(Errc::protocol_violation,
                            std::string(m) + " notification without a lock name"));
      return;
    }
    auto it = locks.find(*name);
    if (it == locks.end()) return;  // unlocked meanwhile
    const bool acquired = m == "locked";
    if (it->second == acquired) return;
    it->second = acquired;
    emit(LockChanged{it->first, acquired ? LockEvent::acquired : LockEvent::stolen});
    return;
  }
  if (m == "monitor_canceled") {
    if (msg.params.size() < 1) return;
    const std::string monid = minify(msg.params.at(0).value_unsafe());
    if (monid == data_monid) {
      // The database changed under us (schema upgrade, or removed): start over
      // with its schema on this same connection, keeping the replica.
      schema_ok = false;
      monitor_requested = false;
      synced = false;
      phase = monitor_wanted ? SessionPhase::monitoring : SessionPhase::live;
      send_internal(ReqKind::schema, "get_schema", db_params(options.database.value()));
    } else if (monid == server_monid) {
      send_server_monitor();
    }
    return;
  }
  // Anything else ("update" of a monitor we do not know, future methods) is
  // ignored, as ovsdb-cs does.
}

void Session::Impl::on_lock_reply(PendingRequest& req, const RpcMessage& msg) {
  if (msg.is_error()) return;
  bool locked = false;
  simdjson::dom::object obj;
  if (msg.result.get_object().get(obj) != simdjson::SUCCESS ||
      obj["locked"].get_bool().get(locked) != simdjson::SUCCESS) {
    return;
  }
  auto it = locks.find(req.lock_name);
  if (it == locks.end() || !locked || it->second) return;
  it->second = true;
  emit(LockChanged{it->first, LockEvent::acquired});
}

void Session::Impl::on_monitor_cancel_reply(PendingRequest& req, const RpcMessage& msg) {
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
  // monitor_cond_since).
  monitor_requested = false;
  synced = false;
  phase = SessionPhase::live;
  complete(req, minify(msg.result));
  // resume_monitor() came while the cancel was on the wire.
  maybe_request_monitor();
  if (monitor_requested) phase = SessionPhase::monitoring;
}

void Session::Impl::on_response(const RpcMessage& msg) {
  if (!msg.id.integer) {
    ++metrics.unexpected_replies;
    return;
  }
  auto it = pending.find(*msg.id.integer);
  if (it == pending.end() || it->second.state != ReqState::written) {
    // Not a reply to anything on this connection (OVS logs and drops these).
    ++metrics.unexpected_replies;
    return;
  }
  PendingRequest req = std::move(it->second);
  pending.erase(it);

  switch (req.kind) {
    case ReqKind::user_transact: {
      if (msg.is_error()) {
        complete_transact(req, server_error(msg, "transact " + std::to_string(req.handle)));
        return;
      }
      const DatabaseSchema* txn_schema =
          schema && req.txn->database() == options.database ? schema.get() : nullptr;
      complete_transact(req, parse_transact_result(msg.result, *req.txn, txn_schema));
      return;
    }
    case ReqKind::user_lock:
      on_lock_reply(req, msg);
      [[fallthrough]];
    case ReqKind::user_rpc:
      if (msg.is_error()) {
        complete(req, server_error(msg, req.method));
      } else {
        complete(req, minify(msg.result));
      }
      return;
    case ReqKind::user_unlock:
      if (!msg.is_error()) emit(LockChanged{req.lock_name, LockEvent::released});
      if (msg.is_error()) {
        complete(req, server_error(msg, req.method));
      } else {
        complete(req, minify(msg.result));
      }
      return;
    case ReqKind::user_monitor_cancel: on_monitor_cancel_reply(req, msg); return;
    case ReqKind::relock: on_lock_reply(req, msg); return;
    case ReqKind::server_monitor: on_server_monitor_reply(msg); return;
    case ReqKind::schema: on_schema_reply(msg); return;
    case ReqKind::data_monitor: on_data_monitor_reply(req, msg); return;
    case ReqKind::db_change_aware:
    case ReqKind::probe:
    case ReqKind::cond_change: return;
  }
}

}  // namespace fastovsdb
