// The Asio client against a real ovsdb-server over unix and tcp: plain
// requests with each kind of completion token, 1000 pipelined transactions,
// a monitor that follows changes made by ovn-nbctl, locks and cancellation.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "client_test_util.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

// An io_context on its own thread for the duration of a test.
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

class ClientRpcTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (!have_ovsdb_server()) GTEST_SKIP() << "no ovsdb-server";
    server_ = std::make_unique<OvsdbServer>(std::vector<std::filesystem::path>{nb_schema_path});
  }
  // unix when the parameter is true, tcp otherwise.
  std::string remote() const { return GetParam() ? server_->unix_remote() : server_->tcp_remote(); }

  std::unique_ptr<OvsdbServer> server_;
};

TEST_P(ClientRpcTest, ListDbsAndGetSchemaWithFutures) {
  IoThread t;
  auto client = net::Client::create(t.io.get_executor(), nb_client_options(remote(), false));
  ASSERT_TRUE(client.has_value()) << client.error().message();
  client->start();
  auto dbs = client->async_list_dbs(asio::use_future);
  ASSERT_EQ(dbs.wait_for(20s), std::future_status::ready);
  auto names = dbs.get();
  ASSERT_TRUE(names.has_value()) << names.error().message();
  EXPECT_NE(std::find(names->begin(), names->end(), "OVN_Northbound"), names->end());
  EXPECT_NE(std::find(names->begin(), names->end(), "_Server"), names->end());

  auto schema = client->async_get_schema("OVN_Northbound", asio::use_future);
  ASSERT_EQ(schema.wait_for(20s), std::future_status::ready);
  auto s = schema.get();
  ASSERT_TRUE(s.has_value()) << s.error().message();
  EXPECT_EQ(s->name.value(), "OVN_Northbound");
  EXPECT_EQ(*s, nb_schema());

  auto missing = client->async_get_schema("No_Such_Db", asio::use_future);
  ASSERT_EQ(missing.wait_for(20s), std::future_status::ready);
  auto m = missing.get();
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message().find("unknown database"), std::string::npos) << m.error().message();
}

TEST_P(ClientRpcTest, TransactWithCallbackFutureAndAwaitable) {
  IoThread t;
  auto client = net::Client::create(t.io.get_executor(), nb_client_options(remote(), true));
  ASSERT_TRUE(client.has_value()) << client.error().message();
  client->start();

  // A plain callback.
  std::promise<Result<TransactResult>> by_callback;
  client->async_transact(insert_group("cb"), [&](Result<TransactResult> r) { by_callback.set_value(std::move(r)); });
  auto f1 = by_callback.get_future();
  ASSERT_EQ(f1.wait_for(20s), std::future_status::ready);
  auto r1 = f1.get();
  ASSERT_TRUE(r1.has_value()) << r1.error().message();
  ASSERT_TRUE(r1->ok()) << r1->error->message();
  ASSERT_TRUE(r1->ops.at(0).uuid.has_value());

  // use_future.
  auto f2 = client->async_transact(insert_group("future"), asio::use_future);
  ASSERT_EQ(f2.wait_for(20s), std::future_status::ready);
  auto r2 = f2.get();
  ASSERT_TRUE(r2.has_value() && r2->ok());

  // A C++20 coroutine with use_awaitable; a server-side failure (duplicate
  // name violates the index) arrives as data, not as an error.
  auto f3 = asio::co_spawn(
      t.io,
      [&]() -> asio::awaitable<std::pair<Result<TransactResult>, Result<std::string>>> {
        auto dup = co_await client->async_transact(insert_group("cb"), asio::use_awaitable);
        auto echo = co_await client->async_echo("[\"hi\",1]", asio::use_awaitable);
        co_return std::make_pair(std::move(dup), std::move(echo));
      },
      asio::use_future);
  ASSERT_EQ(f3.wait_for(20s), std::future_status::ready);
  auto [dup, echo] = f3.get();
  ASSERT_TRUE(dup.has_value()) << dup.error().message();
  ASSERT_FALSE(dup->ok());
  EXPECT_EQ(dup->error->kind, TxnErrorKind::constraint_violation) << dup->error->message();
  ASSERT_TRUE(echo.has_value()) << echo.error().message();
  EXPECT_EQ(*echo, "[\"hi\",1]");

  auto synced = client->async_wait_synced(asio::use_future);
  ASSERT_EQ(synced.wait_for(20s), std::future_status::ready);
  ASSERT_TRUE(synced.get().has_value());
  // Replies and updates share the connection: once our inserts are
  // answered, the monitor has shown them too (the server sends the update
  // before the reply).
  auto names = client->async_inspect(
      [](const Session& s) {
        std::vector<std::string> out;
        const ReplicaTable* t = s.replica() ? s.replica()->table("HA_Chassis_Group") : nullptr;
        if (!t) return out;
        auto col = *t->column_index("name");
        for (const Row& row : *t) out.push_back(datum_to_json_string(row[col]));
        std::sort(out.begin(), out.end());
        return out;
      },
      asio::use_future);
  ASSERT_EQ(names.wait_for(20s), std::future_status::ready);
  EXPECT_EQ(names.get(), (std::vector<std::string>{"\"cb\"", "\"future\""}));

  auto metrics = client->async_metrics(asio::use_future).get();
  EXPECT_GE(metrics.transactions_sent, 3u);
  EXPECT_GT(metrics.bytes_received, 0u);
  EXPECT_GT(metrics.processing_time.count(), 0);
}

TEST_P(ClientRpcTest, AThousandPipelinedTransactions) {
  IoThread t;
  auto client = net::Client::create(t.io.get_executor(), nb_client_options(remote(), false));
  ASSERT_TRUE(client.has_value()) << client.error().message();
  client->start();
  ASSERT_EQ(client->async_wait_connected(asio::use_future).wait_for(20s), std::future_status::ready);
  auto before = client->async_metrics(asio::use_future).get();

  constexpr int n = 1000;
  std::atomic<int> ok{0}, failed{0};
  std::promise<void> all_done;
  std::atomic<int> remaining{n};
  std::string first_error;
  std::mutex m;
  for (int i = 0; i < n; ++i) {
    client->async_transact(insert_group("g" + std::to_string(i)), [&](Result<TransactResult> r) {
      if (r && r->ok()) {
        ++ok;
      } else {
        ++failed;
        std::lock_guard lock(m);
        if (first_error.empty()) first_error = r ? r->error->message() : r.error().message();
      }
      if (--remaining == 0) all_done.set_value();
    });
  }
  ASSERT_EQ(all_done.get_future().wait_for(60s), std::future_status::ready) << remaining << " not done";
  EXPECT_EQ(ok, n) << first_error;
  EXPECT_EQ(failed, 0);
  auto after = client->async_metrics(asio::use_future).get();
  EXPECT_EQ(after.transactions_sent - before.transactions_sent, uint64_t(n));
  // Pipelining: many requests share each write.
  EXPECT_LT(after.writes - before.writes, uint64_t(n));

  // Every row is really there, as an independent tool sees it.
  auto count = run_capture({ovn_nbctl_binary, "--db=" + server_->unix_remote(), "--bare", "--columns=name",
                            "find", "HA_Chassis_Group"});
  ASSERT_TRUE(count.ok()) << count.err;
  EXPECT_EQ(std::count(count.out.begin(), count.out.end(), 'g'), n);
}

TEST_P(ClientRpcTest, MonitorFollowsOvnNbctl) {
  if (!std::filesystem::exists(ovn_nbctl_binary)) GTEST_SKIP() << "no ovn-nbctl";
  auto client = net::SyncClient::connect(remote(), nb_client_options(remote(), true), 20s);
  ASSERT_TRUE(client.has_value()) << client.error().message();
  auto& c = **client;
  ASSERT_TRUE(c.wait_synced(20s).has_value());
  EXPECT_EQ(c.dump(), dump_with_ovsdb_client(server_->unix_remote(), {"HA_Chassis", "HA_Chassis_Group"}));

  std::string db = "--db=" + server_->unix_remote();
  run_command({ovn_nbctl_binary, db, "ha-chassis-group-add", "gw"});
  run_command({ovn_nbctl_binary, db, "ha-chassis-group-add-chassis", "gw", "hv1", "30"});
  run_command({ovn_nbctl_binary, db, "ha-chassis-group-add-chassis", "gw", "hv2", "20"});
  auto member_count = [&] {
    return c.with_replica([](const Replica* r) -> size_t {
      const ReplicaTable* t = r ? r->table("HA_Chassis") : nullptr;
      return t ? t->size() : 0;
    });
  };
  ASSERT_TRUE(eventually([&] { return member_count() == 2; })) << c.dump();
  // The group references both members by uuid, and the names are the
  // chassis names (not uuids).
  auto names = c.with_replica([](const Replica* r) {
    std::vector<std::string> out;
    const ReplicaTable* t = r->table("HA_Chassis");
    auto col = *t->column_index("chassis_name");
    for (const Row& row : *t) out.push_back(datum_to_json_string(row[col]));
    std::sort(out.begin(), out.end());
    return out;
  });
  EXPECT_EQ(names, (std::vector<std::string>{"\"hv1\"", "\"hv2\""}));
  EXPECT_EQ(c.dump(), dump_with_ovsdb_client(server_->unix_remote(), {"HA_Chassis", "HA_Chassis_Group"}));

  run_command({ovn_nbctl_binary, db, "ha-chassis-group-remove-chassis", "gw", "hv1"});
  ASSERT_TRUE(eventually([&] { return member_count() == 1; })) << c.dump();
  run_command({ovn_nbctl_binary, db, "ha-chassis-group-del", "gw"});
  ASSERT_TRUE(eventually([&] { return member_count() == 0; })) << c.dump();
  EXPECT_EQ(c.dump(), dump_with_ovsdb_client(server_->unix_remote(), {"HA_Chassis", "HA_Chassis_Group"}));
  EXPECT_GE(c.metrics().updates_applied, 4u);
}

TEST_P(ClientRpcTest, LocksAndSyncFacade) {
  auto a = net::SyncClient::connect(remote(), nb_client_options(remote(), false), 20s);
  auto b = net::SyncClient::connect(remote(), nb_client_options(remote(), false), 20s);
  ASSERT_TRUE(a.has_value() && b.has_value());
  auto la = (*a)->lock("fastovsdb_test");
  ASSERT_TRUE(la.has_value()) << la.error().message();
  EXPECT_TRUE(la->locked);
  auto lb = (*b)->lock("fastovsdb_test");
  ASSERT_TRUE(lb.has_value()) << lb.error().message();
  EXPECT_FALSE(lb->locked);
  // OVSDB wants the waiting request withdrawn before a steal.
  ASSERT_TRUE((*b)->unlock("fastovsdb_test").has_value());
  auto sb = (*b)->steal("fastovsdb_test");
  ASSERT_TRUE(sb.has_value()) << sb.error().message();
  EXPECT_TRUE(sb->locked);
  EXPECT_TRUE((*b)->unlock("fastovsdb_test").has_value());

  auto dbs = (*a)->list_dbs();
  ASSERT_TRUE(dbs.has_value());
  auto echo = (*a)->echo("[42]");
  ASSERT_TRUE(echo.has_value());
  EXPECT_EQ(*echo, "[42]");
  auto r = (*a)->transact(insert_group("sync"));
  ASSERT_TRUE(r.has_value() && r->ok());
}

TEST_P(ClientRpcTest, CancelAndTimeouts) {
  auto c = net::SyncClient::connect(remote(), nb_client_options(remote(), false), 20s);
  ASSERT_TRUE(c.has_value()) << c.error().message();
  // The server holds this transaction; the facade gives up after 300 ms,
  // cancels it, and the connection stays usable.
  (*c)->set_timeout(300ms);
  auto r = (*c)->transact(blocking_wait());
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().code == net::Errc::timed_out) << r.error().message();
  (*c)->set_timeout(20s);
  auto ok = (*c)->transact(insert_group("after-timeout"));
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  EXPECT_TRUE(ok->ok());

  // Per-operation cancellation through an Asio cancellation slot. Before
  // start() the request is still queued, so it completes at once with
  // Errc::canceled. (A written transaction gets the "cancel" notification,
  // but ovsdb-server 3.1 does not answer it for a waiting transaction: the
  // reply only comes when the wait ends.)
  IoThread t;
  auto client = net::Client::create(t.io.get_executor(), nb_client_options(remote(), false));
  ASSERT_TRUE(client.has_value());
  asio::cancellation_signal signal;
  std::promise<Result<TransactResult>> p;
  asio::post(client->get_executor(), [&] {
    client->async_transact(insert_group("never-sent"),
                           asio::bind_cancellation_slot(signal.slot(), [&](Result<TransactResult> r) {
                             p.set_value(std::move(r));
                           }));
  });
  asio::post(client->get_executor(), [&] { signal.emit(asio::cancellation_type::terminal); });
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(20s), std::future_status::ready);
  auto cr = f.get();
  ASSERT_FALSE(cr.has_value());
  EXPECT_TRUE(cr.error().code == fastovsdb::Errc::canceled) << cr.error().message();

  // cancel_all() reaches waiters too.
  auto synced = client->async_wait_synced(asio::use_future);
  client->cancel_all();
  ASSERT_EQ(synced.wait_for(20s), std::future_status::ready);
  auto sr = synced.get();
  ASSERT_FALSE(sr.has_value());
  EXPECT_TRUE(sr.error().code == fastovsdb::Errc::canceled);

  client->start();
  ASSERT_EQ(client->async_wait_connected(asio::use_future).wait_for(20s), std::future_status::ready);
  auto after = client->async_transact(insert_group("sent"), asio::use_future);
  ASSERT_EQ(after.wait_for(20s), std::future_status::ready);
  auto ar = after.get();
  ASSERT_TRUE(ar.has_value() && ar->ok());

  // stop() completes whatever is left.
  auto pending = client->async_transact(blocking_wait(), asio::use_future);
  std::this_thread::sleep_for(100ms);
  client->stop();
  ASSERT_EQ(pending.wait_for(20s), std::future_status::ready);
  auto pr = pending.get();
  ASSERT_FALSE(pr.has_value());
  EXPECT_TRUE(pr.error().code == fastovsdb::Errc::outcome_unknown || pr.error().code == fastovsdb::Errc::canceled)
      << pr.error().message();
}

TEST_P(ClientRpcTest, ConnectTimesOutNamingTheFailure) {
  std::string nowhere = GetParam() ? "unix:" + (server_->dir() / "nothing.sock").string() : "tcp:127.0.0.1:1";
  auto c = net::SyncClient::connect(nowhere, nb_client_options(nowhere, false), 500ms);
  ASSERT_FALSE(c.has_value());
  EXPECT_TRUE(c.error().code == net::Errc::timed_out) << c.error().message();
  EXPECT_NE(c.error().detail.find(nowhere), std::string::npos) << c.error().detail;
}

INSTANTIATE_TEST_SUITE_P(Transports, ClientRpcTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "unix" : "tcp"; });

}  // namespace
}  // namespace fastovsdb::test
