#include "fastovsdb/ovn/ha_manager.hpp"

#include <thread>

#include "fastovsdb/net/error.hpp"
#include "fastovsdb/net/sync_client.hpp"
#include "fastovsdb/ovn/error.hpp"
#include "fastovsdb/ovn/views.hpp"

namespace fastovsdb::ovn {

std::vector<MonitoredTable> nb_monitored_tables() {
  return {{"HA_Chassis_Group", {}, {}},
          {"HA_Chassis", {}, {}},
          {"NB_Global", {"nb_cfg", "sb_cfg", "hv_cfg"}, {}},
          {"Logical_Router_Port", {"name", "ha_chassis_group"}, {}}};
}

std::vector<MonitoredTable> sb_monitored_tables() {
  return {{"Chassis", {}, {}}, {"Chassis_Private", {}, {}}, {"HA_Chassis_Group", {}, {}}, {"HA_Chassis", {}, {}}};
}

void configure_nb_session(SessionOptions& options) {
  options.database = DatabaseName("OVN_Northbound");
  options.replicate = true;
  options.monitor = nb_monitored_tables();
  options.extra_indexes.push_back({"HA_Chassis", {"chassis_name"}});
}

void configure_sb_session(SessionOptions& options) {
  options.database = DatabaseName("OVN_Southbound");
  options.replicate = true;
  options.monitor = sb_monitored_tables();
}

std::string ExecutionReport::summary() const {
  std::string s;
  if (plan.empty()) {
    s = plan.description();
  } else if (dry_run) {
    s = "dry run, nothing sent: " + plan.description();
  } else {
    s = std::string(committed ? "committed: " : "not committed: ") + plan.description();
    s += "\n  " + std::to_string(transactions_sent) + " transaction(s) sent, " + std::to_string(conflicts) +
         " conflict(s)";
    if (unknown_outcomes) s += ", " + std::to_string(unknown_outcomes) + " unknown outcome(s)";
    if (sb_cfg) s += "; ovn-northd reached sb_cfg " + std::to_string(*sb_cfg);
  }
  return s;
}

Result<Plan> HaManager::make_plan(const Planner& planner, const PlanOptions& options) {
  return nb_.with_replica([&](const Replica* nb) -> Result<Plan> {
    if (!nb) return make_error(Errc::not_synced, "no Northbound replica yet");
    if (!sb_) return planner(*nb, nullptr, options);
    if (sb_ == &nb_) return planner(*nb, nb, options);
    // Runs on the SB client's thread while the NB strand waits: neither
    // handler waits on the other side, so this cannot deadlock.
    return sb_->with_replica([&](const Replica* sb) { return planner(*nb, sb, options); });
  });
}

bool HaManager::wait_for(const std::function<bool(const Replica&)>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool done = nb_.with_replica([&](const Replica* nb) { return nb && pred(*nb); });
    if (done) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Result<ExecutionReport> HaManager::execute(const Planner& planner, const ExecuteOptions& options) {
  PlanOptions plan_options;
  plan_options.force = options.force;
  plan_options.bump_nb_cfg = options.wait_sb;
  ExecutionReport report{Plan{}, false, options.dry_run, 0, 0, 0, std::nullopt};
  const int max_attempts = 1 + std::max(0, options.max_retries);
  const bool detach = options.one_shot && !options.wait_sb;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    // A one-shot call left the monitor stopped: read afresh before planning.
    if (detached_) {
      if (auto r = nb_.resume_monitor(); !r) return r.error();
      detached_ = false;
    }
    if (auto r = nb_.wait_synced(options.timeout); !r) return r.error();
    auto plan = make_plan(planner, plan_options);
    if (!plan) return plan.error();
    report.plan = std::move(*plan);
    if (report.plan.empty() || options.dry_run) return report;

    if (detach) {
      if (auto r = nb_.cancel_monitor(); !r) return r.error();
      detached_ = true;
    }
    if (before_commit_) before_commit_(report.plan, attempt);
    auto result = nb_.transact(*report.plan.transaction);
    ++report.transactions_sent;
    if (!result) {
      // The connection dropped with the transaction in flight: it may or may
      // not have committed. Re-sync and re-plan; an idempotent plan of a
      // committed change is empty.
      if (result.error().is(fastovsdb::Errc::outcome_unknown) ||
          result.error().code == net::make_error_code(net::Errc::connection_closed)) {
        ++report.unknown_outcomes;
        continue;
      }
      return result.error();
    }
    if (!result->ok()) {
      const TxnError& e = *result->error;
      if (e.kind != TxnErrorKind::timed_out)
        return make_error(Errc::commit_failed, std::string(to_string(report.plan.kind)) + " " +
                                                   report.plan.subject + ": " + e.message());
      // A guard failed: wait until the replica shows what changed, then re-plan.
      ++report.conflicts;
      if (detached_) continue;  // resuming the monitor re-reads it all
      const Plan& stale = report.plan;
      wait_for([&](const Replica& nb) { return replica_moved_past(stale, nb); }, options.timeout);
      continue;
    }
    report.committed = true;
    if (detached_) return report;
    // Callers planning next (e.g. restore right after evacuate) must see the commit.
    const Plan& done = report.plan;
    if (!wait_for([&](const Replica& nb) { return replica_moved_past(done, nb); }, options.timeout))
      return make_error(Errc::wait_timeout, "committed, but the replica did not show the change within " +
                                                std::to_string(options.timeout.count()) + " ms");
    if (report.plan.next_nb_cfg) {
      const int64_t target = *report.plan.next_nb_cfg;
      std::optional<int64_t> seen;
      bool reached = wait_for(
          [&](const Replica& nb) {
            auto view = NbView::of(nb);
            if (!view) return false;
            auto global = view->nb_global();
            if (!global) return false;
            seen = global->sb_cfg();
            return *seen >= target;
          },
          options.timeout);
      if (!reached)
        return make_error(Errc::wait_timeout, "committed, but ovn-northd did not reach nb_cfg " +
                                                  std::to_string(target) + " within " +
                                                  std::to_string(options.timeout.count()) + " ms (sb_cfg " +
                                                  (seen ? std::to_string(*seen) : std::string("unknown")) + ")");
      report.sb_cfg = seen;
    }
    return report;
  }
  return make_error(Errc::retries_exhausted,
                    std::string(to_string(report.plan.kind)) + " " + report.plan.subject + ": gave up after " +
                        std::to_string(report.transactions_sent) + " transaction(s) (" +
                        std::to_string(report.conflicts) + " conflict(s), " +
                        std::to_string(report.unknown_outcomes) +
                        " unknown outcome(s)): concurrent changes kept invalidating the plan");
}

Result<ExecutionReport> HaManager::evacuate(const ChassisName& chassis, const ExecuteOptions& options) {
  return execute([&](const Replica& nb, const Replica* sb,
                     const PlanOptions& o) { return plan_evacuation(nb, chassis, o, sb); },
                 options);
}

Result<ExecutionReport> HaManager::restore(const ChassisName& chassis, const ExecuteOptions& options) {
  return execute([&](const Replica& nb, const Replica*, const PlanOptions& o) { return plan_restore(nb, chassis, o); },
                 options);
}

Result<ExecutionReport> HaManager::create_group(const HaChassisGroupName& group, const ExecuteOptions& options) {
  return execute(
      [&](const Replica& nb, const Replica*, const PlanOptions& o) { return plan_create_group(nb, group, o); },
      options);
}

Result<ExecutionReport> HaManager::delete_group(const HaChassisGroupName& group, const ExecuteOptions& options) {
  return execute(
      [&](const Replica& nb, const Replica*, const PlanOptions& o) { return plan_delete_group(nb, group, o); },
      options);
}

Result<ExecutionReport> HaManager::add_chassis(const HaChassisGroupName& group, const ChassisName& chassis,
                                               int64_t priority, const ExecuteOptions& options) {
  return execute([&](const Replica& nb, const Replica*,
                     const PlanOptions& o) { return plan_add_chassis(nb, group, chassis, priority, o); },
                 options);
}

Result<ExecutionReport> HaManager::remove_chassis(const HaChassisGroupName& group, const ChassisName& chassis,
                                                  const ExecuteOptions& options) {
  return execute([&](const Replica& nb, const Replica*,
                     const PlanOptions& o) { return plan_remove_chassis(nb, group, chassis, o); },
                 options);
}

Result<ExecutionReport> HaManager::set_priority(const HaChassisGroupName& group, const ChassisName& chassis,
                                                int64_t priority, const ExecuteOptions& options) {
  return execute([&](const Replica& nb, const Replica*,
                     const PlanOptions& o) { return plan_set_priority(nb, group, chassis, priority, o); },
                 options);
}

}  // namespace fastovsdb::ovn
