#include "fastovsdb/ovn/chassis_monitor.hpp"

#include "fastovsdb/net/client.hpp"

namespace fastovsdb::ovn {

std::string_view to_string(ChassisEventKind k) noexcept {
  switch (k) {
    case ChassisEventKind::added: return "added";
    case ChassisEventKind::removed: return "removed";
    case ChassisEventKind::changed: return "changed";
  }
  return "?";
}

void ChassisMonitor::on_change(const RowChange& change) {
  if (!handler_ || change.table->name() != "Chassis") return;
  if (cached_schema_ != &change.table->schema() || !columns_) {
    auto cols = ChassisColumns::of(*change.table);
    if (!cols) return;  // not an OVN Southbound Chassis table
    columns_ = *cols;
    cached_schema_ = &change.table->schema();
  }
  ChassisEvent event{ChassisEventKind::added, std::nullopt, std::nullopt, {}};
  if (change.old_row) event.before.emplace(*change.old_row, *columns_);
  if (change.new_row) event.after.emplace(*change.new_row, *columns_);
  switch (change.kind) {
    case ChangeKind::insert: event.kind = ChassisEventKind::added; break;
    case ChangeKind::remove: event.kind = ChassisEventKind::removed; break;
    case ChangeKind::modify:
      event.kind = ChassisEventKind::changed;
      for (size_t c : change.changed.to_vector())
        if (c < change.table->schema().columns.size())
          event.changed_columns.push_back(change.table->schema().columns[c].name.value());
      break;
  }
  handler_(event);
}

ChangeListener ChassisMonitor::listener(ChangeListener next) {
  return [this, next = std::move(next)](const RowChange& change) {
    on_change(change);
    if (next) next(change);
  };
}

void ChassisMonitor::attach(net::Client& client, ChangeListener next) {
  client.set_change_listener(listener(std::move(next)));
}

}  // namespace fastovsdb::ovn
