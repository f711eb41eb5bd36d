#pragma once
// A RAFT cluster of real ovsdb-servers (OvsdbCluster) with K relay
// ovsdb-servers in front of it (`ovsdb-server relay:DB:<cluster remotes>`,
// OVS 2.16+), all in the cluster's temporary folder. Relay i keeps its TCP
// port and unix socket across kill_relay/restart_relay, so a remote list stays
// valid for the whole test. Everything listens on 127.0.0.1 only. The
// destructor stops the relays, then the cluster, with bounded waits, and
// removes the folder.
//
//   OvsdbRelayedCluster topo(ovn_sb_schema());   // 3 members + 2 relays
//   client.connect(topo.relay_remotes());        // "tcp:127.0.0.1:p0,tcp:..."
//   topo.cluster().tcp_remotes();                // the members themselves
//   topo.kill_relay(0);                          // SIGKILL relay 0
//   topo.restart_relay(0);                       // same ports, in sync again
//
// A relay has no files of its own: it keeps an in-memory copy of the database
// that it monitors on one member of the cluster (any member: it does not look
// for the leader), serves reads and monitors itself and forwards write
// transactions to that member. Its _Server.Database row says model "relay",
// leader false, no cid, sid or index, and connected while it is connected to
// its source (see server_database_row()).
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ovsdb_cluster.hpp"
#include "ovsdb_server.hpp"
#include "process.hpp"

namespace fastovsdb::test {

// The row of _Server.Database for one database, as `ovsdb-client dump` shows
// it. Optional columns that are empty are "" (cid, sid) and nullopt (index).
struct ServerDatabaseRow {
  std::string name;
  std::string model;  // "standalone", "clustered", "relay"
  bool connected = false;
  bool leader = false;
  std::string cid;
  std::string sid;
  std::optional<long long> index;
};

// Splits `ovsdb-client -f csv --data=bare` output ("Database table", the
// headings, then one line per row) into rows of heading -> value. The values
// read here (names, booleans, integers, uuids) hold no commas or quotes.
inline std::vector<std::map<std::string, std::string>> parse_bare_csv_table(const std::string& text) {
  auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream in(line);
    while (std::getline(in, cell, ',')) cells.push_back(cell);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    return cells;
  };
  std::vector<std::map<std::string, std::string>> rows;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // the caption
  if (!std::getline(in, line)) return rows;
  auto headings = split(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto cells = split(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < headings.size(); ++i) row[headings[i]] = i < cells.size() ? cells[i] : "";
    rows.push_back(std::move(row));
  }
  return rows;
}

// The _Server.Database row of `db` on the server at `remote` (nullopt if the
// server does not answer or does not have `db`).
inline std::optional<ServerDatabaseRow> server_database_row(const std::string& remote, const std::string& db) {
  auto r = run_capture({ovsdb_client_binary, "--timeout=5", "-f", "csv", "--data=bare", "dump", remote, "_Server",
                        "Database", "name", "model", "connected", "leader", "cid", "sid", "index"},
                       std::chrono::milliseconds(7000));
  if (!r.ok()) return std::nullopt;
  for (auto& cells : parse_bare_csv_table(r.out)) {
    if (cells["name"] != db) continue;
    ServerDatabaseRow row;
    row.name = cells["name"];
    row.model = cells["model"];
    row.connected = cells["connected"] == "true";
    row.leader = cells["leader"] == "true";
    row.cid = cells["cid"];
    row.sid = cells["sid"];
    if (!cells["index"].empty()) row.index = std::atoll(cells["index"].c_str());
    return row;
  }
  return std::nullopt;
}

class OvsdbRelayedCluster {
 public:
  explicit OvsdbRelayedCluster(std::filesystem::path schema, int relays = 2, int members = 3,
                               std::chrono::milliseconds start_timeout = std::chrono::milliseconds(30000))
      : cluster_(std::move(schema), members) {
    if (relays < 1) throw std::invalid_argument("a relay topology needs at least one relay");
    try {
      auto ports = pick_free_tcp_ports(static_cast<std::size_t>(relays));
      for (int i = 0; i < relays; ++i) {
        Relay r;
        r.tcp_port = ports[static_cast<std::size_t>(i)];
        relays_.push_back(std::move(r));
      }
      for (int i = 0; i < relays; ++i) start_relay(i, start_timeout);
    } catch (...) {
      stop_all();
      throw;  // the cluster's destructor stops the members and removes the folder
    }
  }

  OvsdbRelayedCluster(const OvsdbRelayedCluster&) = delete;
  OvsdbRelayedCluster& operator=(const OvsdbRelayedCluster&) = delete;

  // The relays first: a relay outliving its source would only log reconnects,
  // but stopping them first keeps the members' shutdown quiet.
  ~OvsdbRelayedCluster() { stop_all(); }

  OvsdbCluster& cluster() { return cluster_; }
  const std::string& db_name() const { return cluster_.db_name(); }
  const std::filesystem::path& dir() const { return cluster_.dir(); }
  int relay_count() const { return static_cast<int>(relays_.size()); }

  std::filesystem::path relay_unix_socket(int i) const { return dir() / ("r" + std::to_string(i) + ".sock"); }
  std::filesystem::path relay_unixctl_socket(int i) const { return dir() / ("r" + std::to_string(i) + ".ctl"); }
  std::filesystem::path relay_log_file(int i) const { return dir() / ("r" + std::to_string(i) + ".log"); }
  int relay_tcp_port(int i) const { return at(i).tcp_port; }
  std::string relay_tcp_remote(int i) const { return "tcp:127.0.0.1:" + std::to_string(relay_tcp_port(i)); }
  std::string relay_unix_remote(int i) const { return "unix:" + relay_unix_socket(i).string(); }

  // Comma-separated remote lists of every relay, in relay order.
  std::string relay_remotes() const { return joined([this](int i) { return relay_tcp_remote(i); }); }
  std::string relay_unix_remotes() const { return joined([this](int i) { return relay_unix_remote(i); }); }

  // What each relay is started with: "relay:<db>:<every member's TCP remote>".
  std::string relay_database_argument() const { return "relay:" + db_name() + ":" + cluster_.tcp_remotes(); }

  pid_t relay_pid(int i) const { return at(i).process.pid(); }
  bool relay_running(int i) { return at(i).process.running(); }

  // True once relay i says in _Server.Database that it is connected to its
  // source (and so has the data), within `timeout`.
  bool wait_relay_connected(int i, std::chrono::milliseconds timeout = std::chrono::milliseconds(15000)) {
    auto seconds = std::max<long long>(1, std::chrono::duration_cast<std::chrono::seconds>(timeout).count());
    auto r = run_capture({ovsdb_client_binary, "--timeout=" + std::to_string(seconds), "wait",
                          relay_unix_remote(i), db_name(), "connected"},
                         timeout + std::chrono::milliseconds(2000));
    return r.ok();
  }

  // Sends `sig` to relay i and waits (bounded) for it to exit.
  void kill_relay(int i, int sig = SIGKILL) { at(i).process.stop(sig, std::chrono::milliseconds(5000)); }

  // Stops relay i if it runs and starts it again on the same ports; returns
  // once it is connected to the cluster again.
  void restart_relay(int i, std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
    kill_relay(i, SIGTERM);
    start_relay(i, timeout);
  }

  // `ovsdb-client dump --format=json` of the database through relay i.
  std::string relay_dump(int i) {
    auto r = run_capture(
        {ovsdb_client_binary, "--timeout=10", "dump", "--format=json", relay_unix_remote(i), db_name()},
        std::chrono::milliseconds(15000));
    if (!r.ok()) throw std::runtime_error("ovsdb-client dump via relay " + std::to_string(i) + " failed: " + r.err);
    return r.out;
  }

 private:
  struct Relay {
    int tcp_port = 0;
    ChildProcess process;
  };

  Relay& at(int i) {
    if (i < 0 || i >= relay_count()) throw std::out_of_range("no relay " + std::to_string(i));
    return relays_[static_cast<std::size_t>(i)];
  }
  const Relay& at(int i) const {
    if (i < 0 || i >= relay_count()) throw std::out_of_range("no relay " + std::to_string(i));
    return relays_[static_cast<std::size_t>(i)];
  }

  template <class F>
  std::string joined(F f) const {
    std::string out;
    for (int i = 0; i < relay_count(); ++i) out += (i ? "," : "") + f(i);
    return out;
  }

  void start_relay(int i, std::chrono::milliseconds timeout) {
    auto& r = at(i);
    std::vector<std::string> argv = {ovsdb_server_binary,
                                     relay_database_argument(),
                                     "--remote=punix:" + relay_unix_socket(i).string(),
                                     "--remote=ptcp:" + std::to_string(r.tcp_port) + ":127.0.0.1",
                                     "--unixctl=" + relay_unixctl_socket(i).string(),
                                     "--log-file=" + relay_log_file(i).string(),
                                     "--no-chdir"};
    r.process = ChildProcess::spawn(argv, dir() / ("r" + std::to_string(i) + ".stderr"));
    const std::string what = "ovsdb-server relay " + std::to_string(i);
    wait_until_ready(
        r.process, [&] { return can_connect_unix(relay_unix_socket(i)) && can_connect_tcp(r.tcp_port); },
        std::chrono::milliseconds(10000), what, relay_log_file(i));
    // Listening is not enough: until it has the data from its source, a relay
    // answers "database not available" and says connected=false.
    if (!wait_relay_connected(i, timeout))
      throw std::runtime_error(what + " not connected to the cluster within " + std::to_string(timeout.count()) +
                               " ms\n" + tail_of_file(relay_log_file(i)));
  }

  void stop_all() {
    // Signal every relay first so that the waits overlap.
    for (auto& r : relays_) r.process.signal(SIGTERM);
    for (auto& r : relays_) r.process.stop(SIGTERM, std::chrono::milliseconds(5000));
  }

  OvsdbCluster cluster_;  // declared first: destroyed after the relays
  std::vector<Relay> relays_;
};

}  // namespace fastovsdb::test
