// Monitor conditions through new -> requested -> acknowledged, across
// disconnects at every step: the replica must always hold exactly the
// server's rows that match the condition in force.
#include <gtest/gtest.h>

#include "session_harness.hpp"

namespace fastovsdb {
namespace {

using namespace test;

const std::string t1 = "11111111-1111-1111-1111-111111111111";
const std::string t2 = "22222222-2222-2222-2222-222222222222";
const std::string t3 = "33333333-3333-3333-3333-333333333333";
const std::string row_hv1 = "aaaaaaaa-0000-0000-0000-000000000001";
const std::string row_hv2 = "aaaaaaaa-0000-0000-0000-000000000002";
const std::string only_hv2 = R"([["chassis_name","==","hv2"]])";

// The monitor requests of standalone_options(), with `where` on HA_Chassis.
std::string requests_with(std::string_view ha_where) {
  std::string ha = R"({"columns":["chassis_name","priority","external_ids"])";
  if (!ha_where.empty()) ha += ",\"where\":" + std::string(ha_where);
  ha += "}";
  return R"({"HA_Chassis_Group":[{"columns":["name","ha_chassis","external_ids"]}],)"
         R"("HA_Chassis":[)" + ha + R"(],"NB_Global":[{"columns":["nb_cfg","sb_cfg","hv_cfg"]}]})";
}

std::string cond_since_with(int64_t id, std::string_view txn, std::string_view ha_where) {
  return request(id, "monitor_cond_since",
                 R"(["OVN_Northbound",["monid","OVN_Northbound"],)" + requests_with(ha_where) + ",\"" +
                     std::string(txn) + "\"]");
}

std::string cond_change(int64_t id, std::string_view where) {
  return request(id, "monitor_cond_change",
                 R"([["monid","OVN_Northbound"],["monid","OVN_Northbound"],{"HA_Chassis":[{"where":)" +
                     std::string(where) + "}]}]");
}

std::string ha_row(const std::string& uuid, std::string_view name, std::string_view verb = "initial") {
  return "\"" + uuid + "\":{\"" + std::string(verb) + "\":{\"chassis_name\":\"" + std::string(name) +
         "\",\"priority\":10}}";
}

// The snapshot reply (found=false) to request `id` with the given HA rows.
std::string snapshot_reply(int64_t id, const std::string& txn, const std::vector<std::string>& rows) {
  std::string body;
  for (const auto& r : rows) body += (body.empty() ? "" : ",") + r;
  return R"({"id":)" + std::to_string(id) + R"(,"result":[false,")" + txn + R"(",{"HA_Chassis":{)" + body +
         R"(}}],"error":null})";
}

std::string update3(const std::string& txn, const std::string& ha_rows) {
  return R"({"id":null,"method":"update3","params":[["monid","OVN_Northbound"],")" + txn +
         R"(",{"HA_Chassis":{)" + ha_rows + "}}]}";
}

// The id of a request the session wrote, and the request with its id as 0.
int64_t id_of(const std::string& message) { return std::stoll(message.substr(6)); }
std::string without_id(const std::string& message) {
  return "{\"id\":0" + message.substr(message.find(','));
}

// Takes what the session writes and checks it is `expected` (any id);
// returns the id.
int64_t expect_written(Harness& h, const std::string& expected) {
  std::string w = h.written();
  EXPECT_EQ(without_id(w), without_id(expected));
  return w.empty() ? -1 : id_of(w);
}

std::string reply_ok(int64_t id) { return R"({"id":)" + std::to_string(id) + R"(,"result":{},"error":null})"; }

std::vector<std::string> ha_names(const Session& s) {
  std::vector<std::string> names;
  const ReplicaTable* t = s.replica()->table("HA_Chassis");
  size_t c = *t->column_index("chassis_name");
  for (const Row& row : *t) names.push_back(datum_to_json_string(row[c]));
  std::sort(names.begin(), names.end());
  return names;
}

// Synced at t1 with both rows, no condition.
void sync_both(Harness& h) {
  h.connect();
  EXPECT_EQ(h.written(), request(1, "get_schema", R"(["OVN_Northbound"])"));
  h.server(schema_reply(1));
  EXPECT_EQ(h.written(), cond_since(2, zero_txn));
  h.server(snapshot_reply(2, t1, {ha_row(row_hv1, "hv1"), ha_row(row_hv2, "hv2")}));
  ASSERT_TRUE(h.session.synced());
  h.events();
}

void drop(Harness& h) {
  h.session.on_disconnected(h.now, Error(Errc::probe_timeout, "dropped by the test"));
  h.now += 10s;
}

std::optional<Result<std::string>> result_of(Harness& h, RequestHandle handle) {
  for (auto& d : h.events_of<RpcDone>()) {
    if (d.handle == handle) return d.result;
  }
  return std::nullopt;
}

// Reconnects and answers get_schema; returns the monitor request written next.
std::string reconnect_to_monitor(Harness& h) {
  h.connect();
  std::string opening = h.written();
  EXPECT_NE(opening.find("get_schema"), std::string::npos);
  h.server(schema_reply(id_of(opening)));
  return h.written();
}

std::string found_true(int64_t id, const std::string& txn) {
  return R"({"id":)" + std::to_string(id) + R"(,"result":[true,")" + txn + R"(",{}],"error":null})";
}

TEST(SessionConditions, ChangeWhileLiveIsAcknowledgedAfterItsRows) {
  Harness h(Harness::standalone_options());
  sync_both(h);
  RequestHandle c = h.session.set_condition("HA_Chassis", only_hv2);
  EXPECT_TRUE(h.session.conditions_pending());
  int64_t change = expect_written(h, cond_change(0, only_hv2));
  // ovsdb-server sends the rows the change removes, then the reply.
  h.server(update3(t2, "\"" + row_hv1 + "\":{\"delete\":null}"));
  EXPECT_FALSE(result_of(h, c));
  h.server(reply_ok(change));
  auto r = result_of(h, c);
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  EXPECT_FALSE(h.session.conditions_pending());
  EXPECT_EQ(h.session.condition_seqno(), 1u);
  EXPECT_EQ(ha_names(h.session), std::vector<std::string>{"\"hv2\""});
}

TEST(SessionConditions, SetWhileDisconnectedGoesOutAfterTheIncrementalResume) {
  Harness h(Harness::standalone_options());
  sync_both(h);
  drop(h);
  RequestHandle c = h.session.set_condition("HA_Chassis", only_hv2);
  // The resume asks under the acknowledged condition (none) since t1: what
  // the replica reflects. The new condition follows once the monitor exists.
  std::string monitor = reconnect_to_monitor(h);
  EXPECT_EQ(without_id(monitor), without_id(cond_since_with(0, t1, "")));
  h.server(found_true(id_of(monitor), t2));
  ASSERT_TRUE(h.session.synced());
  int64_t change = expect_written(h, cond_change(0, only_hv2));
  h.server(update3(t3, "\"" + row_hv1 + "\":{\"delete\":null}"));
  h.server(reply_ok(change));
  auto r = result_of(h, c);
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  EXPECT_EQ(ha_names(h.session), std::vector<std::string>{"\"hv2\""});
  // A commit under the new condition: from its update3 on, the replica is the
  // state as of a known transaction again, and the next reconnect resumes
  // under the new condition, incrementally.
  const std::string t4 = "44444444-4444-4444-4444-444444444444";
  h.server(update3(t4, ha_row(row_hv2, "hv2", "modify")));
  drop(h);
  EXPECT_EQ(without_id(reconnect_to_monitor(h)), without_id(cond_since_with(0, t4, only_hv2)));
}

// A change that moves no row brings no update3: the replica's transaction id
// may predate commits to rows only the new condition selects, so the next
// resume must not be "since" it.
TEST(SessionConditions, AChangeThatMovesNoRowInvalidatesTheTransactionId) {
  Harness h(Harness::standalone_options());
  sync_both(h);
  RequestHandle c = h.session.set_condition("HA_Chassis", R"([["chassis_name","!=","hv3"]])");
  int64_t change = expect_written(h, cond_change(0, R"([["chassis_name","!=","hv3"]])"));
  h.server(reply_ok(change));
  EXPECT_TRUE(result_of(h, c).value());
  drop(h);
  EXPECT_EQ(without_id(reconnect_to_monitor(h)),
            without_id(cond_since_with(0, zero_txn, R"([["chassis_name","!=","hv3"]])")));
}

TEST(SessionConditions, AChangeOnTheWireWhenTheConnectionDropsForcesAFullSnapshot) {
  Harness h(Harness::standalone_options());
  sync_both(h);
  RequestHandle c = h.session.set_condition("HA_Chassis", only_hv2);
  expect_written(h, cond_change(0, only_hv2));
  // The server may have applied it (and sent the delete of hv1) or not: the
  // reply never comes.
  drop(h);
  EXPECT_FALSE(result_of(h, c));
  // Not "since t1": the replica may no longer be the state as of t1.
  std::string monitor = reconnect_to_monitor(h);
  EXPECT_EQ(without_id(monitor), without_id(cond_since_with(0, zero_txn, "")));
  h.server(snapshot_reply(id_of(monitor), t2, {ha_row(row_hv1, "hv1"), ha_row(row_hv2, "hv2")}));
  int64_t change = expect_written(h, cond_change(0, only_hv2));
  h.server(update3(t3, "\"" + row_hv1 + "\":{\"delete\":null}"));
  h.server(reply_ok(change));
  auto r = result_of(h, c);
  ASSERT_TRUE(r);
  EXPECT_TRUE(*r);
  EXPECT_EQ(ha_names(h.session), std::vector<std::string>{"\"hv2\""});
}

TEST(SessionConditions, ARejectedChangeFailsItsRequestAndKeepsTheLastAcceptedCondition) {
  Harness h(Harness::standalone_options());
  sync_both(h);
  RequestHandle bad = h.session.set_condition("HA_Chassis", R"([["nope","==",1]])");
  int64_t change = expect_written(h, cond_change(0, R"([["nope","==",1]])"));
  h.server(R"({"id":)" + std::to_string(change) +
           R"(,"result":null,"error":{"error":"syntax error","details":"nope is not a valid column name"}})");
  auto r = result_of(h, bad);
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_TRUE(r->error().is(Errc::server_error));
  EXPECT_NE(r->error().detail.find("nope is not a valid column name"), std::string::npos);
  // Still connected and live, on the old condition.
  EXPECT_TRUE(std::holds_alternative<WaitAction>(h.act()));
  EXPECT_TRUE(h.session.synced());
  EXPECT_EQ(h.session.metrics().conditions_rejected, 1u);
  EXPECT_EQ(ha_names(h.session), (std::vector<std::string>{"\"hv1\"", "\"hv2\""}));
  drop(h);
  EXPECT_EQ(without_id(reconnect_to_monitor(h)), without_id(cond_since_with(0, t1, "")));
}

TEST(SessionConditions, ALaterConditionSupersedesOneNotYetSent) {
  Harness h(Harness::standalone_options());
  sync_both(h);
  drop(h);
  RequestHandle first = h.session.set_condition("HA_Chassis", R"([["chassis_name","==","hv1"]])");
  RequestHandle second = h.session.set_condition("HA_Chassis", only_hv2);
  auto r = result_of(h, first);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->error().is(Errc::canceled));
  std::string monitor = reconnect_to_monitor(h);
  h.server(found_true(id_of(monitor), t2));
  int64_t change = expect_written(h, cond_change(0, only_hv2));
  h.server(reply_ok(change));
  EXPECT_TRUE(result_of(h, second).value());
}

TEST(SessionConditions, UnknownTableAndBadJsonAreRefusedAtOnce) {
  Harness h(Harness::standalone_options());
  auto r = result_of(h, h.session.set_condition("Logical_Switch", "[]"));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->error().is(Errc::unknown_table));
  r = result_of(h, h.session.set_condition("HA_Chassis", "{"));
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->error().is(Errc::invalid_argument));
}

// A disconnect injected after every step of a condition change: whatever the
// step, once the session is synced again and the change settled, the replica
// holds exactly the rows the server has under the condition.
TEST(SessionConditions, DisconnectAtEveryStepConverges) {
  for (int cut = 0; cut <= 3; ++cut) {
    SCOPED_TRACE("disconnect after step " + std::to_string(cut));
    Harness h(Harness::standalone_options());
    sync_both(h);
    RequestHandle c = h.session.set_condition("HA_Chassis", only_hv2);
    int64_t change = -1;
    // Step 1: the change is written; 2: the server applies it and sends the
    // delete of hv1; 3: its reply.
    if (cut >= 1) change = expect_written(h, cond_change(0, only_hv2));
    if (cut >= 2) h.server(update3(t2, "\"" + row_hv1 + "\":{\"delete\":null}"));
    if (cut >= 3) h.server(reply_ok(change));
    if (cut < 3) {
      drop(h);
      // The new monitor gets the acknowledged condition (none), as
      // ovsdb-server would; the change must go out again after it.
      std::string monitor = reconnect_to_monitor(h);
      ASSERT_EQ(without_id(monitor), without_id(cond_since_with(0, zero_txn, "")));
      h.server(snapshot_reply(id_of(monitor), t3, {ha_row(row_hv1, "hv1"), ha_row(row_hv2, "hv2")}));
      ASSERT_TRUE(h.session.synced());
      change = expect_written(h, cond_change(0, only_hv2));
      h.server(update3(t3, "\"" + row_hv1 + "\":{\"delete\":null}"));
      h.server(reply_ok(change));
    }
    auto r = result_of(h, c);
    ASSERT_TRUE(r);
    EXPECT_TRUE(*r);
    EXPECT_EQ(ha_names(h.session), std::vector<std::string>{"\"hv2\""});
    EXPECT_FALSE(h.session.conditions_pending());
  }
}

}  // namespace
}  // namespace fastovsdb
