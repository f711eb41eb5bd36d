// The transport on its own: unix, tcp (IPv4, IPv6, host names) and ssl
// streams against in-process loopback peers, and the errors each failure
// gives (naming the remote and what failed).
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "fastovsdb/net/stream.hpp"
#include "pki.hpp"

namespace fastovsdb::net {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using asio::ip::tcp;

// Runs the context until `done` or 10 s, so a broken test fails instead of hanging.
template <class Pred>
bool run_until(asio::io_context& io, Pred done) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  io.restart();
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.run_one_for(50ms) == 0 && io.stopped()) io.restart();
  }
  return done();
}

// A remote as the core's parser makes it from OVS remote syntax.
Remote remote(const std::string& text) { return *parse_remote(text); }
std::string bracketed(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

std::string temp_socket_path() {
  char tmpl[] = "/tmp/fastovsdb-net-test.XXXXXX";
  EXPECT_NE(::mkdtemp(tmpl), nullptr);
  return std::string(tmpl) + "/s.sock";
}

TEST(ErrorTest, CategoryAndMessages) {
  boost::system::error_code ec = Errc::connection_closed;
  EXPECT_STREQ(ec.category().name(), "fastovsdb.net");
  EXPECT_EQ(ec.message(), "connection closed");
  EXPECT_FALSE(ec == fastovsdb::Errc::outcome_unknown);
  Error e = make_error(Errc::tls_verify_failed, "ssl:127.0.0.1:1: bad");
  EXPECT_TRUE(e.code == Errc::tls_verify_failed);
  EXPECT_NE(e.message().find("ssl:127.0.0.1:1: bad"), std::string::npos);
}

// A peer that accepts one connection, reads `expect` bytes and sends `reply`.
template <class Socket>
void serve_once(Socket& socket, std::string expect_size_of, std::string reply, std::string& received,
                bool& done) {
  auto buf = std::make_shared<std::string>(expect_size_of.size(), '\0');
  asio::async_read(socket, asio::buffer(*buf), [&, buf, reply](boost::system::error_code ec, size_t) {
    ASSERT_FALSE(ec) << ec.message();
    received = *buf;
    auto out = std::make_shared<std::string>(reply);
    asio::async_write(socket, asio::buffer(*out), [&, out](boost::system::error_code ec, size_t) {
      ASSERT_FALSE(ec) << ec.message();
      done = true;
    });
  });
}

// Sends "ping", expects "pong" back, through `stream` already connected.
void exchange(asio::io_context& io, Stream& stream) {
  std::string out = "ping";
  bool wrote = false;
  stream.async_write(asio::buffer(out), [&](boost::system::error_code ec, size_t n) {
    EXPECT_FALSE(ec) << ec.message();
    EXPECT_EQ(n, 4u);
    wrote = true;
  });
  std::string in;
  char buf[16];
  std::function<void(boost::system::error_code, size_t)> on_read = [&](boost::system::error_code ec,
                                                                        size_t n) {
    ASSERT_FALSE(ec) << ec.message();
    in.append(buf, n);
    if (in.size() < 4) stream.async_read_some(asio::buffer(buf), on_read);
  };
  stream.async_read_some(asio::buffer(buf), on_read);
  ASSERT_TRUE(run_until(io, [&] { return wrote && in.size() >= 4; }));
  EXPECT_EQ(in, "pong");
}

TEST(StreamTest, UnixSocketRoundTrip) {
  asio::io_context io;
  auto path = temp_socket_path();
  asio::local::stream_protocol::acceptor acceptor(io, asio::local::stream_protocol::endpoint(path));
  asio::local::stream_protocol::socket peer(io);
  std::string received;
  bool served = false;
  acceptor.async_accept(peer, [&](boost::system::error_code ec) {
    ASSERT_FALSE(ec);
    serve_once(peer, "ping", "pong", received, served);
  });
  Stream stream(asio::make_strand(io));
  std::optional<Result<void>> connected;
  stream.async_connect(remote("unix:" + path), nullptr, [&](Result<void> r) { connected = r; });
  ASSERT_TRUE(run_until(io, [&] { return connected.has_value(); }));
  ASSERT_TRUE(connected->has_value()) << connected->error().message();
  EXPECT_TRUE(stream.is_open());
  exchange(io, stream);
  ASSERT_TRUE(run_until(io, [&] { return served; }));
  EXPECT_EQ(received, "ping");
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

void tcp_round_trip(const std::string& listen_address, const std::string& connect_host) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address(listen_address), 0));
  uint16_t port = acceptor.local_endpoint().port();
  tcp::socket peer(io);
  std::string received;
  bool served = false;
  acceptor.async_accept(peer, [&](boost::system::error_code ec) {
    ASSERT_FALSE(ec);
    serve_once(peer, "ping", "pong", received, served);
  });
  Stream stream(asio::make_strand(io));
  std::optional<Result<void>> connected;
  stream.async_connect(remote("tcp:" + bracketed(connect_host) + ":" + std::to_string(port)), nullptr, [&](Result<void> r) { connected = r; });
  ASSERT_TRUE(run_until(io, [&] { return connected.has_value(); }));
  ASSERT_TRUE(connected->has_value()) << connected->error().message();
  exchange(io, stream);
  ASSERT_TRUE(run_until(io, [&] { return served; }));
  EXPECT_EQ(received, "ping");
}

TEST(StreamTest, TcpIpv4RoundTrip) { tcp_round_trip("127.0.0.1", "127.0.0.1"); }

TEST(StreamTest, TcpHostNameIsResolved) { tcp_round_trip("127.0.0.1", "localhost"); }

TEST(StreamTest, TcpIpv6RoundTrip) {
  boost::system::error_code ec;
  asio::io_context probe_io;
  tcp::acceptor probe(probe_io);
  probe.open(tcp::v6(), ec);
  if (!ec) probe.bind(tcp::endpoint(asio::ip::make_address("::1"), 0), ec);
  if (ec) GTEST_SKIP() << "no IPv6 loopback here: " << ec.message();
  probe.close();
  tcp_round_trip("::1", "::1");
}

TEST(StreamTest, RefusedConnectionNamesTheRemote) {
  asio::io_context io;
  uint16_t port;
  {
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  Stream stream(asio::make_strand(io));
  std::optional<Result<void>> connected;
  stream.async_connect(remote("tcp:127.0.0.1:" + std::to_string(port)), nullptr, [&](Result<void> r) { connected = r; });
  ASSERT_TRUE(run_until(io, [&] { return connected.has_value(); }));
  ASSERT_FALSE(connected->has_value());
  EXPECT_TRUE(connected->error().code == Errc::connect_failed);
  EXPECT_NE(connected->error().detail.find("tcp:127.0.0.1:" + std::to_string(port)), std::string::npos)
      << connected->error().detail;
  EXPECT_FALSE(stream.is_open());
}

TEST(StreamTest, MissingUnixSocketIsConnectFailed) {
  asio::io_context io;
  Stream stream(asio::make_strand(io));
  std::optional<Result<void>> connected;
  stream.async_connect(remote("unix:/nonexistent/fastovsdb.sock"), nullptr,
                       [&](Result<void> r) { connected = r; });
  ASSERT_TRUE(run_until(io, [&] { return connected.has_value(); }));
  ASSERT_FALSE(connected->has_value());
  EXPECT_TRUE(connected->error().code == Errc::connect_failed);
  EXPECT_NE(connected->error().detail.find("unix:/nonexistent/fastovsdb.sock"), std::string::npos);
}

TEST(StreamTest, UnresolvableHostIsResolveFailed) {
  asio::io_context io;
  Stream stream(asio::make_strand(io));
  std::optional<Result<void>> connected;
  // .invalid never resolves (RFC 6761).
  stream.async_connect(remote("tcp:no-such-host.invalid:6641"), nullptr,
                       [&](Result<void> r) { connected = r; });
  ASSERT_TRUE(run_until(io, [&] { return connected.has_value(); }));
  ASSERT_FALSE(connected->has_value());
  EXPECT_TRUE(connected->error().code == Errc::resolve_failed) << connected->error().message();
  EXPECT_NE(connected->error().detail.find("no-such-host.invalid"), std::string::npos);
}

TEST(StreamTest, CloseAbortsAPendingRead) {
  asio::io_context io;
  auto path = temp_socket_path();
  asio::local::stream_protocol::acceptor acceptor(io, asio::local::stream_protocol::endpoint(path));
  asio::local::stream_protocol::socket peer(io);
  acceptor.async_accept(peer, [](boost::system::error_code) {});
  Stream stream(asio::make_strand(io));
  bool connected = false;
  stream.async_connect(remote("unix:" + path), nullptr, [&](Result<void> r) { connected = r.has_value(); });
  ASSERT_TRUE(run_until(io, [&] { return connected; }));
  char buf[8];
  std::optional<boost::system::error_code> read_ec;
  stream.async_read_some(asio::buffer(buf), [&](boost::system::error_code ec, size_t) { read_ec = ec; });
  asio::post(stream.get_executor(), [&] { stream.close(); });
  ASSERT_TRUE(run_until(io, [&] { return read_ec.has_value(); }));
  EXPECT_EQ(*read_ec, asio::error::operation_aborted);
  EXPECT_FALSE(stream.is_open());
  // Reading without a connection fails at once rather than hanging.
  std::optional<boost::system::error_code> again;
  stream.async_read_some(asio::buffer(buf), [&](boost::system::error_code ec, size_t) { again = ec; });
  ASSERT_TRUE(run_until(io, [&] { return again.has_value(); }));
  EXPECT_TRUE(*again);
  std::filesystem::remove_all(std::filesystem::path(path).parent_path());
}

TEST(TlsContextTest, MissingFilesAreNamed) {
  auto r = make_tls_context({"/nonexistent/key.pem", "/nonexistent/cert.pem", "/nonexistent/ca.pem"});
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().code == Errc::tls_setup_failed);
  EXPECT_NE(r.error().detail.find("/nonexistent/key.pem"), std::string::npos) << r.error().detail;
  auto empty = make_tls_context({});
  ASSERT_FALSE(empty.has_value());
  EXPECT_TRUE(empty.error().code == Errc::tls_setup_failed);
}

// A TLS server in-process: accepts one connection, handshakes (requiring a
// client certificate signed by its CA) and answers "ping" with "pong".
struct TlsPeer {
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  tcp::acceptor acceptor;
  std::optional<asio::ssl::stream<tcp::socket>> stream;
  std::string received;
  bool served = false;
  std::optional<boost::system::error_code> handshake_ec;

  TlsPeer(asio::io_context& io, const test::Pki& pki, const char* address = "127.0.0.1")
      : acceptor(io, tcp::endpoint(asio::ip::make_address(address), 0)) {
    ctx.use_private_key_file(pki.key("server").string(), asio::ssl::context::pem);
    ctx.use_certificate_chain_file(pki.cert("server").string());
    ctx.load_verify_file(pki.ca_cert().string());
    ctx.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    stream.emplace(io, ctx);
    acceptor.async_accept(stream->next_layer(), [this](boost::system::error_code ec) {
      ASSERT_FALSE(ec);
      stream->async_handshake(asio::ssl::stream_base::server, [this](boost::system::error_code ec) {
        handshake_ec = ec;
        if (!ec) serve_once(*stream, "ping", "pong", received, served);
      });
    });
  }
  uint16_t port() const { return acceptor.local_endpoint().port(); }
};

TEST(StreamTest, SslRoundTripWithVerifiedServer) {
  if (!test::have_openssl()) GTEST_SKIP() << "no openssl command";
  test::Pki pki;
  asio::io_context io;
  TlsPeer peer(io, pki);
  auto ctx = make_tls_context({pki.key("client"), pki.cert("client"), pki.ca_cert()});
  ASSERT_TRUE(ctx.has_value()) << ctx.error().message();
  Stream stream(asio::make_strand(io));
  // The server certificate names 127.0.0.1, so host checking passes too.
  stream.set_verify_hostname(true);
  std::optional<Result<void>> connected;
  stream.async_connect(remote("ssl:127.0.0.1:" + std::to_string(peer.port())), *ctx, [&](Result<void> r) { connected = r; });
  ASSERT_TRUE(run_until(io, [&] { return connected.has_value(); }));
  ASSERT_TRUE(connected->has_value()) << connected->error().message();
  exchange(io, stream);
  ASSERT_TRUE(run_until(io, [&] { return peer.served; }));
  EXPECT_EQ(peer.received, "ping");
}

TEST(StreamTest, SslServerSignedByAnotherCaIsRefused) {
  if (!test::have_openssl()) GTEST_SKIP() << "no openssl command";
  test::Pki pki;
  asio::io_context io;
  TlsPeer peer(io, pki);
  auto ctx = make_tls_context({pki.key("client"), pki.cert("client"), pki.other_ca_cert()});
  ASSERT_TRUE(ctx.has_value()) << ctx.error().message();
  Stream stream(asio::make_strand(io));
  std::optional<Result<void>> connected;
  stream.async_connect(remote("ssl:127.0.0.1:" + std::to_string(peer.port())), *ctx, [&](Result<void> r) { connected = r; });
  ASSERT_TRUE(run_until(io, [&] { return connected.has_value(); }));
  ASSERT_FALSE(connected->has_value());
  const Error& e = connected->error();
  EXPECT_TRUE(e.code == Errc::tls_verify_failed) << e.message();
  EXPECT_NE(e.detail.find("ssl:127.0.0.1:" + std::to_string(peer.port())), std::string::npos) << e.detail;
  EXPECT_NE(e.detail.find("verification failed"), std::string::npos) << e.detail;
  // OpenSSL's reason follows, e.g. "unable to get local issuer certificate".
  auto reason = e.detail.substr(e.detail.find("verification failed: ") + 21);
  EXPECT_NE(reason.find("certificate"), std::string::npos) << e.detail;
}

TEST(StreamTest, SslHostNameIsCheckedWhenAsked) {
  if (!test::have_openssl()) GTEST_SKIP() << "no openssl command";
  test::Pki pki;
  asio::io_context io;
  // 127.0.0.2 is loopback too, but the server certificate names only 127.0.0.1.
  boost::system::error_code ec;
  tcp::acceptor probe(io);
  probe.open(tcp::v4(), ec);
  if (!ec) probe.bind(tcp::endpoint(asio::ip::make_address("127.0.0.2"), 0), ec);
  if (ec) GTEST_SKIP() << "cannot listen on 127.0.0.2: " << ec.message();
  probe.close();
  auto ctx = make_tls_context({pki.key("client"), pki.cert("client"), pki.ca_cert()});
  ASSERT_TRUE(ctx.has_value());
  for (bool check : {false, true}) {
    TlsPeer peer(io, pki, "127.0.0.2");
    Stream stream(asio::make_strand(io));
    stream.set_verify_hostname(check);
    std::optional<Result<void>> connected;
    stream.async_connect(remote("ssl:127.0.0.2:" + std::to_string(peer.port())), *ctx, [&](Result<void> r) { connected = r; });
    ASSERT_TRUE(run_until(io, [&] { return connected.has_value(); }));
    if (!check) {
      // OVS semantics: the chain is what counts.
      EXPECT_TRUE(connected->has_value()) << connected->error().message();
    } else {
      ASSERT_FALSE(connected->has_value());
      EXPECT_TRUE(connected->error().code == Errc::tls_verify_failed) << connected->error().message();
    }
  }
}

TEST(StreamTest, SslWithoutTlsContextIsSetupError) {
  asio::io_context io;
  Stream stream(asio::make_strand(io));
  std::optional<Result<void>> connected;
  stream.async_connect(remote("ssl:127.0.0.1:1"), nullptr, [&](Result<void> r) { connected = r; });
  ASSERT_TRUE(run_until(io, [&] { return connected.has_value(); }));
  ASSERT_FALSE(connected->has_value());
  EXPECT_TRUE(connected->error().code == Errc::tls_setup_failed);
  EXPECT_NE(connected->error().detail.find("ssl:127.0.0.1:1"), std::string::npos);
}

}  // namespace
}  // namespace fastovsdb::net
