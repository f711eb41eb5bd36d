// The driver without a server: option checks at create(), operations before
// start(), cancellation, stop(), and the replica dump of an empty client.
#include <gtest/gtest.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <future>
#include <thread>

#include "fastovsdb/core/remote.hpp"
#include "fastovsdb/net/client.hpp"
#include "fastovsdb/net/sync_client.hpp"

namespace fastovsdb::net {
namespace {

using namespace std::chrono_literals;

ClientOptions options_for(std::string_view remotes) {
  ClientOptions o;
  o.session.database = DatabaseName("OVN_Northbound");
  auto r = parse_remotes(remotes);
  EXPECT_TRUE(r.has_value());
  if (r) o.session.remotes = *r;
  o.session.replicate = false;
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

TEST(ClientTest, CreateChecksOptions) {
  asio::io_context io;
  auto no_tls = Client::create(io.get_executor(), options_for("ssl:127.0.0.1:6641"));
  ASSERT_FALSE(no_tls.has_value());
  EXPECT_TRUE(no_tls.error().code == Errc::tls_setup_failed);

  ClientOptions empty;
  auto no_remotes = Client::create(io.get_executor(), empty);
  ASSERT_FALSE(no_remotes.has_value());
  EXPECT_TRUE(no_remotes.error().code == fastovsdb::Errc::invalid_argument) << no_remotes.error().message();

  auto ok = Client::create(io.get_executor(), options_for("unix:/nonexistent.sock,tcp:[::1]:6641"));
  EXPECT_TRUE(ok.has_value());
}

TEST(ClientTest, QueuedRequestsCancelAndStop) {
  IoThread t;
  auto client = Client::create(t.io.get_executor(), options_for("unix:/nonexistent/fastovsdb.sock"));
  ASSERT_TRUE(client.has_value());
  // Not started: requests queue in the session.
  asio::cancellation_signal signal;
  std::promise<Result<std::vector<std::string>>> p;
  asio::post(client->get_executor(), [&] {
    client->async_list_dbs(asio::bind_cancellation_slot(
        signal.slot(), [&](Result<std::vector<std::string>> r) { p.set_value(std::move(r)); }));
  });
  asio::post(client->get_executor(), [&] { signal.emit(asio::cancellation_type::terminal); });
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  auto r = f.get();
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().code == fastovsdb::Errc::canceled) << r.error().message();

  // A transaction that fails its own checks completes at once, connected or not.
  Transaction bad("OVN_Northbound");
  bad.insert(TableName("HA_Chassis_Group"), {}, NamedUuid("not an id"));
  auto checked = client->async_transact(std::move(bad), asio::use_future);
  ASSERT_EQ(checked.wait_for(10s), std::future_status::ready);
  auto cr = checked.get();
  ASSERT_FALSE(cr.has_value());
  EXPECT_TRUE(cr.error().code == fastovsdb::Errc::invalid_argument) << cr.error().message();

  // Started against nothing: requests wait; stop() completes them and the waiters.
  client->start();
  auto echo = client->async_echo("[]", asio::use_future);
  auto connected = client->async_wait_connected(asio::use_future);
  auto synced = client->async_wait_synced(asio::use_future);
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(echo.wait_for(0s), std::future_status::timeout);
  client->stop();
  for (auto* f : {&connected, &synced}) {
    ASSERT_EQ(f->wait_for(10s), std::future_status::ready);
    auto w = f->get();
    ASSERT_FALSE(w.has_value());
    EXPECT_TRUE(w.error().code == fastovsdb::Errc::canceled);
  }
  ASSERT_EQ(echo.wait_for(10s), std::future_status::ready);
  auto er = echo.get();
  ASSERT_FALSE(er.has_value());
  EXPECT_TRUE(er.error().code == fastovsdb::Errc::canceled) << er.error().message();
  // After stop, new requests fail at once instead of waiting forever.
  auto late = client->async_list_dbs(asio::use_future);
  ASSERT_EQ(late.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(late.get().has_value());
  auto metrics = client->async_metrics(asio::use_future).get();
  EXPECT_GE(metrics.connect_failures, 1u);
}

}  // namespace
}  // namespace fastovsdb::net
