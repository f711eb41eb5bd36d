#pragma once
// The monitor conditions of one session, per table, in the three states that
// Open vSwitch lib/ovsdb-cs.c keeps: *new* (set by the user, not yet sent),
// *requested* (a monitor_cond_change is on the wire) and *acknowledged* (in
// force on the server, and what the replica reflects). A pure state machine:
// it says what to send and which user requests complete; the session sends.
//
// The rules that keep the replica equal to the server's matching rows:
//   - A monitor request (on every connection) carries only acknowledged
//     conditions: a condition the server might still reject never decides what
//     a snapshot holds.
//   - At most one monitor_cond_change per table is on the wire; a newer
//     condition waits as *new* and replaces (supersedes) an older *new* one.
//   - A connection that drops while a change was requested leaves it unknown
//     whether the server applied it (and sent its rows): the replica's last
//     transaction id may then no longer describe it, so the next monitor must
//     fetch a full snapshot (reset() says so), as ovsdb-cs does.
//   - A rejected change completes its request with the server's error and
//     leaves the acknowledged condition in force.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fastovsdb/core/error.hpp"

namespace fastovsdb {

class ConditionTracker {
 public:
  using Handle = uint64_t;  // a user request handle; 0 = none

  // One per monitored table, with the condition configured at the start ("" =
  // every row), taken as acknowledged: the first monitor request carries it.
  void add_table(std::string table, std::string where_json);
  bool has_table(std::string_view table) const noexcept;

  // The user's new condition. Returns the handle of an older *new* condition
  // of the same table that this one supersedes (0 if none).
  Handle set(std::string_view table, std::string where_json, Handle handle);

  // The condition a monitor request carries for `table` ("" = every row).
  const std::string& acknowledged(std::string_view table) const;

  // A change to send: the table, its condition (already "[true]" for every
  // row) and the user's handle. The table moves to *requested*.
  struct Change {
    std::string table;
    std::string where_json;
    Handle handle = 0;
  };
  // Every table whose new condition can go out now (none requested).
  std::vector<Change> take_sendable();

  // The server answered the change for `table`. Returns the user's handle
  // (0 if it was the session's own).
  Handle acknowledge(std::string_view table);
  Handle reject(std::string_view table);

  // The connection is gone. Requested changes go back to *new* (unless a newer
  // one supersedes them: the superseded handles are returned in `superseded`).
  // Returns true when a change was on the wire: the replica must then be
  // fetched whole.
  bool reset(std::vector<Handle>& superseded);

  // The handles of changes not yet settled (new or requested), e.g. to fail
  // them when the session stops or the monitor is canceled.
  std::vector<Handle> take_all_handles();

  // Settled condition changes (acknowledged or rejected) since the start.
  uint64_t seqno() const noexcept { return seqno_; }
  // Whether any change is new or requested.
  bool pending() const noexcept;

 private:
  struct Table {
    std::string name;
    std::string acknowledged;
    std::optional<std::string> requested;
    Handle requested_handle = 0;
    std::optional<std::string> wanted;  // *new*
    Handle wanted_handle = 0;
  };
  Table* find(std::string_view table) noexcept;
  const Table* find(std::string_view table) const noexcept;

  std::vector<Table> tables_;
  uint64_t seqno_ = 0;
};

}  // namespace fastovsdb
