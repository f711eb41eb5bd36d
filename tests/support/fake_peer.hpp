#pragma once
// A scripted, hostile OVSDB "server" for faults a real ovsdb-server cannot be
// made to produce: malformed JSON, oversized frames, deep nesting, stalls,
// replies with unknown ids, endless streams, closing mid-message.
//
// It listens on a unix socket (in its own temporary folder) or on a loopback
// TCP port and plays a script in its own thread, one step after another:
//
//   FakePeer peer({
//       FakeStep::expect("get_schema", FakePeer::reply_result(schema_json)),
//       FakeStep::expect("monitor_cond"),           // read it, say nothing
//       FakeStep::send("{\"id\":\"nobody\",\"result\":{}"),  // half a message
//       FakeStep::sleep(200ms),
//       FakeStep::close(),
//   });
//   client.connect(peer.remote());
//   ASSERT_TRUE(peer.wait_done(5s));
//   EXPECT_EQ(peer.error(), "");
//   peer.messages();  // every JSON message the client sent
//
// Any step that needs a connection accepts one if there is none (so a script
// may close and then serve the client's reconnection). "$ID" in a reply is
// replaced by the JSON text of the id of the request it answers. While a step
// waits, the peer keeps reading, so a client's writes never block on it.
// The destructor stops the thread (every wait in it polls a stop flag at
// least every 20 ms) and joins it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace fastovsdb::test {

struct FakeStep {
  enum class Kind { expect, send, send_for, sleep, close, expect_close };
  Kind kind = Kind::sleep;
  std::string method;  // expect: the method awaited ("" = any request)
  std::string bytes;   // expect: reply ("" = none); send: the bytes; send_for: one chunk
  std::chrono::milliseconds duration{0};  // expect/expect_close: timeout; sleep/send_for: length

  // Waits for a request with `method` and answers `reply` ("$ID" -> its id).
  static FakeStep expect(std::string method, std::string reply = {},
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    return {Kind::expect, std::move(method), std::move(reply), timeout};
  }
  // Sends raw bytes (anything: half a message, garbage, a huge frame).
  static FakeStep send(std::string bytes) { return {Kind::send, {}, std::move(bytes), {}}; }
  // Sends `chunk` over and over for `length` (or until the client goes away).
  static FakeStep send_for(std::string chunk, std::chrono::milliseconds length) {
    return {Kind::send_for, {}, std::move(chunk), length};
  }
  // Says nothing for `length` (still reading what the client sends).
  static FakeStep sleep(std::chrono::milliseconds length) { return {Kind::sleep, {}, {}, length}; }
  // Closes the connection now.
  static FakeStep close() { return {Kind::close, {}, {}, {}}; }
  // Waits for the client to close the connection; an error if it does not.
  static FakeStep expect_close(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    return {Kind::expect_close, {}, {}, timeout};
  }
};

struct FakePeerOptions {
  enum class Transport { unix_socket, tcp };
  Transport transport = Transport::unix_socket;
  // Answer the client's "echo" requests while waiting for another method.
  bool auto_echo = true;
  // After the last step keep the connection open (still reading) until destroyed.
  bool keep_open_after_script = true;
  std::chrono::milliseconds accept_timeout{10000};
};

namespace fake_peer_detail {

enum class Scan { complete, incomplete, invalid };

inline std::size_t skip_ws(const std::string& s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// Finds the end of the JSON value at `i` without building it. Only as strict
// as a test double must be: brackets must balance and strings must end.
inline Scan scan_value(const std::string& s, std::size_t i, std::size_t& end) {
  i = skip_ws(s, i);
  if (i >= s.size()) return Scan::incomplete;
  char c = s[i];
  if (c == '{' || c == '[') {
    std::vector<char> stack;
    bool in_string = false;
    for (; i < s.size(); ++i) {
      char ch = s[i];
      if (in_string) {
        if (ch == '\\') ++i;
        else if (ch == '"') in_string = false;
        continue;
      }
      if (ch == '"') in_string = true;
      else if (ch == '{' || ch == '[') stack.push_back(ch == '{' ? '}' : ']');
      else if (ch == '}' || ch == ']') {
        if (stack.empty() || stack.back() != ch) return Scan::invalid;
        stack.pop_back();
        if (stack.empty()) {
          end = i + 1;
          return Scan::complete;
        }
      }
    }
    return Scan::incomplete;
  }
  if (c == '"') {
    for (++i; i < s.size(); ++i) {
      if (s[i] == '\\') ++i;
      else if (s[i] == '"') {
        end = i + 1;
        return Scan::complete;
      }
    }
    return Scan::incomplete;
  }
  std::size_t j = i;
  while (j < s.size() && s[j] != ',' && s[j] != '}' && s[j] != ']' && s[j] != ' ' && s[j] != '\n' && s[j] != '\t' &&
         s[j] != '\r')
    ++j;
  if (j == i) return Scan::invalid;
  if (j == s.size()) return Scan::incomplete;  // a bare number may go on
  end = j;
  return Scan::complete;
}

// The raw JSON text of member `key` of the object `text` (nullopt if absent).
inline std::optional<std::string> member(const std::string& text, const std::string& key) {
  std::size_t i = skip_ws(text, 0);
  if (i >= text.size() || text[i] != '{') return std::nullopt;
  i = skip_ws(text, i + 1);
  while (i < text.size() && text[i] == '"') {
    std::size_t key_end = 0;
    if (scan_value(text, i, key_end) != Scan::complete) return std::nullopt;
    std::string name = text.substr(i + 1, key_end - i - 2);
    i = skip_ws(text, key_end);
    if (i >= text.size() || text[i] != ':') return std::nullopt;
    std::size_t value_start = skip_ws(text, i + 1), value_end = 0;
    if (scan_value(text, value_start, value_end) != Scan::complete) return std::nullopt;
    if (name == key) return text.substr(value_start, value_end - value_start);
    i = skip_ws(text, value_end);
    if (i < text.size() && text[i] == ',') i = skip_ws(text, i + 1);
  }
  return std::nullopt;
}

inline std::string unquote(const std::string& json_string) {
  if (json_string.size() >= 2 && json_string.front() == '"') return json_string.substr(1, json_string.size() - 2);
  return json_string;
}

}  // namespace fake_peer_detail

class FakePeer {
 public:
  explicit FakePeer(std::vector<FakeStep> script, FakePeerOptions options = {})
      : script_(std::move(script)), options_(options) {
    listen();
    thread_ = std::thread([this] { run(); });
  }
  FakePeer(const FakePeer&) = delete;
  FakePeer& operator=(const FakePeer&) = delete;

  ~FakePeer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (conn_ >= 0) ::close(conn_);
    if (listener_ >= 0) ::close(listener_);
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  // "unix:/tmp/.../peer.sock" or "tcp:127.0.0.1:PORT".
  std::string remote() const {
    return options_.transport == FakePeerOptions::Transport::tcp ? "tcp:127.0.0.1:" + std::to_string(port_)
                                                                 : "unix:" + socket_path().string();
  }
  std::filesystem::path socket_path() const { return dir_ / "peer.sock"; }
  int tcp_port() const { return port_; }

  // Waits until every step has been played (or the script failed).
  bool wait_done(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return done_cv_.wait_for(lock, timeout, [this] { return done_; });
  }
  bool done() const {
    std::lock_guard lock(mutex_);
    return done_;
  }
  // Why the script stopped early ("" if it did not).
  std::string error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }
  // Everything the client sent, byte for byte, over all connections.
  std::string received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Every complete JSON message the client sent, in order.
  std::vector<std::string> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  // The "method" of each request the client sent (requests without one: "").
  std::vector<std::string> methods() const {
    std::vector<std::string> out;
    for (const auto& m : messages())
      out.push_back(fake_peer_detail::unquote(fake_peer_detail::member(m, "method").value_or("")));
    return out;
  }
  int connections_accepted() const { return accepted_.load(); }
  // Times the client closed (or reset) a connection.
  int client_closes() const { return client_closes_.load(); }
  // Index of the step being played (script size once done).
  std::size_t current_step() const { return step_.load(); }

  // {"id":$ID,"result":RESULT,"error":null}
  static std::string reply_result(const std::string& result_json) {
    return "{\"id\":$ID,\"result\":" + result_json + ",\"error\":null}";
  }
  static std::string reply_error(const std::string& error_json) {
    return "{\"id\":$ID,\"result\":null,\"error\":" + error_json + "}";
  }
  // A well-formed notification of at least `bytes` bytes (for size limits).
  static std::string oversized_message(std::size_t bytes) {
    return "{\"id\":null,\"method\":\"update2\",\"params\":[null,{\"pad\":\"" + std::string(bytes, 'x') + "\"}]}";
  }
  // `depth` nested arrays inside a notification's params, closed properly.
  static std::string deeply_nested_message(std::size_t depth) {
    return "{\"id\":null,\"method\":\"update2\",\"params\":" + std::string(depth, '[') + std::string(depth, ']') +
           "}";
  }

 private:
  void listen() {
    if (options_.transport == FakePeerOptions::Transport::tcp) {
      listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        fail_setup("cannot bind a loopback port");
      socklen_t len = sizeof addr;
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
      port_ = ntohs(addr.sin_port);
    } else {
      char tmpl[] = "/tmp/fastovsdb-peer.XXXXXX";
      if (!::mkdtemp(tmpl)) fail_setup("mkdtemp failed");
      dir_ = tmpl;
      listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      socket_path().string().copy(addr.sun_path, sizeof addr.sun_path - 1);
      if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        fail_setup("cannot bind " + socket_path().string());
    }
    if (::listen(listener_, 8) != 0) fail_setup("listen failed");
  }

  [[noreturn]] void fail_setup(const std::string& what) {
    if (listener_ >= 0) ::close(listener_);
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
    throw std::runtime_error("fake peer: " + what);
  }

  using Clock = std::chrono::steady_clock;

  void fail(const std::string& why) {
    std::lock_guard lock(mutex_);
    if (error_.empty()) error_ = "step " + std::to_string(step_.load()) + ": " + why;
  }

  bool accept_connection() {
    if (conn_ >= 0) return true;
    auto deadline = Clock::now() + options_.accept_timeout;
    while (!stop_) {
      pollfd p{listener_, POLLIN, 0};
      ::poll(&p, 1, 20);
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd >= 0) {
        conn_ = fd;
        pending_.clear();
        ++accepted_;
        return true;
      }
      if (Clock::now() >= deadline) {
        fail("no client connected within " + std::to_string(options_.accept_timeout.count()) + " ms");
        return false;
      }
    }
    return false;
  }

  void drop_connection() {
    if (conn_ >= 0) ::close(conn_);
    conn_ = -1;
  }

  // Reads what is there (waiting up to `wait_ms`); false once the client closed.
  bool read_some(int wait_ms) {
    pollfd p{conn_, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) <= 0) return true;
    char buf[65536];
    ssize_t n = ::recv(conn_, buf, sizeof buf, 0);
    if (n > 0) {
      pending_.append(buf, static_cast<std::size_t>(n));
      std::lock_guard lock(mutex_);
      received_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
    ++client_closes_;
    drop_connection();
    return false;
  }

  // The next complete message the client sent, if one has arrived.
  std::optional<std::string> next_message() {
    std::size_t end = 0;
    auto start = fake_peer_detail::skip_ws(pending_, 0);
    auto scan = fake_peer_detail::scan_value(pending_, start, end);
    if (scan == fake_peer_detail::Scan::invalid) {
      fail("client sent invalid JSON: " + pending_.substr(start, 200));
      pending_.clear();
      return std::nullopt;
    }
    if (scan == fake_peer_detail::Scan::incomplete) return std::nullopt;
    std::string msg = pending_.substr(start, end - start);
    pending_.erase(0, end);
    std::lock_guard lock(mutex_);
    messages_.push_back(msg);
    return msg;
  }

  bool write_all(const std::string& bytes, Clock::time_point deadline = Clock::time_point::max()) {
    std::size_t off = 0;
    while (off < bytes.size() && !stop_ && conn_ >= 0) {
      ssize_t n = ::send(conn_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        ++client_closes_;
        drop_connection();
        return false;
      }
      if (Clock::now() >= deadline) return true;
      // The client is not reading: keep reading its side meanwhile.
      pollfd p{conn_, POLLOUT | POLLIN, 0};
      ::poll(&p, 1, 20);
      if ((p.revents & POLLIN) && !read_some(0)) return false;
    }
    return conn_ >= 0;
  }

  // Answers an "echo" request as a live server would (if auto_echo is on).
  bool answer_echo(const std::string& msg) {
    if (!options_.auto_echo) return false;
    if (fake_peer_detail::unquote(fake_peer_detail::member(msg, "method").value_or("")) != "echo") return false;
    auto id = fake_peer_detail::member(msg, "id").value_or("null");
    if (id == "null") return false;  // a notification, not a request
    auto params = fake_peer_detail::member(msg, "params").value_or("[]");
    write_all("{\"id\":" + id + ",\"result\":" + params + ",\"error\":null}");
    return true;
  }

  void play_expect(const FakeStep& step) {
    auto deadline = Clock::now() + step.duration;
    while (!stop_) {
      if (!accept_connection()) return;
      while (auto msg = next_message()) {
        auto method = fake_peer_detail::unquote(fake_peer_detail::member(*msg, "method").value_or(""));
        auto id = fake_peer_detail::member(*msg, "id").value_or("null");
        if (step.method != "echo" && answer_echo(*msg)) continue;
        if (!step.method.empty() && method != step.method) {
          fail("expected a \"" + step.method + "\" request, got: " + msg->substr(0, 200));
          return;
        }
        std::string reply = step.bytes;
        for (std::size_t at = reply.find("$ID"); at != std::string::npos; at = reply.find("$ID", at + id.size()))
          reply.replace(at, 3, id);
        if (!reply.empty()) write_all(reply);
        return;
      }
      if (!error().empty()) return;
      if (!read_some(20)) {
        fail("client closed while the peer waited for \"" + step.method + "\"");
        return;
      }
      if (Clock::now() >= deadline) {
        fail("no \"" + step.method + "\" request within " + std::to_string(step.duration.count()) + " ms");
        return;
      }
    }
  }

  void idle_until(Clock::time_point deadline) {
    while (!stop_ && Clock::now() < deadline) {
      if (conn_ < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(
            20, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count() + 1)));
        continue;
      }
      read_some(20);
    }
  }

  void play(const FakeStep& step) {
    switch (step.kind) {
      case FakeStep::Kind::expect:
        play_expect(step);
        break;
      case FakeStep::Kind::send:
        if (accept_connection()) write_all(step.bytes);
        break;
      case FakeStep::Kind::send_for: {
        if (!accept_connection()) break;
        auto deadline = Clock::now() + step.duration;
        while (!stop_ && conn_ >= 0 && Clock::now() < deadline) write_all(step.bytes, deadline);
        break;
      }
      case FakeStep::Kind::sleep:
        idle_until(Clock::now() + step.duration);
        break;
      case FakeStep::Kind::close:
        drop_connection();
        break;
      case FakeStep::Kind::expect_close: {
        if (!accept_connection()) break;
        auto deadline = Clock::now() + step.duration;
        while (!stop_ && conn_ >= 0) {
          if (!read_some(20)) return;
          if (Clock::now() >= deadline) {
            fail("client did not close within " + std::to_string(step.duration.count()) + " ms");
            return;
          }
        }
        break;
      }
    }
  }

  void run() {
    for (; step_ < script_.size() && !stop_; ++step_) {
      play(script_[step_]);
      if (!error().empty()) break;
    }
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    if (!options_.keep_open_after_script) drop_connection();
    while (!stop_) {
      if (conn_ >= 0) {
        read_some(20);
        while (conn_ >= 0) {
          auto msg = next_message();
          if (!msg) break;
          answer_echo(*msg);
        }
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }

  std::vector<FakeStep> script_;
  FakePeerOptions options_;
  std::filesystem::path dir_;
  int listener_ = -1;
  int port_ = 0;
  int conn_ = -1;             // owned by the peer thread once it runs
  std::string pending_;       // peer thread only: bytes not yet split into messages
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> step_{0};
  std::atomic<int> accepted_{0};
  std::atomic<int> client_closes_{0};
  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::string error_;
  std::string received_;
  std::vector<std::string> messages_;
  std::thread thread_;
};

}  // namespace fastovsdb::test
