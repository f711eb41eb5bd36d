// status [CHASSIS]: SB chassis, and NB HA chassis groups with their members,
// priorities and evacuation records.
#include <algorithm>
#include <charconv>
#include <optional>
#include <vector>

#include "chassis_arg.hpp"
#include "commands.hpp"
#include "connection.hpp"
#include "failure.hpp"
#include "fastovsdb/ovn/plan.hpp"
#include "fastovsdb/ovn/views.hpp"

namespace fastovsdb::cli {

namespace {

struct ChassisRow {
  std::string name, hostname, uuid;
};
struct MemberRow {
  std::string chassis;
  int64_t priority;
  std::string uuid;
};
struct RecordRow {
  std::string chassis;
  std::string priority;  // as recorded
};
struct GroupRow {
  std::string name, uuid;
  std::vector<MemberRow> members;
  std::vector<RecordRow> evacuated;
};

Result<std::vector<ChassisRow>> read_chassis(const Replica* sb, const std::optional<ovn::ChassisName>& only) {
  if (!sb) return Error(Errc::invalid_argument, "no Southbound replica");
  auto view = ovn::SbView::of(*sb);
  if (!view) return view.error();
  std::vector<ChassisRow> rows;
  for (const auto& c : view->chassis()) {
    if (only && !c.is(*only)) continue;
    rows.push_back({c.name().value(), c.hostname().value(), c.uuid().to_string()});
  }
  std::sort(rows.begin(), rows.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return rows;
}

Result<std::vector<GroupRow>> read_groups(const Replica* nb, const std::optional<ovn::ChassisName>& only) {
  if (!nb) return Error(Errc::invalid_argument, "no Northbound replica");
  auto view = ovn::NbView::of(*nb);
  if (!view) return view.error();
  std::vector<GroupRow> groups;
  for (const auto& g : view->groups()) {
    GroupRow row{g.name().value(), g.uuid().to_string(), {}, {}};
    bool relevant = !only;
    for (const auto& m : view->members(g)) {
      row.members.push_back({m.chassis_name().value(), m.priority(), m.uuid().to_string()});
      if (only && m.is(*only)) relevant = true;
    }
    for (const auto& [key, value] : g.external_ids()) {
      if (!key.starts_with(ovn::evacuation_record_prefix)) continue;
      std::string chassis = key.substr(ovn::evacuation_record_prefix.size());
      if (only && chassis == only->value()) relevant = true;
      row.evacuated.push_back({std::move(chassis), value});
    }
    if (!relevant) continue;
    std::sort(row.members.begin(), row.members.end(), [](auto& a, auto& b) {
      return a.priority != b.priority ? a.priority > b.priority : a.chassis < b.chassis;
    });
    groups.push_back(std::move(row));
  }
  std::sort(groups.begin(), groups.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return groups;
}

void write_json(Output& out, const std::vector<ChassisRow>& chassis, const std::vector<GroupRow>& groups) {
  std::string doc;
  JsonWriter w(doc);
  w.begin_object().key("chassis").begin_array();
  for (const auto& c : chassis)
    w.begin_object().key("name").string(c.name).key("hostname").string(c.hostname).key("uuid").string(c.uuid).end_object();
  w.end_array().key("groups").begin_array();
  for (const auto& g : groups) {
    w.begin_object().key("name").string(g.name).key("uuid").string(g.uuid).key("members").begin_array();
    for (const auto& m : g.members)
      w.begin_object().key("chassis").string(m.chassis).key("priority").integer(m.priority).key("uuid").string(m.uuid).end_object();
    w.end_array().key("evacuated").begin_array();
    for (const auto& r : g.evacuated) {
      w.begin_object().key("chassis").string(r.chassis).key("priority");
      // A readable record is a number; anything else is shown as it is.
      int64_t p = 0;
      const char* end = r.priority.data() + r.priority.size();
      auto parsed = std::from_chars(r.priority.data(), end, p);
      if (parsed.ec == std::errc() && parsed.ptr == end && !r.priority.empty()) {
        w.integer(p);
      } else {
        w.string(r.priority);
      }
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array().end_object();
  out.document(doc);
}

void write_text(Output& out, const std::vector<ChassisRow>& chassis, const std::vector<GroupRow>& groups) {
  size_t width = 4;
  for (const auto& c : chassis) width = std::max(width, c.name.size());
  out.line("Chassis (Southbound): " + std::to_string(chassis.size()));
  for (const auto& c : chassis)
    out.line("  " + c.name + std::string(width - c.name.size() + 2, ' ') + "hostname " +
             (c.hostname.empty() ? "-" : c.hostname));
  out.line("HA chassis groups (Northbound): " + std::to_string(groups.size()));
  for (const auto& g : groups) {
    out.line("  " + g.name + "  (" + std::to_string(g.members.size()) + " member" +
             (g.members.size() == 1 ? "" : "s") + (g.members.empty() ? ", NO GATEWAY" : "") + ")");
    size_t w = 4;
    for (const auto& m : g.members) w = std::max(w, m.chassis.size());
    for (const auto& m : g.members)
      out.line("    " + m.chassis + std::string(w - m.chassis.size() + 2, ' ') + "priority " +
               std::to_string(m.priority));
    for (const auto& r : g.evacuated)
      out.line("    evacuated: " + r.chassis + " (priority " + r.priority + " to restore)");
  }
}

}  // namespace

int run_status(const Context& ctx, Operands operands) {
  if (operands.size() > 1) usage_fail("expected: status [CHASSIS]");
  if (!operands.empty()) check_chassis_operand(operands[0], "status");
  auto sb = connect(ctx.options, Db::sb, ovn_replication(Db::sb));
  auto nb = connect(ctx.options, Db::nb, ovn_replication(Db::nb));
  std::optional<ovn::ChassisName> only;
  if (!operands.empty()) only = resolve_chassis(ctx.options, sb.get(), operands[0], "status");
  auto chassis = sb->with_replica([&](const Replica* r) { return read_chassis(r, only); });
  if (!chassis) fail("status: cannot read the Southbound chassis: " + reason(chassis.error()));
  auto groups = nb->with_replica([&](const Replica* r) { return read_groups(r, only); });
  if (!groups) fail("status: cannot read the HA chassis groups: " + reason(groups.error()));
  if (only && chassis->empty() && groups->empty())
    fail("status: unknown chassis " + only->value() +
         ": not a Southbound chassis, in no HA chassis group and evacuated from none");
  if (ctx.out.json()) {
    write_json(ctx.out, *chassis, *groups);
  } else {
    write_text(ctx.out, *chassis, *groups);
  }
  return exit_ok;
}

}  // namespace fastovsdb::cli
