// ovsdb-server killed (SIGKILL) while the initial dump of ~50,000
// Logical_Switch_Port rows streams to the client, then started again on the
// same socket and database file. The client reconnects and syncs; its replica
// equals `ovsdb-client dump`, every port is there exactly once, and no port
// row was ever removed from the replica (it never went empty once filled).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "client_test_util.hpp"
#include "test_files.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

constexpr size_t port_count = 50000;

// Starts ovsdb-server again on the fixture's database file and unix socket.
ChildProcess restart_server(const OvsdbServer& server) {
  std::vector<std::string> argv = {ovsdb_server_binary,
                                   (server.dir() / "db0.db").string(),
                                   "--remote=punix:" + server.unix_socket().string(),
                                   "--unixctl=" + (server.dir() / "server2.ctl").string(),
                                   "--log-file=" + (server.dir() / "server2.log").string(),
                                   "--no-chdir"};
  auto child = ChildProcess::spawn(argv, server.dir() / "server2.stderr");
  wait_until_ready(
      child, [&] { return can_connect_unix(server.unix_socket()); }, 10000ms, "ovsdb-server (restarted)",
      server.dir() / "server2.log");
  return child;
}

// Rows per table of a replica_to_json / dump_with_ovsdb_client text.
std::map<std::string, size_t> rows_per_table(const std::string& json) {
  simdjson::dom::parser parser;
  std::map<std::string, size_t> out;
  simdjson::dom::object tables = parser.parse(json).get_object();
  for (auto [table, rows] : tables) out[std::string(table)] = rows.get_object().size();
  return out;
}

// What the replica's change listener saw of Logical_Switch_Port (it runs on
// the client's strand; read after the client is idle).
struct PortWatch {
  std::atomic<size_t> inserts{0};
  std::atomic<size_t> removes{0};
  std::atomic<size_t> live{0};
  std::atomic<bool> had_rows{false};
  std::atomic<bool> went_empty{false};
};

TEST(ClientRestartMidDumpTest, KilledWhileStreamingTheInitialDump) {
  if (!have_ovsdb_server()) GTEST_SKIP() << "no ovsdb-server";
  OvsdbServer server({nb_schema_path});
  run_command({"/usr/bin/python3", (source_dir() / "bench" / "sync" / "populate.py").string(), server.unix_remote(),
               "--ports", std::to_string(port_count)},
              60000ms);

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread thread([&] { io.run(); });

  auto options = nb_client_options(server.unix_remote());
  options.session.monitor.clear();  // every table, every column
  auto client = net::Client::create(io.get_executor(), options);
  ASSERT_TRUE(client.has_value()) << client.error().message();
  auto ports = std::make_shared<PortWatch>();
  client->set_change_listener([ports](const RowChange& c) {
    if (c.table->name() != "Logical_Switch_Port") return;
    if (c.kind == ChangeKind::insert) {
      ++ports->inserts;
      ++ports->live;
      ports->had_rows = true;
    } else if (c.kind == ChangeKind::remove) {
      ++ports->removes;
      if (--ports->live == 0 && ports->had_rows) ports->went_empty = true;
    }
  });
  std::mutex mu;
  std::vector<std::string> disconnect_reasons;
  std::atomic<int> synced_events{0};
  client->set_event_handler([&](const SessionEvent& e) {
    if (auto* d = std::get_if<Disconnected>(&e)) {
      std::lock_guard lock(mu);
      disconnect_reasons.push_back(d->reason.message());
    }
    if (std::holds_alternative<Synced>(e)) ++synced_events;
  });
  client->start();

  // Well past the get_schema reply (tens of KB): the monitor reply is
  // streaming. Kill the server before the client has all of it.
  constexpr uint64_t mid_dump_bytes = 256 * 1024;
  uint64_t bytes_at_kill = 0;
  bool synced_first = false;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto [bytes, synced] = client
                               ->async_inspect(
                                   [](const Session& s) { return std::make_pair(s.metrics().bytes_received, s.synced()); },
                                   asio::use_future)
                               .get();
    if (synced) {
      synced_first = true;
      break;
    }
    if (bytes > mid_dump_bytes) {
      ::kill(server.pid(), SIGKILL);
      bytes_at_kill = bytes;
      break;
    }
  }
  ASSERT_FALSE(synced_first) << "the dump completed before the poll saw it streaming";
  ASSERT_GT(bytes_at_kill, 0u) << "no dump bytes within 30 s";
  // The cut dump is dropped whole: nothing of it reached the replica.
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mu);
    return !disconnect_reasons.empty();
  }, 10s));
  EXPECT_EQ(ports->inserts.load(), 0u);
  EXPECT_EQ(synced_events.load(), 0);

  ChildProcess restarted = restart_server(server);
  auto synced = client->async_wait_synced(asio::use_future);
  ASSERT_EQ(synced.wait_for(40s), std::future_status::ready);
  ASSERT_TRUE(synced.get());

  struct View {
    std::string json;
    std::vector<std::string> names;
    bool consistent = false;
    SessionMetrics metrics;
  };
  View view = client
                  ->async_inspect(
                      [](const Session& s) {
                        View v;
                        v.json = replica_to_json(s.replica());
                        v.consistent = static_cast<bool>(s.replica()->check_consistency());
                        v.metrics = s.metrics();
                        const ReplicaTable* t = s.replica()->table("Logical_Switch_Port");
                        size_t name = *t->column_index("name");
                        for (const Row& row : *t) v.names.emplace_back((row)[name].key(0).string());
                        return v;
                      },
                      asio::use_future)
                  .get();
  std::vector<std::string> tables;
  for (const auto& t : nb_schema().tables) tables.push_back(t.name.value());
  const std::string theirs = dump_with_ovsdb_client("unix:" + server.unix_socket().string(), tables);

  EXPECT_TRUE(view.consistent);
  auto our_counts = rows_per_table(view.json);
  auto their_counts = rows_per_table(theirs);
  EXPECT_EQ(our_counts, their_counts);
  EXPECT_EQ(their_counts["Logical_Switch_Port"], port_count);
  EXPECT_TRUE(view.json == theirs) << "replica differs from ovsdb-client dump";
  // Every port name exactly once.
  std::sort(view.names.begin(), view.names.end());
  EXPECT_EQ(view.names.size(), port_count);
  EXPECT_EQ(std::adjacent_find(view.names.begin(), view.names.end()), view.names.end());
  EXPECT_EQ(std::unique(view.names.begin(), view.names.end()) - view.names.begin(),
            static_cast<std::ptrdiff_t>(port_count));
  // Filled once, in one piece, and never emptied or thinned.
  EXPECT_EQ(ports->inserts.load(), port_count);
  EXPECT_EQ(ports->removes.load(), 0u);
  EXPECT_EQ(ports->live.load(), port_count);
  EXPECT_FALSE(ports->went_empty.load());
  EXPECT_EQ(synced_events.load(), 1);
  EXPECT_GE(view.metrics.connects, 2u);
  EXPECT_EQ(view.metrics.resync_full, 1u);
  {
    std::lock_guard lock(mu);
    ASSERT_FALSE(disconnect_reasons.empty());
    std::cout << "killed at " << bytes_at_kill << " bytes received; first disconnect: " << disconnect_reasons[0]
              << "\n";
  }

  client->stop();
  work.reset();
  io.stop();
  thread.join();
  restarted.stop(SIGTERM, 5000ms);
}

}  // namespace
}  // namespace fastovsdb::test
