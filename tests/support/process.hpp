#pragma once
// Child processes for test fixtures (ovsdb-server, ovsdb-tool, ovs-appctl,
// openssl): spawned with their output sent to a file or captured, and always
// waited for with a deadline, so a hung tool fails a test instead of hanging it.
//
// Children are made with fork+exec rather than posix_spawn so that each can ask
// the kernel to kill it when the test process dies (PR_SET_PDEATHSIG): a
// crashed or aborted test must not leave servers behind on a shared machine.
// The signal follows the *thread* that spawned the child, so spawn long-lived
// children from a thread that outlives them (the test body's thread does).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fastovsdb::test {

using namespace std::chrono_literals;

inline std::string join_command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& a : argv) {
    if (!line.empty()) line += ' ';
    line += a;
  }
  return line;
}

// The last `max_bytes` of a file, for error messages about a dead child.
inline std::string tail_of_file(const std::filesystem::path& path, std::size_t max_bytes = 2000) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

namespace detail {

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] inline void exec_child(char* const* argv, pid_t parent, int stdout_fd, int stderr_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  // The parent may have died between fork and prctl.
  if (::getppid() != parent) ::_exit(127);
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd < 0) ::_exit(127);
  ::dup2(null_fd, 0);
  ::dup2(stdout_fd >= 0 ? stdout_fd : null_fd, 1);
  ::dup2(stderr_fd >= 0 ? stderr_fd : null_fd, 2);
  // Sockets and pipes of the test (other fixtures' listeners, capture pipes)
  // must not leak into long-lived children and keep them open.
  ::syscall(SYS_close_range, 3u, ~0u, 0u);
  // The test process may block signals (e.g. in threads); children start clean.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execv(argv[0], argv);
  ::_exit(127);
}

inline pid_t fork_exec(const std::vector<std::string>& argv, int stdout_fd, int stderr_fd) {
  if (argv.empty()) throw std::invalid_argument("empty command line");
  // Everything the child touches is prepared before fork.
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed for " + argv[0]);
  if (pid == 0) exec_child(args.data(), parent, stdout_fd, stderr_fd);
  return pid;
}

// Waits for `pid` until `deadline`; the raw wait status, or nullopt on timeout.
inline std::optional<int> wait_until(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;  // not our child any more
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(2ms);
  }
}

}  // namespace detail

// A long-lived child (a server). The destructor stops it: SIGTERM, a bounded
// wait, then SIGKILL.
class ChildProcess {
 public:
  ChildProcess() = default;

  // stdout and stderr go to `output` (appended) or to /dev/null.
  static ChildProcess spawn(const std::vector<std::string>& argv, const std::filesystem::path& output = {}) {
    int out_fd = -1;
    if (!output.empty()) {
      out_fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (out_fd < 0) throw std::runtime_error("cannot open " + output.string());
    }
    ChildProcess child;
    try {
      child.pid_ = detail::fork_exec(argv, out_fd, out_fd);
    } catch (...) {
      if (out_fd >= 0) ::close(out_fd);
      throw;
    }
    if (out_fd >= 0) ::close(out_fd);
    child.command_ = join_command_line(argv);
    return child;
  }

  ChildProcess(ChildProcess&& other) noexcept
      : pid_(std::exchange(other.pid_, -1)), command_(std::move(other.command_)),
        status_(other.status_), stopped_(other.stopped_) {}
  ChildProcess& operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
      stop();
      pid_ = std::exchange(other.pid_, -1);
      command_ = std::move(other.command_);
      status_ = other.status_;
      stopped_ = other.stopped_;
    }
    return *this;
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { stop(); }

  pid_t pid() const { return pid_; }
  const std::string& command() const { return command_; }

  // True while the child has not exited (reaps it if it has).
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    status_ = r == pid_ ? status : -1;
    pid_ = -1;
    return false;
  }

  // Sends `sig` without waiting (SIGSTOP/SIGCONT freeze and thaw a server).
  void signal(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    if (sig == SIGSTOP) stopped_ = true;
    if (sig == SIGCONT) stopped_ = false;
  }

  // Waits up to `timeout` for the child to exit; true if it did.
  bool wait_exit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return true;
    auto status = detail::wait_until(pid_, std::chrono::steady_clock::now() + timeout);
    if (!status) return false;
    status_ = *status;
    pid_ = -1;
    return true;
  }

  // Sends `sig`, waits up to `grace`, then SIGKILL and a last bounded wait.
  void stop(int sig = SIGTERM, std::chrono::milliseconds grace = 5000ms) {
    if (pid_ <= 0) return;
    // A frozen child would not act on SIGTERM.
    if (stopped_) ::kill(pid_, SIGCONT);
    stopped_ = false;
    ::kill(pid_, sig);
    if (wait_exit(grace)) return;
    ::kill(pid_, SIGKILL);
    if (!wait_exit(5000ms)) pid_ = -1;  // unkillable (D state): give up, PDEATHSIG remains
  }

  // The raw wait status of the exited child (-1 if unknown or still running).
  int exit_status() const { return status_; }

 private:
  pid_t pid_ = -1;
  std::string command_;
  int status_ = -1;
  bool stopped_ = false;
};

struct CommandResult {
  int exit_code = -1;  // -1 if killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
  bool ok() const { return exit_code == 0 && !timed_out; }
};

// Runs argv to completion (killed after `timeout`) and returns its output.
inline CommandResult run_capture(const std::vector<std::string>& argv,
                                 std::chrono::milliseconds timeout = 30000ms) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw std::runtime_error("pipe failed");
  }
  pid_t pid = -1;
  try {
    pid = detail::fork_exec(argv, out_pipe[1], err_pipe[1]);
  } catch (...) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    throw;
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buf[65536];
  while (open_count > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) {
      result.timed_out = true;
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  if (result.timed_out) ::kill(pid, SIGKILL);
  auto status = detail::wait_until(pid, std::chrono::steady_clock::now() + (result.timed_out ? 5000ms : timeout));
  if (!status) {
    ::kill(pid, SIGKILL);
    status = detail::wait_until(pid, std::chrono::steady_clock::now() + 5000ms);
    result.timed_out = true;
  }
  if (status && WIFEXITED(*status) && !result.timed_out) result.exit_code = WEXITSTATUS(*status);
  return result;
}

// Runs argv to completion; throws with the command line and its stderr if it
// fails or outlives `timeout`.
inline void run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = 60000ms) {
  auto r = run_capture(argv, timeout);
  if (!r.ok())
    throw std::runtime_error("command failed" + std::string(r.timed_out ? " (timed out)" : "") + ": " +
                             join_command_line(argv) + "\n" + r.err);
}

// A loopback TCP port that was free a moment ago.
inline int pick_free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

// `count` distinct free loopback ports.
inline std::vector<int> pick_free_tcp_ports(std::size_t count) {
  std::vector<int> ports;
  while (ports.size() < count) {
    int p = pick_free_tcp_port();
    bool seen = false;
    for (int q : ports) seen = seen || q == p;
    if (!seen) ports.push_back(p);
  }
  return ports;
}

inline bool can_connect_unix(const std::filesystem::path& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.string().copy(addr.sun_path, sizeof addr.sun_path - 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

inline bool can_connect_tcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Polls `ready` until it holds, the child dies (throws, quoting `log`), or
// `timeout` passes (throws).
template <class Ready>
void wait_until_ready(ChildProcess& child, Ready ready, std::chrono::milliseconds timeout,
                      const std::string& what, const std::filesystem::path& log = {}) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (ready()) return;
    if (!child.running())
      throw std::runtime_error(what + " exited at start: " + child.command() + "\n" + tail_of_file(log));
    if (std::chrono::steady_clock::now() >= deadline)
      throw std::runtime_error(what + " not ready within " + std::to_string(timeout.count()) + " ms\n" +
                               tail_of_file(log));
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace fastovsdb::test
