#pragma once
// The sans-I/O OVSDB client session: the protocol brain that a thin I/O
// driver runs. It owns the reconnect policy, the framer and parser, the
// pending requests and the replica; it never touches a socket or a clock.
//
// The driver loop (see client/net/):
//
//   for (;;) {
//     auto action = session.next_action(now());
//     Connect    -> connect to options.remotes[remote_index], then call
//                   on_connected(now) or on_connect_failed(now, error);
//                   while connected, keep a read going into read_buffer()
//                   and report it with on_bytes_received(n, now), or
//                   on_disconnected(now, error) when the peer closes.
//     Write      -> write all of `bytes` (the view stays valid until
//                   write_done), then write_done(n).
//     Disconnect -> close the connection. The session already counts it as
//                   gone (and has queued a Disconnected or ConnectFailed
//                   event): report nothing more for that connection (no
//                   on_disconnected, write_done or on_bytes_received).
//     Wait       -> wait until `deadline` (forever when nullopt) or until
//                   any of the on_* events, whichever comes first.
//     then drain poll_event() and hand the events to the user.
//   }
//
// Delivery semantics (at least once, never silently):
//   - A request is "written" once its bytes were handed out in a Write
//     action. If the connection drops before its reply, it completes with
//     Errc::outcome_unknown: a transaction may or may not have committed, and
//     the session never re-sends it on its own.
//   - Requests not yet written when the connection drops stay queued and are
//     sent, in submission order, on the next connection that the session
//     accepts (after the _Server checks).
//   - Requests made while disconnected are queued the same way.
//
// The replica is never cleared on reconnect. The session asks for the
// changes since the replica's last transaction id (monitor_cond_since); when
// the server cannot provide them (found=false, which standalone servers always
// answer) the full snapshot is reconciled into the replica, with change events
// only for rows that really changed. Servers without monitor_cond_since get
// monitor_cond, and servers without that, monitor (RFC 7047 "update").
//
// Every malformed or unexpected input from the server ends the connection
// with a Disconnect action whose reason says what was wrong and where; the
// session then reconnects per the backoff policy. Nothing from the peer can
// make the session throw or crash.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/framer.hpp"
#include "fastovsdb/core/reconnect.hpp"
#include "fastovsdb/core/remote.hpp"
#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/core/strong_id.hpp"
#include "fastovsdb/core/transact_result.hpp"
#include "fastovsdb/core/transaction.hpp"

namespace fastovsdb {

// A user request; unique for the lifetime of the session (never 0).
using RequestHandle = uint64_t;

struct MonitoredTable {
  std::string table;
  // Empty means every column of the table.
  std::vector<std::string> columns;
  // A JSON array of RFC 7047 conditions for monitor_cond, e.g.
  // [["name","==","hv1"]]; empty means every row. Ignored by servers that
  // only know "monitor".
  std::string where_json;
};

struct SessionOptions {
  // The database to replicate and to send transactions to.
  DatabaseName database{std::string()};
  // At least one. More than one is a cluster: failover walks the list.
  std::vector<Remote> remotes;
  // What to replicate. Empty means every table of the schema, every column.
  std::vector<MonitoredTable> monitor;
  // False: no monitor and no replica (a writer or a one-shot tool).
  bool replicate = true;
  // Non-unique replica indexes, e.g. {"HA_Chassis", {"chassis_name"}}.
  std::vector<ReplicaOptions::ExtraIndex> extra_indexes;
  // Refuse clustered servers that are not the leader. Readers may set this to
  // false; servers disconnected from their cluster and stale servers are
  // refused either way.
  bool leader_only = true;
  // Watch _Server.Database even with one remote and leader_only false. The
  // watch is always on when leader_only is true or there are several remotes.
  bool watch_server = false;
  // The cluster id (_Server.Database cid) every clustered server must have.
  // Empty: pinned by the first clustered server seen; a server of another
  // cluster is refused from then on.
  std::string cluster_id;
  // Backoff, probe interval (default 5 s), jitter seed.
  ReconnectOptions reconnect;
  FramerLimits limits;
  // Bound on queued and in-flight user requests; beyond it new requests
  // complete at once with Errc::resources_exhausted.
  size_t max_pending_requests = 100000;
};

// What the driver must do next.
struct ConnectAction {
  size_t remote_index;  // into SessionOptions::remotes
  const Remote* remote;
};
struct WriteAction {
  std::string_view bytes;  // every pending message, packed (pipelining)
};
struct DisconnectAction {
  Error reason;
};
struct WaitAction {
  std::optional<SteadyTime> deadline;
};
using SessionAction = std::variant<ConnectAction, WriteAction, DisconnectAction, WaitAction>;

// Events for the user, from poll_event().
struct TransactDone {
  RequestHandle handle;
  // Server-side failures (an op error, a commit error) are in
  // TransactResult::error; the Result fails for outcome_unknown, canceled,
  // a JSON-RPC error reply or a malformed reply.
  Result<TransactResult> result;
};
// Whether a lock is held after lock/steal.
struct LockResult {
  bool locked = false;
};
// A reply decoded in the core, straight from the parsed message, for the
// requests that have a typed answer: list_dbs (the database names),
// get_schema (the schema), lock and steal (LockResult); monostate otherwise.
using RpcValue = std::variant<std::monostate, std::vector<std::string>, DatabaseSchema, LockResult>;
// Every other request: the "result" member as minified JSON, or the error
// (Errc::server_error with the server's text, outcome_unknown, canceled, or
// Errc::invalid_jsonrpc for a typed reply of the wrong shape), and the
// decoded value when `result` holds one.
struct RpcDone {
  RequestHandle handle;
  Result<std::string> result;
  RpcValue value{};
};
struct Connected {
  size_t remote_index;
};
struct ConnectFailed {
  size_t remote_index;
  Error reason;
};
struct Disconnected {
  size_t remote_index;
  Error reason;
};
// The server passed the _Server checks (or none were needed): requests flow.
struct ServerAccepted {
  size_t remote_index;
};
// The server was refused (not leader, not connected to its cluster, stale,
// database missing); the session moves on to the next remote.
struct ServerRejected {
  size_t remote_index;
  Error reason;
};
// The leadership seen through _Server changed: `leader` is whether the
// server at remote_index is now the leader.
struct LeaderChanged {
  size_t remote_index;
  bool leader;
};
// The replica holds the full state of the current connection.
struct Synced {
  bool incremental;  // monitor_cond_since found=true: only missing updates came
};
// The replica was created anew for a new or changed schema: row pointers and
// table pointers from before are gone.
struct ReplicaReset {};
enum class LockEvent : uint8_t {
  acquired,  // "locked" notification, or a lock/steal reply with locked=true
  stolen,    // another client stole it: the lock is re-requested on reconnect only
  lost,      // the connection dropped; re-requested on the next connection
  released,  // unlock() done
};
struct LockChanged {
  std::string name;
  LockEvent event;
};
// The session cannot go on: stop() was called, or the servers refused for
// good (no such database on any of them, a monitor request they reject, a
// schema the replica cannot hold). It stops connecting; `reason` keeps the
// server's own words and, for a cluster list, each member's last failure.
struct SessionStopped {
  Error reason;
};
// Something wanted that the server's schema lacks: a monitored table
// (`column` empty) or column. Reported once per session; the monitor goes on
// with what exists.
struct SchemaGap {
  std::string table;
  std::string column;
  std::string server_version;  // the server schema's "version"
};
struct SchemaSkew {
  SchemaGap gap;
};
using SessionEvent =
    std::variant<TransactDone, RpcDone, Connected, ConnectFailed, Disconnected, ServerAccepted,
                 ServerRejected, LeaderChanged, Synced, ReplicaReset, LockChanged, SessionStopped,
                 SchemaSkew>;

struct SessionMetrics {
  uint64_t bytes_received = 0;
  uint64_t bytes_sent = 0;
  uint64_t messages_received = 0;
  uint64_t messages_sent = 0;
  uint64_t writes = 0;              // Write actions (each packs many messages)
  uint64_t connects = 0;            // successful connections
  uint64_t connect_failures = 0;
  uint64_t reconnects = 0;          // connections lost or ended after connecting
  uint64_t server_rejections = 0;
  uint64_t leader_changes = 0;
  uint64_t resync_full = 0;         // snapshot reconciled into the replica
  uint64_t resync_incremental = 0;  // monitor_cond_since found=true
  uint64_t updates_applied = 0;     // update/update2/update3 notifications
  uint64_t probes_sent = 0;
  uint64_t echo_replies = 0;        // answers to the server's echo requests
  uint64_t transactions_sent = 0;
  uint64_t outcome_unknown = 0;
  uint64_t protocol_errors = 0;
  uint64_t unexpected_replies = 0;  // replies to no pending request (ignored)
  uint64_t schema_gaps = 0;         // SchemaSkew events
  uint64_t condition_changes = 0;   // monitor_cond_change requests sent
  uint64_t conditions_rejected = 0;
  // Time the driver spent in on_bytes_received, if it measures and reports it
  // with add_processing_time() (the core has no clock).
  std::chrono::nanoseconds processing_time{0};
};

// The phase of the current connection.
enum class SessionPhase : uint8_t {
  disconnected,     // backoff, or stopped
  connecting,
  checking_server,  // waiting for _Server.Database and the schema
  monitoring,       // server accepted, initial monitor reply pending
  live,             // synced (or not replicating, or monitor canceled): requests flow
  stopped,
};

class Session {
 public:
  // Errc::invalid_argument for an empty database name, no remotes, or a
  // where_json that is not a JSON array.
  static Result<Session> create(SessionOptions options, SteadyTime now);

  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  // ---- driver side ----
  SessionAction next_action(SteadyTime now);
  void write_done(size_t bytes);
  void on_connected(SteadyTime now);
  void on_connect_failed(SteadyTime now, Error reason);
  void on_disconnected(SteadyTime now, Error reason);
  // Space to read at least `min_bytes` into (empty after a framing failure).
  std::span<char> read_buffer(size_t min_bytes);
  // `n` bytes were read into the last read_buffer(): frame, parse, dispatch.
  void on_bytes_received(size_t n, SteadyTime now);
  // Copies `bytes` in and processes them (tests, replay).
  void feed(std::string_view bytes, SteadyTime now);
  void add_processing_time(std::chrono::nanoseconds d) noexcept;

  // ---- user side ----
  // The transaction is checked (Transaction::check, and validate against the
  // schema once known) and then queued; a failing check completes at once.
  RequestHandle transact(Transaction txn);
  RequestHandle list_dbs();
  RequestHandle get_schema(std::string_view database);
  // `params_json`: a JSON array, echoed back by the server.
  RequestHandle echo(std::string params_json = "[]");
  RequestHandle get_server_id();
  RequestHandle set_db_change_aware(bool aware = true);
  // Locks are remembered: they are re-requested after every reconnect until
  // unlock(). Their state changes come as LockChanged events.
  RequestHandle lock(std::string_view name);
  RequestHandle steal(std::string_view name);
  RequestHandle unlock(std::string_view name);
  // Replaces the where-condition of a monitored table (JSON array, "" for
  // every row). Conditions go through the states new -> requested ->
  // acknowledged (see condition_tracker.hpp): the request completes with "{}"
  // once the server has acknowledged this condition and the replica holds
  // exactly its matching rows (across reconnects), with the server's error if
  // the server rejects it (the last acknowledged condition stays in force),
  // or with Errc::canceled when a later set_condition for the same table
  // supersedes it before it was sent. Servers that only know "monitor" have
  // no conditions: it completes at once and the replica holds every row.
  RequestHandle set_condition(std::string_view table, std::string where_json);
  // Settled condition changes (acknowledged or rejected) so far; it moves
  // whenever one settles.
  uint64_t condition_seqno() const noexcept;
  // Whether some condition is still new or requested.
  bool conditions_pending() const noexcept;
  // Stops the data monitor (RFC 7047 monitor_cancel) and completes with "{}"
  // once the server confirms: no update reaches the replica after that, and
  // synced() is false. The replica keeps its rows as they were (frozen, not
  // cleared). The cancel is remembered: reconnects do not monitor again until
  // resume_monitor(). Completes at once with "{}" when no monitor is up on the
  // current connection (disconnected, not yet requested, already canceled);
  // Errc::invalid_argument when not replicating. If the connection drops
  // before the reply, the request completes with outcome_unknown but the
  // cancel still holds.
  RequestHandle cancel_monitor();
  // Undoes cancel_monitor(): the data monitor is requested again through the
  // usual monitor_cond_since path (only the changes since the frozen replica's
  // last transaction when the server still has them, else a full snapshot
  // reconciled into the replica), with the current conditions. Completes at
  // once with "{}" (or invalid_argument when not replicating); a Synced event
  // follows when the replica is live again.
  RequestHandle resume_monitor();
  // Any other method: `params_json` must be a JSON array.
  RequestHandle call(std::string_view method, std::string params_json);
  // A request not yet written completes at once with Errc::canceled (true).
  // A written transact gets the "cancel" notification; its TransactDone then
  // comes from the server (true). Otherwise false.
  bool cancel(RequestHandle handle);
  // Stops for good: queued and in-flight requests complete with
  // Errc::canceled / outcome_unknown; the next action is a Disconnect if
  // connected, then Wait forever.
  void stop(SteadyTime now);

  std::optional<SessionEvent> poll_event();

  // Called with every row change the replica applies (set it before the
  // first connection to see the initial rows as inserts).
  void set_change_listener(ChangeListener listener);
  // nullptr until the first schema arrives.
  const Replica* replica() const noexcept;
  // The server's schema (nullptr until the first one arrives), and whether it
  // has a table or column: a client built for a newer schema asks before it
  // relies on one.
  const DatabaseSchema* server_schema() const noexcept;
  bool server_has_table(std::string_view table) const noexcept;
  bool server_has_column(std::string_view table, std::string_view column) const noexcept;
  // Why the session stopped (nullopt while it runs).
  const std::optional<Error>& stop_reason() const noexcept;
  // Each remote's last failure, "remote: reason" joined by "; " (empty when
  // none failed yet).
  std::string failures_by_remote() const;
  bool synced() const noexcept;
  bool connected() const noexcept;
  SessionPhase phase() const noexcept;
  size_t current_remote() const noexcept;
  bool has_lock(std::string_view name) const noexcept;
  // True from cancel_monitor() until resume_monitor().
  bool monitor_canceled() const noexcept;
  size_t pending_requests() const noexcept;
  const SessionMetrics& metrics() const noexcept;
  const SessionOptions& options() const noexcept;
  const Reconnect& reconnect() const noexcept;

 private:
  struct Impl;
  explicit Session(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fastovsdb
