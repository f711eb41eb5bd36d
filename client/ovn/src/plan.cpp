#include "fastovsdb/ovn/plan.hpp"

#include <algorithm>
#include <charconv>
#include <type_traits>
#include <unordered_set>
#include <variant>

#include "fastovsdb/ovn/error.hpp"
#include "fastovsdb/ovn/views.hpp"

namespace fastovsdb::ovn {

std::string evacuation_record_key(const ChassisName& chassis) {
  return std::string(evacuation_record_prefix) + chassis.value();
}

std::string_view to_string(Plan::Kind k) noexcept {
  switch (k) {
    case Plan::Kind::evacuate: return "evacuate";
    case Plan::Kind::restore: return "restore";
    case Plan::Kind::create_group: return "create group";
    case Plan::Kind::delete_group: return "delete group";
    case Plan::Kind::add_chassis: return "add chassis";
    case Plan::Kind::remove_chassis: return "remove chassis";
    case Plan::Kind::set_priority: return "set priority";
  }
  return "?";
}

std::string GroupChange::describe() const {
  std::string s = "group " + group.value();
  if (group_uuid) s += " (" + group_uuid->to_string() + ")";
  s += ": ";
  const std::string name = chassis ? chassis->value() : std::string();
  const std::string row = member ? " (HA_Chassis " + member->to_string() + ")" : std::string();
  switch (action) {
    case Action::create_group: s += "create"; break;
    case Action::delete_group: s += "delete (its HA_Chassis members go with it)"; break;
    case Action::add_member:
      s += "add chassis " + name + " with priority " + std::to_string(priority);
      break;
    case Action::remove_member:
      s += "remove chassis " + name + row + ", priority " + std::to_string(priority);
      break;
    case Action::set_priority:
      s += "set priority of chassis " + name + row + " from " +
           (old_priority ? std::to_string(*old_priority) : std::string("?")) + " to " + std::to_string(priority);
      break;
    case Action::drop_record:
      s += "chassis " + name + " is already a member; drop the evacuation record";
      break;
  }
  return s;
}

std::string Plan::description() const {
  std::string s = std::string(to_string(kind)) + " " + subject + ": ";
  if (empty()) {
    s += "nothing to do";
  } else {
    s += std::to_string(changes.size()) + " change(s)";
    if (next_nb_cfg) s += ", then wait for nb_cfg " + std::to_string(*next_nb_cfg);
  }
  for (const auto& c : changes) s += "\n  " + c.describe();
  for (const auto& w : warnings) s += "\n  warning: " + w;
  return s;
}

namespace {

const TableName group_table("HA_Chassis_Group");
const TableName member_table("HA_Chassis");
const TableName global_table("NB_Global");

Error group_not_found(const HaChassisGroupName& group) {
  return make_error(Errc::group_not_found, "HA_Chassis_Group " + group.value() + " not found");
}

Result<void> check_priority(int64_t priority) {
  if (priority < min_priority || priority > max_priority)
    return make_error(Errc::invalid_priority, "priority " + std::to_string(priority) + " is outside " +
                                                  std::to_string(min_priority) + ".." +
                                                  std::to_string(max_priority));
  return {};
}

Operand string_set(const std::string& s) { return Operand::set({Atom::string(s)}); }

// Builds one plan: guards first (as waits), then the changes.
class Builder {
 public:
  Builder(const Replica& nb, const NbView& view, Plan::Kind kind, std::string subject)
      : nb_(nb), view_(view), txn_(nb.schema().name) {
    plan_.kind = kind;
    plan_.subject = std::move(subject);
  }

  Result<void> bump_nb_cfg() {
    auto global = view_.nb_global();
    if (!global)
      return make_error(Errc::no_nb_global,
                        "waiting for ovn-northd needs the NB_Global row (is NB_Global replicated?)");
    // An older server without them cannot be waited on: say so now rather
    // than time out waiting for a column that never moves.
    for (auto [has, column] : {std::pair{global->has_nb_cfg(), "nb_cfg"}, std::pair{global->has_sb_cfg(), "sb_cfg"}})
      if (!has) return missing_column_error(view_.schema(), "NB_Global", column, "waiting for ovn-northd (wait_sb)");
    int64_t current = global->nb_cfg();
    // ovn-nbctl does the same: wait on the value read, then increment it.
    guard(global_table, global->uuid(), {{ColumnName("nb_cfg"), Datum::scalar(Atom::integer(current))}});
    txn_.mutate(global_table, {Condition::row_is(global->uuid())},
                {Mutation::make("nb_cfg", Mutator::add, Operand::integer(1))});
    plan_.next_nb_cfg = current + 1;
    return {};
  }

  void guard_group(const HaChassisGroupView& g) {
    std::vector<std::pair<ColumnName, Datum>> cols = {
        {ColumnName("name"), Datum::scalar(Atom::string(g.name().value()))},
        {ColumnName("ha_chassis"), g.ha_chassis_datum()}};
    // A server without external_ids cannot be asked to wait on it.
    if (present(g.columns().external_ids)) cols.emplace_back(ColumnName("external_ids"), g.external_ids_datum());
    guard(group_table, g.uuid(), std::move(cols));
  }

  // A restore depends on the membership and on its one record.
  void guard_record(const HaChassisGroupView& g, const std::string& key, std::string_view value) {
    guard(group_table, g.uuid(), {{ColumnName("ha_chassis"), g.ha_chassis_datum()}},
          MapEntry{ColumnName("external_ids"), key, std::string(value)});
  }

  void guard_member_set(MemberSetGuard members) { plan_.member_set = std::move(members); }
  void guard_empty_after(EmptyGroupsGuard empty) { plan_.empty_after = std::move(empty); }

  void guard_member(const HaChassisView& m) {
    const auto& c = m.columns();
    guard(member_table, m.uuid(),
          {{ColumnName("chassis_name"), m.column(c.chassis_name)}, {ColumnName("priority"), m.column(c.priority)}});
  }

  Transaction& txn() { return txn_; }
  Plan& plan() { return plan_; }

  void change(GroupChange c) { plan_.changes.push_back(std::move(c)); }

  Plan finish(bool has_changes) {
    if (has_changes) {
      // The guards go first so a conflict fails before anything is written.
      Transaction out(nb_.schema().name);
      out.comment("fastovsdb: " + std::string(to_string(plan_.kind)) + " " + plan_.subject);
      for (const Guard& g : plan_.guards) {
        std::vector<ColumnName> cols;
        TxnRow row;
        for (const auto& [name, value] : g.columns) {
          cols.push_back(name);
          row.emplace_back(name, Operand(value));
        }
        std::vector<Condition> where{Condition::row_is(g.row)};
        if (g.entry)
          where.push_back(Condition::make(g.entry->column.value(), Function::includes,
                                          Operand::map({{Atom::string(g.entry->key), Atom::string(g.entry->value)}})));
        out.wait(g.table, std::move(where), std::move(cols), WaitUntil::equal, {std::move(row)}, 0);
      }
      if (const auto& ms = plan_.member_set) {
        std::vector<TxnRow> rows;
        rows.reserve(ms->rows.size());
        for (const auto& [uuid, priority] : ms->rows)
          rows.push_back({{ColumnName("_uuid"), Operand::uuid(uuid)}, {ColumnName("priority"), Operand::integer(priority)}});
        out.wait(member_table, {Condition::equals("chassis_name", Operand::string(ms->chassis.value()))},
                 {ColumnName("_uuid"), ColumnName("priority")}, WaitUntil::equal, std::move(rows), 0);
      }
      for (const Operation& op : txn_.operations()) append(out, op);
      if (const auto& empty = plan_.empty_after) {
        std::vector<TxnRow> rows;
        rows.reserve(empty->groups.size());
        for (const Uuid& g : empty->groups) rows.push_back({{ColumnName("_uuid"), Operand::uuid(g)}});
        out.wait(group_table, {Condition::equals("ha_chassis", Operand(Datum::empty_set(AtomicType::uuid)))},
                 {ColumnName("_uuid")}, WaitUntil::equal, std::move(rows), 0);
      }
      plan_.transaction = std::move(out);
    } else {
      plan_.next_nb_cfg.reset();
    }
    return std::move(plan_);
  }

 private:
  // One guard per row: the first one asked for wins, and the list keeps the
  // order they were asked for in. The set makes the duplicate check O(1): a
  // scan of the list made planning quadratic in the number of groups.
  void guard(const TableName& table, const Uuid& row, std::vector<std::pair<ColumnName, Datum>> cols,
             std::optional<MapEntry> entry = std::nullopt) {
    if (!guarded_.insert(GuardKey{table, row}).second) return;
    plan_.guards.push_back(Guard{table, row, std::move(cols), std::move(entry)});
  }

  struct GuardKey {
    TableName table;
    Uuid row;
    friend bool operator==(const GuardKey&, const GuardKey&) = default;
  };
  struct GuardKeyHash {
    size_t operator()(const GuardKey& k) const noexcept {
      return std::hash<Uuid>{}(k.row) ^ (std::hash<TableName>{}(k.table) * 0x9e3779b97f4a7c15ull);
    }
  };

  static void append(Transaction& out, const Operation& op) {
    std::visit(
        [&out](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, InsertOp>) {
            out.insert(o.table, o.row, o.uuid_name);
          } else if constexpr (std::is_same_v<T, UpdateOp>) {
            out.update(o.table, o.where, o.row);
          } else if constexpr (std::is_same_v<T, MutateOp>) {
            out.mutate(o.table, o.where, o.mutations);
          } else if constexpr (std::is_same_v<T, DeleteOp>) {
            out.delete_rows(o.table, o.where);
          } else if constexpr (std::is_same_v<T, WaitOp>) {
            out.wait(o.table, o.where, o.columns, o.until, o.rows, o.timeout_ms);
          }
        },
        op);
  }

  const Replica& nb_;
  const NbView& view_;
  Transaction txn_;
  Plan plan_;
  std::unordered_set<GuardKey, GuardKeyHash> guarded_;
};

Result<NbView> nb_view(const Replica& nb) { return NbView::of(nb); }

// Evacuate and restore keep their records in the groups' external_ids.
Result<void> require_records(const NbView& view, Plan::Kind kind) {
  if (present(view.group_columns().external_ids)) return {};
  return missing_column_error(view.schema(), group_table.value(), "external_ids",
                              std::string(to_string(kind)) + " (it records evacuated priorities there)");
}

}  // namespace

Result<Plan> plan_evacuation(const Replica& nb, const ChassisName& chassis, const PlanOptions& options,
                             const Replica* sb) {
  auto view = nb_view(nb);
  if (!view) return view.error();
  if (auto r = require_records(*view, Plan::Kind::evacuate); !r) return r.error();
  Builder b(nb, *view, Plan::Kind::evacuate, chassis.value());

  std::vector<std::string> would_empty;
  struct Affected {
    HaChassisGroupView group;
    std::vector<HaChassisView> removed;
    size_t remaining;
  };
  std::vector<Affected> affected;
  for (const HaChassisGroupView& g : view->groups()) {
    // Only this group's own members, compared by their typed chassis_name.
    auto members = view->members(g);
    std::vector<HaChassisView> removed;
    for (const auto& m : members)
      if (m.is(chassis)) removed.push_back(m);
    if (removed.empty()) continue;
    size_t remaining = members.size() - removed.size();
    if (remaining == 0) would_empty.push_back(g.name().value());
    affected.push_back({g, std::move(removed), remaining});
  }

  if (!would_empty.empty()) {
    std::string list;
    // By position, not by list.empty(): a group may be named "".
    for (size_t i = 0; i < would_empty.size(); ++i) list += (i ? ", " : "") + would_empty[i];
    if (!options.force)
      return make_error(Errc::would_empty_group, "chassis " + chassis.value() +
                                                     " is the only member of HA chassis group(s) " + list +
                                                     ": evacuating it would leave them with no gateway "
                                                     "(force overrides)");
    b.plan().warnings.push_back("forced: group(s) " + list + " will have no gateway chassis");
  }

  if (sb && !affected.empty()) {
    if (auto sbv = SbView::of(*sb)) {
      if (!sbv->find_chassis(chassis))
        b.plan().warnings.push_back("chassis " + chassis.value() + " is not registered in the Southbound database");
      for (const auto& a : affected) {
        if (a.remaining == 0) continue;
        bool any_live = false;
        for (const auto& m : view->members(a.group))
          if (!m.is(chassis) && sbv->find_chassis(m.chassis_name())) any_live = true;
        if (!any_live)
          b.plan().warnings.push_back("group " + a.group.name().value() +
                                      " keeps no chassis registered in the Southbound database");
      }
    }
  }

  if (!affected.empty() && options.bump_nb_cfg)
    if (auto r = b.bump_nb_cfg(); !r) return r.error();

  const std::string key = evacuation_record_key(chassis);
  MemberSetGuard removed_rows{chassis, {}};
  std::unordered_set<Uuid> seen_rows;
  EmptyGroupsGuard empty_after;
  for (const HaChassisGroupView& g : view->groups())
    if (g.ha_chassis_datum().empty()) empty_after.groups.push_back(g.uuid());
  for (const auto& a : affected) {
    if (a.remaining == 0) empty_after.groups.push_back(a.group.uuid());
    std::vector<UuidRef> refs;
    int64_t priority = 0;
    for (const auto& m : a.removed) {
      if (seen_rows.insert(m.uuid()).second) removed_rows.rows.emplace_back(m.uuid(), m.priority());
      refs.emplace_back(m.uuid());
      // Duplicates of one chassis in one group: all go, the highest priority is kept.
      priority = refs.size() == 1 ? m.priority() : std::max(priority, m.priority());
      b.change(GroupChange{GroupChange::Action::remove_member, a.group.name(), a.group.uuid(), chassis, m.uuid(),
                           m.priority(), std::nullopt});
    }
    b.txn().mutate(group_table, {Condition::row_is(a.group.uuid())},
                   {Mutation::make("ha_chassis", Mutator::erase, Operand::uuid_set(std::move(refs))),
                    // insert never overwrites a key: drop a stale record first.
                    Mutation::make("external_ids", Mutator::erase, string_set(key)),
                    Mutation::make("external_ids", Mutator::insert,
                                   Operand::map({{Atom::string(key), Atom::string(std::to_string(priority))}}))});
  }
  if (!affected.empty()) {
    b.guard_member_set(std::move(removed_rows));
    b.guard_empty_after(std::move(empty_after));
  }
  return b.finish(!affected.empty());
}

Result<Plan> plan_restore(const Replica& nb, const ChassisName& chassis, const PlanOptions& options) {
  auto view = nb_view(nb);
  if (!view) return view.error();
  if (auto r = require_records(*view, Plan::Kind::restore); !r) return r.error();
  Builder b(nb, *view, Plan::Kind::restore, chassis.value());
  const std::string key = evacuation_record_key(chassis);

  struct Record {
    HaChassisGroupView group;
    int64_t priority;
    std::string_view text;  // the record as stored, which the guard compares
  };
  std::vector<Record> records;
  for (const HaChassisGroupView& g : view->groups()) {
    auto value = g.external_id(key);
    if (!value) continue;
    int64_t priority = 0;
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), priority);
    if (ec != std::errc() || end != value->data() + value->size() || !check_priority(priority))
      return make_error(Errc::invalid_priority, "group " + g.name().value() + ": external_ids:" + key + "=\"" +
                                                    std::string(*value) + "\" is not a priority in 0..32767");
    records.push_back({g, priority, *value});
  }
  if (!records.empty() && options.bump_nb_cfg)
    if (auto r = b.bump_nb_cfg(); !r) return r.error();

  size_t inserted = 0;
  for (const auto& rec : records) {
    b.guard_record(rec.group, key, rec.text);
    std::vector<Mutation> mutations;
    auto present = view->members_named(rec.group, chassis);
    if (present.empty()) {
      NamedUuid name("restored" + std::to_string(inserted++));
      b.txn().insert(member_table,
                     {{ColumnName("chassis_name"), Operand::string(chassis.value())},
                      {ColumnName("priority"), Operand::integer(rec.priority)}},
                     name);
      mutations.push_back(Mutation::make("ha_chassis", Mutator::insert, Operand::uuid_set({name})));
      b.change(GroupChange{GroupChange::Action::add_member, rec.group.name(), rec.group.uuid(), chassis,
                           std::nullopt, rec.priority, std::nullopt});
    } else {
      // Someone put it back already: make the priority the recorded one.
      for (const auto& m : present) {
        if (m.priority() == rec.priority) continue;
        b.guard_member(m);
        b.txn().update(member_table, {Condition::row_is(m.uuid())},
                       {{ColumnName("priority"), Operand::integer(rec.priority)}});
        b.change(GroupChange{GroupChange::Action::set_priority, rec.group.name(), rec.group.uuid(), chassis,
                             m.uuid(), rec.priority, m.priority()});
      }
      b.change(GroupChange{GroupChange::Action::drop_record, rec.group.name(), rec.group.uuid(), chassis,
                           present.front().uuid(), rec.priority, std::nullopt});
    }
    mutations.push_back(Mutation::make("external_ids", Mutator::erase, string_set(key)));
    b.txn().mutate(group_table, {Condition::row_is(rec.group.uuid())}, std::move(mutations));
  }
  return b.finish(!records.empty());
}

Result<Plan> plan_create_group(const Replica& nb, const HaChassisGroupName& group, const PlanOptions& options) {
  auto view = nb_view(nb);
  if (!view) return view.error();
  Builder b(nb, *view, Plan::Kind::create_group, group.value());
  if (view->find_group(group)) return b.finish(false);
  if (options.bump_nb_cfg)
    if (auto r = b.bump_nb_cfg(); !r) return r.error();
  b.txn().wait(group_table, {Condition::equals("name", Operand::string(group.value()))}, {ColumnName("name")},
               WaitUntil::equal, {}, 0);
  b.txn().insert(group_table, {{ColumnName("name"), Operand::string(group.value())}});
  b.change(GroupChange{GroupChange::Action::create_group, group, std::nullopt, std::nullopt, std::nullopt, 0,
                       std::nullopt});
  b.plan().expect_present = group;
  return b.finish(true);
}

Result<Plan> plan_delete_group(const Replica& nb, const HaChassisGroupName& group, const PlanOptions& options) {
  auto view = nb_view(nb);
  if (!view) return view.error();
  Builder b(nb, *view, Plan::Kind::delete_group, group.value());
  auto g = view->find_group(group);
  if (!g) return b.finish(false);
  if (options.bump_nb_cfg)
    if (auto r = b.bump_nb_cfg(); !r) return r.error();
  b.guard_group(*g);
  b.txn().delete_rows(group_table, {Condition::row_is(g->uuid())});
  b.change(GroupChange{GroupChange::Action::delete_group, group, g->uuid(), std::nullopt, std::nullopt, 0,
                       std::nullopt});
  for (const auto& p : view->ports_using(*g))
    b.plan().warnings.push_back("Logical_Router_Port " + p.name() +
                                " refers to this group: the server will refuse the deletion");
  b.plan().expect_absent = group;
  return b.finish(true);
}

Result<Plan> plan_add_chassis(const Replica& nb, const HaChassisGroupName& group, const ChassisName& chassis,
                              int64_t priority, const PlanOptions& options) {
  if (auto r = check_priority(priority); !r) return r.error();
  auto view = nb_view(nb);
  if (!view) return view.error();
  Builder b(nb, *view, Plan::Kind::add_chassis, chassis.value() + " to " + group.value());
  auto g = view->find_group(group);
  if (!g) return group_not_found(group);
  auto present = view->members_named(*g, chassis);
  bool changes = false;
  std::vector<HaChassisView> to_update;
  for (const auto& m : present)
    if (m.priority() != priority) to_update.push_back(m);
  changes = present.empty() || !to_update.empty();
  if (!changes) return b.finish(false);
  if (options.bump_nb_cfg)
    if (auto r = b.bump_nb_cfg(); !r) return r.error();
  b.guard_group(*g);
  if (present.empty()) {
    NamedUuid name("added");
    b.txn().insert(member_table,
                   {{ColumnName("chassis_name"), Operand::string(chassis.value())},
                    {ColumnName("priority"), Operand::integer(priority)}},
                   name);
    b.txn().mutate(group_table, {Condition::row_is(g->uuid())},
                   {Mutation::make("ha_chassis", Mutator::insert, Operand::uuid_set({name}))});
    b.change(GroupChange{GroupChange::Action::add_member, group, g->uuid(), chassis, std::nullopt, priority,
                         std::nullopt});
  }
  for (const auto& m : to_update) {
    b.guard_member(m);
    b.txn().update(member_table, {Condition::row_is(m.uuid())},
                   {{ColumnName("priority"), Operand::integer(priority)}});
    b.change(GroupChange{GroupChange::Action::set_priority, group, g->uuid(), chassis, m.uuid(), priority,
                         m.priority()});
  }
  return b.finish(true);
}

Result<Plan> plan_remove_chassis(const Replica& nb, const HaChassisGroupName& group, const ChassisName& chassis,
                                 const PlanOptions& options) {
  auto view = nb_view(nb);
  if (!view) return view.error();
  Builder b(nb, *view, Plan::Kind::remove_chassis, chassis.value() + " from " + group.value());
  auto g = view->find_group(group);
  if (!g) return group_not_found(group);
  auto present = view->members_named(*g, chassis);
  if (present.empty()) return b.finish(false);
  if (options.bump_nb_cfg)
    if (auto r = b.bump_nb_cfg(); !r) return r.error();
  b.guard_group(*g);
  std::vector<UuidRef> refs;
  for (const auto& m : present) {
    b.guard_member(m);
    refs.emplace_back(m.uuid());
    b.change(GroupChange{GroupChange::Action::remove_member, group, g->uuid(), chassis, m.uuid(), m.priority(),
                         std::nullopt});
  }
  // The unreferenced HA_Chassis rows are garbage-collected at commit.
  b.txn().mutate(group_table, {Condition::row_is(g->uuid())},
                 {Mutation::make("ha_chassis", Mutator::erase, Operand::uuid_set(std::move(refs)))});
  return b.finish(true);
}

Result<Plan> plan_set_priority(const Replica& nb, const HaChassisGroupName& group, const ChassisName& chassis,
                               int64_t priority, const PlanOptions& options) {
  if (auto r = check_priority(priority); !r) return r.error();
  auto view = nb_view(nb);
  if (!view) return view.error();
  Builder b(nb, *view, Plan::Kind::set_priority, chassis.value() + " in " + group.value());
  auto g = view->find_group(group);
  if (!g) return group_not_found(group);
  auto present = view->members_named(*g, chassis);
  if (present.empty())
    return make_error(Errc::chassis_not_in_group,
                      "chassis " + chassis.value() + " is not a member of HA_Chassis_Group " + group.value());
  std::vector<HaChassisView> to_update;
  for (const auto& m : present)
    if (m.priority() != priority) to_update.push_back(m);
  if (to_update.empty()) return b.finish(false);
  if (options.bump_nb_cfg)
    if (auto r = b.bump_nb_cfg(); !r) return r.error();
  b.guard_group(*g);
  for (const auto& m : to_update) {
    b.guard_member(m);
    b.txn().update(member_table, {Condition::row_is(m.uuid())},
                   {{ColumnName("priority"), Operand::integer(priority)}});
    b.change(GroupChange{GroupChange::Action::set_priority, group, g->uuid(), chassis, m.uuid(), priority,
                         m.priority()});
  }
  return b.finish(true);
}

namespace {

bool map_holds(const ReplicaTable& table, const Row& row, const MapEntry& entry) {
  auto index = table.column_index(entry.column.value());
  if (!index) return false;
  auto value = datum_map_get(row[*index], entry.key);
  return value && *value == entry.value;
}

// The replica's HA_Chassis rows named `guard.chassis` are exactly guard.rows
// (both lists hold distinct rows, so equal sizes and inclusion suffice).
bool member_set_holds(const Replica& nb, const MemberSetGuard& guard) {
  auto view = NbView::of(nb);
  const ReplicaTable* table = nb.table(member_table.value());
  if (!view || !table) return false;
  size_t named = 0;
  if (const TableIndex* index = table->index("chassis_name")) {
    named = index->find_all(std::string_view(guard.chassis.value())).size();
  } else {
    for (const Row& row : *table) {
      auto m = view->find_ha_chassis(row.uuid());
      named += m && m->is(guard.chassis);
    }
  }
  if (named != guard.rows.size()) return false;
  for (const auto& [uuid, priority] : guard.rows) {
    auto m = view->find_ha_chassis(uuid);
    if (!m || !m->is(guard.chassis) || m->priority() != priority) return false;
  }
  return true;
}

// The groups that removing guard.rows would leave empty, plus those already
// empty, are exactly `empty.groups`.
bool empty_after_holds(const Replica& nb, const EmptyGroupsGuard& empty, const MemberSetGuard& removed) {
  auto view = NbView::of(nb);
  if (!view) return false;
  std::unordered_set<Uuid> gone;
  for (const auto& [uuid, priority] : removed.rows) gone.insert(uuid);
  std::unordered_set<Uuid> expected(empty.groups.begin(), empty.groups.end());
  size_t matched = 0;
  for (const HaChassisGroupView& g : view->groups()) {
    const Datum& refs = g.ha_chassis_datum();
    bool keeps_one = false;
    for (size_t i = 0; i < refs.size() && !keeps_one; ++i) keeps_one = !gone.count(refs.key(i).uuid());
    if (keeps_one) continue;
    if (!expected.count(g.uuid())) return false;
    ++matched;
  }
  return matched == expected.size();
}

}  // namespace

bool replica_moved_past(const Plan& plan, const Replica& nb) {
  if (plan.expect_present || plan.expect_absent) {
    auto view = NbView::of(nb);
    if (!view) return true;
    if (plan.expect_present && view->find_group(*plan.expect_present)) return true;
    if (plan.expect_absent && !view->find_group(*plan.expect_absent)) return true;
  }
  for (const Guard& g : plan.guards) {
    const ReplicaTable* table = nb.table(g.table.value());
    if (!table) return true;
    const Row* row = table->find(g.row);
    if (!row) return true;
    for (const auto& [name, value] : g.columns) {
      auto index = table->column_index(name.value());
      if (!index || !((*row)[*index] == value)) return true;
    }
    if (g.entry && !map_holds(*table, *row, *g.entry)) return true;
  }
  if (plan.member_set && !member_set_holds(nb, *plan.member_set)) return true;
  if (plan.empty_after && plan.member_set && !empty_after_holds(nb, *plan.empty_after, *plan.member_set))
    return true;
  return plan.guards.empty() && !plan.member_set && !plan.expect_present && !plan.expect_absent;
}

}  // namespace fastovsdb::ovn
