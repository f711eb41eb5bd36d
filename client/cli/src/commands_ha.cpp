// evacuate, restore and ha-group: plans made and committed by ovn::HaManager;
// here only the operands, the checks that make errors clear, and output.
#include <charconv>
#include <functional>

#include "chassis_arg.hpp"
#include "commands.hpp"
#include "connection.hpp"
#include "failure.hpp"
#include "fastovsdb/ovn/ha_manager.hpp"
#include "fastovsdb/ovn/views.hpp"

namespace fastovsdb::cli {

namespace {

ovn::ExecuteOptions execute_options(const Options& o) {
  ovn::ExecuteOptions e;
  e.dry_run = o.dry_run;
  e.force = o.force;
  e.wait_sb = o.wait_sb;
  e.timeout = o.timeout;
  // Every command exits after its one plan: no need to keep the replica live.
  e.one_shot = true;
  return e;
}

std::string outcome_text(const ovn::ExecutionReport& r) {
  if (r.nothing_to_do()) return "outcome: nothing to do";
  if (r.dry_run) return "outcome: dry run, nothing sent";
  std::string s = std::string("outcome: ") + (r.committed ? "committed" : "not committed") + " (" +
                  std::to_string(r.transactions_sent) + " transaction(s), " + std::to_string(r.conflicts) +
                  " conflict(s)";
  if (r.unknown_outcomes) s += ", " + std::to_string(r.unknown_outcomes) + " unknown outcome(s)";
  s += ")";
  if (r.sb_cfg) s += "; ovn-northd applied it to the Southbound database (sb_cfg " + std::to_string(*r.sb_cfg) + ")";
  return s;
}

void write_report_json(Output& out, const std::string& command, const ovn::ExecutionReport& r) {
  std::string doc;
  JsonWriter w(doc);
  w.begin_object().key("command").string(command).key("plan");
  write_plan(w, r.plan);
  w.key("outcome").begin_object();
  w.key("committed").boolean(r.committed);
  w.key("dry_run").boolean(r.dry_run);
  w.key("nothing_to_do").boolean(r.nothing_to_do());
  w.key("transactions_sent").integer(r.transactions_sent);
  w.key("conflicts").integer(r.conflicts);
  w.key("unknown_outcomes").integer(r.unknown_outcomes);
  if (r.sb_cfg) w.key("sb_cfg").integer(*r.sb_cfg);
  w.end_object().end_object();
  out.document(doc);
}

// Runs one HaManager operation: in text, the plan is printed before its
// transaction is sent (and again if a concurrent change forces a new plan),
// then the outcome.
int execute(const Context& ctx, const std::string& command, ovn::HaManager& manager,
            const std::function<Result<ovn::ExecutionReport>(ovn::HaManager&)>& run) {
  bool plan_shown = false;
  manager.set_before_commit([&](const ovn::Plan& plan, int attempt) {
    if (attempt > 1) ctx.out.line("a concurrent change invalidated the plan; new plan (attempt " + std::to_string(attempt) + "):");
    ctx.out.line("plan: " + plan.description());
    plan_shown = true;
  });
  auto report = run(manager);
  if (!report) fail(command + ": " + reason(report.error()));
  if (ctx.out.json()) {
    write_report_json(ctx.out, command, *report);
  } else {
    if (!plan_shown) ctx.out.line("plan: " + report->plan.description());
    ctx.out.line(outcome_text(*report));
  }
  return exit_ok;
}

struct Membership {
  bool member = false;
  bool recorded = false;
};

Membership membership(net::SyncClient& nb, const ovn::ChassisName& chassis) {
  auto m = nb.with_replica([&](const Replica* r) -> Result<Membership> {
    if (!r) return Error(Errc::invalid_argument, "no Northbound replica");
    auto view = ovn::NbView::of(*r);
    if (!view) return view.error();
    Membership out;
    out.member = !view->groups_with(chassis).empty();
    const std::string key = ovn::evacuation_record_key(chassis);
    for (const auto& g : view->groups())
      if (g.external_id(key)) out.recorded = true;
    return out;
  });
  if (!m) fail("cannot read the HA chassis groups: " + reason(m.error()));
  return *m;
}

bool known_to_sb(net::SyncClient& sb, const ovn::ChassisName& chassis) {
  return sb.with_replica([&](const Replica* r) {
    if (!r) return false;
    auto view = ovn::SbView::of(*r);
    return view && view->find_chassis(chassis).has_value();
  });
}

int64_t parse_priority(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < ovn::min_priority || v > ovn::max_priority)
    usage_fail("PRIORITY must be an integer from " + std::to_string(ovn::min_priority) + " to " +
               std::to_string(ovn::max_priority) + ", not '" + text + "'");
  return v;
}

}  // namespace

int run_evacuate(const Context& ctx, Operands operands) {
  if (operands.size() != 1) usage_fail("expected: evacuate CHASSIS [--dry-run] [--force] [--wait sb]");
  check_chassis_operand(operands[0], "evacuate");
  auto sb = connect(ctx.options, Db::sb, ovn_replication(Db::sb));
  auto nb = connect(ctx.options, Db::nb, ovn_replication(Db::nb));
  auto chassis = resolve_chassis(ctx.options, sb.get(), operands[0], "evacuate");
  auto m = membership(*nb, chassis);
  if (!m.member && !m.recorded)
    fail("evacuate: chassis " + chassis.value() + " is in no HA chassis group" +
         (known_to_sb(*sb, chassis) ? "" : " (and is not a Southbound chassis)"));
  ovn::HaManager manager(*nb, sb.get());
  auto options = execute_options(ctx.options);
  return execute(ctx, "evacuate", manager, [&](ovn::HaManager& h) { return h.evacuate(chassis, options); });
}

int run_restore(const Context& ctx, Operands operands) {
  if (operands.size() != 1) usage_fail("expected: restore CHASSIS [--dry-run] [--wait sb]");
  check_chassis_operand(operands[0], "restore");
  std::unique_ptr<net::SyncClient> sb;
  if (ctx.options.hostname) sb = connect(ctx.options, Db::sb, ovn_replication(Db::sb));
  auto nb = connect(ctx.options, Db::nb, ovn_replication(Db::nb));
  auto chassis = resolve_chassis(ctx.options, sb.get(), operands[0], "restore");
  auto m = membership(*nb, chassis);
  if (!m.member && !m.recorded)
    fail("restore: chassis " + chassis.value() + " is in no HA chassis group and has no evacuation record");
  ovn::HaManager manager(*nb, sb.get());
  auto options = execute_options(ctx.options);
  return execute(ctx, "restore", manager, [&](ovn::HaManager& h) { return h.restore(chassis, options); });
}

int run_ha_group(const Context& ctx, Operands operands) {
  if (operands.empty())
    usage_fail("expected: ha-group add|del|add-chassis|remove-chassis|set-priority GROUP ...");
  const std::string& verb = operands[0];
  auto want = [&](size_t n, const char* synopsis) {
    if (operands.size() != n + 1) usage_fail(std::string("expected: ha-group ") + synopsis);
  };
  if (verb == "add" || verb == "del") {
    want(1, verb == "add" ? "add GROUP" : "del GROUP");
  } else if (verb == "add-chassis" || verb == "set-priority") {
    want(3, verb == "add-chassis" ? "add-chassis GROUP CHASSIS PRIORITY" : "set-priority GROUP CHASSIS PRIORITY");
  } else if (verb == "remove-chassis") {
    want(2, "remove-chassis GROUP CHASSIS");
  } else {
    usage_fail("unknown ha-group command '" + verb + "' (add, del, add-chassis, remove-chassis, set-priority)");
  }
  if (operands[1].empty()) usage_fail("ha-group: GROUP must not be empty");
  if (ctx.options.hostname && operands.size() < 3) usage_fail("--hostname needs a CHASSIS operand");
  const std::string command = "ha-group " + verb;
  if (operands.size() >= 3) check_chassis_operand(operands[2], command);
  std::optional<int64_t> priority;
  if (operands.size() == 4) priority = parse_priority(operands[3]);

  std::unique_ptr<net::SyncClient> sb;
  if (ctx.options.hostname) sb = connect(ctx.options, Db::sb, ovn_replication(Db::sb));
  auto nb = connect(ctx.options, Db::nb, ovn_replication(Db::nb));
  ovn::HaChassisGroupName group(operands[1]);
  std::optional<ovn::ChassisName> chassis;
  if (operands.size() >= 3) chassis = resolve_chassis(ctx.options, sb.get(), operands[2], command);
  ovn::HaManager manager(*nb, sb.get());
  auto options = execute_options(ctx.options);
  return execute(ctx, command, manager, [&](ovn::HaManager& h) -> Result<ovn::ExecutionReport> {
    if (verb == "add") return h.create_group(group, options);
    if (verb == "del") return h.delete_group(group, options);
    if (verb == "add-chassis") return h.add_chassis(group, *chassis, *priority, options);
    if (verb == "remove-chassis") return h.remove_chassis(group, *chassis, options);
    return h.set_priority(group, *chassis, *priority, options);
  });
}

}  // namespace fastovsdb::cli
