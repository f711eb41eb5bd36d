#pragma once
// A RAFT cluster of real ovsdb-servers for tests, in one temporary folder.
// Member i keeps its database file, raft port, client TCP port and unix socket
// across kill_member/restart_member, so a remote list stays valid for the whole
// test. Everything listens on 127.0.0.1 only. The destructor stops every member
// with bounded waits and removes the folder.
//
//   OvsdbCluster cluster(ovn_nb_schema());          // 3 members, leader elected
//   client.connect(cluster.tcp_remotes());          // "tcp:127.0.0.1:p0,tcp:..."
//   cluster.kill_member(*cluster.leader_index());   // SIGKILL the leader
//   cluster.wait_for_leader(10s);                   // a new one is elected
//   cluster.restart_member(i);                      // same files and ports
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ovsdb_server.hpp"
#include "process.hpp"

namespace fastovsdb::test {

// What one member says in `cluster/status`.
struct RaftStatus {
  std::string server_id;  // short id, e.g. "4909"
  std::string status;     // "cluster member", "joining cluster", ...
  std::string role;       // "leader", "follower", "candidate"
  std::string leader;     // short id of the leader, "self" or "unknown"
  long long term = -1;
};

inline RaftStatus parse_raft_status(const std::string& text) {
  RaftStatus s;
  std::istringstream in(text);
  std::string line;
  auto value_of = [&](const std::string& key) -> std::optional<std::string> {
    if (line.rfind(key, 0) != 0) return std::nullopt;
    return line.substr(key.size());
  };
  while (std::getline(in, line)) {
    if (auto v = value_of("Server ID: ")) s.server_id = v->substr(0, v->find(' '));
    else if (auto v2 = value_of("Status: ")) s.status = *v2;
    else if (auto v3 = value_of("Role: ")) s.role = *v3;
    else if (auto v4 = value_of("Leader: ")) s.leader = *v4;
    else if (auto v5 = value_of("Term: ")) s.term = std::atoll(v5->c_str());
  }
  return s;
}

class OvsdbCluster {
 public:
  explicit OvsdbCluster(std::filesystem::path schema, int members = 3,
                        std::chrono::milliseconds election_timer = std::chrono::milliseconds(1000),
                        std::chrono::milliseconds start_timeout = std::chrono::milliseconds(30000))
      : schema_(std::move(schema)) {
    if (members < 1) throw std::invalid_argument("a cluster needs at least one member");
    char tmpl[] = "/tmp/fastovsdb-cluster.XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    try {
      auto name = run_capture({ovsdb_tool_binary, "schema-name", schema_.string()});
      if (!name.ok()) throw std::runtime_error("ovsdb-tool schema-name failed: " + name.err);
      db_name_ = name.out.substr(0, name.out.find('\n'));
      auto ports = pick_free_tcp_ports(static_cast<std::size_t>(members) * 2);
      for (int i = 0; i < members; ++i) {
        Member m;
        m.raft_port = ports[static_cast<std::size_t>(2 * i)];
        m.tcp_port = ports[static_cast<std::size_t>(2 * i + 1)];
        members_.push_back(std::move(m));
      }
      create_files(election_timer);
      // The first member starts alone and elects itself; the others join it.
      for (int i = 0; i < members; ++i) start_member(i);
      if (!wait_for_leader(start_timeout))
        throw std::runtime_error("cluster has no agreed leader after " + std::to_string(start_timeout.count()) +
                                 " ms\n" + tail_of_file(log_file(0)));
    } catch (...) {
      stop_all();
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      throw;
    }
  }

  OvsdbCluster(const OvsdbCluster&) = delete;
  OvsdbCluster& operator=(const OvsdbCluster&) = delete;

  ~OvsdbCluster() {
    stop_all();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  int size() const { return static_cast<int>(members_.size()); }
  const std::string& db_name() const { return db_name_; }
  const std::filesystem::path& dir() const { return dir_; }

  std::filesystem::path unix_socket(int i) const { return dir_ / ("s" + std::to_string(i) + ".sock"); }
  std::filesystem::path unixctl_socket(int i) const { return dir_ / ("s" + std::to_string(i) + ".ctl"); }
  std::filesystem::path db_file(int i) const { return dir_ / ("s" + std::to_string(i) + ".db"); }
  std::filesystem::path log_file(int i) const { return dir_ / ("s" + std::to_string(i) + ".log"); }
  int tcp_port(int i) const { return at(i).tcp_port; }
  int raft_port(int i) const { return at(i).raft_port; }
  std::string tcp_remote(int i) const { return "tcp:127.0.0.1:" + std::to_string(tcp_port(i)); }
  std::string unix_remote(int i) const { return "unix:" + unix_socket(i).string(); }
  std::string raft_address(int i) const { return "tcp:127.0.0.1:" + std::to_string(raft_port(i)); }

  // Comma-separated remote lists of every member, in member order.
  std::string tcp_remotes() const { return joined([this](int i) { return tcp_remote(i); }); }
  std::string unix_remotes() const { return joined([this](int i) { return unix_remote(i); }); }

  pid_t pid(int i) const { return at(i).process.pid(); }
  bool is_running(int i) { return at(i).process.running(); }

  // `ovs-appctl cluster/status` of member i (nullopt if it does not answer).
  std::optional<RaftStatus> status(int i) {
    if (!is_running(i) || at(i).frozen) return std::nullopt;
    auto r = run_capture({ovs_appctl_binary, "--timeout=5", "-t", unixctl_socket(i).string(), "cluster/status",
                          db_name_},
                         std::chrono::milliseconds(7000));
    if (!r.ok()) return std::nullopt;
    return parse_raft_status(r.out);
  }

  // The member that every answering member agrees is the leader, if any: it
  // says "Role: leader" and every other live member names it as leader.
  std::optional<int> leader_index() {
    std::vector<std::optional<RaftStatus>> statuses;
    for (int i = 0; i < size(); ++i) statuses.push_back(status(i));
    std::optional<int> leader;
    for (int i = 0; i < size(); ++i) {
      if (statuses[static_cast<std::size_t>(i)] && statuses[static_cast<std::size_t>(i)]->role == "leader") {
        if (leader) return std::nullopt;  // two claimants: an election is under way
        leader = i;
      }
    }
    if (!leader) return std::nullopt;
    const auto& id = statuses[static_cast<std::size_t>(*leader)]->server_id;
    for (int i = 0; i < size(); ++i) {
      const auto& s = statuses[static_cast<std::size_t>(i)];
      if (i == *leader || !s) continue;
      if (s->status != "cluster member" || s->leader != id) return std::nullopt;
    }
    return leader;
  }

  // Polls leader_index() until there is one or `timeout` passes.
  std::optional<int> wait_for_leader(std::chrono::milliseconds timeout = std::chrono::milliseconds(15000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto l = leader_index()) return l;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // Like wait_for_leader, but the leader must be a member other than `old`.
  std::optional<int> wait_for_new_leader(int old, std::chrono::milliseconds timeout = std::chrono::milliseconds(15000)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto l = leader_index();
      if (l && *l != old) return l;
      if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // Sends `sig` to member i. SIGSTOP freezes it (sockets stay open, nothing
  // answers) until resume_member; any other signal waits (bounded) for exit.
  void kill_member(int i, int sig = SIGKILL) {
    auto& m = at(i);
    if (sig == SIGSTOP) {
      m.process.signal(SIGSTOP);
      m.frozen = true;
      return;
    }
    m.frozen = false;
    m.process.stop(sig, std::chrono::milliseconds(5000));
  }

  void resume_member(int i) {
    at(i).process.signal(SIGCONT);
    at(i).frozen = false;
  }

  // Stops member i if it runs and starts it again on the same files and ports.
  void restart_member(int i) {
    kill_member(i, SIGTERM);
    start_member(i);
  }

  // `ovsdb-client dump --format=json` of the database through member i.
  std::string dump(int i) {
    auto r = run_capture({ovsdb_client_binary, "--timeout=10", "dump", "--format=json", unix_remote(i), db_name_},
                         std::chrono::milliseconds(15000));
    if (!r.ok()) throw std::runtime_error("ovsdb-client dump via member " + std::to_string(i) + " failed: " + r.err);
    return r.out;
  }

 private:
  struct Member {
    int raft_port = 0;
    int tcp_port = 0;
    ChildProcess process;
    bool frozen = false;
  };

  Member& at(int i) {
    if (i < 0 || i >= size()) throw std::out_of_range("no cluster member " + std::to_string(i));
    return members_[static_cast<std::size_t>(i)];
  }
  const Member& at(int i) const {
    if (i < 0 || i >= size()) throw std::out_of_range("no cluster member " + std::to_string(i));
    return members_[static_cast<std::size_t>(i)];
  }

  template <class F>
  std::string joined(F f) const {
    std::string out;
    for (int i = 0; i < size(); ++i) out += (i ? "," : "") + f(i);
    return out;
  }

  void create_files(std::chrono::milliseconds election_timer) {
    run_command({ovsdb_tool_binary, "--election-timer=" + std::to_string(election_timer.count()), "create-cluster",
                 db_file(0).string(), schema_.string(), raft_address(0)});
    for (int i = 1; i < size(); ++i)
      run_command({ovsdb_tool_binary, "join-cluster", db_file(i).string(), db_name_, raft_address(i),
                   raft_address(0)});
  }

  void start_member(int i) {
    auto& m = at(i);
    std::vector<std::string> argv = {ovsdb_server_binary,
                                     db_file(i).string(),
                                     "--remote=punix:" + unix_socket(i).string(),
                                     "--remote=ptcp:" + std::to_string(m.tcp_port) + ":127.0.0.1",
                                     "--unixctl=" + unixctl_socket(i).string(),
                                     "--log-file=" + log_file(i).string(),
                                     "--no-chdir"};
    m.process = ChildProcess::spawn(argv, dir_ / ("s" + std::to_string(i) + ".stderr"));
    m.frozen = false;
    wait_until_ready(
        m.process, [&] { return can_connect_unix(unix_socket(i)) && can_connect_tcp(m.tcp_port); },
        std::chrono::milliseconds(10000), "ovsdb-server member " + std::to_string(i), log_file(i));
  }

  void stop_all() {
    // Signal everyone first so the members do not wait on each other in turn.
    for (auto& m : members_) {
      if (m.frozen) m.process.signal(SIGCONT);
      m.frozen = false;
      m.process.signal(SIGTERM);
    }
    for (auto& m : members_) m.process.stop(SIGTERM, std::chrono::milliseconds(5000));
  }

  std::filesystem::path schema_;
  std::filesystem::path dir_;
  std::string db_name_;
  std::vector<Member> members_;
};

}  // namespace fastovsdb::test
