#pragma once
// The _Server watch (after ovsdb-cs.c ovsdb_cs_check_server_db): the row of
// _Server.Database for our database decides whether this server may serve
// us. It must have the database; a clustered server must be connected to its
// cluster, the leader when leader_only, not staler than a member seen before,
// and of the same cluster (cid) as every server seen before; a relay must be
// connected to its source. A relay is never the leader, but it forwards
// transactions to the leader, so a writer (leader_only) accepts it; ovsdb-cs
// refuses it there, which would make relays useless to writers.
//
// A pure state machine over the monitor's reply and updates: the session
// sends the request (request_params()) and hands every reply and update in.
#include <simdjson.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "fastovsdb/core/error.hpp"

namespace fastovsdb {

struct ServerDbRow {
  std::string name;
  std::string model;
  bool connected = false;
  bool leader = false;
  std::optional<int64_t> index;
  std::string cid;
};

class ServerWatch {
 public:
  enum class State : uint8_t {
    idle,       // not asked on this connection
    requested,  // the monitor request is on the wire
    accepted,   // the server may serve us; updates keep being checked
    rejected,   // refused: the session leaves this server
  };

  struct Verdict {
    // Set when the server is refused: Errc::server_rejected with why.
    std::optional<Error> rejection;
    // A malformed row or update (Errc::protocol_violation).
    std::optional<Error> violation;
    // The rejection is for a cluster state that an election ends (not the
    // leader, not connected to the cluster): worth trying again soon.
    bool passing = false;
    // The server does not have the database at all: no retry of this server
    // can help.
    bool permanent = false;
    bool newly_accepted = false;
    // The leadership of this server as seen through _Server moved.
    std::optional<bool> leader_changed;
  };

  // `cluster_id`: the cid a clustered server must have (empty: pinned by the
  // first clustered server seen).
  ServerWatch(std::string database, bool leader_only, std::string cluster_id = {});

  // The params of the _Server monitor request; moves to `requested`.
  static std::string_view monitor_id_json() noexcept { return "[\"monid\",\"_Server\"]"; }
  std::string request_params();
  // A new connection to the remote at `remote_index`.
  void start(size_t remote_index);
  // No watch on this session: the server is taken as it is.
  void accept_unwatched() noexcept {
    state_ = State::accepted;
    served_ = true;
  }

  // The monitor reply. `error_text` is set for a JSON-RPC error reply (then
  // `result` is ignored). A server without _Server (OVS < 2.9) is accepted.
  Verdict on_reply(simdjson::dom::element result, const std::optional<std::string>& error_text,
                   std::string_view remote_name);
  Verdict on_update(simdjson::dom::element table_updates, std::string_view remote_name);

  State state() const noexcept { return state_; }
  // Whether the server was accepted at some point on this connection.
  bool served() const noexcept { return served_; }
  // The model of our database on this server ("clustered", "relay",
  // "standalone"), once seen.
  std::string_view model() const noexcept;
  // The cluster id pinned by the first clustered server seen (empty before).
  const std::string& pinned_cid() const noexcept { return pinned_cid_; }
  uint64_t leader_changes() const noexcept { return leader_changes_; }

 private:
  Result<void> apply(simdjson::dom::element table_updates);
  Verdict check(std::string_view remote_name);
  const ServerDbRow* our_row() const noexcept;

  std::string database_;
  bool leader_only_;
  State state_ = State::idle;
  bool served_ = false;
  size_t remote_index_ = 0;
  // _Server.Database rows of this connection, by row uuid.
  std::map<std::string, ServerDbRow, std::less<>> rows_;
  std::optional<bool> current_is_leader_;
  std::optional<size_t> last_leader_remote_;
  std::string pinned_cid_;
  int64_t max_index_ = -1;
  uint64_t leader_changes_ = 0;
};

}  // namespace fastovsdb
