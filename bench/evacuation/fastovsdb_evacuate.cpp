// The fastovsdb peer of the evacuation benchmark
// (bench/evacuation/run_evacuation_bench.sh): evacuates one chassis from every
// HA_Chassis_Group it is a member of, through ovn::HaManager.
//
//   fastovsdb_evacuate REMOTE [--chassis NAME] [--mode cold|warm] [--action evacuate|restore]
//                      [--timeout SECONDS]
//
// --action restore (bench/cluster/run) times HaManager::restore instead: the
// chassis back into every group its evacuation recorded, at its old priority.
//
// cold: the timed span is everything a one-shot tool does: connect, sync the
//       replica (HaManager's tables), plan, stop monitoring, commit
//       (ExecuteOptions::one_shot, as `fastovsdb evacuate` does).
// warm: a daemon's replica: stays monitored, and HaManager::evacuate waits
//       until it shows the commit. Connect and sync untimed (plus one echo round trip, so the connection
//       is as used as the floor's), then time HaManager::evacuate alone.
// Prints one JSON line: mode, seconds (the timed span), connect_sync_seconds,
// evacuate_seconds, plan_seconds (evacuate call to before-commit hook: wait
// for sync + planning), commit_seconds (the rest: the transact round trip and
// the replica catching up), groups_changed, transactions_sent, conflicts,
// request_bytes (sent during evacuate), cpu_seconds (this process, the timed
// span). Exit status 0 only if the evacuation committed.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/net/sync_client.hpp"
#include "fastovsdb/ovn/ha_manager.hpp"

#include "../common/bench_tool.hpp"

namespace {

using namespace fastovsdb;
using bench::Clock;

struct Args {
  std::string remote;
  std::string chassis = "member-1";
  bool warm = false;
  bool restore = false;
  double timeout_s = 600;
};

constexpr const char* kTool = "fastovsdb_evacuate";

Args parse_args(int argc, char** argv) {
  Args a;
  bench::ToolArgs args(kTool,
                       "usage: fastovsdb_evacuate REMOTE [--chassis NAME] [--mode cold|warm]\n"
                       "                          [--action evacuate|restore] [--timeout SECONDS]",
                       argc, argv);
  while (args.next()) {
    if (args.is("--chassis")) {
      a.chassis = args.value();
    } else if (args.is("--mode")) {
      a.warm = args.one_of({"cold", "warm"}) == "warm";
    } else if (args.is("--action")) {
      a.restore = args.one_of({"evacuate", "restore"}) == "restore";
    } else if (args.is("--timeout")) {
      a.timeout_s = args.positive_seconds();
    } else {
      a.remote = args.positional();
    }
  }
  if (a.remote.empty()) args.usage("REMOTE is required");
  return a;
}

using bench::cpu_seconds;
using bench::seconds;

[[noreturn]] void fail(const std::string& what, const Error& e) { bench::fail(kTool, what, e); }

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(args.timeout_s * 1000));

  net::ClientOptions options;
  ovn::configure_nb_session(options.session);

  auto start = Clock::now();
  double cpu_start = cpu_seconds();
  auto connected = net::SyncClient::connect(args.remote, std::move(options), timeout);
  if (!connected) fail("connect", connected.error());
  net::SyncClient& nb = **connected;
  nb.set_timeout(timeout);
  if (auto r = nb.wait_synced(timeout); !r) fail("wait_synced", r.error());
  auto synced = Clock::now();
  if (args.warm) {
    if (auto r = nb.echo(); !r) fail("echo", r.error());
  }

  ovn::HaManager manager(nb);
  std::optional<Clock::time_point> before_commit;
  manager.set_before_commit([&](const ovn::Plan&, int attempt) {
    if (attempt == 1) before_commit = Clock::now();
  });
  ovn::ExecuteOptions exec;
  exec.timeout = timeout;
  // Cold is a one-shot tool (like `fastovsdb evacuate`); warm is a daemon
  // that keeps its replica live, so it pays for the update of its own commit.
  exec.one_shot = !args.warm;

  SessionMetrics before = nb.metrics();
  if (args.warm) {
    start = Clock::now();
    cpu_start = cpu_seconds();
  }
  auto evacuate_start = Clock::now();
  auto report = args.restore ? manager.restore(ovn::ChassisName(args.chassis), exec)
                             : manager.evacuate(ovn::ChassisName(args.chassis), exec);
  auto end = Clock::now();
  double cpu = cpu_seconds() - cpu_start;
  if (!report) fail(args.restore ? "restore" : "evacuate", report.error());
  SessionMetrics after = nb.metrics();

  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("peer").string("fastovsdb");
  w.key("mode").string(args.warm ? "warm" : "cold");
  w.key("action").string(args.restore ? "restore" : "evacuate");
  w.key("seconds").real(seconds(end - start));
  if (!args.warm) w.key("connect_sync_seconds").real(seconds(synced - start));
  w.key("evacuate_seconds").real(seconds(end - evacuate_start));
  if (before_commit) {
    w.key("plan_seconds").real(seconds(*before_commit - evacuate_start));
    w.key("commit_seconds").real(seconds(end - *before_commit));
  }
  w.key("cpu_seconds").real(cpu);
  w.key("committed").boolean(report->committed);
  w.key("groups_changed").integer(static_cast<int64_t>(report->plan.changes.size()));
  int64_t waits = 0;  // the guards, as sent
  if (const auto& txn = report->plan.transaction)
    for (size_t i = 0; i < txn->op_count(); ++i) waits += txn->op_kind(i) == OpKind::wait;
  w.key("guards").integer(waits);
  w.key("transactions_sent").integer(report->transactions_sent);
  w.key("conflicts").integer(report->conflicts);
  w.key("request_bytes").integer(static_cast<int64_t>(after.bytes_sent - before.bytes_sent));
  w.key("reply_bytes").integer(static_cast<int64_t>(after.bytes_received - before.bytes_received));
  w.end_object();
  std::printf("%s\n", out.c_str());
  std::fflush(stdout);
  return report->committed ? 0 : 1;
}
