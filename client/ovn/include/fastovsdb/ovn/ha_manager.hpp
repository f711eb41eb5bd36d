#pragma once
// The executor: plans against the live replica of a net::SyncClient and
// commits the plan as ONE transaction. When the plan's guards fail (another
// client changed what the plan read; the server answers "timed out"), it
// waits for the replica to show that change, re-plans and retries, up to
// max_retries times. When the connection drops after the transaction was
// sent (outcome unknown), it re-syncs and re-plans: every plan is idempotent,
// so a transaction that did commit leaves nothing to do.
//
// The OVN layer holds no socket code: everything goes through SyncClient.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fastovsdb/core/error.hpp"
#include "fastovsdb/core/session.hpp"
#include "fastovsdb/ovn/names.hpp"
#include "fastovsdb/ovn/plan.hpp"

namespace fastovsdb::net {
class SyncClient;
}

namespace fastovsdb::ovn {

// What the Northbound client must replicate for HaManager (HA_Chassis_Group,
// HA_Chassis, NB_Global, Logical_Router_Port's name and ha_chassis_group),
// and the HA_Chassis chassis_name index.
std::vector<MonitoredTable> nb_monitored_tables();
std::vector<MonitoredTable> sb_monitored_tables();
// Sets database, monitor and extra indexes of `options` for NB / SB.
void configure_nb_session(SessionOptions& options);
void configure_sb_session(SessionOptions& options);

struct ExecuteOptions {
  // Plan and report; send nothing.
  bool dry_run = false;
  // Evacuate even if a group is left with no member.
  bool force = false;
  // Like ovn-nbctl --wait=sb: bump nb_cfg in the transaction, then wait
  // until NB_Global.sb_cfg reaches it (ovn-northd has processed the change).
  bool wait_sb = false;
  // The caller is done with the replica after this call (a one-shot
  // command): once planned, stop the monitor (monitor_cancel) so the server
  // does not build an update of our own commit for a replica nobody reads
  // (at 5,000 groups that doubles the commit's latency), and do not wait for
  // the replica to show the commit. A retry resumes the monitor to re-read.
  // Ignored with wait_sb, which must see NB_Global.sb_cfg move.
  bool one_shot = false;
  // Re-plans after a conflict (so at most 1 + max_retries transactions).
  int max_retries = 5;
  // Bound of each wait: sync, the replica showing a commit, sb_cfg.
  std::chrono::milliseconds timeout{30000};
};

struct ExecutionReport {
  // The last plan made (the one committed, or that a dry run would commit).
  Plan plan;
  bool committed = false;
  bool dry_run = false;
  int transactions_sent = 0;
  int conflicts = 0;        // attempts whose guards failed
  int unknown_outcomes = 0;  // connections lost with a transaction in flight
  // wait_sb: the sb_cfg seen once ovn-northd caught up.
  std::optional<int64_t> sb_cfg;

  bool nothing_to_do() const noexcept { return plan.empty(); }
  // "evacuate hv1: committed 3 change(s) ..." followed by the plan's lines.
  std::string summary() const;
};

class HaManager {
 public:
  // `sb` is optional: it only adds warnings to evacuation plans.
  explicit HaManager(net::SyncClient& nb, net::SyncClient* sb = nullptr) : nb_(nb), sb_(sb) {}

  Result<ExecutionReport> evacuate(const ChassisName& chassis, const ExecuteOptions& options = {});
  Result<ExecutionReport> restore(const ChassisName& chassis, const ExecuteOptions& options = {});
  Result<ExecutionReport> create_group(const HaChassisGroupName& group, const ExecuteOptions& options = {});
  Result<ExecutionReport> delete_group(const HaChassisGroupName& group, const ExecuteOptions& options = {});
  Result<ExecutionReport> add_chassis(const HaChassisGroupName& group, const ChassisName& chassis,
                                      int64_t priority, const ExecuteOptions& options = {});
  Result<ExecutionReport> remove_chassis(const HaChassisGroupName& group, const ChassisName& chassis,
                                         const ExecuteOptions& options = {});
  Result<ExecutionReport> set_priority(const HaChassisGroupName& group, const ChassisName& chassis,
                                       int64_t priority, const ExecuteOptions& options = {});

  // Any planner, run with the same plan / commit / retry loop.
  using Planner = std::function<Result<Plan>(const Replica& nb, const Replica* sb, const PlanOptions&)>;
  Result<ExecutionReport> execute(const Planner& planner, const ExecuteOptions& options);

  // Called after each plan is made and before its transaction is sent (the
  // attempt number starts at 1). For tests: inject a concurrent change, or
  // die at the worst moment.
  using BeforeCommit = std::function<void(const Plan& plan, int attempt)>;
  void set_before_commit(BeforeCommit hook) { before_commit_ = std::move(hook); }

 private:
  Result<Plan> make_plan(const Planner& planner, const PlanOptions& options);
  // Polls the NB replica until pred(replica) or the timeout; false on timeout.
  bool wait_for(const std::function<bool(const Replica&)>& pred, std::chrono::milliseconds timeout);

  net::SyncClient& nb_;
  net::SyncClient* sb_;
  BeforeCommit before_commit_;
  // A one_shot call stopped the NB monitor; the next call resumes it.
  bool detached_ = false;
};

}  // namespace fastovsdb::ovn
