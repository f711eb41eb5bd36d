// The OVN layer against a real ovsdb-server (NB + SB) with ovn-northd
// running on it. Every result is checked independently with ovn-nbctl /
// ovn-sbctl, never with our own replica.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "fastovsdb/core/remote.hpp"
#include "fastovsdb/net/sync_client.hpp"
#include "fastovsdb/ovn/chassis_monitor.hpp"
#include "fastovsdb/ovn/error.hpp"
#include "fastovsdb/ovn/ha_manager.hpp"
#include "ovsdb_server.hpp"
#include "process.hpp"
#include "test_files.hpp"

namespace fastovsdb::ovn {
namespace {

using namespace std::chrono_literals;
using Membership = std::map<std::string, std::map<std::string, int64_t>>;

constexpr const char* child_env = "FASTOVSDB_OVN_CRASH_CHILD_REMOTE";

net::ClientOptions client_options(const std::string& remote, bool nb) {
  net::ClientOptions o;
  if (nb)
    configure_nb_session(o.session);
  else
    configure_sb_session(o.session);
  auto parsed = parse_remotes(remote);
  if (!parsed) throw std::runtime_error(parsed.error().message());
  o.session.remotes = *parsed;
  o.session.leader_only = false;
  o.session.reconnect.min_backoff = 50ms;
  o.session.reconnect.max_backoff = 300ms;
  return o;
}

std::unique_ptr<net::SyncClient> connect(const std::string& remote, bool nb) {
  auto c = net::SyncClient::connect(remote, client_options(remote, nb), 10s);
  if (!c) throw std::runtime_error(c.error().message());
  auto s = (*c)->wait_synced(10s);
  if (!s) throw std::runtime_error(s.error().message());
  return std::move(*c);
}

class OvnEvacuationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_ovsdb_server() || !std::filesystem::exists("/usr/bin/ovn-northd"))
      GTEST_SKIP() << "ovsdb-server or ovn-northd missing";
    server_.emplace(std::vector<std::filesystem::path>{test::ovn_nb_schema(), test::ovn_sb_schema()});
    remote_ = server_->unix_remote();
    const auto dir = server_->dir();
    northd_ = test::ChildProcess::spawn(
        {"/usr/bin/ovn-northd", "--ovnnb-db=" + remote_, "--ovnsb-db=" + remote_,
         "--pidfile=" + (dir / "northd.pid").string(), "--unixctl=" + (dir / "northd.ctl").string(),
         "--log-file=" + (dir / "northd.log").string(), "--no-chdir"},
        dir / "northd.stderr");
    nbctl({"init"});
    for (auto [name, ip] : {std::pair{"hv1", "127.0.0.1"}, {"hv2", "127.0.0.2"}, {"hv3", "127.0.0.3"}})
      sbctl({"chassis-add", name, "geneve", ip});
    nbctl({"lr-add", "r1"});
    nbctl({"ha-chassis-group-add", "gw1"});
    nbctl({"ha-chassis-group-add", "gw2"});
    nbctl({"ha-chassis-group-add-chassis", "gw1", "hv1", "30"});
    nbctl({"ha-chassis-group-add-chassis", "gw1", "hv2", "20"});
    nbctl({"ha-chassis-group-add-chassis", "gw2", "hv3", "15"});
    nbctl({"ha-chassis-group-add-chassis", "gw2", "hv1", "10"});
    for (auto [port, mac, net, group] : {std::tuple{"lrp1", "00:00:00:00:00:01", "10.0.1.1/24", "gw1"},
                                         {"lrp2", "00:00:00:00:00:02", "10.0.2.1/24", "gw2"}}) {
      nbctl({"lrp-add", "r1", port, mac, net});
      auto uuid = trim(nbctl({"--bare", "--columns=_uuid", "find", "HA_Chassis_Group", std::string("name=") + group}));
      nbctl({"set", "Logical_Router_Port", port, "ha_chassis_group=" + uuid});
    }
    nbctl({"--wait=sb", "sync"});
    original_ = membership();
  }

  void TearDown() override {
    northd_.stop(SIGTERM, 5000ms);  // before the server, so it never reconnects in a loop
  }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  std::string run(const std::string& tool, std::vector<std::string> args) {
    std::vector<std::string> argv = {tool, "--db=" + remote_, "--timeout=20"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = test::run_capture(argv, 30000ms);
    if (!r.ok()) throw std::runtime_error(test::join_command_line(argv) + " failed: " + r.err);
    return r.out;
  }
  std::string nbctl(std::vector<std::string> args) { return run("/usr/bin/ovn-nbctl", std::move(args)); }
  std::string sbctl(std::vector<std::string> args) { return run("/usr/bin/ovn-sbctl", std::move(args)); }

  // group -> chassis -> priority, parsed from `ovn-nbctl ha-chassis-group-list`.
  Membership membership() {
    Membership out;
    std::istringstream in(nbctl({"ha-chassis-group-list"}));
    std::string line, group, chassis;
    while (std::getline(in, line)) {
      auto open = line.find('('), close = line.rfind(')');
      if (line.rfind("    priority ", 0) == 0) {
        out[group][chassis] = std::stoll(line.substr(13));
      } else if (open != std::string::npos && close != std::string::npos) {
        std::string name = line.substr(open + 1, close - open - 1);
        if (line.rfind("    ", 0) == 0)
          chassis = name;
        else
          out[group = name];
      }
    }
    return out;
  }

  std::string group_external_ids(const std::string& group) {
    return trim(nbctl({"get", "HA_Chassis_Group", group, "external_ids"}));
  }

  // SB HA_Chassis rows (filled by ovn-northd), as "group:chassis-uuid" lines.
  size_t sb_ha_chassis_rows() {
    std::istringstream in(sbctl({"--format=csv", "--data=bare", "--no-headings", "--columns=_uuid", "list",
                                 "HA_Chassis"}));
    std::string line;
    size_t n = 0;
    while (std::getline(in, line)) n += !line.empty();
    return n;
  }

  std::optional<test::OvsdbServer> server_;
  test::ChildProcess northd_;
  std::string remote_;
  Membership original_;
};

TEST_F(OvnEvacuationTest, EvacuateAndRestoreCheckedWithOvnNbctlAndSbctl) {
  ASSERT_EQ(original_["gw1"], (std::map<std::string, int64_t>{{"hv1", 30}, {"hv2", 20}}));
  ASSERT_EQ(original_["gw2"], (std::map<std::string, int64_t>{{"hv1", 10}, {"hv3", 15}}));
  ASSERT_EQ(sb_ha_chassis_rows(), 4u);
  auto nb = connect(remote_, true);
  auto sb = connect(remote_, false);
  HaManager ha(*nb, sb.get());

  ExecuteOptions dry;
  dry.dry_run = true;
  auto plan = ha.evacuate(ChassisName("hv1"), dry);
  ASSERT_TRUE(plan) << plan.error().message();
  EXPECT_FALSE(plan->committed);
  EXPECT_NE(plan->summary().find("group gw1"), std::string::npos) << plan->summary();
  EXPECT_NE(plan->summary().find("group gw2"), std::string::npos) << plan->summary();
  EXPECT_EQ(membership(), original_);  // a dry run sends nothing

  ExecuteOptions opts;
  opts.wait_sb = true;
  auto evac = ha.evacuate(ChassisName("hv1"), opts);
  ASSERT_TRUE(evac) << evac.error().message();
  EXPECT_TRUE(evac->committed);
  EXPECT_EQ(evac->transactions_sent, 1);
  ASSERT_TRUE(evac->sb_cfg);
  auto after = membership();
  EXPECT_EQ(after["gw1"], (std::map<std::string, int64_t>{{"hv2", 20}}));
  EXPECT_EQ(after["gw2"], (std::map<std::string, int64_t>{{"hv3", 15}}));
  EXPECT_NE(group_external_ids("gw1").find("\"fastovsdb:evacuated:hv1\"=\"30\""), std::string::npos)
      << group_external_ids("gw1");
  auto csv = nbctl({"--format=csv", "--data=bare", "--no-headings", "--columns=chassis_name", "list", "HA_Chassis"});
  EXPECT_EQ(csv.find("hv1"), std::string::npos) << csv;
  // ovn-northd has caught up (--wait sb): the SB side lost hv1's rows too.
  EXPECT_EQ(sb_ha_chassis_rows(), 2u);

  auto again = ha.evacuate(ChassisName("hv1"), opts);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_TRUE(again->nothing_to_do());
  EXPECT_EQ(again->transactions_sent, 0);

  auto restore = ha.restore(ChassisName("hv1"), opts);
  ASSERT_TRUE(restore) << restore.error().message();
  EXPECT_TRUE(restore->committed);
  EXPECT_EQ(membership(), original_);
  EXPECT_EQ(group_external_ids("gw1"), "{}");
  EXPECT_EQ(sb_ha_chassis_rows(), 4u);
  auto restore_again = ha.restore(ChassisName("hv1"), opts);
  ASSERT_TRUE(restore_again);
  EXPECT_TRUE(restore_again->nothing_to_do());
}

TEST_F(OvnEvacuationTest, RefusesToEmptyAGroupUnlessForced) {
  nbctl({"ha-chassis-group-add", "solo"});
  nbctl({"ha-chassis-group-add-chassis", "solo", "hv1", "1"});
  auto nb = connect(remote_, true);
  HaManager ha(*nb);
  auto refused = ha.evacuate(ChassisName("hv1"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, make_error_code(Errc::would_empty_group));
  EXPECT_NE(refused.error().detail.find("solo"), std::string::npos);
  EXPECT_EQ(membership()["solo"].count("hv1"), 1u);
  ExecuteOptions force;
  force.force = true;
  auto forced = ha.evacuate(ChassisName("hv1"), force);
  ASSERT_TRUE(forced) << forced.error().message();
  EXPECT_TRUE(membership()["solo"].empty());
}

TEST_F(OvnEvacuationTest, GroupCommandsMatchOvnNbctl) {
  auto nb = connect(remote_, true);
  HaManager ha(*nb);
  ASSERT_TRUE(ha.create_group(HaChassisGroupName("gw3")));
  auto twice = ha.create_group(HaChassisGroupName("gw3"));
  ASSERT_TRUE(twice);
  EXPECT_TRUE(twice->nothing_to_do());
  ASSERT_TRUE(ha.add_chassis(HaChassisGroupName("gw3"), ChassisName("hv2"), 5));
  ASSERT_TRUE(ha.add_chassis(HaChassisGroupName("gw3"), ChassisName("hv3"), 6));
  ASSERT_TRUE(ha.add_chassis(HaChassisGroupName("gw3"), ChassisName("hv2"), 9));  // updates
  ASSERT_TRUE(ha.set_priority(HaChassisGroupName("gw3"), ChassisName("hv3"), 1));
  EXPECT_EQ(membership()["gw3"], (std::map<std::string, int64_t>{{"hv2", 9}, {"hv3", 1}}));
  ASSERT_TRUE(ha.remove_chassis(HaChassisGroupName("gw3"), ChassisName("hv3")));
  auto absent = ha.remove_chassis(HaChassisGroupName("gw3"), ChassisName("hv3"));
  ASSERT_TRUE(absent);
  EXPECT_TRUE(absent->nothing_to_do());
  EXPECT_EQ(membership()["gw3"], (std::map<std::string, int64_t>{{"hv2", 9}}));
  auto missing = ha.add_chassis(HaChassisGroupName("nope"), ChassisName("hv1"), 1);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, make_error_code(Errc::group_not_found));
  auto not_member = ha.set_priority(HaChassisGroupName("gw3"), ChassisName("hv1"), 1);
  ASSERT_FALSE(not_member);
  EXPECT_EQ(not_member.error().code, make_error_code(Errc::chassis_not_in_group));
  // Referenced by lrp1: the server refuses, and says so.
  auto referenced = ha.delete_group(HaChassisGroupName("gw1"));
  ASSERT_FALSE(referenced);
  EXPECT_EQ(referenced.error().code, make_error_code(Errc::commit_failed));
  ASSERT_TRUE(ha.delete_group(HaChassisGroupName("gw3")));
  EXPECT_EQ(membership().count("gw3"), 0u);
  auto csv = nbctl({"--format=csv", "--data=bare", "--no-headings", "--columns=chassis_name,priority", "list",
                    "HA_Chassis"});
  EXPECT_EQ(csv.find(",9"), std::string::npos) << csv;  // gw3's member was garbage-collected
}

TEST_F(OvnEvacuationTest, AConcurrentChangeBetweenPlanAndCommitIsRetried) {
  auto nb = connect(remote_, true);
  HaManager ha(*nb);
  int hooks = 0;
  ha.set_before_commit([&](const Plan&, int attempt) {
    ++hooks;
    // After the plan was made, another client adds hv3 to gw1 (harmless to
    // the plan) and changes hv1's priority in gw2 (the plan would record 10).
    if (attempt == 1) {
      nbctl({"ha-chassis-group-add-chassis", "gw1", "hv3", "7"});
      nbctl({"ha-chassis-group-set-chassis-prio", "gw2", "hv1", "11"});
    }
  });
  auto evac = ha.evacuate(ChassisName("hv1"));
  ASSERT_TRUE(evac) << evac.error().message();
  EXPECT_EQ(evac->conflicts, 1);
  EXPECT_EQ(evac->transactions_sent, 2);
  EXPECT_EQ(hooks, 2);
  auto after = membership();
  EXPECT_EQ(after["gw1"], (std::map<std::string, int64_t>{{"hv2", 20}, {"hv3", 7}}));
  EXPECT_EQ(after["gw2"], (std::map<std::string, int64_t>{{"hv3", 15}}));
  EXPECT_NE(group_external_ids("gw2").find("\"fastovsdb:evacuated:hv1\"=\"11\""), std::string::npos)
      << group_external_ids("gw2");

  // A change of what the plan read (gw1's membership) before every
  // attempt: bounded retries, then a clear error.
  int n = 0;
  ha.set_before_commit([&](const Plan&, int) {
    nbctl({"ha-chassis-group-add-chassis", "gw1", "hv-extra" + std::to_string(n++), "1"});
  });
  ExecuteOptions two;
  two.max_retries = 2;
  auto restore = ha.restore(ChassisName("hv1"), two);
  ASSERT_FALSE(restore);
  EXPECT_EQ(restore.error().code, make_error_code(Errc::retries_exhausted));
  EXPECT_NE(restore.error().detail.find("3 transaction(s)"), std::string::npos) << restore.error().detail;
  EXPECT_EQ(membership()["gw1"].count("hv1"), 0u);
}

// What the CLI does: stop monitoring before the commit. A conflict resumes
// the monitor to re-read; the next call on the same manager reads afresh.
TEST_F(OvnEvacuationTest, AOneShotCallStopsMonitoringYetRetriesAndReadsAfresh) {
  auto nb = connect(remote_, true);
  HaManager ha(*nb);
  ha.set_before_commit([&](const Plan&, int attempt) {
    if (attempt == 1) {
      nbctl({"ha-chassis-group-add-chassis", "gw1", "hv3", "7"});
      nbctl({"ha-chassis-group-set-chassis-prio", "gw2", "hv1", "11"});
    }
  });
  ExecuteOptions one_shot;
  one_shot.one_shot = true;
  auto evac = ha.evacuate(ChassisName("hv1"), one_shot);
  ASSERT_TRUE(evac) << evac.error().message();
  EXPECT_TRUE(evac->committed);
  EXPECT_EQ(evac->conflicts, 1);
  EXPECT_EQ(evac->transactions_sent, 2);
  EXPECT_EQ(membership()["gw1"], (std::map<std::string, int64_t>{{"hv2", 20}, {"hv3", 7}}));
  EXPECT_EQ(membership()["gw2"], (std::map<std::string, int64_t>{{"hv3", 15}}));

  // Made after the evacuation, which this replica (monitor stopped) never saw.
  ha.set_before_commit({});
  auto restore = ha.restore(ChassisName("hv1"), one_shot);
  ASSERT_TRUE(restore) << restore.error().message();
  EXPECT_TRUE(restore->committed);
  EXPECT_EQ(membership()["gw1"], (std::map<std::string, int64_t>{{"hv1", 30}, {"hv2", 20}, {"hv3", 7}}));
  EXPECT_EQ(membership()["gw2"], (std::map<std::string, int64_t>{{"hv1", 11}, {"hv3", 15}}));
}

// Another client takes hv2 out of gw1 while hv1's evacuation is planned:
// committing the plan would leave gw1 with no gateway. The server-side check
// fails it, and the re-plan refuses, naming gw1; nothing was written.
TEST_F(OvnEvacuationTest, AConcurrentChangeThatWouldEmptyAGroupIsRefused) {
  auto nb = connect(remote_, true);
  HaManager ha(*nb);
  ha.set_before_commit([&](const Plan&, int attempt) {
    if (attempt == 1) nbctl({"ha-chassis-group-remove-chassis", "gw1", "hv2"});
  });
  auto evac = ha.evacuate(ChassisName("hv1"));
  ASSERT_FALSE(evac);
  EXPECT_EQ(evac.error().code, make_error_code(Errc::would_empty_group));
  EXPECT_NE(evac.error().detail.find("gw1"), std::string::npos) << evac.error().detail;
  EXPECT_EQ(membership()["gw1"], (std::map<std::string, int64_t>{{"hv1", 30}}));
  EXPECT_EQ(membership()["gw2"], (std::map<std::string, int64_t>{{"hv1", 10}, {"hv3", 15}}));
  EXPECT_EQ(group_external_ids("gw2"), "{}");
}

TEST_F(OvnEvacuationTest, ChassisMonitorSeesSbChanges) {
  std::mutex mu;
  std::vector<std::pair<ChassisEventKind, std::string>> events;
  ChassisMonitor monitor([&](const ChassisEvent& e) {
    std::lock_guard lock(mu);
    events.emplace_back(e.kind, e.chassis().name().value());
  });
  auto options = client_options(remote_, false);
  // The listener must be in place before the first sync: start via a client we wire by hand.
  boost::asio::io_context io;
  auto client = net::Client::create(io.get_executor(), options);
  ASSERT_TRUE(client) << client.error().message();
  monitor.attach(*client);
  client->start();
  std::thread runner([&] { io.run_for(20s); });
  auto wait_until = [&](auto pred) {
    for (int i = 0; i < 2000; ++i) {
      {
        std::lock_guard lock(mu);
        if (pred()) return true;
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  };
  auto has = [&](ChassisEventKind k, const std::string& n) {
    for (auto& e : events)
      if (e.first == k && e.second == n) return true;
    return false;
  };
  EXPECT_TRUE(wait_until([&] { return has(ChassisEventKind::added, "hv1") && has(ChassisEventKind::added, "hv3"); }));
  sbctl({"chassis-add", "hv4", "geneve", "127.0.0.4"});
  EXPECT_TRUE(wait_until([&] { return has(ChassisEventKind::added, "hv4"); }));
  sbctl({"set", "Chassis", "hv4", "hostname=moved"});
  EXPECT_TRUE(wait_until([&] { return has(ChassisEventKind::changed, "hv4"); }));
  sbctl({"chassis-del", "hv4"});
  EXPECT_TRUE(wait_until([&] { return has(ChassisEventKind::removed, "hv4"); }));
  client->stop();
  io.stop();
  runner.join();
}

// Run only as the crash test's child: evacuates and restores hv1 in a loop
// until killed.
TEST(OvnCrashChild, EvacuateRestoreLoop) {
  const char* remote = std::getenv(child_env);
  if (!remote) GTEST_SKIP() << "only run as a child of CrashMidEvacuationLeavesAllOrNothing";
  auto nb = connect(remote, true);
  HaManager ha(*nb);
  for (;;) {
    (void)ha.evacuate(ChassisName("hv1"));
    (void)ha.restore(ChassisName("hv1"));
  }
}

TEST_F(OvnEvacuationTest, CrashMidEvacuationLeavesAllOrNothing) {
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  std::mt19937 rng(12345);
  const std::map<std::string, int64_t> gw1_full{{"hv1", 30}, {"hv2", 20}}, gw1_evac{{"hv2", 20}};
  const std::map<std::string, int64_t> gw2_full{{"hv1", 10}, {"hv3", 15}}, gw2_evac{{"hv3", 15}};
  int evacuated_seen = 0, untouched_seen = 0;
  for (int round = 0; round < 12; ++round) {
    ::setenv(child_env, remote_.c_str(), 1);
    auto child = test::ChildProcess::spawn({self.string(), "--gtest_filter=OvnCrashChild.EvacuateRestoreLoop"},
                                           server_->dir() / "child.log");
    ::unsetenv(child_env);
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 400));
    child.stop(SIGKILL);
    // Each group independently must be either untouched or evacuated with its record;
    // and the evacuation is one transaction, so both groups agree.
    auto m = membership();
    auto ext1 = group_external_ids("gw1"), ext2 = group_external_ids("gw2");
    bool evac1 = m["gw1"] == gw1_evac && ext1.find("\"fastovsdb:evacuated:hv1\"=\"30\"") != std::string::npos;
    bool full1 = m["gw1"] == gw1_full && ext1 == "{}";
    bool evac2 = m["gw2"] == gw2_evac && ext2.find("\"fastovsdb:evacuated:hv1\"=\"10\"") != std::string::npos;
    bool full2 = m["gw2"] == gw2_full && ext2 == "{}";
    ASSERT_TRUE((evac1 && evac2) || (full1 && full2)) << "round " << round << "\ngw1 " << ext1 << "\ngw2 " << ext2;
    (evac1 ? evacuated_seen : untouched_seen)++;
    // Whatever state the kill left, restore from this process puts everything back.
    auto nb = connect(remote_, true);
    HaManager ha(*nb);
    auto restore = ha.restore(ChassisName("hv1"));
    ASSERT_TRUE(restore) << restore.error().message();
    ASSERT_EQ(membership(), original_) << "round " << round;
  }
  std::cout << "crash rounds: " << evacuated_seen << " evacuated, " << untouched_seen << " untouched\n";
}

}  // namespace
}  // namespace fastovsdb::ovn
