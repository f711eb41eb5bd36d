#pragma once
// A real ovsdb-server for tests, in a temporary folder, listening on a unix
// socket and on a loopback TCP port, stopped (and its folder removed) when the
// fixture object goes away. Start it with one or more schemas; each becomes a
// database of that server.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "process.hpp"

namespace fastovsdb::test {

inline constexpr const char* ovsdb_server_binary = "/usr/sbin/ovsdb-server";
inline constexpr const char* ovsdb_tool_binary = "/usr/bin/ovsdb-tool";
inline constexpr const char* ovsdb_client_binary = "/usr/bin/ovsdb-client";
inline constexpr const char* ovs_appctl_binary = "/usr/bin/ovs-appctl";

inline bool have_ovsdb_server() { return std::filesystem::exists(ovsdb_server_binary); }

// Key, certificate and trusted CA of one TLS endpoint (see pki.hpp).
struct TlsFiles {
  std::filesystem::path private_key;
  std::filesystem::path certificate;
  std::filesystem::path ca_cert;
};

struct OvsdbServerOptions {
  // Also listen with TLS on a loopback port (--remote=pssl:PORT:127.0.0.1).
  std::optional<TlsFiles> tls;
  // Appended to the ovsdb-server command line as they are.
  std::vector<std::string> extra_args;
};

class OvsdbServer {
 public:
  explicit OvsdbServer(std::vector<std::filesystem::path> schemas)
      : OvsdbServer(std::move(schemas), OvsdbServerOptions{}) {}

  OvsdbServer(std::vector<std::filesystem::path> schemas, OvsdbServerOptions options) {
    char tmpl[] = "/tmp/fastovsdb-test.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    try {
      start(schemas, options);
    } catch (...) {
      process_.stop(SIGKILL);
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      throw;
    }
  }

  OvsdbServer(const OvsdbServer&) = delete;
  OvsdbServer& operator=(const OvsdbServer&) = delete;

  ~OvsdbServer() {
    process_.stop(SIGTERM, std::chrono::milliseconds(5000));
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path unix_socket() const { return dir_ / "db.sock"; }
  int tcp_port() const { return tcp_port_; }
  std::string unix_remote() const { return "unix:" + unix_socket().string(); }
  std::string tcp_remote() const { return "tcp:127.0.0.1:" + std::to_string(tcp_port_); }
  // 0 and "" unless started with options.tls.
  int ssl_port() const { return ssl_port_; }
  std::string ssl_remote() const { return ssl_port_ ? "ssl:127.0.0.1:" + std::to_string(ssl_port_) : ""; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path log_file() const { return dir_ / "server.log"; }
  std::filesystem::path unixctl_socket() const { return dir_ / "server.ctl"; }
  pid_t pid() const { return process_.pid(); }

 private:
  void start(const std::vector<std::filesystem::path>& schemas, const OvsdbServerOptions& options) {
    std::vector<std::string> argv = {ovsdb_server_binary};
    for (size_t i = 0; i < schemas.size(); ++i) {
      auto db = dir_ / ("db" + std::to_string(i) + ".db");
      run_command({ovsdb_tool_binary, "create", db.string(), schemas[i].string()});
      argv.push_back(db.string());
    }
    auto ports = pick_free_tcp_ports(options.tls ? 2 : 1);
    tcp_port_ = ports[0];
    argv.push_back("--remote=punix:" + unix_socket().string());
    argv.push_back("--remote=ptcp:" + std::to_string(tcp_port_) + ":127.0.0.1");
    if (options.tls) {
      ssl_port_ = ports[1];
      argv.push_back("--remote=pssl:" + std::to_string(ssl_port_) + ":127.0.0.1");
      argv.push_back("--private-key=" + options.tls->private_key.string());
      argv.push_back("--certificate=" + options.tls->certificate.string());
      argv.push_back("--ca-cert=" + options.tls->ca_cert.string());
    }
    argv.push_back("--unixctl=" + unixctl_socket().string());
    argv.push_back("--log-file=" + log_file().string());
    argv.push_back("--no-chdir");
    for (const auto& a : options.extra_args) argv.push_back(a);
    process_ = ChildProcess::spawn(argv, dir_ / "server.stderr");
    // All remotes are opened in the same pass, but checking each costs little.
    wait_until_ready(
        process_,
        [&] {
          return can_connect_unix(unix_socket()) && can_connect_tcp(tcp_port_) &&
                 (!ssl_port_ || can_connect_tcp(ssl_port_));
        },
        std::chrono::milliseconds(10000), "ovsdb-server", log_file());
  }

  std::filesystem::path dir_;
  ChildProcess process_;
  int tcp_port_ = 0;
  int ssl_port_ = 0;
};

// A blocking unix-socket connection that sends whole requests and returns
// whatever bytes arrive: for tests of the sans-I/O core against a real server
// before (and independently of) the Asio client.
class RawConnection {
 public:
  explicit RawConnection(const std::filesystem::path& socket_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    socket_path.string().copy(addr.sun_path, sizeof addr.sun_path - 1);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("cannot connect to " + socket_path.string());
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection() { ::close(fd_); }

  void send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Up to `max` bytes; throws on timeout or close.
  std::string receive_some(size_t max = 1 << 16) {
    std::string buf(max, '\0');
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n <= 0) throw std::runtime_error("receive failed or timed out");
    buf.resize(static_cast<size_t>(n));
    return buf;
  }

 private:
  int fd_ = -1;
};

}  // namespace fastovsdb::test
