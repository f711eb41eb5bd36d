// Schema skew as a rolling upgrade has it: the server's schema lacks a table
// or a column that the client monitors. The session monitors what exists,
// reports each gap once, and never loops.
#include <gtest/gtest.h>

#include "session_harness.hpp"

namespace fastovsdb {
namespace {

using namespace test;

SessionOptions skewed_options() {
  SessionOptions o = Harness::standalone_options();
  o.monitor = {{"NB_Global", {"nb_cfg", "no_such_column", "hv_cfg"}, {}},
               {"No_Such_Table", {}, {}},
               {"HA_Chassis", {"chassis_name"}, {}}};
  o.extra_indexes = {{"No_Such_Table", {"name"}}, {"HA_Chassis", {"chassis_name"}}};
  return o;
}

TEST(SessionSkew, MonitorsWhatTheServerHasAndReportsEachGapOnce) {
  Harness h(skewed_options());
  h.connect();
  EXPECT_EQ(h.written(), request(1, "get_schema", R"(["OVN_Northbound"])"));
  h.server(schema_reply(1));
  EXPECT_EQ(h.written(), request(2, "monitor_cond_since",
                                 R"(["OVN_Northbound",["monid","OVN_Northbound"],)"
                                 R"({"NB_Global":[{"columns":["nb_cfg","hv_cfg"]}],)"
                                 R"("HA_Chassis":[{"columns":["chassis_name"]}]},")" +
                                     std::string(zero_txn) + "\"]"));
  auto gaps = h.events_of<SchemaSkew>();
  ASSERT_EQ(gaps.size(), 2u);
  EXPECT_EQ(gaps[0].gap.table, "NB_Global");
  EXPECT_EQ(gaps[0].gap.column, "no_such_column");
  EXPECT_FALSE(gaps[0].gap.server_version.empty());
  EXPECT_EQ(gaps[1].gap.table, "No_Such_Table");
  EXPECT_EQ(gaps[1].gap.column, "");
  EXPECT_EQ(h.session.metrics().schema_gaps, 2u);
  EXPECT_TRUE(h.session.server_has_table("NB_Global"));
  EXPECT_FALSE(h.session.server_has_table("No_Such_Table"));
  EXPECT_TRUE(h.session.server_has_column("NB_Global", "hv_cfg"));
  EXPECT_FALSE(h.session.server_has_column("NB_Global", "no_such_column"));
  ASSERT_NE(h.session.replica(), nullptr);
  EXPECT_EQ(h.session.replica()->table("No_Such_Table"), nullptr);
  EXPECT_NE(h.session.replica()->table("HA_Chassis"), nullptr);

  h.server(R"({"id":2,"result":[false,"11111111-1111-1111-1111-111111111111",{}],"error":null})");
  EXPECT_TRUE(h.session.synced());

  // A reconnect to the same server: the gaps were already reported.
  h.session.on_disconnected(h.now, Error(Errc::probe_timeout, "test"));
  h.now += 10s;
  h.connect();
  h.written();
  h.server(schema_reply(3));
  EXPECT_NE(h.written().find("monitor_cond_since"), std::string::npos);
  EXPECT_TRUE(h.events_of<SchemaSkew>().empty());
  EXPECT_TRUE(h.events_of<SessionStopped>().empty());
}

TEST(SessionSkew, ARejectedMonitorRequestStopsWithTheServersWords) {
  // A condition the server refuses cannot be fixed by asking again.
  SessionOptions o = Harness::standalone_options();
  o.monitor = {{"HA_Chassis", {}, R"([["nope","==",1]])"}};
  Harness h(std::move(o));
  h.connect();
  h.written();
  h.server(schema_reply(1));
  h.written();
  h.server(R"({"id":2,"result":null,"error":{"error":"syntax error","details":"nope is not a valid column name"}})");
  auto stopped = h.events_of<SessionStopped>();
  ASSERT_EQ(stopped.size(), 1u);
  EXPECT_NE(stopped[0].reason.detail.find("nope is not a valid column name"), std::string::npos)
      << stopped[0].reason.detail;
  EXPECT_NE(stopped[0].reason.detail.find("schema version"), std::string::npos);
  ASSERT_TRUE(h.session.stop_reason());
  EXPECT_TRUE(std::holds_alternative<DisconnectAction>(h.act()));
  auto a = h.act();
  ASSERT_TRUE(std::holds_alternative<WaitAction>(a));
  EXPECT_FALSE(std::get<WaitAction>(a).deadline.has_value());
}

TEST(SessionSkew, AServerWithoutTheDatabaseStopsAtOnce) {
  Harness h(Harness::standalone_options());
  h.connect();
  h.written();
  h.server(R"({"id":1,"result":null,"error":{"error":"unknown database","details":"OVN_Northbound is not a database"}})");
  auto stopped = h.events_of<SessionStopped>();
  ASSERT_EQ(stopped.size(), 1u);
  EXPECT_TRUE(stopped[0].reason.is(Errc::server_rejected));
  EXPECT_NE(stopped[0].reason.detail.find("does not have database OVN_Northbound"), std::string::npos);
}

}  // namespace
}  // namespace fastovsdb
