// monitor_cancel against a real ovsdb-server: once the server confirms the
// cancel, changes made by another client (ovn-nbctl) no longer reach the
// replica, which keeps its rows; after resume_monitor they do again.
#include <gtest/gtest.h>

#include <thread>

#include "client_test_util.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;

size_t group_count(net::SyncClient& c) {
  return c.with_replica([](const Replica* r) {
    auto* t = r ? r->table("HA_Chassis_Group") : nullptr;
    return t ? t->size() : size_t{0};
  });
}

bool replica_has_group(net::SyncClient& c, const std::string& name) {
  return c.dump().find("\"name\":\"" + name + "\"") != std::string::npos;
}

void add_group(const OvsdbServer& server, const std::string& name) {
  run_command({ovn_nbctl_binary, "--db=" + server.unix_remote(), "ha-chassis-group-add", name});
}

TEST(ClientMonitorCancelTest, CanceledMonitorMissesChangesUntilResumed) {
  if (!have_ovsdb_server()) GTEST_SKIP() << "no ovsdb-server";
  OvsdbServer server({nb_schema_path});
  auto client = net::SyncClient::connect(server.unix_remote(), nb_client_options(server.unix_remote()), 20s);
  ASSERT_TRUE(client.has_value()) << client.error().message();
  net::SyncClient& c = **client;
  c.set_timeout(20s);
  ASSERT_TRUE(c.wait_synced(20s));

  add_group(server, "g1");
  ASSERT_TRUE(eventually([&] { return replica_has_group(c, "g1"); }, 10s));

  auto canceled = c.cancel_monitor();
  ASSERT_TRUE(canceled) << canceled.error().message();
  EXPECT_FALSE(c.synced());

  add_group(server, "g2");
  // The server answers in order: an update for g2 would come before this
  // echo's reply, so after it nothing is still on its way.
  ASSERT_TRUE(c.echo());
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(group_count(c), 1u);
  EXPECT_TRUE(replica_has_group(c, "g1"));  // kept, not cleared
  EXPECT_FALSE(replica_has_group(c, "g2"));
  EXPECT_NE(dump_with_ovsdb_client(server.unix_remote(), {"HA_Chassis_Group"}).find("\"g2\""),
            std::string::npos);
  auto m = c.metrics();
  EXPECT_EQ(m.protocol_errors, 0u);
  EXPECT_EQ(m.reconnects, 0u);

  auto resumed = c.resume_monitor();
  ASSERT_TRUE(resumed) << resumed.error().message();
  ASSERT_TRUE(c.wait_synced(20s));
  EXPECT_EQ(group_count(c), 2u);
  EXPECT_EQ(c.dump(), dump_with_ovsdb_client(server.unix_remote(), {"HA_Chassis", "HA_Chassis_Group"}));

  add_group(server, "g3");
  ASSERT_TRUE(eventually([&] { return replica_has_group(c, "g3"); }, 10s));
  EXPECT_EQ(group_count(c), 3u);
  EXPECT_EQ(c.metrics().protocol_errors, 0u);
}

}  // namespace
}  // namespace fastovsdb::test
