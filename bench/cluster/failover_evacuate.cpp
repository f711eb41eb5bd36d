// The failover scenario of bench/cluster/run: evacuates one chassis through
// ovn::HaManager from a 3-server RAFT cluster, and SIGKILLs the leader while
// the evacuation commits.
//
//   failover_evacuate REMOTES --kill-pid PID [--chassis NAME] [--kill-delay-ms MS]
//                     [--timeout SECONDS]
//
// REMOTES is the cluster's remote list ("unix:a,unix:b,unix:c"); the client
// talks to the leader only. Once synced, HaManager::evacuate plans and, just
// before its first transaction is sent (the before-commit hook), a thread
// waits MS milliseconds (default 0) and sends SIGKILL to PID (the leader, as
// the runner found it), so the transaction is in flight or about to be when
// the leader dies. HaManager then re-connects to the new leader, re-syncs,
// re-plans and commits (every plan is idempotent: a commit that did land
// leaves nothing to do). Prints one JSON line: seconds (from the kill to
// evacuate returning: the time to complete despite the failover),
// evacuate_seconds (the whole call), committed, groups_changed (of the last
// plan), transactions_sent, conflicts, unknown_outcomes, and
// killed_at_monotonic / returned_at_monotonic: the instants of the kill (as
// kill() returned) and of evacuate returning, in seconds of CLOCK_MONOTONIC
// (steady_clock), the clock of Python's time.monotonic(), so that the runner
// can place them against the election it watches. Exit status 0 only if the
// evacuation committed or the last plan found nothing left to do.
#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/net/sync_client.hpp"
#include "fastovsdb/ovn/ha_manager.hpp"

#include "../common/bench_tool.hpp"

namespace {

using namespace fastovsdb;
using bench::Clock;

struct Args {
  std::string remotes;
  std::string chassis = "member-1";
  long kill_pid = 0;
  long kill_delay_ms = 0;
  double timeout_s = 60;
};

constexpr const char* kTool = "failover_evacuate";

Args parse_args(int argc, char** argv) {
  Args a;
  bench::ToolArgs args(kTool,
                       "usage: failover_evacuate REMOTES --kill-pid PID [--chassis NAME] [--kill-delay-ms MS]"
                       " [--timeout SECONDS]",
                       argc, argv);
  while (args.next()) {
    if (args.is("--chassis")) {
      a.chassis = args.value();
    } else if (args.is("--kill-pid")) {
      a.kill_pid = args.integer(2);
    } else if (args.is("--kill-delay-ms")) {
      a.kill_delay_ms = args.integer(0);
    } else if (args.is("--timeout")) {
      a.timeout_s = args.positive_seconds();
    } else {
      a.remotes = args.positional();  // one comma-separated list
    }
  }
  if (a.remotes.empty()) args.usage("REMOTES is required");
  if (a.kill_pid == 0) args.usage("--kill-pid is required");
  return a;
}

using bench::seconds;

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(args.timeout_s * 1000));

  net::ClientOptions options;
  ovn::configure_nb_session(options.session);
  auto connected = net::SyncClient::connect(args.remotes, std::move(options), timeout);
  if (!connected) {
    std::fprintf(stderr, "failover_evacuate: connect: %s\n", connected.error().message().c_str());
    return 1;
  }
  net::SyncClient& nb = **connected;
  nb.set_timeout(timeout);
  if (auto r = nb.wait_synced(timeout); !r) {
    std::fprintf(stderr, "failover_evacuate: wait_synced: %s\n", r.error().message().c_str());
    return 1;
  }

  ovn::HaManager manager(nb);
  std::thread killer;
  std::atomic<int64_t> killed_at_ns{0};
  int kill_errno = 0;
  manager.set_before_commit([&](const ovn::Plan&, int attempt) {
    if (attempt != 1) return;
    killer = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(args.kill_delay_ms));
      if (::kill(static_cast<pid_t>(args.kill_pid), SIGKILL) != 0) kill_errno = errno;
      killed_at_ns = Clock::now().time_since_epoch().count();
    });
  });
  ovn::ExecuteOptions exec;
  exec.timeout = timeout;
  auto start = Clock::now();
  auto report = manager.evacuate(ovn::ChassisName(args.chassis), exec);
  auto end = Clock::now();
  if (killer.joinable()) killer.join();
  if (kill_errno != 0) {
    std::fprintf(stderr, "failover_evacuate: kill %ld failed (errno %d)\n", args.kill_pid, kill_errno);
    return 1;
  }
  if (!report) {
    std::fprintf(stderr, "failover_evacuate: evacuate: %s\n", report.error().message().c_str());
    return 1;
  }
  Clock::time_point killed_at{Clock::duration(killed_at_ns.load())};

  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("peer").string("fastovsdb");
  w.key("killed").boolean(killed_at_ns.load() != 0);
  w.key("seconds").real(killed_at_ns.load() != 0 ? seconds(end - killed_at) : 0.0);
  w.key("killed_at_monotonic").real(seconds(killed_at.time_since_epoch()));
  w.key("returned_at_monotonic").real(seconds(end.time_since_epoch()));
  w.key("evacuate_seconds").real(seconds(end - start));
  w.key("committed").boolean(report->committed);
  w.key("nothing_left_to_do").boolean(report->nothing_to_do());
  w.key("groups_changed").integer(static_cast<int64_t>(report->plan.changes.size()));
  w.key("transactions_sent").integer(report->transactions_sent);
  w.key("conflicts").integer(report->conflicts);
  w.key("unknown_outcomes").integer(report->unknown_outcomes);
  w.end_object();
  std::printf("%s\n", out.c_str());
  std::fflush(stdout);
  return report->committed || report->nothing_to_do() ? 0 : 1;
}
