// The request multiplexer alone: queued -> buffered -> written, pipelined.
#include "request_queue.hpp"

#include <gtest/gtest.h>

namespace fastovsdb {
namespace {

PendingRequest user(ReqKind kind, RequestHandle handle, std::string method) {
  PendingRequest r;
  r.kind = kind;
  r.handle = handle;
  r.method = std::move(method);
  r.params = "[]";
  return r;
}

TEST(RequestQueue, QueuedUntilFlowingThenPackedIntoOneWrite) {
  SessionMetrics m;
  RequestQueue q(m);
  int64_t a = q.allocate_id(), b = q.allocate_id();
  q.submit(a, user(ReqKind::user_rpc, static_cast<RequestHandle>(a), "list_dbs"), false);
  q.submit(b, user(ReqKind::user_rpc, static_cast<RequestHandle>(b), "echo"), false);
  EXPECT_FALSE(q.next_write());
  EXPECT_EQ(q.pending(), 2u);
  q.flush_queued();
  auto w = q.next_write();
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, R"({"id":1,"method":"list_dbs","params":[]}{"id":2,"method":"echo","params":[]})");
  // One write in flight at a time; what comes meanwhile waits for the next.
  PendingRequest probe;
  probe.kind = ReqKind::probe;
  probe.method = "echo";
  probe.params = "[]";
  q.send(std::move(probe));
  EXPECT_FALSE(q.next_write());
  EXPECT_EQ(q.write_done(w->size()), w->size());
  auto w2 = q.next_write();
  ASSERT_TRUE(w2);
  EXPECT_EQ(*w2, R"({"id":3,"method":"echo","params":[]})");
  EXPECT_EQ(m.writes, 2u);
  EXPECT_EQ(m.messages_sent, 3u);
}

TEST(RequestQueue, PartialWritesResumeWhereTheyStopped) {
  SessionMetrics m;
  RequestQueue q(m);
  int64_t a = q.allocate_id();
  q.submit(a, user(ReqKind::user_rpc, static_cast<RequestHandle>(a), "list_dbs"), true);
  auto w = q.next_write();
  ASSERT_TRUE(w);
  std::string all(*w);
  q.write_done(5);
  auto rest = q.next_write();
  ASSERT_TRUE(rest);
  EXPECT_EQ(*rest, all.substr(5));
}

TEST(RequestQueue, OnlyWrittenRequestsAreAnswered) {
  SessionMetrics m;
  RequestQueue q(m);
  int64_t a = q.allocate_id();
  q.submit(a, user(ReqKind::user_rpc, static_cast<RequestHandle>(a), "list_dbs"), true);
  EXPECT_FALSE(q.take_answered(a));  // buffered, not yet handed out
  q.next_write();
  auto r = q.take_answered(a);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "list_dbs");
  EXPECT_EQ(q.pending(), 0u);
  EXPECT_FALSE(q.take_answered(a));
}

TEST(RequestQueue, ALostConnectionFailsWrittenAndRequeuesTheRestInOrder) {
  SessionMetrics m;
  RequestQueue q(m);
  int64_t a = q.allocate_id();
  q.submit(a, user(ReqKind::user_transact, static_cast<RequestHandle>(a), "transact"), true);
  q.next_write();  // a is written
  int64_t b = q.allocate_id();
  q.submit(b, user(ReqKind::user_rpc, static_cast<RequestHandle>(b), "echo"), true);  // buffered
  PendingRequest own;
  own.kind = ReqKind::schema;
  own.method = "get_schema";
  own.params = "[]";
  q.send(std::move(own));
  int64_t c = q.allocate_id();
  q.submit(c, user(ReqKind::user_rpc, static_cast<RequestHandle>(c), "list_dbs"), false);  // queued

  auto unknown = q.connection_lost();
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].first, a);
  EXPECT_EQ(q.pending(), 2u);
  EXPECT_FALSE(q.next_write());
  q.flush_queued();
  auto w = q.next_write();
  ASSERT_TRUE(w);
  EXPECT_EQ(*w, R"({"id":2,"method":"echo","params":[]}{"id":4,"method":"list_dbs","params":[]})");
}

TEST(RequestQueue, QueuedRequestsCanBeTakenBack) {
  SessionMetrics m;
  RequestQueue q(m);
  int64_t a = q.allocate_id();
  PendingRequest lock = user(ReqKind::user_lock, static_cast<RequestHandle>(a), "lock");
  lock.lock_name = "L";
  q.submit(a, std::move(lock), false);
  EXPECT_TRUE(q.queued_lock_request("L"));
  EXPECT_TRUE(q.take_queued(a));
  EXPECT_FALSE(q.queued_lock_request("L"));
  EXPECT_EQ(q.pending(), 0u);
}

}  // namespace
}  // namespace fastovsdb
