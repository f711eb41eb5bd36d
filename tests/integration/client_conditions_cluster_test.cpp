// Monitor conditions against a real 3-member RAFT cluster of the OVN
// Southbound database while the leader is SIGKILLed (and restarted) at the
// moments that matter: a condition change on the wire and not yet
// acknowledged, one just acknowledged, one made while disconnected, two in a
// row (the first superseded), one the server rejects. Another client keeps
// inserting and deleting Chassis rows with various names, hostnames and
// nb_cfg values all along. Whenever things settle (writer paused, client
// synced, no condition pending), the client's replica of Chassis must be
// exactly `ovsdb-client dump` of the leader filtered by the condition in
// force, which this test evaluates itself on the dump (row by row, datum by
// datum).
//
// Run as a reader that refuses followers (leader_only) and as one that uses
// any member.
#include <gtest/gtest.h>

#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <variant>

#include "client_test_util.hpp"
#include "ovsdb_cluster.hpp"
#include "test_files.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

constexpr const char* sb_database = "OVN_Southbound";
constexpr const char* chassis = "Chassis";

// ---- conditions, as sent and as this test evaluates them on a dump

// One RFC 7047 clause: a boolean literal, or "column function value" on a
// string column (==, !=) or an integer column (==, <, >=).
struct Clause {
  std::variant<bool, std::string, int64_t> value;
  std::string column, function;
};

// A monitor condition is a disjunction of clauses (ovsdb-server selects a row
// when any clause holds). `every_row` is the empty condition "".
struct Cond {
  std::vector<Clause> clauses;
  bool every_row = false;

  std::string where_json() const {
    if (every_row) return "";
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (const Clause& c : clauses) {
      if (const bool* b = std::get_if<bool>(&c.value)) {
        w.boolean(*b);
        continue;
      }
      w.begin_array().string(c.column).string(c.function);
      if (const auto* s = std::get_if<std::string>(&c.value))
        w.string(*s);
      else
        w.integer(std::get<int64_t>(c.value));
      w.end_array();
    }
    w.end_array();
    return out;
  }

  bool matches(const std::map<std::string, Datum>& row) const {
    if (every_row) return true;
    for (const Clause& c : clauses)
      if (holds(c, row)) return true;
    return false;
  }

  static bool holds(const Clause& c, const std::map<std::string, Datum>& row) {
    if (const bool* b = std::get_if<bool>(&c.value)) return *b;
    const Datum& d = row.at(c.column);
    if (const auto* want = std::get_if<std::string>(&c.value)) {
      std::string_view have = d.empty() ? std::string_view() : d.key(0).string();
      if (c.function == "==") return have == *want;
      if (c.function == "!=") return have != *want;
    } else {
      const int64_t have = d.empty() ? 0 : d.key(0).integer();
      const int64_t want_n = std::get<int64_t>(c.value);
      if (c.function == "==") return have == want_n;
      if (c.function == "<") return have < want_n;
      if (c.function == ">=") return have >= want_n;
    }
    throw std::logic_error("this test does not evaluate " + c.column + " " + c.function);
  }
};

Clause name_is(const std::string& n) { return {n, "name", "=="}; }
Clause hostname_is(const std::string& h) { return {h, "hostname", "=="}; }

// ---- the writer: Chassis rows replaced and deleted, all the time

// 24 names hv-0..hv-23. Each transaction deletes one name's row and, three
// times in four, inserts it again with a random hostname (grp-0..2) and
// nb_cfg (0..7) and a new Encap: rows come, go and change what matches.
// Several loops share the one client, so transactions are pipelined; two on
// the same name may collide (Chassis.name is unique), which is churn too.
class ChurnWriter {
 public:
  ChurnWriter(asio::io_context& io, const std::string& remotes) {
    net::ClientOptions o = nb_client_options(remotes, false);
    o.session.database = DatabaseName(sb_database);
    o.session.leader_only = true;
    o.session.reconnect.probe_interval = 3000ms;
    auto c = net::Client::create(io.get_executor(), std::move(o));
    if (!c) throw std::runtime_error(c.error().message());
    client_.emplace(std::move(*c));
    client_->start();
    for (int i = 0; i < loops; ++i) threads_.emplace_back([this, i] { run(i); });
  }
  ~ChurnWriter() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    client_->stop();
  }

  // Waits until no transaction of the writer is in flight, and keeps it so
  // until resume().
  bool pause() {
    pause_ = true;
    return eventually([&] { return paused_.load() == loops; }, 60s);
  }
  void resume() { pause_ = false; }
  int committed() const { return committed_; }
  int failed() const { return failed_; }

 private:
  static constexpr int loops = 4;

  void run(int loop) {
    std::mt19937 rng(20240611 + loop);
    int serial = 0;
    bool paused = false;
    while (!stop_) {
      if (pause_) {
        if (!paused) ++paused_;
        paused = true;
        std::this_thread::sleep_for(5ms);
        continue;
      }
      if (paused) --paused_;
      paused = false;
      const std::string name = "hv-" + std::to_string(rng() % 24);
      Transaction txn(sb_database);
      txn.delete_rows(TableName(chassis), {Condition::equals("name", Operand::string(name))});
      if (rng() % 4 != 0) {
        ++serial;
        // Encap (type, ip) is unique: 10.<loop>.x.y.
        auto encap = txn.insert(TableName("Encap"),
                                {{ColumnName("type"), Operand::string("geneve")},
                                 {ColumnName("ip"), Operand::string("10." + std::to_string(loop) + "." +
                                                                    std::to_string(serial / 256 % 256) + "." +
                                                                    std::to_string(serial % 256))},
                                 {ColumnName("chassis_name"), Operand::string(name)}});
        txn.insert(TableName(chassis), {{ColumnName("name"), Operand::string(name)},
                                        {ColumnName("hostname"), Operand::string("grp-" + std::to_string(rng() % 3))},
                                        {ColumnName("nb_cfg"), Operand::integer(static_cast<int64_t>(rng() % 8))},
                                        {ColumnName("encaps"), Operand::named(encap.uuid_name)}});
      }
      auto f = client_->async_transact(std::move(txn), asio::use_future);
      // Bounded: a frozen or dead leader is noticed by the probe (3 s).
      if (f.wait_for(60s) != std::future_status::ready) {
        ++failed_;
        continue;
      }
      auto r = f.get();
      // Failures (outcome unknown across a kill, an Encap ip reused by a
      // row the kill left behind) are part of the churn.
      if (r && r->ok())
        ++committed_;
      else
        ++failed_;
      std::this_thread::sleep_for(2ms);
    }
  }

  std::optional<net::Client> client_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false}, pause_{false};
  std::atomic<int> paused_{0};  // loops paused
  std::atomic<int> committed_{0}, failed_{0};
};

// ---- the reader

struct ReaderState {
  bool synced = false;
  bool pending = false;
  uint64_t seqno = 0;
  size_t remote = 0;
  SessionMetrics metrics;
  DumpedRows chassis;  // the replica's Chassis rows
};

class Reader {
 public:
  Reader(asio::io_context& io, const std::string& remotes, bool leader_only, const Cond& initial) {
    net::ClientOptions o = nb_client_options(remotes, true);
    o.session.database = DatabaseName(sb_database);
    o.session.monitor = {{chassis, {}, initial.where_json()}};
    o.session.leader_only = leader_only;
    // Remotes in the given order, so that the test knows where it starts.
    o.session.reconnect.shuffle_remotes = false;
    o.session.reconnect.probe_interval = 3000ms;
    auto c = net::Client::create(io.get_executor(), std::move(o));
    if (!c) throw std::runtime_error(c.error().message());
    client_.emplace(std::move(*c));
    client_->set_event_handler([this](const SessionEvent& e) {
      if (std::holds_alternative<Disconnected>(e)) ++disconnects_;
    });
    client_->start();
  }
  ~Reader() { client_->stop(); }

  template <class F>
  auto inspect(F f) {
    auto fut = client_->async_inspect(std::move(f), asio::use_future);
    if (fut.wait_for(30s) != std::future_status::ready) throw std::runtime_error("inspect timed out");
    return fut.get();
  }
  ReaderState state() {
    return inspect([](const Session& s) {
      return ReaderState{s.synced(), s.conditions_pending(), s.condition_seqno(), s.current_remote(), s.metrics(),
                         replica_rows(s.replica(), chassis)};
    });
  }
  bool wait_synced(std::chrono::milliseconds timeout = 30s) {
    auto f = client_->async_wait_synced(asio::use_future);
    return f.wait_for(timeout) == std::future_status::ready && f.get().has_value();
  }
  std::future<Result<void>> set_condition(const Cond& c) {
    return client_->async_set_condition(chassis, c.where_json(), asio::use_future);
  }
  int disconnects() const { return disconnects_; }

 private:
  std::optional<net::Client> client_;
  std::atomic<int> disconnects_{0};
};

// Waits (bounded) for a condition request's completion.
Result<void> completion(std::future<Result<void>>& f, std::chrono::milliseconds timeout = 60s) {
  if (f.wait_for(timeout) != std::future_status::ready)
    return net::make_error(net::Errc::timed_out,
                           "set_condition not complete within " + std::to_string(timeout.count()) + " ms");
  return f.get();
}

class ClientConditionsClusterTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (!have_ovsdb_server()) GTEST_SKIP() << "no ovsdb-server";
    schema_ = load_schema(ovn_sb_schema());
  }

  // The leader's Chassis rows that `cond` selects.
  DumpedRows expected_rows(OvsdbCluster& cluster, int leader, const Cond& cond) {
    DumpedRows rows = dump_rows_with_ovsdb_client(cluster.tcp_remote(leader), sb_database, schema_, chassis);
    std::erase_if(rows, [&](const auto& row) { return !cond.matches(row.second); });
    return rows;
  }

  // With the writer paused: once the reader is synced with no condition
  // pending, its replica equals the leader's rows that `cond` selects.
  void expect_settled(OvsdbCluster& cluster, ChurnWriter& writer, Reader& reader, const Cond& cond,
                      const std::string& step) {
    SCOPED_TRACE(step);
    ASSERT_TRUE(writer.pause());
    ReaderState ours;
    DumpedRows theirs;
    std::optional<int> leader;
    bool same = eventually(
        [&] {
          leader = cluster.leader_index();
          if (!leader) return false;
          ours = reader.state();
          if (!ours.synced || ours.pending) return false;
          try {
            theirs = expected_rows(cluster, *leader, cond);
          } catch (const std::exception&) {
            return false;  // a member coming back
          }
          return ours.chassis == theirs;
        },
        60s);
    EXPECT_TRUE(same) << "synced " << ours.synced << ", pending " << ours.pending << ", leader "
                      << (leader ? std::to_string(*leader) : "none") << "\n  condition " << cond.where_json()
                      << "\n  replica  " << dumped_rows_to_json({{chassis, ours.chassis}})
                      << "\n  expected " << dumped_rows_to_json({{chassis, theirs}});
    size_t total = 0;
    if (same) total = expected_rows(cluster, *leader, Cond{{}, true}).size();
    std::cout << "[ info ] " << step << ": " << ours.chassis.size() << " of " << total << " rows selected by "
              << (cond.every_row ? std::string("\"\"") : cond.where_json()) << ", reader on member " << ours.remote
              << ", writer committed " << writer.committed() << "\n";
    writer.resume();
  }

  // Starts member `i` again and waits until it is a member and there is a leader.
  void rejoin(OvsdbCluster& cluster, int i) {
    cluster.restart_member(i);
    ASSERT_TRUE(eventually(
        [&] {
          auto s = cluster.status(i);
          return s && s->status == "cluster member" && cluster.leader_index().has_value();
        },
        60s));
  }

  DatabaseSchema schema_;
};

TEST_P(ClientConditionsClusterTest, ReplicaMatchesTheConditionAcrossLeaderKills) {
  const bool leader_only = GetParam();
  OvsdbCluster cluster(ovn_sb_schema());
  auto first = cluster.leader_index();
  ASSERT_TRUE(first.has_value());
  // The reader starts on the leader (listed first), so that killing the
  // leader takes its connection too.
  std::string remotes = cluster.tcp_remote(*first);
  for (int i = 0; i < cluster.size(); ++i)
    if (i != *first) remotes += "," + cluster.tcp_remote(i);

  AsioThread t;
  ChurnWriter writer(t.io, cluster.tcp_remotes());
  ASSERT_TRUE(eventually([&] { return writer.committed() >= 30; }, 60s));

  const Cond c0{{name_is("hv-1"), name_is("hv-2"), name_is("hv-3"), name_is("hv-4")}};
  Reader reader(t.io, remotes, leader_only, c0);
  ASSERT_TRUE(reader.wait_synced());
  expect_settled(cluster, writer, reader, c0, "initial condition");
  int ok = 0;

  // (a) A change acknowledged with everything up.
  const Cond c1{{hostname_is("grp-0")}};
  auto f1 = reader.set_condition(c1);
  auto r1 = completion(f1);
  ASSERT_TRUE(r1) << r1.error().message();
  ++ok;
  expect_settled(cluster, writer, reader, c1, "(a) hostname == grp-0");

  // Changes one after the other while the writer commits between them.
  Cond last = c1;
  for (int i = 0; i < 8; ++i) {
    const int before = writer.committed();
    ASSERT_TRUE(eventually([&] { return writer.committed() >= before + 3; }, 60s));
    last = Cond{{hostname_is("grp-" + std::to_string(i % 3)), {int64_t{i}, "nb_cfg", "<"}}};
    auto f = reader.set_condition(last);
    auto r = completion(f);
    ASSERT_TRUE(r) << r.error().message();
    ++ok;
  }
  expect_settled(cluster, writer, reader, last, "(a) eight changes under churn");

  // (b) A change on the wire to a frozen leader, which is then SIGKILLed:
  // never acknowledged by that server; the session must ask again on the
  // next one and complete only then. The reader is on the first leader
  // (remote 0); the member it is on is the one frozen, so that the change is
  // surely unacknowledged even if leadership moved meanwhile.
  std::vector<int> member_of_remote = {*first};  // remotes: the first leader, then the others
  for (int i = 0; i < cluster.size(); ++i)
    if (i != *first) member_of_remote.push_back(i);
  int victim = member_of_remote.at(reader.state().remote);
  std::cout << "[ info ] (b) freezing member " << victim << (cluster.leader_index() == victim ? " (the leader)" : "")
            << "\n";
  const uint64_t sent_before = reader.state().metrics.condition_changes;
  cluster.kill_member(victim, SIGSTOP);
  const Cond c2{{{int64_t{3}, "nb_cfg", "<"}, name_is("hv-20")}};
  auto f2 = reader.set_condition(c2);
  ASSERT_TRUE(eventually([&] { return reader.state().metrics.condition_changes > sent_before; }, 30s));
  EXPECT_TRUE(reader.state().pending) << "acknowledged by a frozen server?";
  cluster.kill_member(victim, SIGKILL);
  ASSERT_TRUE(cluster.wait_for_new_leader(victim, 30s).has_value());
  auto r2 = completion(f2);
  ASSERT_TRUE(r2) << r2.error().message();
  ++ok;
  EXPECT_GE(reader.disconnects(), 1);
  expect_settled(cluster, writer, reader, c2, "(b) killed before the acknowledgement");

  // A condition the server rejects: the server's error, and the last
  // acknowledged condition stays in force.
  const Cond bad{{{std::string("x"), "no_such_column", "=="}}};
  auto fb = reader.set_condition(bad);
  auto rb = completion(fb);
  ASSERT_FALSE(rb);
  EXPECT_NE(rb.error().message().find("no_such_column"), std::string::npos) << rb.error().message();
  ++ok;  // settled (rejected)
  expect_settled(cluster, writer, reader, c2, "rejected condition leaves the last one in force");

  rejoin(cluster, victim);

  // (c) A change acknowledged, and the leader killed right after; then a
  // change made while the reader may be disconnected.
  auto leader_now = cluster.wait_for_leader(30s);
  ASSERT_TRUE(leader_now.has_value());
  const int leader = *leader_now;
  const Cond c3{{hostname_is("grp-1"), {int64_t{6}, "nb_cfg", ">="}}};
  auto f3 = reader.set_condition(c3);
  auto r3 = completion(f3);
  ASSERT_TRUE(r3) << r3.error().message();
  ++ok;
  cluster.kill_member(leader, SIGKILL);
  const Cond c4{{name_is("hv-0"), name_is("hv-5"), hostname_is("grp-2")}};
  auto f4 = reader.set_condition(c4);
  ASSERT_TRUE(cluster.wait_for_new_leader(leader, 30s).has_value());
  auto r4 = completion(f4);
  ASSERT_TRUE(r4) << r4.error().message();
  ++ok;
  expect_settled(cluster, writer, reader, c4, "(c) killed right after an acknowledgement");
  rejoin(cluster, leader);

  // (d) Two changes in a row and the reader's own server killed at once: the
  // first may complete or be superseded, the second must be in force.
  const int reader_member = member_of_remote.at(reader.state().remote);
  const Cond c5{{{false, "", ""}}};  // no rows at all
  const Cond c6{{name_is("hv-7"), {int64_t{1}, "nb_cfg", "=="}}};
  auto f5 = reader.set_condition(c5);
  auto f6 = reader.set_condition(c6);
  cluster.kill_member(reader_member, SIGKILL);
  ASSERT_TRUE(cluster.wait_for_leader(30s).has_value());
  auto r5 = completion(f5);
  if (r5)
    ++ok;
  else
    EXPECT_TRUE(r5.error().is(Errc::canceled)) << r5.error().message();
  auto r6 = completion(f6);
  ASSERT_TRUE(r6) << r6.error().message();
  ++ok;
  expect_settled(cluster, writer, reader, c6, "(d) superseded, then the reader's member killed");
  rejoin(cluster, reader_member);

  // (e) Back to every row, with all members up.
  const Cond all{{}, true};
  auto f7 = reader.set_condition(all);
  auto r7 = completion(f7);
  ASSERT_TRUE(r7) << r7.error().message();
  ++ok;
  expect_settled(cluster, writer, reader, all, "(e) every row");

  auto s = reader.state();
  EXPECT_FALSE(s.pending);
  EXPECT_EQ(s.seqno, static_cast<uint64_t>(ok));
  EXPECT_EQ(s.metrics.conditions_rejected, 1u);
  EXPECT_GE(s.metrics.reconnects, 1u);
  std::cout << "[ info ] leader_only=" << leader_only << ": " << s.metrics.condition_changes
            << " monitor_cond_change sent, " << s.metrics.reconnects << " reconnects, resync full "
            << s.metrics.resync_full << " incremental " << s.metrics.resync_incremental << "; writer committed "
            << writer.committed() << ", failed " << writer.failed() << "\n";
}

INSTANTIATE_TEST_SUITE_P(LeaderOnlyOrAnyMember, ClientConditionsClusterTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "LeaderOnly" : "AnyMember"; });

}  // namespace
}  // namespace fastovsdb::test
