#pragma once
// The private state of a Session. Its sub-machines each live in their own
// file and are tested alone: RequestQueue (request_queue.hpp: queued ->
// buffered -> written, pipelined writes), ServerWatch (server_watch.hpp: the
// _Server.Database checks), ConditionTracker (condition_tracker.hpp: new ->
// requested -> acknowledged conditions), MonitorPlan (monitor_plan.hpp: what
// the server's schema lets us monitor) and LockTable (lock_table.hpp). The
// Impl is the glue: the connection lifecycle (session.cpp), the routing of
// incoming messages (session_dispatch.cpp) and the data monitor
// (session_monitor.cpp: get_schema, monitor_cond_since -> monitor_cond ->
// monitor, updates, condition changes).
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "condition_tracker.hpp"
#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/jsonrpc.hpp"
#include "fastovsdb/core/session.hpp"
#include "lock_table.hpp"
#include "monitor_plan.hpp"
#include "request_queue.hpp"
#include "server_watch.hpp"

namespace fastovsdb {

// The data monitor on the current connection.
enum class MonitorState : uint8_t {
  idle,       // none: not yet asked for (schema or server pending), or canceled
  requested,  // a monitor request is on the wire (see its MonitorMethod)
  live,       // its reply is in the replica: updates flow (synced)
};

// How a connection that the session ends counts for the reconnect policy.
enum class Ending : uint8_t {
  failure,          // a protocol error, a probe timeout: back off
  refusal,          // the server refused us for good (no such database, ...)
  passing_refusal,  // refused for a cluster state an election ends
};

struct Session::Impl {
  Impl(SessionOptions o, SteadyTime now);

  // session.cpp: driver side, lifecycle, requests, completion
  SessionAction next_action(SteadyTime now);
  void on_connected(SteadyTime now);
  void on_connect_failed(SteadyTime now, Error reason);
  void on_disconnected(SteadyTime now, Error reason);
  void on_bytes_received(size_t n, SteadyTime now);
  // Gives back the receive buffer and the parser's memory after a huge
  // message (an initial dump, a resync) once nothing is buffered; run before
  // each read, when no parsed message is alive.
  void release_idle_buffers();
  RequestHandle submit(ReqKind kind, std::string method, std::string params,
                       std::optional<Transaction> txn = std::nullopt, std::string lock_name = {},
                       ReplyShape shape = ReplyShape::json);
  PendingRequest& send_internal(ReqKind kind, std::string method, std::string params);
  void lose_connection(SteadyTime now, const Error& reason, bool connected_before, Ending ending);
  // Ends the connection (reported by the next action).
  void fail_connection(Error reason, Ending ending = Ending::failure);
  // A permanent refusal: the session stops once no remote is left to try.
  void refuse_permanently(Error reason);
  std::string failures_by_remote_text() const;
  void complete(const PendingRequest& req, Result<std::string> result);
  void complete(RequestHandle handle, ReqKind kind, Result<std::string> result);
  // An immediate completion for a request that never went anywhere.
  RequestHandle done_now(Result<std::string> result);
  bool cancel(RequestHandle handle);
  void stop(SteadyTime now, Error reason);
  bool stopped() const noexcept { return stop_reason.has_value(); }
  bool is_connected() const noexcept {
    return phase == SessionPhase::checking_server || phase == SessionPhase::monitoring ||
           phase == SessionPhase::live;
  }
  bool server_accepted() const noexcept { return server.state() == ServerWatch::State::accepted; }
  void emit(SessionEvent e) { events.push_back(std::move(e)); }
  size_t remote_index() const noexcept { return reconnect.current_remote(); }
  const std::string& remote_name() const noexcept { return options.remotes[remote_index()].text; }

  // session_dispatch.cpp
  void dispatch(const RpcMessage& msg);
  void on_request(const RpcMessage& msg);
  void on_notification(const RpcMessage& msg);
  void on_response(const RpcMessage& msg);
  void on_lock_reply(const PendingRequest& req, const RpcMessage& msg);
  void on_user_reply(const PendingRequest& req, const RpcMessage& msg);
  void on_monitor_cancel_reply(const PendingRequest& req, const RpcMessage& msg);
  void on_server_verdict(const ServerWatch::Verdict& verdict);

  // session_monitor.cpp
  void start_handshake();
  void on_server_accepted();
  void maybe_request_monitor();
  void send_data_monitor(MonitorMethod method);
  void on_schema_reply(const RpcMessage& msg);
  void on_data_monitor_reply(const PendingRequest& req, const RpcMessage& msg);
  void on_data_update(UpdateFormat format, simdjson::dom::array params);
  void on_monitor_live();
  std::string monitor_requests_json(MonitorMethod method) const;
  RequestHandle set_condition(std::string_view table, std::string where_json);
  void send_condition_changes();
  void on_cond_change_reply(const PendingRequest& req, const RpcMessage& msg);
  void conditions_lost_with_connection();
  bool synced() const noexcept { return monitor == MonitorState::live; }

  SessionOptions options;
  Reconnect reconnect;
  Framer framer;
  MessageParser parser;
  SessionMetrics metrics;
  std::deque<SessionEvent> events;
  ChangeListener listener;
  std::optional<Replica> replica;
  // The schema of the database (also kept when not replicating, for checks).
  std::shared_ptr<const DatabaseSchema> schema;
  SteadyTime last_now;

  SessionPhase phase = SessionPhase::disconnected;
  std::optional<Error> stop_reason;
  // Decided while handling input, carried out by the next action.
  std::optional<std::pair<Error, Ending>> pending_disconnect;
  // Permanent refusals in a row, without an accepted server between them.
  size_t permanent_refusals = 0;

  RequestQueue requests{metrics};
  ServerWatch server;
  // Whether this session checks _Server.Database at all.
  bool watch_server = false;
  LockTable locks;

  // The data monitor. `monitor_wanted` is the user's will (cancel_monitor()
  // until resume_monitor()) and outlives connections; the rest is per
  // connection.
  bool monitor_wanted = true;
  MonitorState monitor = MonitorState::idle;
  MonitorMethod live_method = MonitorMethod::cond_since;
  bool schema_received = false;  // on this connection
  std::string data_monid;
  // Whether replica->last_txn_id() may be handed to monitor_cond_since: only
  // when the replica holds exactly the state as of that transaction under the
  // acknowledged conditions.
  bool txn_id_valid = false;
  MonitorPlan plan;
  ConditionTracker conditions;
  std::set<std::pair<std::string, std::string>> reported_gaps;
};

// ["<name>"] as params.
std::string name_params(std::string_view name);
// {"error": ...} text of a response as an Error.
Error server_error(const RpcMessage& msg, std::string_view what);
bool is_unknown_method(const RpcMessage& msg);
std::string minify(simdjson::dom::element e);

}  // namespace fastovsdb
