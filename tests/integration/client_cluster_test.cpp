// The client against a real 3-member RAFT cluster of the OVN Northbound
// database: kill -9 of the leader while a monitor streams a large change and
// while hundreds of pipelined transactions are in flight; failover to the new
// leader; a follower refused to a leader-only writer but kept by a reader; a
// killed member restarted and rejoining. The replica must equal what
// `ovsdb-client dump` of the new leader shows, and no committed change may be
// lost or applied twice.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "client_test_util.hpp"
#include "ovsdb_cluster.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

constexpr const char* table = "Logical_Switch";

// Logical_Switch has no index on name, so a transaction applied twice would
// show up as two rows with the same name.
Transaction insert_switch(const std::string& name) {
  Transaction txn("OVN_Northbound");
  txn.insert(TableName(table), {{ColumnName("name"), Operand::string(name)}});
  return txn;
}

Transaction insert_switches(const std::string& prefix, int count) {
  Transaction txn("OVN_Northbound");
  for (int i = 0; i < count; ++i)
    txn.insert(TableName(table), {{ColumnName("name"), Operand::string(prefix + std::to_string(i))},
                                  {ColumnName("external_ids"),
                                   Operand::map({{Atom::string("padding"), Atom::string(std::string(64, 'p'))}})}});
  return txn;
}

// How often each name occurs in a replica_to_json text of Logical_Switch.
std::map<std::string, int> name_counts(const std::string& replica_json) {
  std::map<std::string, int> counts;
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(replica_json);
  simdjson::dom::object rows;
  if (doc[table].get_object().get(rows) != simdjson::SUCCESS) return counts;
  for (auto [uuid, row] : rows) {
    std::string_view name;
    if (row["name"].get_string().get(name) == simdjson::SUCCESS) ++counts[std::string(name)];
  }
  return counts;
}

// One asynchronous client with its own event log.
class Observed {
 public:
  Observed(asio::io_context& io, net::ClientOptions options) {
    auto c = net::Client::create(io.get_executor(), std::move(options));
    if (!c) throw std::runtime_error(c.error().message());
    client_.emplace(std::move(*c));
    client_->set_event_handler([this](const SessionEvent& e) {
      std::lock_guard lock(mutex_);
      if (auto* r = std::get_if<ServerRejected>(&e)) rejections_.push_back({r->remote_index, r->reason.message()});
      if (auto* a = std::get_if<ServerAccepted>(&e)) accepted_.push_back(a->remote_index);
      if (auto* l = std::get_if<LeaderChanged>(&e)) leader_events_.push_back({l->remote_index, l->leader});
      if (std::holds_alternative<Disconnected>(e)) ++disconnects_;
    });
    client_->start();
  }
  ~Observed() { client_->stop(); }

  net::Client& operator*() { return *client_; }
  net::Client* operator->() { return &*client_; }

  template <class F>
  auto inspect(F f) {
    auto fut = client_->async_inspect(std::move(f), asio::use_future);
    if (fut.wait_for(30s) != std::future_status::ready) throw std::runtime_error("inspect timed out");
    return fut.get();
  }
  SessionMetrics metrics() { return inspect([](const Session& s) { return s.metrics(); }); }
  std::string replica_json() { return inspect([](const Session& s) { return replica_to_json(s.replica()); }); }
  size_t current_remote() { return inspect([](const Session& s) { return s.current_remote(); }); }
  bool live() {
    return inspect([](const Session& s) { return s.phase() == SessionPhase::live; });
  }
  bool wait_synced(std::chrono::milliseconds timeout = 30s) {
    auto f = client_->async_wait_synced(asio::use_future);
    return f.wait_for(timeout) == std::future_status::ready && f.get().has_value();
  }
  Result<TransactResult> transact(Transaction txn, std::chrono::milliseconds timeout = 30s) {
    auto f = client_->async_transact(std::move(txn), asio::use_future);
    if (f.wait_for(timeout) != std::future_status::ready)
      return net::make_error(net::Errc::timed_out, "transaction not done within " + std::to_string(timeout.count()) + " ms");
    return f.get();
  }

  std::vector<std::pair<size_t, std::string>> rejections() {
    std::lock_guard lock(mutex_);
    return rejections_;
  }
  std::vector<size_t> accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }
  std::vector<std::pair<size_t, bool>> leader_events() {
    std::lock_guard lock(mutex_);
    return leader_events_;
  }
  int disconnects() {
    std::lock_guard lock(mutex_);
    return disconnects_;
  }

 private:
  std::optional<net::Client> client_;
  std::mutex mutex_;
  std::vector<std::pair<size_t, std::string>> rejections_;
  std::vector<size_t> accepted_;
  std::vector<std::pair<size_t, bool>> leader_events_;
  int disconnects_ = 0;
};

net::ClientOptions cluster_options(const std::string& remotes, bool replicate, bool leader_only) {
  net::ClientOptions o = nb_client_options(remotes, replicate);
  if (replicate) o.session.monitor = {{table, {}, {}}};
  o.session.leader_only = leader_only;
  // Keep the given order, so that tests can put a follower first.
  o.session.reconnect.shuffle_remotes = false;
  o.session.reconnect.probe_interval = 3000ms;
  return o;
}

struct IoThread {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  ~IoThread() {
    work.reset();
    io.stop();
    thread.join();
  }
};

// The monitor's replica equals `ovsdb-client dump` of member `i` (polls:
// the replica catches up asynchronously). Returns the last replica text.
std::string expect_replica_matches(Observed& monitor, OvsdbCluster& cluster, int i) {
  std::string ours, theirs;
  bool same = eventually(
      [&] {
        try {
          theirs = dump_with_ovsdb_client(cluster.tcp_remote(i), {table});
        } catch (const std::exception&) {
          return false;
        }
        ours = monitor.replica_json();
        return ours == theirs;
      },
      30s);
  EXPECT_TRUE(same) << "replica and dump of member " << i << " differ; replica has "
                    << name_counts(ours).size() << " names, dump " << name_counts(theirs).size();
  return ours;
}

// Waits for the client to be live on member `leader`.
void expect_on_member(Observed& c, int leader) {
  EXPECT_TRUE(eventually([&] { return c.current_remote() == static_cast<size_t>(leader) && c.live(); }, 30s))
      << "client is on remote " << c.current_remote() << ", leader is member " << leader;
}

TEST(ClientClusterTest, LeaderKilledDuringLargeUpdateAndPipelinedTransactions) {
  if (!have_ovsdb_server()) GTEST_SKIP() << "no ovsdb-server";
  OvsdbCluster cluster(nb_schema_path);
  IoThread t;
  Observed writer(t.io, cluster_options(cluster.tcp_remotes(), false, true));
  Observed monitor(t.io, cluster_options(cluster.tcp_remotes(), true, true));
  ASSERT_TRUE(monitor.wait_synced());
  auto first_leader = cluster.leader_index();
  ASSERT_TRUE(first_leader.has_value());
  expect_on_member(writer, *first_leader);
  expect_on_member(monitor, *first_leader);
  {
    auto r = writer.transact(insert_switch("before"));
    ASSERT_TRUE(r.has_value() && r->ok()) << (r ? r->error->message() : r.error().message());
  }

  // (a) A large change committed, and the leader killed while the monitor
  // is (most likely) still reading the update for it.
  constexpr int big = 4000;
  auto big_done = writer->async_transact(insert_switches("big-", big), asio::use_future);
  ASSERT_EQ(big_done.wait_for(60s), std::future_status::ready);
  cluster.kill_member(*first_leader, SIGKILL);
  auto big_result = big_done.get();
  ASSERT_TRUE(big_result.has_value()) << big_result.error().message();
  ASSERT_TRUE(big_result->ok()) << big_result->error->message();
  auto updates_before_failover = monitor.metrics().updates_applied;

  auto second_leader = cluster.wait_for_new_leader(*first_leader, 30s);
  ASSERT_TRUE(second_leader.has_value());
  expect_on_member(writer, *second_leader);
  expect_on_member(monitor, *second_leader);
  ASSERT_TRUE(monitor.wait_synced());
  std::string replica = expect_replica_matches(monitor, cluster, *second_leader);
  {
    auto counts = name_counts(replica);
    EXPECT_EQ(counts["before"], 1);
    for (int i = 0; i < big; ++i) ASSERT_EQ(counts["big-" + std::to_string(i)], 1) << "big-" << i;
    EXPECT_EQ(counts.size(), static_cast<size_t>(big + 1));
  }
  auto wm = writer.metrics();
  auto mm = monitor.metrics();
  EXPECT_GE(wm.reconnects, 1u);
  EXPECT_GE(wm.connects, 2u);
  EXPECT_GE(wm.leader_changes, 1u);
  EXPECT_GE(mm.reconnects, 1u);
  EXPECT_GE(mm.leader_changes, 1u);
  EXPECT_GE(mm.resync_full + mm.resync_incremental, 1u);
  EXPECT_GE(writer.disconnects(), 1);
  // Leadership moved to the member the client now uses.
  bool saw_new_leader = false;
  for (auto [remote, leader] : writer.leader_events())
    if (leader && remote == static_cast<size_t>(*second_leader)) saw_new_leader = true;
  EXPECT_TRUE(saw_new_leader);
  std::cout << "[ info ] monitor had applied " << updates_before_failover
            << " updates when the leader died; resync full=" << mm.resync_full
            << " incremental=" << mm.resync_incremental << "\n";

  // The killed member comes back and rejoins; the clients keep working.
  cluster.restart_member(*first_leader);
  ASSERT_TRUE(eventually(
      [&] {
        auto s = cluster.status(*first_leader);
        return s && s->status == "cluster member" && cluster.leader_index().has_value();
      },
      30s));
  {
    auto r = writer.transact(insert_switch("after-rejoin"));
    ASSERT_TRUE(r.has_value() && r->ok()) << (r ? r->error->message() : r.error().message());
  }

  // (b) 500 pipelined transactions, the leader killed while they are in flight.
  auto leader_b = cluster.leader_index();
  ASSERT_TRUE(leader_b.has_value());
  expect_on_member(writer, *leader_b);
  constexpr int inflight = 500;
  std::mutex mutex;
  std::vector<std::optional<Result<TransactResult>>> results(inflight);
  std::atomic<int> completed{0};
  for (int i = 0; i < inflight; ++i) {
    writer->async_transact(insert_switch("txn-" + std::to_string(i)), [&, i](Result<TransactResult> r) {
      {
        std::lock_guard lock(mutex);
        results[static_cast<size_t>(i)] = std::move(r);
      }
      ++completed;
    });
  }
  // Kill once some are answered and the rest are on the wire or queued.
  ASSERT_TRUE(eventually([&] { return completed.load() >= 20; }, 30s));
  // Every one answered before the kill was answered by the server.
  int completed_at_kill = completed.load();
  const int disconnects_before = writer.disconnects();
  cluster.kill_member(*leader_b, SIGKILL);
  // Submitted once the writer knows its server is gone: queued, never
  // written to a dead server, so each must commit exactly once on the new
  // leader. (Submitted before the client noticed, they would be written to
  // the dead socket and end as outcome_unknown.)
  ASSERT_TRUE(eventually([&] { return writer.disconnects() > disconnects_before; }, 30s));
  constexpr int queued = 50;
  std::vector<std::future<Result<TransactResult>>> queued_results;
  for (int i = 0; i < queued; ++i)
    queued_results.push_back(writer->async_transact(insert_switch("queued-" + std::to_string(i)), asio::use_future));
  auto leader_c = cluster.wait_for_new_leader(*leader_b, 30s);
  ASSERT_TRUE(leader_c.has_value());
  ASSERT_TRUE(eventually([&] { return completed.load() == inflight; }, 60s))
      << completed.load() << " of " << inflight << " completed";
  for (auto& f : queued_results) ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
  expect_on_member(writer, *leader_c);
  expect_on_member(monitor, *leader_c);
  replica = expect_replica_matches(monitor, cluster, *leader_c);
  auto counts = name_counts(replica);
  int ok = 0, unknown = 0, unknown_committed = 0;
  {
    std::lock_guard lock(mutex);
    for (int i = 0; i < inflight; ++i) {
      const auto& r = results[static_cast<size_t>(i)];
      ASSERT_TRUE(r.has_value());
      std::string name = "txn-" + std::to_string(i);
      int seen = counts.count(name) ? counts[name] : 0;
      EXPECT_LE(seen, 1) << name << " applied twice";
      if (r->has_value()) {
        EXPECT_TRUE((*r)->ok()) << name << ": " << (*r)->error->message();
        EXPECT_EQ(seen, 1) << name << " succeeded but is not in the database";
        ++ok;
      } else {
        EXPECT_TRUE(r->error().is(Errc::outcome_unknown)) << name << ": " << r->error().message();
        ++unknown;
        unknown_committed += seen;
      }
    }
  }
  for (int i = 0; i < queued; ++i) {
    auto r = queued_results[static_cast<size_t>(i)].get();
    std::string name = "queued-" + std::to_string(i);
    ASSERT_TRUE(r.has_value()) << name << ": " << r.error().message();
    EXPECT_TRUE(r->ok()) << name << ": " << r->error->message();
    EXPECT_EQ(counts[name], 1) << name;
  }
  EXPECT_GE(ok, completed_at_kill);
  EXPECT_EQ(ok + unknown, inflight);
  EXPECT_EQ(writer.metrics().outcome_unknown, static_cast<uint64_t>(unknown));
  EXPECT_EQ(counts.size(), static_cast<size_t>(1 + big + 1 + ok + unknown_committed + queued));
  std::cout << "[ info ] " << completed_at_kill << " done at the kill; " << ok << " ok, " << unknown
            << " outcome unknown, of which " << unknown_committed << " committed\n";
  // Nothing but our names, each once.
  for (const auto& [name, n] : counts) EXPECT_EQ(n, 1) << name;

  // The second victim rejoins too, and everything still works.
  cluster.restart_member(*leader_b);
  ASSERT_TRUE(eventually(
      [&] {
        auto s = cluster.status(*leader_b);
        return s && s->status == "cluster member" && cluster.leader_index().has_value();
      },
      30s));
  {
    auto r = writer.transact(insert_switch("the-end"));
    ASSERT_TRUE(r.has_value() && r->ok()) << (r ? r->error->message() : r.error().message());
  }
  auto final_leader = cluster.leader_index();
  ASSERT_TRUE(final_leader.has_value());
  replica = expect_replica_matches(monitor, cluster, *final_leader);
  EXPECT_EQ(name_counts(replica)["the-end"], 1);
}

TEST(ClientClusterTest, FollowerRefusedToLeaderOnlyWriterButKeptByReader) {
  if (!have_ovsdb_server()) GTEST_SKIP() << "no ovsdb-server";
  OvsdbCluster cluster(nb_schema_path);
  auto leader = cluster.leader_index();
  ASSERT_TRUE(leader.has_value());
  const int follower = (*leader + 1) % cluster.size();
  // The follower first, then the leader, in that order (no shuffle).
  const std::string remotes = cluster.tcp_remote(follower) + "," + cluster.tcp_remote(*leader);

  IoThread t;
  Observed writer(t.io, cluster_options(remotes, false, true));
  Observed reader(t.io, cluster_options(remotes, true, false));
  ASSERT_TRUE(reader.wait_synced());
  expect_on_member(writer, 1);  // index 1 of `remotes`: the leader
  auto rejected = writer.rejections();
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected.front().first, 0u);
  EXPECT_NE(rejected.front().second.find("not the cluster leader"), std::string::npos) << rejected.front().second;
  EXPECT_NE(rejected.front().second.find(cluster.tcp_remote(follower)), std::string::npos)
      << rejected.front().second;
  EXPECT_GE(writer.metrics().server_rejections, 1u);

  // The reader stays on the follower and still sees the writer's changes.
  EXPECT_TRUE(reader.rejections().empty());
  EXPECT_EQ(reader.current_remote(), 0u);
  for (int i = 0; i < 20; ++i) {
    auto r = writer.transact(insert_switch("w" + std::to_string(i)));
    ASSERT_TRUE(r.has_value() && r->ok()) << (r ? r->error->message() : r.error().message());
  }
  ASSERT_TRUE(eventually([&] { return name_counts(reader.replica_json()).size() == 20; }, 30s));
  EXPECT_EQ(reader.current_remote(), 0u);
  EXPECT_EQ(reader.accepted(), std::vector<size_t>{0});
  EXPECT_EQ(reader.metrics().reconnects, 0u);
  std::string replica = expect_replica_matches(reader, cluster, follower);
  for (const auto& [name, n] : name_counts(replica)) EXPECT_EQ(n, 1) << name;
}

}  // namespace
}  // namespace fastovsdb::test
