#pragma once
// The pure planner: from a Northbound replica (and optionally a Southbound
// one) to a Plan — what would change, said per group, and the ONE transaction
// that makes exactly that change. No I/O: the executor (ha_manager.hpp)
// commits plans; a dry run prints them.
//
// Every transaction is guarded by "wait" operations (timeout 0) on what the
// plan depends on. An evacuation: every HA_Chassis row named after the
// chassis, with its priority (MemberSetGuard), and, after the changes, the
// set of groups left with no member (EmptyGroupsGuard). A restore: each
// group's membership and the one record it reads. Group commands: the
// group's row and the members they touch. If any of it changed between
// reading and committing, the server fails the transaction with "timed out"
// and nothing is written; the executor then re-plans.
//
// Evacuation records, per group, the priority the chassis had, in the
// group's external_ids under evacuation_record_key(chassis)
// ("fastovsdb:evacuated:<chassis-name>" = "<priority>"), in the same
// transaction that removes it. So the database itself says what to restore:
// a restore from any process, even after the evacuating one crashed, puts
// back exactly what was there. Evacuate and restore are idempotent: a second
// run finds nothing to do and its plan has no transaction.
//
// Against an older server's schema (see views.hpp) the planners use only the
// columns it has: they neither write nor guard a column it lacks. What a plan
// cannot do without fails it at once with Errc::missing_column / missing_table
// naming the table, the column and the server's schema version: every plan
// needs HA_Chassis.chassis_name and priority, HA_Chassis_Group.name and
// ha_chassis; evacuate and restore also HA_Chassis_Group.external_ids (their
// records); bump_nb_cfg NB_Global.nb_cfg and sb_cfg.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fastovsdb/core/datum.hpp"
#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/core/transaction.hpp"
#include "fastovsdb/core/uuid.hpp"
#include "fastovsdb/ovn/names.hpp"

namespace fastovsdb::ovn {

inline constexpr std::string_view evacuation_record_prefix = "fastovsdb:evacuated:";
// "fastovsdb:evacuated:<chassis-name>": the group external_ids key that holds
// the priority the chassis had before it was evacuated from that group.
std::string evacuation_record_key(const ChassisName& chassis);

inline constexpr int64_t min_priority = 0;
inline constexpr int64_t max_priority = 32767;

// One change to one group.
struct GroupChange {
  enum class Action : uint8_t {
    create_group,
    delete_group,
    add_member,     // a new HA_Chassis row (restore, add-chassis)
    remove_member,  // an HA_Chassis row leaves the group (evacuate, remove-chassis)
    set_priority,   // an existing member's priority changes
    drop_record,    // restore of a chassis that is already back: only the record goes
  };
  Action action;
  HaChassisGroupName group;
  std::optional<Uuid> group_uuid;  // nullopt for a group this plan creates
  std::optional<ChassisName> chassis;
  std::optional<Uuid> member;      // the HA_Chassis row, when it exists
  int64_t priority = 0;            // new (add, set) or recorded (remove) priority
  std::optional<int64_t> old_priority;  // set_priority: before

  std::string describe() const;
};

// One entry of a map column: a restore depends on its one evacuation
// record, not on everything else other tools keep in external_ids.
struct MapEntry {
  ColumnName column;
  std::string key;
  std::string value;
};

// What the plan read of one row and depends on: these column values, and
// optionally one map entry. Only what the plan's correctness needs is
// guarded, so unrelated writers (say, a CMS stamping external_ids) do not
// force a retry, and the request stays small.
struct Guard {
  TableName table;
  Uuid row;
  std::vector<std::pair<ColumnName, Datum>> columns;
  std::optional<MapEntry> entry;
};

// The HA_Chassis rows whose chassis_name is `chassis` are exactly `rows`,
// with these priorities: ONE wait for every member an evacuation removes
// (instead of one per member), which also fails if the chassis joined
// another group meanwhile, a change the plan would otherwise miss.
struct MemberSetGuard {
  ChassisName chassis;
  std::vector<std::pair<Uuid, int64_t>> rows;  // (HA_Chassis row, priority), distinct rows
};

// After the changes, the groups with no member are exactly `groups`: those
// that had none before, plus any a forced evacuation empties. ONE wait,
// placed after the mutations so the server checks the outcome: that is the
// refusal rule itself, so a concurrent removal that would leave a group with
// no gateway fails the transaction, while harmless concurrent changes (a
// member added, another one's priority set) do not force a retry.
struct EmptyGroupsGuard {
  std::vector<Uuid> groups;
};

struct Plan {
  enum class Kind : uint8_t {
    evacuate,
    restore,
    create_group,
    delete_group,
    add_chassis,
    remove_chassis,
    set_priority
  };
  Kind kind;
  // The chassis or group the plan is about, for messages.
  std::string subject;
  std::vector<GroupChange> changes;
  std::vector<Guard> guards;
  std::optional<MemberSetGuard> member_set;
  std::optional<EmptyGroupsGuard> empty_after;
  // Things worth knowing that do not stop the plan (forced empty groups, a
  // chassis unknown to the Southbound database, ...).
  std::vector<std::string> warnings;
  // nullopt when there is nothing to do.
  std::optional<Transaction> transaction;
  // With bump_nb_cfg: the value NB_Global.nb_cfg has after the commit.
  std::optional<int64_t> next_nb_cfg;
  // A group expected to appear (create) or to disappear (delete): used to
  // tell when the replica shows the commit.
  std::optional<HaChassisGroupName> expect_present;
  std::optional<HaChassisGroupName> expect_absent;

  bool empty() const noexcept { return !transaction.has_value(); }
  // Human-readable, one line per group change ("nothing to do" when empty).
  std::string description() const;
};

std::string_view to_string(Plan::Kind k) noexcept;

struct PlanOptions {
  // Evacuate even when a group would be left with no member.
  bool force = false;
  // Like ovn-nbctl --wait: wait on NB_Global.nb_cfg == current and
  // increment it in the same transaction (needs NB_Global replicated).
  bool bump_nb_cfg = false;
};

// Removes `chassis` from every group it is a member of (matched by its
// chassis_name among each group's own members) and records its priority.
// Errc::would_empty_group naming the groups when it is the only member of
// any group, unless options.force.
Result<Plan> plan_evacuation(const Replica& nb, const ChassisName& chassis, const PlanOptions& options = {},
                             const Replica* sb = nullptr);
// Puts `chassis` back in exactly the groups whose external_ids record its
// evacuation, with the recorded priority, and drops the records.
Result<Plan> plan_restore(const Replica& nb, const ChassisName& chassis, const PlanOptions& options = {});

// ovn-nbctl ha-chassis-group-add; a group of that name already there is
// nothing to do (ovn-nbctl would fail on the unique index instead).
Result<Plan> plan_create_group(const Replica& nb, const HaChassisGroupName& group,
                               const PlanOptions& options = {});
// ovn-nbctl ha-chassis-group-del; a missing group is nothing to do.
Result<Plan> plan_delete_group(const Replica& nb, const HaChassisGroupName& group,
                               const PlanOptions& options = {});
// ovn-nbctl ha-chassis-group-add-chassis: adds the chassis, or sets its
// priority when it is already a member. Errc::group_not_found.
Result<Plan> plan_add_chassis(const Replica& nb, const HaChassisGroupName& group, const ChassisName& chassis,
                              int64_t priority, const PlanOptions& options = {});
// ovn-nbctl ha-chassis-group-remove-chassis; a chassis that is not a member
// is nothing to do. Errc::group_not_found.
Result<Plan> plan_remove_chassis(const Replica& nb, const HaChassisGroupName& group,
                                 const ChassisName& chassis, const PlanOptions& options = {});
// ovn-nbctl ha-chassis-group-set-chassis-prio. Errc::group_not_found,
// Errc::chassis_not_in_group.
Result<Plan> plan_set_priority(const Replica& nb, const HaChassisGroupName& group, const ChassisName& chassis,
                               int64_t priority, const PlanOptions& options = {});

// Whether the replica has moved on from what the plan read: some guarded
// column differs (or its row is gone), the expected group appeared or
// disappeared. After a commit, true once the replica shows it; after a
// conflict, true once it shows the concurrent change.
bool replica_moved_past(const Plan& plan, const Replica& nb);

}  // namespace fastovsdb::ovn
