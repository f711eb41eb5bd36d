// The session gives back the buffers of a huge message (an initial dump)
// between reads. Driven the way the net client drives it (read_buffer, then
// on_bytes_received, in 64 KiB reads), these check that nothing is lost or
// shifted across that release: a message split over the release point, and
// the stream offsets that errors report afterwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/session.hpp"

namespace fastovsdb {
namespace {

const SteadyTime t0{std::chrono::seconds(1000)};
constexpr size_t read_size = 64 * 1024;

struct Driver {
  Driver() : session(*Session::create(options(), t0)) {}

  static SessionOptions options() {
    SessionOptions o;
    o.database = DatabaseName("OVN_Northbound");
    o.remotes = *parse_remotes("tcp:127.0.0.1:6641");
    o.replicate = false;
    o.leader_only = false;
    o.reconnect.jitter = 0;
    return o;
  }

  void connect() {
    auto a = session.next_action(t0);
    ASSERT_TRUE(std::holds_alternative<ConnectAction>(a));
    session.on_connected(t0);
  }

  std::string written() {
    auto a = session.next_action(t0);
    auto* w = std::get_if<WriteAction>(&a);
    if (!w) return {};
    std::string bytes(w->bytes);
    session.write_done(bytes.size());
    return bytes;
  }

  // Delivers `bytes` in reads of at most read_size, like the net client.
  void receive(std::string_view bytes) {
    while (!bytes.empty()) {
      std::span<char> space = session.read_buffer(read_size);
      ASSERT_FALSE(space.empty());
      size_t n = std::min({space.size(), bytes.size(), read_size});
      std::memcpy(space.data(), bytes.data(), n);
      session.on_bytes_received(n, t0);
      bytes.remove_prefix(n);
    }
  }

  std::vector<RpcDone> rpc_done() {
    std::vector<RpcDone> out;
    while (auto e = session.poll_event()) {
      if (auto* r = std::get_if<RpcDone>(&*e)) out.push_back(std::move(*r));
    }
    return out;
  }

  Session session;
};

std::string echo_reply(RequestHandle id, std::string_view result) {
  return "{\"id\":" + std::to_string(id) + ",\"result\":" + std::string(result) + ",\"error\":null}";
}

TEST(SessionBuffers, MessagesAroundAHugeOneArriveIntact) {
  Driver d;
  d.connect();
  // Larger than the release threshold (4 MiB), with escapes so that the
  // framer's string state matters across reads.
  std::string big = "[\"";
  while (big.size() < (size_t{6} << 20)) big += "abc\\\"def\\\\ghi{}[],:";
  big += "\"]";
  RequestHandle h_big = d.session.echo(big);
  RequestHandle h_small = d.session.echo("[\"after\",1]");
  RequestHandle h_last = d.session.echo("[{\"k\":[]}]");
  ASSERT_NE(d.written(), "");

  const std::string reply_big = echo_reply(h_big, big);
  const std::string reply_small = echo_reply(h_small, "[\"after\",1]");
  const std::string reply_last = echo_reply(h_last, "[{\"k\":[]}]");
  // The huge reply ends mid-read and the small one is cut in two by a read
  // boundary, so part of it is buffered when the buffers are released.
  std::string stream = reply_big + "\n" + reply_small.substr(0, 7);
  d.receive(stream);
  auto done = d.rpc_done();
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].handle, h_big);
  ASSERT_TRUE(done[0].result);
  EXPECT_EQ(*done[0].result, big);

  d.receive(reply_small.substr(7));
  d.receive(reply_last);
  done = d.rpc_done();
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].handle, h_small);
  ASSERT_TRUE(done[0].result);
  EXPECT_EQ(*done[0].result, "[\"after\",1]");
  EXPECT_EQ(done[1].handle, h_last);
  ASSERT_TRUE(done[1].result);
  EXPECT_EQ(*done[1].result, "[{\"k\":[]}]");
  EXPECT_EQ(d.session.metrics().bytes_received, stream.size() + reply_small.size() - 7 + reply_last.size());
}

TEST(SessionBuffers, ErrorsAfterAHugeMessageNameTheRightStreamOffset) {
  Driver d;
  d.connect();
  std::string big = "[\"" + std::string(size_t{5} << 20, 'x') + "\"]";
  RequestHandle h = d.session.echo(big);
  ASSERT_NE(d.written(), "");
  const std::string reply = echo_reply(h, big) + "  ";
  d.receive(reply);
  auto done = d.rpc_done();
  ASSERT_EQ(done.size(), 1u);
  ASSERT_TRUE(done[0].result);
  EXPECT_EQ(done[0].result->size(), big.size());

  // A malformed message right after: its start offset is the byte count so far.
  d.receive("{\"id\":99,\"result\":[1,2,]}");
  auto a = d.session.next_action(t0);
  ASSERT_TRUE(std::holds_alternative<DisconnectAction>(a));
  const Error& why = std::get<DisconnectAction>(a).reason;
  EXPECT_TRUE(why.is(Errc::json_syntax)) << why.message();
  EXPECT_NE(why.detail.find(std::to_string(reply.size())), std::string::npos) << why.message();
}

}  // namespace
}  // namespace fastovsdb
