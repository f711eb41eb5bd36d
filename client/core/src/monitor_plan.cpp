#include "monitor_plan.hpp"

#include <algorithm>

namespace fastovsdb {

const MonitorPlan::Table* MonitorPlan::find(std::string_view table) const noexcept {
  auto it = std::find_if(tables.begin(), tables.end(), [&](const Table& t) { return t.name == table; });
  return it == tables.end() ? nullptr : &*it;
}

MonitorPlan plan_monitor(const std::vector<MonitoredTable>& wanted, const DatabaseSchema& schema) {
  MonitorPlan plan;
  if (wanted.empty()) {
    for (const TableSchema& t : schema.tables) plan.tables.push_back({t.name.value(), {}});
    return plan;
  }
  for (const MonitoredTable& w : wanted) {
    const TableSchema* t = schema.find_table(w.table);
    if (!t) {
      plan.gaps.push_back({w.table, {}, schema.version});
      continue;
    }
    MonitorPlan::Table planned{w.table, {}};
    for (const std::string& c : w.columns) {
      if (c == "_uuid" || c == "_version" || t->find_column(c)) {
        planned.columns.push_back(c);
      } else {
        plan.gaps.push_back({w.table, c, schema.version});
      }
    }
    // Every wanted column missing: an empty list would mean "all columns" to
    // some servers, so the table is left out (its rows stay unknown).
    if (!w.columns.empty() && planned.columns.empty()) continue;
    plan.tables.push_back(std::move(planned));
  }
  return plan;
}

}  // namespace fastovsdb
