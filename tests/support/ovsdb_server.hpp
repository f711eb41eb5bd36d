#pragma once
// A real ovsdb-server for tests, in a temporary folder, listening on a unix
// socket and on a loopback TCP port, stopped (and its folder removed) when the
// fixture object goes away. Start it with one or more schemas; each becomes a
// database of that server.
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fastovsdb::test {

inline constexpr const char* ovsdb_server_binary = "/usr/sbin/ovsdb-server";
inline constexpr const char* ovsdb_tool_binary = "/usr/bin/ovsdb-tool";

inline bool have_ovsdb_server() { return std::filesystem::exists(ovsdb_server_binary); }

// Runs argv to completion; throws with the command line if it fails.
inline void run_command(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0)
    throw std::runtime_error("cannot start " + argv[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string line;
    for (const auto& a : argv) line += a + " ";
    throw std::runtime_error("command failed: " + line);
  }
}

// A loopback TCP port that was free a moment ago.
inline int pick_free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class OvsdbServer {
 public:
  explicit OvsdbServer(std::vector<std::filesystem::path> schemas) {
    char tmpl[] = "/tmp/fastovsdb-test.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    std::vector<std::string> argv = {ovsdb_server_binary};
    for (size_t i = 0; i < schemas.size(); ++i) {
      auto db = dir_ / ("db" + std::to_string(i) + ".db");
      run_command({ovsdb_tool_binary, "create", db.string(), schemas[i].string()});
      argv.push_back(db.string());
    }
    tcp_port_ = pick_free_tcp_port();
    argv.push_back("--remote=punix:" + unix_socket().string());
    argv.push_back("--remote=ptcp:" + std::to_string(tcp_port_) + ":127.0.0.1");
    argv.push_back("--unixctl=" + (dir_ / "server.ctl").string());
    argv.push_back("--log-file=" + (dir_ / "server.log").string());
    argv.push_back("--no-chdir");
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], nullptr, nullptr, args.data(), environ) != 0)
      throw std::runtime_error("cannot start ovsdb-server");
    wait_until_listening();
  }

  OvsdbServer(const OvsdbServer&) = delete;
  OvsdbServer& operator=(const OvsdbServer&) = delete;

  ~OvsdbServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path unix_socket() const { return dir_ / "db.sock"; }
  int tcp_port() const { return tcp_port_; }
  std::string unix_remote() const { return "unix:" + unix_socket().string(); }
  std::string tcp_remote() const { return "tcp:127.0.0.1:" + std::to_string(tcp_port_); }
  const std::filesystem::path& dir() const { return dir_; }
  pid_t pid() const { return pid_; }

 private:
  void wait_until_listening() {
    for (int i = 0; i < 500; ++i) {
      int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::string path = unix_socket().string();
      path.copy(addr.sun_path, sizeof addr.sun_path - 1);
      bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
      if (ok) return;
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("ovsdb-server exited at start; see " + (dir_ / "server.log").string());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("ovsdb-server did not start listening within 5 s");
  }

  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int tcp_port_ = 0;
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
