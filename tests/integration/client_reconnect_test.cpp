// The client across a server crash: kill -9 of ovsdb-server while a
// transaction is in flight and others are queued, then a new server on the
// same socket and database file. The in-flight transaction's outcome is
// unknown, the queued ones complete, and the replica matches what
// `ovsdb-client dump` shows.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <thread>

#include "client_test_util.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

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

TEST(ClientReconnectTest, KillMidTransactionThenRestart) {
  if (!have_ovsdb_server()) GTEST_SKIP() << "no ovsdb-server";
  OvsdbServer server({nb_schema_path});
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread thread([&] { io.run(); });

  auto client = net::Client::create(io.get_executor(), nb_client_options(server.unix_remote(), true));
  ASSERT_TRUE(client.has_value()) << client.error().message();
  std::atomic<int> disconnects{0};
  client->set_event_handler([&](const SessionEvent& e) {
    if (std::holds_alternative<Disconnected>(e)) ++disconnects;
  });
  client->start();
  ASSERT_EQ(client->async_wait_synced(asio::use_future).wait_for(20s), std::future_status::ready);
  for (int i = 0; i < 5; ++i) {
    auto r = client->async_transact(insert_group("before" + std::to_string(i)), asio::use_future).get();
    ASSERT_TRUE(r.has_value() && r->ok());
  }

  // In flight: the server holds it. Wait until it has been written.
  auto in_flight = client->async_transact(blocking_wait(), asio::use_future);
  ASSERT_TRUE(eventually([&] {
    return client->async_inspect([](const Session& s) { return s.pending_requests(); }, asio::use_future).get() ==
           1;
  }));
  std::this_thread::sleep_for(100ms);
  ::kill(server.pid(), SIGKILL);
  ASSERT_EQ(in_flight.wait_for(20s), std::future_status::ready);
  auto lost = in_flight.get();
  ASSERT_FALSE(lost.has_value());
  EXPECT_TRUE(lost.error().code == fastovsdb::Errc::outcome_unknown) << lost.error().message();
  EXPECT_GE(disconnects.load(), 1);

  // Queued while no server runs: they must complete once one is back.
  std::vector<std::future<Result<TransactResult>>> queued;
  for (int i = 0; i < 20; ++i)
    queued.push_back(client->async_transact(insert_group("queued" + std::to_string(i)), asio::use_future));
  std::this_thread::sleep_for(300ms);
  for (auto& f : queued) EXPECT_EQ(f.wait_for(0s), std::future_status::timeout);

  ChildProcess restarted = restart_server(server);
  for (auto& f : queued) {
    ASSERT_EQ(f.wait_for(30s), std::future_status::ready);
    auto r = f.get();
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_TRUE(r->ok()) << r->error->message();
  }
  ASSERT_EQ(client->async_wait_synced(asio::use_future).wait_for(20s), std::future_status::ready);
  // Changes from another client after the reconnect reach the replica too.
  run_command({ovn_nbctl_binary, "--db=" + server.unix_remote(), "ha-chassis-group-add-chassis", "before0", "hv9",
               "5"});
  ASSERT_TRUE(eventually([&] {
    return client
               ->async_inspect(
                   [](const Session& s) {
                     auto* t = s.replica() ? s.replica()->table("HA_Chassis") : nullptr;
                     return t ? t->size() : 0;
                   },
                   asio::use_future)
               .get() == 1;
  }));
  auto ours = client->async_inspect([](const Session& s) { return replica_to_json(s.replica()); },
                                    asio::use_future)
                  .get();
  EXPECT_EQ(ours, dump_with_ovsdb_client(server.unix_remote(), {"HA_Chassis", "HA_Chassis_Group"}));
  EXPECT_NE(ours.find("queued19"), std::string::npos);
  auto metrics = client->async_metrics(asio::use_future).get();
  EXPECT_GE(metrics.connects, 2u);
  EXPECT_EQ(metrics.outcome_unknown, 1u);

  client->stop();
  work.reset();
  io.stop();
  thread.join();
  restarted.stop(SIGTERM, 5000ms);
}

}  // namespace
}  // namespace fastovsdb::test
