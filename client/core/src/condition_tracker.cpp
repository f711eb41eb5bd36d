#include "condition_tracker.hpp"

#include <algorithm>

namespace fastovsdb {

namespace {
const std::string every_row;
}  // namespace

void ConditionTracker::add_table(std::string table, std::string where_json) {
  if (Table* t = find(table)) {
    t->acknowledged = std::move(where_json);
    return;
  }
  tables_.push_back(Table{std::move(table), std::move(where_json), {}, 0, {}, 0});
}

bool ConditionTracker::has_table(std::string_view table) const noexcept { return find(table) != nullptr; }

ConditionTracker::Table* ConditionTracker::find(std::string_view table) noexcept {
  auto it = std::find_if(tables_.begin(), tables_.end(), [&](const Table& t) { return t.name == table; });
  return it == tables_.end() ? nullptr : &*it;
}

const ConditionTracker::Table* ConditionTracker::find(std::string_view table) const noexcept {
  return const_cast<ConditionTracker*>(this)->find(table);
}

ConditionTracker::Handle ConditionTracker::set(std::string_view table, std::string where_json, Handle handle) {
  Table* t = find(table);
  if (!t) return 0;
  Handle superseded = t->wanted ? t->wanted_handle : 0;
  t->wanted = std::move(where_json);
  t->wanted_handle = handle;
  return superseded;
}

const std::string& ConditionTracker::acknowledged(std::string_view table) const {
  const Table* t = find(table);
  return t ? t->acknowledged : every_row;
}

std::vector<ConditionTracker::Change> ConditionTracker::take_sendable() {
  std::vector<Change> out;
  for (Table& t : tables_) {
    if (!t.wanted || t.requested) continue;
    out.push_back(Change{t.name, t.wanted->empty() ? std::string("[true]") : *t.wanted, t.wanted_handle});
    t.requested = std::move(*t.wanted);
    t.requested_handle = t.wanted_handle;
    t.wanted.reset();
    t.wanted_handle = 0;
  }
  return out;
}

ConditionTracker::Handle ConditionTracker::acknowledge(std::string_view table) {
  Table* t = find(table);
  if (!t || !t->requested) return 0;
  t->acknowledged = std::move(*t->requested);
  t->requested.reset();
  ++seqno_;
  return std::exchange(t->requested_handle, 0);
}

ConditionTracker::Handle ConditionTracker::reject(std::string_view table) {
  Table* t = find(table);
  if (!t || !t->requested) return 0;
  t->requested.reset();
  ++seqno_;
  return std::exchange(t->requested_handle, 0);
}

bool ConditionTracker::reset(std::vector<Handle>& superseded) {
  bool was_on_wire = false;
  for (Table& t : tables_) {
    if (!t.requested) continue;
    was_on_wire = true;
    if (t.wanted) {
      // The newer condition goes out instead; the older request is moot.
      if (t.requested_handle) superseded.push_back(t.requested_handle);
    } else {
      t.wanted = std::move(*t.requested);
      t.wanted_handle = t.requested_handle;
    }
    t.requested.reset();
    t.requested_handle = 0;
  }
  return was_on_wire;
}

std::vector<ConditionTracker::Handle> ConditionTracker::take_all_handles() {
  std::vector<Handle> out;
  for (Table& t : tables_) {
    if (t.requested_handle) out.push_back(std::exchange(t.requested_handle, 0));
    if (t.wanted_handle) out.push_back(std::exchange(t.wanted_handle, 0));
    t.requested.reset();
    t.wanted.reset();
  }
  return out;
}

bool ConditionTracker::pending() const noexcept {
  return std::any_of(tables_.begin(), tables_.end(),
                     [](const Table& t) { return t.requested.has_value() || t.wanted.has_value(); });
}

}  // namespace fastovsdb
