// The fastovsdb peer of the sync benchmark (bench/sync/run_sync_bench.sh):
// the same job as bench/sync/python_idl_sync.py, through the net layer.
//
//   fastovsdb_sync_bench REMOTE [--db NAME] [--tables T,..] [--no-leader-only]
//                        [--timeout SECONDS]
//                        [--transact N [--window W] [--op insert|update]]
//
// Sync mode (default): connects to REMOTE, monitors the given tables (default:
// every table and column of the schema), waits until the initial replica is
// complete and prints one JSON line:
//   cpu_seconds        user+sys of this whole process (getrusage), at exit
//   sync_cpu_seconds   user+sys from before connecting to replica complete
//   wall_seconds       wall time from before connecting to replica complete
//   max_rss_kb         peak RSS of this process (getrusage ru_maxrss), at exit
//   sync_max_rss_kb    the same, read as soon as the replica was complete
//   baseline_rss_kb    resident set before connecting (code, libraries)
//   synced_rss_kb      resident set (not peak) once the replica was complete
//   synced_malloc_in_use_bytes, synced_malloc_free_bytes   glibc mallinfo2()
//                      then: live heap bytes, and freed bytes the heap holds
//   synced_trimmed_rss_kb  resident set right after malloc_trim(0) then
//   replica_memory_bytes  Replica::memory_usage() (the cache's own estimate)
//   rows, rows_total   rows per table
//   session            bytes/messages received, processing time, ...
//
// Transact mode (--transact N): after the sync, commits N transactions that
// each insert one Logical_Switch (or, with --op update, set one
// Logical_Switch's other_config), keeping at most W in flight, like
// python_idl_sync.py --transact, and adds transactions, window, op,
// transact_seconds, transactions_per_second, transact_cpu_seconds (this
// process, while the transactions ran) and failed. Exit status 0 only if
// the sync completed (and every transaction succeeded, in transact mode).
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fastovsdb/core/json_writer.hpp"
#include "fastovsdb/net/client.hpp"
#include "fastovsdb/net/sync_client.hpp"

#include "../common/bench_tool.hpp"

namespace {

using namespace fastovsdb;
using bench::Clock;

struct Args {
  std::string remote;
  std::string db = "OVN_Northbound";
  std::vector<std::string> tables;
  bool leader_only = true;
  double timeout_s = 600;
  uint64_t transact = 0;
  uint64_t window = 100;
  bool update = false;
};

constexpr const char* kTool = "fastovsdb_sync_bench";

Args parse_args(int argc, char** argv) {
  Args a;
  bench::ToolArgs args(kTool,
                       "usage: fastovsdb_sync_bench REMOTE [--db NAME] [--tables T,..] [--no-leader-only]\n"
                       "                            [--timeout SECONDS] [--transact N [--window W] [--op insert|update]]",
                       argc, argv);
  while (args.next()) {
    if (args.is("--db")) {
      a.db = args.value();
    } else if (args.is("--tables")) {
      std::string_view list = args.value();
      while (!list.empty()) {
        auto comma = list.find(',');
        auto t = list.substr(0, comma);
        if (!t.empty()) a.tables.emplace_back(t);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    } else if (args.is("--no-leader-only")) {
      a.leader_only = false;
    } else if (args.is("--timeout")) {
      a.timeout_s = args.positive_seconds();
    } else if (args.is("--transact")) {
      a.transact = static_cast<uint64_t>(args.integer(0));
    } else if (args.is("--window")) {
      a.window = static_cast<uint64_t>(args.integer(1));
    } else if (args.is("--op")) {
      a.update = args.one_of({"insert", "update"}) == "update";
    } else if (args.is("-h") || args.is("--help")) {
      args.usage("help");
    } else {
      a.remote = args.positional();
    }
  }
  if (a.remote.empty()) args.usage("REMOTE is required");
  // Transact mode needs Logical_Switch in the replica (the update target).
  if (a.transact && !a.tables.empty() &&
      std::find(a.tables.begin(), a.tables.end(), "Logical_Switch") == a.tables.end())
    a.tables.emplace_back("Logical_Switch");
  return a;
}

using bench::cpu_seconds;
using bench::current_rss_kb;
using bench::max_rss_kb;
using bench::seconds_since;

[[noreturn]] void fail(const std::string& what, const Error& e) { bench::fail(kTool, what, e); }

struct ReplicaFigures {
  size_t memory_bytes = 0;
  std::vector<std::pair<std::string, size_t>> rows;
  size_t rows_total = 0;
};

struct TransactFigures {
  uint64_t failed = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  std::string first_error;
};

// N transactions with at most `window` in flight. Completions run on the
// client's thread and submit the next transaction from there, so the window
// stays full without a round trip through this thread.
class Pipeline : public std::enable_shared_from_this<Pipeline> {
 public:
  Pipeline(net::Client& client, std::string db, uint64_t count, std::optional<Uuid> target)
      : client_(client), db_(std::move(db)), count_(count), target_(target) {}

  TransactFigures run(uint64_t window) {
    auto start = Clock::now();
    auto done = done_.get_future();
    if (count_ == 0) return {};
    for (uint64_t i = 0; i < std::min(window, count_); ++i) submit_next();
    done.wait();
    TransactFigures f;
    f.seconds = seconds_since(start);
    f.failed = failed_.load();
    std::lock_guard lock(mutex_);
    f.first_error = first_error_;
    return f;
  }

 private:
  Transaction make(uint64_t i) const {
    Transaction txn(db_);
    if (target_) {
      txn.update(TableName("Logical_Switch"), {Condition::row_is(*target_)},
                 {{ColumnName("other_config"),
                   Operand::map({{Atom::string("bench-counter"), Atom::string(std::to_string(i))}})}});
    } else {
      txn.insert(TableName("Logical_Switch"),
                 {{ColumnName("name"), Operand::string("bench-ls-" + std::to_string(i))}});
    }
    return txn;
  }

  void submit_next() {
    uint64_t i = sent_.fetch_add(1);
    if (i >= count_) return;
    client_.async_transact(make(i), [self = shared_from_this()](Result<TransactResult> r) {
      self->on_done(r);
    });
  }

  void on_done(const Result<TransactResult>& r) {
    if (!r || !r->ok()) {
      failed_.fetch_add(1);
      std::lock_guard lock(mutex_);
      if (first_error_.empty()) first_error_ = !r ? r.error().message() : r->error->message();
    }
    if (completed_.fetch_add(1) + 1 == count_) {
      done_.set_value();
      return;
    }
    submit_next();
  }

  net::Client& client_;
  std::string db_;
  uint64_t count_;
  std::optional<Uuid> target_;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> failed_{0};
  std::promise<void> done_;
  std::mutex mutex_;
  std::string first_error_;
};

// The uuid of some Logical_Switch (created if there is none), for --op update.
std::optional<Uuid> update_target(net::SyncClient& client, const std::string& db) {
  auto existing = client.with_replica([](const Replica* r) -> std::optional<Uuid> {
    const ReplicaTable* t = r ? r->table("Logical_Switch") : nullptr;
    if (!t || t->empty()) return std::nullopt;
    return t->begin()->uuid();
  });
  if (existing) return existing;
  Transaction txn(db);
  txn.insert(TableName("Logical_Switch"), {{ColumnName("name"), Operand::string("bench-update-target")}});
  auto r = client.transact(std::move(txn));
  if (!r) fail("inserting the update target", r.error());
  if (!r->ok() || r->ops.empty() || !r->ops[0].uuid) {
    std::fprintf(stderr, "fastovsdb_sync_bench: inserting the update target failed: %s\n",
                 r->error ? r->error->message().c_str() : "no uuid in the reply");
    std::exit(1);
  }
  return r->ops[0].uuid;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse_args(argc, argv);
  auto timeout = std::chrono::milliseconds(static_cast<int64_t>(args.timeout_s * 1000));

  net::ClientOptions options;
  options.session.database = DatabaseName(args.db);
  for (const auto& t : args.tables) options.session.monitor.push_back({t, {}, {}});
  options.session.leader_only = args.leader_only;

  long baseline_rss = current_rss_kb();
  auto wall_start = Clock::now();
  double cpu_start = cpu_seconds();
  auto connected = net::SyncClient::connect(args.remote, std::move(options), timeout);
  if (!connected) fail("connect", connected.error());
  net::SyncClient& client = **connected;
  client.set_timeout(timeout);
  if (auto r = client.wait_synced(timeout); !r) fail("wait_synced", r.error());
  double wall = seconds_since(wall_start);
  double sync_cpu = cpu_seconds() - cpu_start;
  long sync_rss = max_rss_kb();
  long synced_rss = current_rss_kb();
  // glibc's view once synced: bytes in live allocations, and bytes freed but
  // still held by the heap (fragmentation) - what RSS holds beyond the replica.
  struct mallinfo2 heap = mallinfo2();
  // What an application that trims after its initial sync keeps resident
  // (reported separately; every other figure is without the trim).
  malloc_trim(0);
  long trimmed_rss = current_rss_kb();

  auto figures = client.with_replica([](const Replica* r) {
    ReplicaFigures f;
    if (!r) return f;
    f.memory_bytes = r->memory_usage();
    for (size_t i = 0; i < r->table_count(); ++i) {
      const ReplicaTable& t = r->table_at(i);
      f.rows.emplace_back(std::string(t.name()), t.size());
      f.rows_total += t.size();
    }
    std::sort(f.rows.begin(), f.rows.end());
    return f;
  });
  SessionMetrics sync_metrics = client.metrics();

  std::optional<TransactFigures> txn;
  if (args.transact) {
    std::optional<Uuid> target;
    if (args.update) target = update_target(client, args.db);
    auto pipeline = std::make_shared<Pipeline>(client.client(), args.db, args.transact, target);
    double cpu_before = cpu_seconds();
    txn = pipeline->run(args.window);
    txn->cpu_seconds = cpu_seconds() - cpu_before;
  }
  SessionMetrics end_metrics = client.metrics();

  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("peer").string("fastovsdb");
  w.key("cpu_seconds").real(cpu_seconds());
  w.key("sync_cpu_seconds").real(sync_cpu);
  w.key("wall_seconds").real(wall);
  w.key("max_rss_kb").integer(max_rss_kb());
  w.key("sync_max_rss_kb").integer(sync_rss);
  w.key("baseline_rss_kb").integer(baseline_rss);
  w.key("synced_rss_kb").integer(synced_rss);
  w.key("synced_malloc_in_use_bytes").integer(static_cast<int64_t>(heap.uordblks + heap.hblkhd));
  w.key("synced_malloc_free_bytes").integer(static_cast<int64_t>(heap.fordblks));
  w.key("synced_trimmed_rss_kb").integer(trimmed_rss);
  w.key("replica_memory_bytes").integer(static_cast<int64_t>(figures.memory_bytes));
  w.key("rows").begin_object();
  for (const auto& [name, n] : figures.rows) w.key(name).integer(static_cast<int64_t>(n));
  w.end_object();
  w.key("rows_total").integer(static_cast<int64_t>(figures.rows_total));
  w.key("session").begin_object();
  w.key("bytes_received").integer(static_cast<int64_t>(sync_metrics.bytes_received));
  w.key("bytes_sent").integer(static_cast<int64_t>(sync_metrics.bytes_sent));
  w.key("messages_received").integer(static_cast<int64_t>(sync_metrics.messages_received));
  w.key("messages_sent").integer(static_cast<int64_t>(sync_metrics.messages_sent));
  w.key("updates_applied").integer(static_cast<int64_t>(sync_metrics.updates_applied));
  w.key("processing_seconds").real(std::chrono::duration<double>(sync_metrics.processing_time).count());
  w.end_object();
  if (txn) {
    w.key("transactions").integer(static_cast<int64_t>(args.transact));
    w.key("window").integer(static_cast<int64_t>(args.window));
    w.key("op").string(args.update ? "update" : "insert");
    w.key("transact_seconds").real(txn->seconds);
    w.key("transactions_per_second").real(txn->seconds > 0 ? double(args.transact) / txn->seconds : 0.0);
    w.key("transact_cpu_seconds").real(txn->cpu_seconds);
    w.key("failed").integer(static_cast<int64_t>(txn->failed));
    if (!txn->first_error.empty()) w.key("first_error").string(txn->first_error);
    w.key("transact_session").begin_object();
    w.key("writes").integer(static_cast<int64_t>(end_metrics.writes - sync_metrics.writes));
    w.key("bytes_sent").integer(static_cast<int64_t>(end_metrics.bytes_sent - sync_metrics.bytes_sent));
    w.key("bytes_received").integer(static_cast<int64_t>(end_metrics.bytes_received - sync_metrics.bytes_received));
    w.key("processing_seconds")
        .real(std::chrono::duration<double>(end_metrics.processing_time - sync_metrics.processing_time).count());
    w.end_object();
  }
  w.end_object();
  std::printf("%s\n", out.c_str());
  std::fflush(stdout);
  return txn && txn->failed ? 1 : 0;
}
