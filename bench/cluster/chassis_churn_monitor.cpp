// The fastovsdb peer of the chassis churn scenario (bench/cluster/run): watches
// Southbound Chassis rows come and go through ovn::ChassisMonitor while
// another client (bench/cluster/chassis_churn_writer.py) adds and removes them
// at a fixed rate, and measures how late each event arrives.
//
//   chassis_churn_monitor REMOTE --expect N [--stamp-key KEY] [--timeout SECONDS]
//
// Connects, syncs (initial rows are not events), prints "ready" on stdout,
// then counts added and removed events until N events were seen or the
// timeout passed. An added Chassis whose external_ids KEY (default
// "churn:stamp") holds the writer's CLOCK_REALTIME in nanoseconds, taken just
// before it sent the insert, gives one end-to-end latency: now - stamp, in the
// handler. Prints one JSON line: events, added, removed, latencies (count,
// p50_ms, p99_ms, max_ms), span_seconds (first to last event), events_per_second
// (over that span), cpu_seconds (this process, while watching), max_rss_kb.
// Exit status 0 only if N events were seen.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/net/sync_client.hpp"
#include "fastovsdb/ovn/chassis_monitor.hpp"
#include "fastovsdb/ovn/ha_manager.hpp"

#include "../common/bench_tool.hpp"

namespace {

using namespace fastovsdb;
using bench::Clock;

struct Args {
  std::string remote;
  uint64_t expect = 0;
  std::string stamp_key = "churn:stamp";
  double timeout_s = 120;
};

constexpr const char* kTool = "chassis_churn_monitor";

Args parse_args(int argc, char** argv) {
  Args a;
  bench::ToolArgs args(kTool,
                       "usage: chassis_churn_monitor REMOTE --expect N [--stamp-key KEY] [--timeout SECONDS]", argc,
                       argv);
  while (args.next()) {
    if (args.is("--expect")) {
      a.expect = static_cast<uint64_t>(args.integer(1));
    } else if (args.is("--stamp-key")) {
      a.stamp_key = args.value();
    } else if (args.is("--timeout")) {
      a.timeout_s = args.positive_seconds();
    } else {
      a.remote = args.positional();
    }
  }
  if (a.remote.empty()) args.usage("REMOTE is required");
  if (a.expect == 0) args.usage("--expect is required");
  return a;
}

using bench::cpu_seconds;
using bench::usage_now;

int64_t realtime_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Nearest-rank percentile of sorted values.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(p / 100.0 * double(sorted.size()) + 0.999999);
  return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

struct Tally {
  std::mutex mutex;
  std::condition_variable done;
  uint64_t added = 0;
  uint64_t removed = 0;
  uint64_t unstamped = 0;
  std::vector<double> latencies_ms;
  std::optional<Clock::time_point> first, last;
};

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(args.timeout_s * 1000));

  net::ClientOptions options;
  ovn::configure_sb_session(options.session);
  auto connected = net::SyncClient::connect(args.remote, std::move(options), timeout);
  if (!connected) {
    std::fprintf(stderr, "chassis_churn_monitor: connect: %s\n", connected.error().message().c_str());
    return 1;
  }
  net::SyncClient& sb = **connected;
  if (auto r = sb.wait_synced(timeout); !r) {
    std::fprintf(stderr, "chassis_churn_monitor: wait_synced: %s\n", r.error().message().c_str());
    return 1;
  }

  Tally tally;
  tally.latencies_ms.reserve(args.expect);
  // Runs on the client's strand: keep it short, take what is needed and go.
  ovn::ChassisMonitor monitor([&](const ovn::ChassisEvent& e) {
    int64_t now_ns = realtime_ns();
    auto now = Clock::now();
    std::optional<double> latency;
    if (e.kind == ovn::ChassisEventKind::added) {
      if (auto stamp = e.chassis().external_id(args.stamp_key)) {
        int64_t sent_ns = std::strtoll(std::string(*stamp).c_str(), nullptr, 10);
        if (sent_ns > 0) latency = double(now_ns - sent_ns) / 1e6;
      }
    }
    std::lock_guard lock(tally.mutex);
    if (!tally.first) tally.first = now;
    tally.last = now;
    if (e.kind == ovn::ChassisEventKind::added) {
      ++tally.added;
      if (latency) {
        tally.latencies_ms.push_back(*latency);
      } else {
        ++tally.unstamped;
      }
    } else if (e.kind == ovn::ChassisEventKind::removed) {
      ++tally.removed;
    }
    if (tally.added + tally.removed >= args.expect) tally.done.notify_all();
  });
  // After the initial sync, so only changes from now on are events.
  monitor.attach(sb.client());
  rusage start_usage = usage_now();
  std::printf("ready\n");
  std::fflush(stdout);

  bool complete = false;
  {
    std::unique_lock lock(tally.mutex);
    complete = tally.done.wait_for(lock, timeout, [&] { return tally.added + tally.removed >= args.expect; });
  }
  rusage end_usage = usage_now();
  // Detach before the monitor goes away; the strand runs this before
  // anything queued after it.
  sb.client().set_change_listener({});
  sb.with_replica([](const Replica*) { return 0; });

  std::lock_guard lock(tally.mutex);
  std::vector<double> sorted = tally.latencies_ms;
  std::sort(sorted.begin(), sorted.end());
  double span = tally.first ? std::chrono::duration<double>(*tally.last - *tally.first).count() : 0;
  uint64_t events = tally.added + tally.removed;

  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("peer").string("fastovsdb");
  w.key("complete").boolean(complete);
  w.key("events").integer(static_cast<int64_t>(events));
  w.key("added").integer(static_cast<int64_t>(tally.added));
  w.key("removed").integer(static_cast<int64_t>(tally.removed));
  w.key("unstamped").integer(static_cast<int64_t>(tally.unstamped));
  w.key("latencies").integer(static_cast<int64_t>(sorted.size()));
  w.key("p50_ms").real(percentile(sorted, 50));
  w.key("p99_ms").real(percentile(sorted, 99));
  w.key("max_ms").real(sorted.empty() ? 0 : sorted.back());
  w.key("span_seconds").real(span);
  w.key("events_per_second").real(span > 0 ? double(events - 1) / span : 0);
  w.key("cpu_seconds").real(cpu_seconds(end_usage) - cpu_seconds(start_usage));
  w.key("max_rss_kb").integer(end_usage.ru_maxrss);
  w.end_object();
  std::printf("%s\n", out.c_str());
  std::fflush(stdout);
  if (!complete) {
    std::fprintf(stderr, "chassis_churn_monitor: saw %llu of %llu events before the timeout\n",
                 static_cast<unsigned long long>(events), static_cast<unsigned long long>(args.expect));
    return 1;
  }
  return 0;
}
