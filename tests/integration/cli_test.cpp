// The `fastovsdb` command, run as a process against a real ovsdb-server that
// holds both OVN_Northbound and OVN_Southbound: exit statuses, one-line
// errors, and every change checked independently with ovn-nbctl / ovn-sbctl.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "ovsdb_server.hpp"
#include "pki.hpp"
#include "process.hpp"

#ifndef FASTOVSDB_CLI_PATH
#define FASTOVSDB_CLI_PATH ""
#endif

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* cli_path = FASTOVSDB_CLI_PATH;
constexpr const char* nb_schema = "/usr/share/ovn/ovn-nb.ovsschema";
constexpr const char* sb_schema = "/usr/share/ovn/ovn-sb.ovsschema";
constexpr const char* nbctl = "/usr/bin/ovn-nbctl";
constexpr const char* sbctl = "/usr/bin/ovn-sbctl";
constexpr const char* northd = "/usr/bin/ovn-northd";

CommandResult cli(std::vector<std::string> args, std::chrono::milliseconds timeout = 60s) {
  args.insert(args.begin(), cli_path);
  return run_capture(args, timeout);
}

std::string run_ok(const std::vector<std::string>& argv) {
  auto r = run_capture(argv);
  if (!r.ok()) throw std::runtime_error(join_command_line(argv) + " failed: " + r.err);
  return r.out;
}

// One line on stderr, "fastovsdb: " first.
void expect_one_error_line(const CommandResult& r, const std::string& contains) {
  EXPECT_TRUE(r.err.starts_with("fastovsdb: ")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find(contains), std::string::npos) << "stderr: " << r.err << "\nwanted: " << contains;
}

// group -> {chassis -> priority}, from `ovn-nbctl ha-chassis-group-list`.
using Groups = std::map<std::string, std::map<std::string, int64_t>>;

Groups nbctl_groups(const std::string& db) {
  std::istringstream in(run_ok({nbctl, "--db=" + db, "ha-chassis-group-list"}));
  Groups groups;
  std::string line, group, member;
  std::smatch m;
  static const std::regex group_re(R"(^\S+ \((.*)\)$)"), member_re(R"(^    \S+ \((.*)\)$)"),
      prio_re(R"(^    priority (\d+)$)");
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, group_re)) {
      group = m[1];
      groups[group];
    } else if (std::regex_match(line, m, member_re)) {
      member = m[1];
    } else if (std::regex_match(line, m, prio_re)) {
      groups[group][member] = std::stoll(m[1]);
    }
  }
  return groups;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(cli_path).empty()) GTEST_SKIP() << "FASTOVSDB_CLI_PATH not set";
    if (!have_ovsdb_server() || !std::filesystem::exists(nbctl)) GTEST_SKIP() << "no ovsdb-server / ovn-nbctl";
    server_ = std::make_unique<OvsdbServer>(std::vector<std::filesystem::path>{nb_schema, sb_schema});
    db_ = server_->unix_remote();
    for (int m = 1; m <= 3; ++m) {
      std::string name = "member-" + std::to_string(m);
      run_ok({sbctl, "--db=" + db_, "chassis-add", name, "geneve", "127.0.0." + std::to_string(m)});
      run_ok({sbctl, "--db=" + db_, "set", "Chassis", name, "hostname=host-" + std::to_string(m)});
    }
    // Two groups; member-3 only in lxd-net1.
    run_ok({nbctl, "--db=" + db_, "ha-chassis-group-add", "lxd-net1", "--", "ha-chassis-group-add", "lxd-net2",
            "--", "ha-chassis-group-add-chassis", "lxd-net1", "member-1", "30", "--",
            "ha-chassis-group-add-chassis", "lxd-net1", "member-2", "20", "--", "ha-chassis-group-add-chassis",
            "lxd-net1", "member-3", "10", "--", "ha-chassis-group-add-chassis", "lxd-net2", "member-2", "50", "--",
            "ha-chassis-group-add-chassis", "lxd-net2", "member-1", "40"});
  }

  // The connection options for this server, then `args`.
  std::vector<std::string> with_db(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--nb", db_, "--sb", db_});
    return args;
  }
  CommandResult run(std::vector<std::string> args) { return cli(with_db(std::move(args))); }

  const Groups original_{{"lxd-net1", {{"member-1", 30}, {"member-2", 20}, {"member-3", 10}}},
                         {"lxd-net2", {{"member-1", 40}, {"member-2", 50}}}};
  std::unique_ptr<OvsdbServer> server_;
  std::string db_;
};

// ---- usage ----

TEST(CliUsage, BadUsageExitsTwoWithOneLine) {
  if (std::string(cli_path).empty()) GTEST_SKIP();
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "usage: no command"},
      {{"--frobnicate", "status"}, "fastovsdb: usage: unknown option --frobnicate"},
      {{"frobnicate"}, "usage: unknown command frobnicate"},
      {{"evacuate"}, "usage: expected: evacuate CHASSIS"},
      {{"evacuate", "a", "b"}, "usage: expected: evacuate CHASSIS"},
      {{"restore", "a", "--force"}, "usage: --force is for evacuate only"},
      {{"status", "--dry-run"}, "usage: --dry-run is for"},
      {{"--format", "xml", "status"}, "usage: --format wants text or json"},
      {{"--timeout", "-3", "status"}, "usage: --timeout wants"},
      {{"evacuate", "hv1", "--wait", "nb"}, "usage: --wait wants sb"},
      {{"evacuate", "hv1", "--wait"}, "usage: option --wait needs a value"},
      {{"ha-group", "frob", "g"}, "usage: unknown ha-group command 'frob'"},
      {{"ha-group", "add-chassis", "g", "hv1"}, "usage: expected: ha-group add-chassis GROUP CHASSIS PRIORITY"},
      {{"ha-group", "add-chassis", "g", "hv1", "high"}, "usage: PRIORITY must be an integer"},
      {{"ha-group", "set-priority", "g", "hv1", "40000"}, "usage: PRIORITY must be an integer"},
      {{"monitor", "ports"}, "usage: expected: monitor chassis"},
      {{"transact", "OVN_Northbound", "{\"op\":\"select\"}"}, "usage: transact: JSON-OPS must be a JSON array"},
      {{"transact", "OVN_Northbound", "[nope"}, "usage: transact: JSON-OPS is not valid JSON"},
      {{"dump", "Open_vSwitch"}, "usage: DB must be OVN_Northbound or OVN_Southbound"},
      {{"--nb", "tcp:nohost", "restore", "hv1"}, "usage: bad remote for --nb"},
      {{"evacuate", ""}, "usage: evacuate: CHASSIS must not be empty"},
      {{"status", ""}, "usage: status: CHASSIS must not be empty"},
      {{"ha-group", "add-chassis", "g", "", "5"}, "usage: ha-group add-chassis: CHASSIS must not be empty"},
      {{"dump", "OVN_Northbound", ""}, "usage: dump: TABLE must not be empty"},
  };
  for (const auto& c : cases) {
    auto r = cli(c.args);
    EXPECT_EQ(r.exit_code, 2) << join_command_line(c.args) << ": " << r.err;
    expect_one_error_line(r, c.message);
    EXPECT_EQ(r.out, "") << join_command_line(c.args);
  }
}

// A malformed remote is bad usage for every command, found before anything
// connects: the other database's remote is well-formed but nothing listens
// there, so a command that connected first would fail with exit 1.
TEST(CliUsage, MalformedRemoteExitsTwoBeforeConnecting) {
  if (std::string(cli_path).empty()) GTEST_SKIP();
  const std::string down_nb = "unix:/nonexistent/nb.sock", down_sb = "unix:/nonexistent/sb.sock";
  const std::vector<std::vector<std::string>> commands = {
      {"status"}, {"evacuate", "m0"}, {"restore", "m0"}, {"monitor", "chassis"}, {"ha-group", "add", "g"},
      {"transact", "OVN_Southbound", "[]"}, {"dump", "OVN_Northbound"}};
  struct Case {
    std::vector<std::string> options;
    std::vector<std::string> messages;
  };
  const std::vector<Case> cases = {
      {{"--nb", "bogus:thing", "--sb", down_sb},
       {"usage: bad remote for --nb 'bogus:thing': ", "unknown connection method"}},
      {{"--nb", down_nb, "--sb", "tcp:127.0.0.1:notaport"},
       {"usage: bad remote for --sb 'tcp:127.0.0.1:notaport': ", "the port must be a decimal number"}},
      {{"--nb", down_nb, "--sb=ptcp:6642"}, {"usage: bad remote for --sb 'ptcp:6642': ", "passive remotes"}},
      // One bad member of a cluster list spoils the list, and the error says which.
      {{"--nb", down_nb + ",tcp:10.0.0.2,unix:/x", "--sb", down_sb},
       {"usage: bad remote for --nb '" + down_nb + ",tcp:10.0.0.2,unix:/x': ", "remote list entry 1 ",
        "\"tcp:10.0.0.2\"", "missing ':PORT'"}},
      {{"--nb", down_nb, "--sb", down_sb + ", ,tcp:127.0.0.1:6642"},
       {"usage: bad remote for --sb '" + down_sb + ", ,tcp:127.0.0.1:6642': ", "entry 1 ", "is empty"}},
  };
  for (const auto& c : cases) {
    for (const auto& command : commands) {
      std::vector<std::string> args = c.options;
      args.insert(args.end(), command.begin(), command.end());
      auto r = cli(args);
      EXPECT_EQ(r.exit_code, 2) << join_command_line(args) << ": " << r.err;
      for (const auto& message : c.messages) expect_one_error_line(r, message);
      EXPECT_EQ(r.out, "") << join_command_line(args);
    }
  }
}

TEST(CliUsage, MalformedRemoteFromTheEnvironmentNamesTheVariable) {
  if (std::string(cli_path).empty()) GTEST_SKIP();
  ::setenv("OVN_SB_DB", "tcp:[::1:6642", 1);
  auto r = cli({"--nb", "unix:/nonexistent/nb.sock", "restore", "m0"});
  ::unsetenv("OVN_SB_DB");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  expect_one_error_line(r, "usage: bad remote for $OVN_SB_DB 'tcp:[::1:6642': ");
  expect_one_error_line(r, "'[' without a closing ']'");
}

TEST(CliUsage, HelpGoesToStdoutAndExitsZero) {
  if (std::string(cli_path).empty()) GTEST_SKIP();
  for (auto args : {std::vector<std::string>{"--help"}, {"help"}, {"evacuate", "-h"}}) {
    auto r = cli(args);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(r.out.starts_with("usage: fastovsdb")) << r.out;
    for (const char* word : {"status", "evacuate", "restore", "monitor chassis", "ha-group add-chassis", "transact",
                             "dump", "--nb", "--sb", "--private-key", "--hostname", "--wait sb"})
      EXPECT_NE(r.out.find(word), std::string::npos) << word;
    EXPECT_EQ(r.err, "");
  }
}

// ---- unreachable servers ----

TEST(CliConnect, MissingUnixSocketFailsAtOnceNamingIt) {
  if (std::string(cli_path).empty()) GTEST_SKIP();
  auto start = std::chrono::steady_clock::now();
  auto r = cli({"--nb", "unix:/nonexistent/nb.sock", "--timeout", "20", "restore", "hv1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "fastovsdb: cannot connect to unix:/nonexistent/nb.sock: No such file or directory\n");
  // It gives up once every remote has failed rather than waiting 20 s.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(CliConnect, RefusedClusterListNamesTheRemotes) {
  if (std::string(cli_path).empty()) GTEST_SKIP();
  int port1 = pick_free_tcp_port(), port2 = pick_free_tcp_port();
  std::string remotes = "tcp:127.0.0.1:" + std::to_string(port1) + ",tcp:127.0.0.1:" + std::to_string(port2);
  auto r = cli({"--sb", remotes, "monitor", "chassis"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "cannot connect to " + remotes + ": ");
  EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
}

TEST(CliConnect, EnvironmentGivesTheDefaultRemotes) {
  if (std::string(cli_path).empty()) GTEST_SKIP();
  ::setenv("OVN_NB_DB", "unix:/nonexistent/from-env.sock", 1);
  auto r = cli({"restore", "hv1"});
  ::unsetenv("OVN_NB_DB");
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "cannot connect to unix:/nonexistent/from-env.sock");
}

// ---- ssl ----

class CliSslTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(cli_path).empty()) GTEST_SKIP();
    if (!have_ovsdb_server() || !have_openssl()) GTEST_SKIP() << "no ovsdb-server or openssl";
    pki_ = std::make_unique<Pki>();
    OvsdbServerOptions options;
    options.tls = pki_->server_files();
    server_ = std::make_unique<OvsdbServer>(std::vector<std::filesystem::path>{nb_schema, sb_schema}, options);
  }
  std::vector<std::string> ssl_args(const TlsFiles& f) const {
    return {"--nb", server_->ssl_remote(), "--sb", server_->ssl_remote(), "-p", f.private_key.string(),
            "-c", f.certificate.string(), "-C", f.ca_cert.string(), "--timeout", "5"};
  }
  std::unique_ptr<Pki> pki_;
  std::unique_ptr<OvsdbServer> server_;
};

TEST_F(CliSslTest, RightCaWorks) {
  auto args = ssl_args(pki_->client_files());
  args.insert(args.end(), {"ha-group", "add", "over-ssl"});
  auto r = cli(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nbctl_groups(server_->unix_remote()).count("over-ssl"), 1u);
}

TEST_F(CliSslTest, WrongCaFailsWithTheReason) {
  auto args = ssl_args(pki_->client_files_trusting_other_ca());
  args.push_back("status");
  auto r = cli(args);
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "cannot connect to " + server_->ssl_remote() + ": ");
  EXPECT_NE(r.err.find("verif"), std::string::npos) << r.err;
}

TEST_F(CliSslTest, MissingFilesFail) {
  auto r = cli({"--nb", server_->ssl_remote(), "restore", "hv1"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "cannot connect to " + server_->ssl_remote());
  auto files = pki_->client_files();
  r = cli({"--nb", server_->ssl_remote(), "-p", "/nonexistent.key", "-c", files.certificate.string(), "-C",
           files.ca_cert.string(), "restore", "hv1"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "/nonexistent.key");
}

// ---- status ----

TEST_F(CliTest, StatusTextShowsChassisGroupsAndPriorities) {
  auto r = run({"status"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "Chassis (Southbound): 3\n"
            "  member-1  hostname host-1\n"
            "  member-2  hostname host-2\n"
            "  member-3  hostname host-3\n"
            "HA chassis groups (Northbound): 2\n"
            "  lxd-net1  (3 members)\n"
            "    member-1  priority 30\n"
            "    member-2  priority 20\n"
            "    member-3  priority 10\n"
            "  lxd-net2  (2 members)\n"
            "    member-2  priority 50\n"
            "    member-1  priority 40\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(CliTest, StatusJsonOfOneChassisIsOneDocument) {
  auto r = run({"--format", "json", "status", "member-3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  auto chassis = doc["chassis"].get_array();
  ASSERT_EQ(chassis.size(), 1u);
  EXPECT_EQ(std::string_view(chassis.at(0)["name"]), "member-3");
  EXPECT_EQ(std::string_view(chassis.at(0)["hostname"]), "host-3");
  // Only lxd-net1 holds member-3.
  auto groups = doc["groups"].get_array();
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(std::string_view(groups.at(0)["name"]), "lxd-net1");
  EXPECT_EQ(groups.at(0)["members"].get_array().size(), 3u);
  EXPECT_EQ(int64_t(groups.at(0)["members"].at(0)["priority"]), 30);
}

TEST_F(CliTest, StatusOfUnknownChassisFails) {
  auto r = run({"status", "member-9"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "status: unknown chassis member-9");
}

// ---- evacuate / restore ----

TEST_F(CliTest, EvacuateThenRestoreRoundTrips) {
  auto dry = run({"evacuate", "member-2", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("plan: evacuate member-2: 2 change(s)"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("outcome: dry run, nothing sent"), std::string::npos) << dry.out;
  EXPECT_EQ(nbctl_groups(db_), original_);

  auto ev = run({"evacuate", "member-2"});
  ASSERT_EQ(ev.exit_code, 0) << ev.err;
  EXPECT_NE(ev.out.find("remove chassis member-2"), std::string::npos) << ev.out;
  EXPECT_NE(ev.out.find("outcome: committed"), std::string::npos) << ev.out;
  Groups evacuated = original_;
  evacuated["lxd-net1"].erase("member-2");
  evacuated["lxd-net2"].erase("member-2");
  EXPECT_EQ(nbctl_groups(db_), evacuated);
  // The records are in the groups' external_ids.
  EXPECT_NE(run_ok({nbctl, "--db=" + db_, "get", "HA_Chassis_Group", "lxd-net2", "external_ids"})
                .find("\"fastovsdb:evacuated:member-2\"=\"50\""),
            std::string::npos);
  auto status = run({"status", "member-2"});
  EXPECT_NE(status.out.find("evacuated: member-2 (priority 50 to restore)"), std::string::npos) << status.out;

  // Idempotent: a second evacuation finds nothing to do.
  auto again = run({"evacuate", "member-2"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("outcome: nothing to do"), std::string::npos) << again.out;

  auto re = run({"--format", "json", "restore", "member-2"});
  ASSERT_EQ(re.exit_code, 0) << re.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(re.out).get(doc), simdjson::SUCCESS) << re.out;
  EXPECT_EQ(std::string_view(doc["command"]), "restore");
  EXPECT_EQ(bool(doc["outcome"]["committed"]), true);
  EXPECT_EQ(doc["plan"]["changes"].get_array().size(), 2u);
  EXPECT_EQ(nbctl_groups(db_), original_);
  EXPECT_EQ(run_ok({nbctl, "--db=" + db_, "get", "HA_Chassis_Group", "lxd-net2", "external_ids"}), "{}\n");
}

TEST_F(CliTest, EvacuatingTheLastMemberNeedsForce) {
  run_ok({nbctl, "--db=" + db_, "ha-chassis-group-add", "solo", "--", "ha-chassis-group-add-chassis", "solo",
          "member-3", "5"});
  auto r = run({"evacuate", "member-3"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "evacuate: ");
  EXPECT_NE(r.err.find("solo"), std::string::npos) << r.err;
  EXPECT_EQ(nbctl_groups(db_)["solo"].size(), 1u);
  r = run({"evacuate", "member-3", "--force"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(nbctl_groups(db_)["solo"].empty());
}

TEST_F(CliTest, UnknownChassisIsAClearError) {
  auto r = run({"evacuate", "member-9"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "fastovsdb: evacuate: chassis member-9 is in no HA chassis group (and is not a Southbound chassis)\n");
  r = run({"restore", "member-9"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "restore: chassis member-9 is in no HA chassis group");
  EXPECT_EQ(nbctl_groups(db_), original_);
}

TEST_F(CliTest, HostnamesResolveThroughSouthbound) {
  auto r = run({"--hostname", "evacuate", "host-3", "--dry-run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("plan: evacuate member-3"), std::string::npos) << r.out;
  r = run({"--hostname", "evacuate", "host-7"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "fastovsdb: evacuate: no Southbound chassis has hostname host-7\n");
  run_ok({sbctl, "--db=" + db_, "set", "Chassis", "member-1", "hostname=host-3"});
  r = run({"--hostname", "evacuate", "host-3"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "hostname host-3 is ambiguous: chassis member-1, member-3");
  EXPECT_EQ(nbctl_groups(db_), original_);
}

TEST_F(CliTest, AChassisNamedLikeAUuidIsStillAName) {
  const std::string name = "5f6d1c9e-0b7a-4c1e-9a59-7f3c2d1e8b40";
  auto r = run({"ha-group", "add-chassis", "lxd-net2", name, "7"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nbctl_groups(db_)["lxd-net2"][name], 7);
  r = run({"evacuate", name});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nbctl_groups(db_), original_);
}

// ---- ha-group ----

TEST_F(CliTest, HaGroupCommandsMatchOvnNbctl) {
  ASSERT_EQ(run({"ha-group", "add", "lxd-net3"}).exit_code, 0);
  ASSERT_EQ(run({"ha-group", "add-chassis", "lxd-net3", "member-1", "11"}).exit_code, 0);
  ASSERT_EQ(run({"ha-group", "add-chassis", "lxd-net3", "member-2", "12"}).exit_code, 0);
  ASSERT_EQ(run({"ha-group", "set-priority", "lxd-net3", "member-1", "13"}).exit_code, 0);
  EXPECT_EQ(nbctl_groups(db_)["lxd-net3"], (std::map<std::string, int64_t>{{"member-1", 13}, {"member-2", 12}}));
  ASSERT_EQ(run({"ha-group", "remove-chassis", "lxd-net3", "member-2"}).exit_code, 0);
  EXPECT_EQ(nbctl_groups(db_)["lxd-net3"], (std::map<std::string, int64_t>{{"member-1", 13}}));
  auto r = run({"ha-group", "set-priority", "lxd-net3", "member-2", "1"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "ha-group set-priority: chassis member-2 is not a member of HA_Chassis_Group lxd-net3");
  r = run({"ha-group", "add-chassis", "lxd-net9", "member-2", "1"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "ha-group add-chassis: HA_Chassis_Group lxd-net9 not found");
  ASSERT_EQ(run({"ha-group", "del", "lxd-net3"}).exit_code, 0);
  EXPECT_EQ(nbctl_groups(db_), original_);
  // The HA_Chassis rows went with the group.
  EXPECT_EQ(run_ok({nbctl, "--db=" + db_, "--bare", "--columns=chassis_name", "find", "HA_Chassis",
                    "priority=13"}),
            "");
}

// ---- generic tools ----

TEST_F(CliTest, TransactPrintsTheResultAndFailsOnErrors) {
  auto r = run({"transact", "OVN_Northbound",
                R"([{"op":"insert","table":"HA_Chassis_Group","row":{"name":"from-transact"}},
                    {"op":"select","table":"HA_Chassis_Group","where":[["name","==","from-transact"]],"columns":["name"]}])"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"({"rows":[{"name":"from-transact"}]})"), std::string::npos) << r.out;
  EXPECT_EQ(nbctl_groups(db_).count("from-transact"), 1u);
  r = run({"transact", "OVN_Northbound", R"([{"op":"insert","table":"HA_Chassis_Group","row":{"name":"lxd-net1"}}])"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "transact: commit: constraint violation");
  EXPECT_NE(r.out.find("constraint violation"), std::string::npos) << r.out;
  r = run({"transact", "OVN_Southbound", R"([{"op":"delete","table":"Nope","where":[]}])"});
  EXPECT_EQ(r.exit_code, 1);
  expect_one_error_line(r, "transact: operation 0: syntax error");
}

TEST_F(CliTest, DumpPrintsRowsOfADatabaseOrTable) {
  auto r = run({"--format", "json", "dump", "OVN_Southbound", "Chassis"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  std::set<std::string> names;
  for (auto [uuid, row] : doc["Chassis"].get_object()) names.insert(std::string(std::string_view(row["name"])));
  EXPECT_EQ(names, (std::set<std::string>{"member-1", "member-2", "member-3"}));
  EXPECT_EQ(doc.get_object().size(), 1u);

  r = run({"dump", "OVN_Northbound"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("HA_Chassis_Group table (2 rows)"), std::string::npos);
  EXPECT_NE(r.out.find("HA_Chassis table (5 rows)"), std::string::npos);
  EXPECT_NE(r.out.find("  name         : \"lxd-net2\""), std::string::npos) << r.out;

  r = run({"dump", "OVN_Northbound", "Nope"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "fastovsdb: dump: OVN_Northbound has no table Nope\n");
}

// ---- monitor ----

TEST_F(CliTest, MonitorStreamsChassisEventsUntilInterrupted) {
  auto out = server_->dir() / "monitor.out";
  auto argv = with_db({"--format", "json", "monitor", "chassis"});
  argv.insert(argv.begin(), cli_path);
  auto child = ChildProcess::spawn(argv, out);
  auto read_all = [&] {
    std::ifstream in(out);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  };
  auto wait_for_lines = [&](size_t n) {
    for (int i = 0; i < 1000; ++i) {
      auto text = read_all();
      if (static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) >= n) return text;
      std::this_thread::sleep_for(10ms);
    }
    return read_all();
  };
  // Changes are events from the moment the monitor has synced; retry until one shows.
  std::string text;
  for (int i = 0; i < 100 && text.empty(); ++i) {
    run_ok({sbctl, "--db=" + db_, "set", "Chassis", "member-2", "hostname=probe-" + std::to_string(i)});
    std::this_thread::sleep_for(50ms);
    text = read_all();
  }
  ASSERT_FALSE(text.empty()) << "no event";
  size_t before = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  run_ok({sbctl, "--db=" + db_, "chassis-add", "member-4", "geneve", "127.0.0.4"});
  run_ok({sbctl, "--db=" + db_, "chassis-del", "member-1"});
  text = wait_for_lines(before + 2);
  std::istringstream lines(text);
  std::vector<std::string> all;
  for (std::string line; std::getline(lines, line);) all.push_back(line);
  ASSERT_EQ(all.size(), before + 2) << text;
  EXPECT_NE(all[0].find(R"("event":"changed","name":"member-2","hostname":"probe-)"), std::string::npos) << all[0];
  EXPECT_NE(all[before].find(R"("event":"added","name":"member-4")"), std::string::npos) << all[before];
  EXPECT_NE(all[before + 1].find(R"("event":"removed","name":"member-1","hostname":"host-1")"), std::string::npos)
      << all[before + 1];
  child.signal(SIGINT);
  ASSERT_TRUE(child.wait_exit(10s));
  EXPECT_TRUE(WIFEXITED(child.exit_status()));
  EXPECT_EQ(WEXITSTATUS(child.exit_status()), 0);
}

// ---- --wait sb with ovn-northd ----

TEST_F(CliTest, WaitSbSeesNorthdApplyTheChange) {
  if (!std::filesystem::exists(northd)) GTEST_SKIP() << "no ovn-northd";
  auto northd_process =
      ChildProcess::spawn({northd, "--ovnnb-db=" + db_, "--ovnsb-db=" + db_,
                           "--unixctl=" + (server_->dir() / "northd.ctl").string(),
                           "--log-file=" + (server_->dir() / "northd.log").string()},
                          server_->dir() / "northd.stderr");
  // SB HA_Chassis_Group rows exist only for groups that a router port uses.
  run_ok({nbctl, "--db=" + db_, "lr-add", "r1", "--", "lrp-add", "r1", "lrp1", "00:00:00:00:00:01", "10.0.0.1/24"});
  std::string uuid = run_ok({nbctl, "--db=" + db_, "--bare", "--columns=_uuid", "find", "HA_Chassis_Group",
                             "name=lxd-net1"});
  uuid.erase(uuid.find_last_not_of('\n') + 1);
  run_ok({nbctl, "--db=" + db_, "set", "Logical_Router_Port", "lrp1", "ha_chassis_group=" + uuid});

  auto r = run({"evacuate", "member-1", "--wait=sb"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("then wait for nb_cfg"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ovn-northd applied it to the Southbound database"), std::string::npos) << r.out;
  // Once --wait sb returns, the SB side already shows the change.
  std::string sb = run_ok({sbctl, "--db=" + db_, "--bare", "--columns=chassis", "list", "HA_Chassis"});
  auto member = [&](const char* name) {
    return run_ok({sbctl, "--db=" + db_, "--bare", "--columns=_uuid", "find", "Chassis",
                   std::string("name=") + name});
  };
  std::string m1 = member("member-1"), m2 = member("member-2");
  m1.erase(m1.find_last_not_of('\n') + 1);
  m2.erase(m2.find_last_not_of('\n') + 1);
  EXPECT_EQ(sb.find(m1), std::string::npos) << sb;
  EXPECT_NE(sb.find(m2), std::string::npos) << sb;

  r = run({"restore", "member-1", "--wait", "sb"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  sb = run_ok({sbctl, "--db=" + db_, "--bare", "--columns=chassis", "list", "HA_Chassis"});
  EXPECT_NE(sb.find(m1), std::string::npos) << sb;
  EXPECT_EQ(nbctl_groups(db_), original_);
}

}  // namespace
}  // namespace fastovsdb::test
