// The Asio client against a scripted hostile peer: malformed JSON, a frame
// over the size limit, nesting deeper than the limit, a stalled connection,
// a reply with an unknown id, an endless string and a close in the middle of
// a message. For each the client must say what went wrong and where, drop the
// connection, reconnect, and then work normally against the peer's second,
// well-behaved connection; and it must never buffer beyond its limits.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "client_test_util.hpp"
#include "fake_peer.hpp"

namespace fastovsdb::test {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

constexpr size_t max_message_bytes = 64 * 1024;
constexpr size_t max_depth = 32;

std::string schema_text() {
  std::ifstream in(nb_schema_path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// What a well-behaved server says to a fresh connection of a client that
// neither replicates nor watches _Server: the schema, then list_dbs.
std::vector<FakeStep> serve_normally() {
  return {FakeStep::expect("get_schema", FakePeer::reply_result(schema_text())),
          FakeStep::expect("list_dbs", FakePeer::reply_result("[\"OVN_Northbound\",\"_Server\"]"))};
}

// A hostile first connection (after the schema), then a normal second one.
std::vector<FakeStep> script(std::vector<FakeStep> hostile, bool expect_client_close = true) {
  std::vector<FakeStep> s = {FakeStep::expect("get_schema", FakePeer::reply_result(schema_text()))};
  for (auto& step : hostile) s.push_back(std::move(step));
  if (expect_client_close) s.push_back(FakeStep::expect_close(10s));
  for (auto& step : serve_normally()) s.push_back(std::move(step));
  return s;
}

// Resident set size of this process, in bytes.
size_t resident_bytes() {
  std::ifstream in("/proc/self/statm");
  size_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
}

// A client of the fake peer with small limits, recording its session events.
class HostilePeerTest : public ::testing::Test {
 protected:
  void start(const FakePeer& peer, std::chrono::milliseconds probe_interval = 5000ms) {
    net::ClientOptions o = nb_client_options(peer.remote(), false);
    o.session.limits.max_message_bytes = max_message_bytes;
    o.session.limits.max_depth = max_depth;
    o.session.reconnect.probe_interval = probe_interval;
    // Small reads, so that an endless stream arrives in many pieces.
    o.read_size = 16 * 1024;
    auto c = net::Client::create(io_.get_executor(), std::move(o));
    ASSERT_TRUE(c.has_value()) << c.error().message();
    client_.emplace(std::move(*c));
    client_->set_event_handler([this](const SessionEvent& e) {
      std::lock_guard lock(mutex_);
      if (auto* d = std::get_if<Disconnected>(&e)) {
        disconnects_.push_back(d->reason);
        disconnect_times_.push_back(std::chrono::steady_clock::now());
      }
      if (std::holds_alternative<ServerAccepted>(e)) ++accepted_;
    });
    client_->start();
  }

  void TearDown() override {
    if (client_) client_->stop();
    client_.reset();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  std::optional<Error> first_disconnect(std::chrono::milliseconds timeout = 20s) {
    if (!eventually(
            [&] {
              std::lock_guard lock(mutex_);
              return !disconnects_.empty();
            },
            timeout))
      return std::nullopt;
    std::lock_guard lock(mutex_);
    return disconnects_.front();
  }

  size_t disconnect_count() {
    std::lock_guard lock(mutex_);
    return disconnects_.size();
  }

  int accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }

  // After a reconnect, list_dbs goes to the peer's normal second connection.
  void expect_works_after_reconnect(FakePeer& peer) {
    auto dbs = client_->async_list_dbs(asio::use_future);
    ASSERT_EQ(dbs.wait_for(20s), std::future_status::ready);
    auto names = dbs.get();
    ASSERT_TRUE(names.has_value()) << names.error().message();
    EXPECT_EQ(*names, (std::vector<std::string>{"OVN_Northbound", "_Server"}));
    ASSERT_TRUE(peer.wait_done(10s));
    EXPECT_EQ(peer.error(), "");
    EXPECT_EQ(peer.connections_accepted(), 2);
    EXPECT_EQ(accepted(), 2);
    auto m = client_->async_metrics(asio::use_future).get();
    EXPECT_EQ(m.connects, 2u);
    EXPECT_EQ(m.reconnects, 1u);
  }

  SessionMetrics metrics() { return client_->async_metrics(asio::use_future).get(); }

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{asio::make_work_guard(io_)};
  std::thread thread_{[this] { io_.run(); }};
  std::optional<net::Client> client_;
  std::mutex mutex_;
  std::vector<Error> disconnects_;
  std::vector<std::chrono::steady_clock::time_point> disconnect_times_;
  int accepted_ = 0;
};

bool mentions(const Error& e, std::string_view text) { return e.message().find(text) != std::string::npos; }

TEST_F(HostilePeerTest, MalformedJson) {
  // Well framed (brackets balance) but not JSON: the parser names the offset.
  FakePeer peer(script({FakeStep::send("{\"id\":null,\"method\":\"update2\",\"params\":[1,,2]}")}));
  start(peer);
  auto e = first_disconnect();
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->is(Errc::json_syntax)) << e->message();
  EXPECT_TRUE(mentions(*e, "offset")) << e->message();
  expect_works_after_reconnect(peer);
  EXPECT_EQ(metrics().protocol_errors, 1u);
}

TEST_F(HostilePeerTest, GarbageBetweenMessages) {
  FakePeer peer(script({FakeStep::send("hello")}));
  start(peer);
  auto e = first_disconnect();
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->is(Errc::json_syntax)) << e->message();
  EXPECT_TRUE(mentions(*e, "expected '{' or '['")) << e->message();
  EXPECT_TRUE(mentions(*e, "stream offset")) << e->message();
  expect_works_after_reconnect(peer);
}

TEST_F(HostilePeerTest, FrameOverTheSizeLimit) {
  // Sent until the client hangs up, so that the peer sees the close whether
  // or not the client has read everything.
  FakePeer peer(script({FakeStep::send_for(FakePeer::oversized_message(4 * max_message_bytes), 10000ms)}, false));
  start(peer);
  auto e = first_disconnect();
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->is(Errc::message_too_large)) << e->message();
  EXPECT_TRUE(mentions(*e, "max_message_bytes")) << e->message();
  EXPECT_TRUE(mentions(*e, std::to_string(max_message_bytes))) << e->message();
  EXPECT_TRUE(mentions(*e, "stream offset")) << e->message();
  expect_works_after_reconnect(peer);
}

TEST_F(HostilePeerTest, NestingDeeperThanTheLimit) {
  FakePeer peer(script({FakeStep::send(FakePeer::deeply_nested_message(4 * max_depth))}));
  start(peer);
  auto e = first_disconnect();
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->is(Errc::nesting_too_deep)) << e->message();
  EXPECT_TRUE(mentions(*e, "max_depth")) << e->message();
  EXPECT_TRUE(mentions(*e, std::to_string(max_depth))) << e->message();
  EXPECT_TRUE(mentions(*e, "stream offset")) << e->message();
  expect_works_after_reconnect(peer);
}

TEST_F(HostilePeerTest, StalledConnectionIsProbedThenDropped) {
  constexpr auto probe = 300ms;
  // The peer answers the schema and then says nothing at all: the client
  // probes with an echo after `probe` of silence and gives up one more
  // `probe` later.
  FakePeerOptions options;
  options.auto_echo = false;
  FakePeer peer(script({FakeStep::expect("echo", "", 10s)}), options);
  auto started = std::chrono::steady_clock::now();
  start(peer, probe);
  auto e = first_disconnect();
  ASSERT_TRUE(e.has_value());
  auto waited = disconnect_times_.front() - started;
  EXPECT_TRUE(e->is(Errc::probe_timeout)) << e->message();
  EXPECT_TRUE(mentions(*e, peer.remote())) << e->message();
  EXPECT_TRUE(mentions(*e, "no reply")) << e->message();
  // Silence, probe, then the same again before giving up.
  EXPECT_GE(waited, 2 * probe);
  auto m = metrics();
  EXPECT_GE(m.probes_sent, 1u);
  // The peer saw the echo before the client closed.
  auto methods = peer.methods();
  ASSERT_GE(methods.size(), 2u);
  EXPECT_EQ(methods[0], "get_schema");
  EXPECT_EQ(methods[1], "echo");
  expect_works_after_reconnect(peer);
}

TEST_F(HostilePeerTest, ReplyWithUnknownIdIsCountedAndIgnored) {
  // As in OVS: a reply to nothing pending is dropped, the connection stays.
  std::vector<FakeStep> s = {
      FakeStep::expect("get_schema", FakePeer::reply_result(schema_text())),
      FakeStep::send("{\"id\":987654,\"result\":[\"nobody\"],\"error\":null}"),
      FakeStep::send("{\"id\":\"not-ours\",\"result\":{},\"error\":null}"),
      FakeStep::sleep(200ms),
  };
  FakePeer peer(s);
  start(peer);
  ASSERT_TRUE(peer.wait_done(20s));
  ASSERT_TRUE(eventually([&] { return metrics().unexpected_replies == 2; }));
  // The same connection still serves requests.
  auto echo = client_->async_echo("[\"still\",\"here\"]", asio::use_future);
  ASSERT_EQ(echo.wait_for(20s), std::future_status::ready);
  auto r = echo.get();
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(*r, "[\"still\",\"here\"]");
  EXPECT_EQ(disconnect_count(), 0u);
  EXPECT_EQ(peer.connections_accepted(), 1);
  EXPECT_EQ(metrics().protocol_errors, 0u);
}

TEST_F(HostilePeerTest, EndlessStringStopsAtTheSizeLimit) {
  // An update that never ends: 'x' as fast as the socket takes it, until the
  // client hangs up (5 s at most).
  const size_t before = resident_bytes();
  std::atomic<size_t> peak{before};
  std::atomic<bool> sampling{true};
  std::thread sampler([&] {
    while (sampling) {
      size_t now = resident_bytes();
      if (now > peak) peak = now;
      std::this_thread::sleep_for(2ms);
    }
  });
  FakePeer peer(script({FakeStep::send("{\"id\":null,\"method\":\"update2\",\"params\":[null,{\"pad\":\""),
                        FakeStep::send_for(std::string(64 * 1024, 'x'), 5000ms)},
                       false));
  start(peer);
  auto e = first_disconnect();
  ASSERT_TRUE(e.has_value());
  EXPECT_TRUE(e->is(Errc::message_too_large)) << e->message();
  EXPECT_TRUE(mentions(*e, "max_message_bytes")) << e->message();
  expect_works_after_reconnect(peer);
  sampling = false;
  sampler.join();
  auto m = metrics();
  // The client stopped reading at the limit: it received about one limit's
  // worth (plus one read) on the hostile connection, not the whole stream.
  EXPECT_LT(m.bytes_received, 4 * max_message_bytes + 64 * 1024 + 64 * 1024)
      << "the client kept reading past its size limit";
  // And it never held more than the limit (plus slack for the allocator,
  // the sanitizers and the peer's own buffers).
  EXPECT_LT(peak.load(), before + max_message_bytes + (48u << 20))
      << "resident set grew by " << (peak.load() - before) << " bytes";
}

TEST_F(HostilePeerTest, CloseInTheMiddleOfAMessage) {
  FakePeer peer(script({FakeStep::send("{\"id\":null,\"method\":\"update2\",\"params\":[null,{\"Chassis\""),
                        FakeStep::sleep(100ms), FakeStep::close()},
                       false));
  start(peer);
  auto e = first_disconnect();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, net::make_error_code(net::Errc::connection_closed)) << e->message();
  EXPECT_TRUE(mentions(*e, "closed the connection")) << e->message();
  // Says that a message was cut off, and where it started.
  EXPECT_TRUE(mentions(*e, "inside the message that starts at stream offset")) << e->message();
  expect_works_after_reconnect(peer);
}

}  // namespace
}  // namespace fastovsdb::test
