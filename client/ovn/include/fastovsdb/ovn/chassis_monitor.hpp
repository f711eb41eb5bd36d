#pragma once
// Southbound chassis events as they happen: added, removed, changed, each
// with the typed view of the row (before and/or after), built on the
// session's change listener. Install it on the SB client before start() to
// see the initial rows as "added":
//
//   ChassisMonitor monitor([](const ChassisEvent& e) { ... });
//   monitor.attach(sb_client);   // or sb_client.set_change_listener(monitor.listener(other))
//
// The handler runs where the listener runs (the client's strand); the views
// are valid only during the call: copy what you keep (ChassisView::info()).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fastovsdb/core/replica.hpp"
#include "fastovsdb/ovn/views.hpp"

namespace fastovsdb::net {
class Client;
}

namespace fastovsdb::ovn {

enum class ChassisEventKind : uint8_t { added, removed, changed };
std::string_view to_string(ChassisEventKind k) noexcept;

struct ChassisEvent {
  ChassisEventKind kind;
  // nullopt for added.
  std::optional<ChassisView> before;
  // nullopt for removed.
  std::optional<ChassisView> after;
  // For changed: the names of the columns whose value changed.
  std::vector<std::string> changed_columns;

  // The chassis as it is now (after), or as it was (before) when removed.
  const ChassisView& chassis() const { return after ? *after : *before; }
};

class ChassisMonitor {
 public:
  using Handler = std::function<void(const ChassisEvent&)>;

  explicit ChassisMonitor(Handler handler) : handler_(std::move(handler)) {}

  // Feeds one replica change; changes of other tables are ignored.
  void on_change(const RowChange& change);
  // A listener that feeds this monitor, then `next` (for every change), so
  // that the client's one listener can serve several consumers. The monitor
  // must outlive the listener's use.
  ChangeListener listener(ChangeListener next = {});
  // Installs listener(next) on the client (set it before start()).
  void attach(net::Client& client, ChangeListener next = {});

 private:
  Handler handler_;
  // Column indexes of the Chassis table, looked up once per table (a schema
  // change gives a new table).
  const TableSchema* cached_schema_ = nullptr;
  std::optional<ChassisColumns> columns_;
};

}  // namespace fastovsdb::ovn
