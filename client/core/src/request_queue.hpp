#pragma once
// The request multiplexer of a session (after Boost.Redis's multiplexer):
// every request goes through the states queued -> buffered -> written and is
// answered by id. Requests wait in `queued` until the server is accepted, are
// serialized into one output buffer (buffered), and the whole buffer goes to
// the driver in one Write action (written): pipelining with one write in
// flight at a time. A dropped connection fails what was written (the outcome
// is unknown) and queues again, in order, what was only buffered.
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  buffered,  // serialized into the output buffer, not yet handed to the driver
  written,   // handed to the driver in a Write action
};

enum class MonitorMethod : uint8_t { cond_since, cond, plain };

// What a user request's reply decodes to (see RpcValue).
enum class ReplyShape : uint8_t { json, database_names, schema, lock };

struct PendingRequest {
  ReqKind kind;
  RequestHandle handle = 0;  // user requests only
  ReqState state = ReqState::queued;
  std::string method;
  std::string params;  // a JSON array
  std::optional<Transaction> txn;
  std::string lock_name;                                      // lock requests
  std::string table;                                          // cond_change
  MonitorMethod monitor_method = MonitorMethod::cond_since;  // data_monitor
  ReplyShape shape = ReplyShape::json;                        // user requests
  bool user_visible() const noexcept { return handle != 0; }
};

class RequestQueue {
 public:
  explicit RequestQueue(SessionMetrics& metrics) : metrics_(metrics) {}

  // A fresh JSON-RPC id (also used as the handle of user requests).
  int64_t allocate_id() noexcept { return next_id_++; }

  // The session's own request on the current connection: buffered at once.
  PendingRequest& send(PendingRequest req);
  // A user request with the id it was given: buffered at once when the
  // server is accepted (`flowing`), else queued. Counts toward pending().
  void submit(int64_t id, PendingRequest req, bool flowing);
  // Buffers every queued request, in order (the server was accepted).
  void flush_queued();
  // A notification or a reply to the server: buffered, no answer expected.
  void send_notification(std::string_view method, std::string_view params);
  std::string& output() noexcept { return out_; }

  // The bytes to write now, or nothing (a write is in flight, or nothing is
  // buffered). Marks what they carry as written.
  std::optional<std::string_view> next_write();
  // Returns the bytes counted as written.
  size_t write_done(size_t n);

  // The request answered by `id` if it was written on this connection.
  std::optional<PendingRequest> take_answered(int64_t id);
  PendingRequest* find(int64_t id);
  // A user request still queued with `id`: removed and returned.
  std::optional<PendingRequest> take_queued(int64_t id);
  bool queued_lock_request(std::string_view lock_name) const;

  // The connection is gone: the session's own requests are dropped, written
  // user requests are returned (their outcome is unknown), buffered ones are
  // queued again ahead of the rest, and the buffers are emptied.
  std::vector<std::pair<int64_t, PendingRequest>> connection_lost();
  // Everything, for stop(): every user request, in id order.
  std::vector<std::pair<int64_t, PendingRequest>> take_all();

  size_t pending() const noexcept { return user_pending_; }
  void forget_user_request() noexcept {
    if (user_pending_ > 0) --user_pending_;
  }

 private:
  void buffer(int64_t id, PendingRequest& req);

  SessionMetrics& metrics_;
  std::map<int64_t, PendingRequest> pending_;  // by JSON-RPC id (== handle for users)
  std::deque<int64_t> queued_;                 // user requests awaiting an accepted server
  int64_t next_id_ = 1;
  size_t user_pending_ = 0;

  std::string out_;      // messages not yet handed to the driver
  std::string writing_;  // handed out in a Write action
  size_t writing_done_ = 0;
  bool write_in_flight_ = false;
  std::vector<int64_t> out_ids_;  // requests serialized into out_
};

}  // namespace fastovsdb
