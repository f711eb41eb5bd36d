#pragma once
// The private state of a Session, shared by the session_*.cpp files:
// session.cpp (driver side, requests, output), session_dispatch.cpp (incoming
// messages), session_monitor.cpp (schema, monitor, updates),
// session_server_watch.cpp (_Server.Database checks).
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fastovsdb/core/json_parse.hpp"
#include "fastovsdb/core/jsonrpc.hpp"
#include "fastovsdb/core/session.hpp"

namespace fastovsdb {

enum class ReqKind : uint8_t {
  // User requests (they have a handle and complete with an event).
  user_transact,
  user_rpc,
  user_lock,  // lock or steal
  user_unlock,
  user_monitor_cancel,  // monitor_cancel of the data monitor
  // The session's own requests (dropped with their connection).
  server_monitor,
  db_change_aware,
  schema,
  data_monitor,
  relock,
  probe,
  cond_change,
};

enum class ReqState : uint8_t {
  queued,    // waiting for an accepted connection
  buffered,  // serialized into out_, not yet handed to the driver
  written,   // handed to the driver in a Write action
};

enum class MonitorMethod : uint8_t { cond_since, cond, plain };

struct PendingRequest {
  ReqKind kind;
  RequestHandle handle = 0;  // user requests only
  ReqState state = ReqState::queued;
  std::string method;
  std::string params;  // a JSON array
  std::optional<Transaction> txn;
  std::string lock_name;
  MonitorMethod monitor_method = MonitorMethod::cond_since;  // data_monitor
  bool user_visible() const noexcept { return handle != 0; }
};

struct ServerDbRow {
  std::string name;
  std::string model;
  bool connected = false;
  bool leader = false;
  std::optional<int64_t> index;
  std::string cid;
};

struct Session::Impl {
  Impl(SessionOptions o, SteadyTime now);

  // session.cpp
  SessionAction next_action(SteadyTime now);
  void write_done(size_t n);
  void on_connected(SteadyTime now);
  void on_connect_failed(SteadyTime now, Error reason);
  void on_disconnected(SteadyTime now, Error reason);
  void on_bytes_received(size_t n, SteadyTime now);
  // Gives back the receive buffer and the parser's memory after a huge
  // message (an initial dump, a resync) once nothing is buffered; run before
  // each read, when no parsed message is alive.
  void release_idle_buffers();
  RequestHandle submit(ReqKind kind, std::string method, std::string params,
                       std::optional<Transaction> txn = std::nullopt, std::string lock_name = {});
  int64_t send_internal(ReqKind kind, std::string method, std::string params);
  void append_request(int64_t id, PendingRequest& req);
  void append_notification(std::string_view method, std::string_view params);
  void flush_queued();
  void lose_connection(SteadyTime now, const Error& reason, bool connected_before);
  void fail_connection(Error reason);
  void complete(PendingRequest& req, Result<std::string> result);
  void complete_transact(PendingRequest& req, Result<TransactResult> result);
  bool cancel(RequestHandle handle);
  void stop(SteadyTime now, Error reason);
  bool is_connected() const noexcept {
    return phase == SessionPhase::checking_server || phase == SessionPhase::monitoring ||
           phase == SessionPhase::live;
  }
  void emit(SessionEvent e) { events.push_back(std::move(e)); }
  size_t remote_index() const noexcept { return reconnect.current_remote(); }

  // session_dispatch.cpp
  void dispatch(const RpcMessage& msg, SteadyTime now);
  void on_request(const RpcMessage& msg);
  void on_notification(const RpcMessage& msg);
  void on_response(const RpcMessage& msg);
  void on_lock_reply(PendingRequest& req, const RpcMessage& msg);
  void on_monitor_cancel_reply(PendingRequest& req, const RpcMessage& msg);

  // session_monitor.cpp
  void start_handshake();
  void on_server_accepted();
  void maybe_request_monitor();
  void send_data_monitor(MonitorMethod method);
  void on_schema_reply(const RpcMessage& msg);
  void on_data_monitor_reply(PendingRequest& req, const RpcMessage& msg);
  void on_data_update(UpdateFormat format, simdjson::dom::array params);
  std::string monitor_requests_json(MonitorMethod method) const;

  // session_server_watch.cpp
  void send_server_monitor();
  void on_server_monitor_reply(const RpcMessage& msg);
  void on_server_update(simdjson::dom::element table_updates);
  Result<void> apply_server_updates(simdjson::dom::element table_updates);
  void check_server();

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
  bool stopped = false;
  std::optional<Error> pending_disconnect;  // decided here, reported by next_action

  std::map<int64_t, PendingRequest> pending;  // by JSON-RPC id (== handle for users)
  std::deque<int64_t> queued;                 // user requests awaiting an accepted server
  int64_t next_id = 1;
  size_t user_pending = 0;

  std::string out;      // messages not yet handed to the driver
  std::string writing;  // handed out in a Write action
  size_t writing_done = 0;
  bool write_in_flight = false;
  std::vector<int64_t> out_ids;  // requests serialized into `out`

  // False from cancel_monitor() until resume_monitor(): no connection asks
  // for the data monitor meanwhile, so a reconnect does not undo the cancel.
  bool monitor_wanted = true;

  // The current connection.
  bool watch_server = false;
  bool server_ok = false;
  bool schema_ok = false;
  // A data monitor was requested on this connection and not canceled since.
  bool monitor_requested = false;
  bool synced = false;
  std::string data_monid;
  std::string server_monid;
  // Whether replica->last_txn_id() may be handed to monitor_cond_since: only
  // when the replica holds exactly the state as of that transaction.
  bool txn_id_valid = false;

  // _Server.Database rows of the current connection, by row uuid.
  std::map<std::string, ServerDbRow> server_rows;
  std::optional<bool> current_is_leader;
  std::optional<size_t> last_leader_remote;
  std::string max_index_cid;
  int64_t max_index = -1;

  // Locks the user wants, and whether they are held now.
  std::map<std::string, bool, std::less<>> locks;
};

// ["<database>"] as params.
std::string db_params(std::string_view database);
// {"error": ...} text of a response as an Error.
Error server_error(const RpcMessage& msg, std::string_view what);
bool is_unknown_method(const RpcMessage& msg);
std::string minify(simdjson::dom::element e);

}  // namespace fastovsdb
