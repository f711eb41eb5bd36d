"""The failover scenario, always on a 3-server RAFT cluster: the leader is
killed as the evacuation transaction is sent; the time from the kill to the
committed evacuation, and next to it the server-side bound: the time from
the kill until the survivors have elected a new leader (their cluster/status
polled every --failover-poll-ms); then ovn-nbctl checks the result against
the survivors. --failover-runs runs, each on a new cluster created from the
populated database file."""
import time

from ..common import CHASSIS, NB_SCHEMA, fail, log, median
from ..peers import measure
from ..servers import ELECTION_TIMER_MS, Cluster, ElectionWatch
from ..verify import verify_ha

# Each run: the tool's own timeout for connecting, syncing and committing;
# the runner kills it (and counts the run as failed) some time after that.
RUN_TIMEOUT_S = 30


def one_run(args, ctx, cluster, g, rep):
    cluster.start_from(ctx["ha_db"][g]["evacuate"])
    leader = cluster.wait_for_leader()
    before = cluster.status(leader)
    old_term = int(before.get("Term") or 0)
    pid = cluster.pid(leader)
    survivors = [i for i in range(cluster.n) if i != leader]
    log("failover run %d/%d: %d groups, leader is member %d (pid %d, term %d)"
        % (rep + 1, args.failover_runs, g, leader, pid, old_term))
    watch = ElectionWatch(cluster, survivors, old_term, args.failover_poll_ms / 1000.0).start()
    try:
        r = measure([ctx["bin"]["failover_evacuate"], cluster.remote, "--kill-pid", str(pid), "--chassis", CHASSIS,
                     "--timeout", str(RUN_TIMEOUT_S)], check=False, timeout=RUN_TIMEOUT_S + 30)
        # The election may still be under way if the client failed early;
        # none comes if the client died before killing the leader.
        if (r["self"] or {}).get("killed"):
            watch.wait_agreed(RUN_TIMEOUT_S)
    finally:
        watch.stop()
    s = dict(r["self"] or {})
    if s and "killed_at_monotonic" not in s:
        fail("%s predates the kill/return instants (killed_at_monotonic): rebuild it (cmake --build build/bench "
             "--target failover_evacuate)" % ctx["bin"]["failover_evacuate"])
    run = {"old_leader": leader, "old_term": old_term, "pid": pid, "exit_code": r["exit_code"],
           "wall_seconds": r["wall_seconds"], "client": s, "election_timer_ms": int(before.get("Election timer") or 0),
           "polls": watch.polls, "poll_errors": watch.errors,
           "poll_interval_median_ms": (median(watch.gaps) or 0) * 1000, "poll_interval_max_ms":
           max(watch.gaps or [0]) * 1000}
    kill_t = s.get("killed_at_monotonic") if s.get("killed") else None
    run["ok"] = r["exit_code"] == 0 and kill_t is not None
    run["seconds"] = s.get("seconds") if run["ok"] else None
    if kill_t is not None:
        run["transitions"] = [{"seconds_after_kill": t - kill_t, "member": i, "role": role, "term": term,
                               "leader": lead} for t, i, role, term, lead in watch.transitions]
    if kill_t is not None and watch.elected:
        run["election_seconds"] = watch.elected[0] - kill_t
        run["new_leader"], run["new_term"] = watch.elected[1], watch.elected[2]
    else:
        run["election_seconds"] = run["new_leader"] = run["new_term"] = None
    run["agreed_seconds"] = watch.agreed[0] - kill_t if kill_t is not None and watch.agreed else None
    run["beyond_election_seconds"] = (run["seconds"] - run["election_seconds"]
                                      if run["seconds"] is not None and run["election_seconds"] is not None else None)
    if not run["ok"]:
        run["stderr_tail"] = r.get("stderr", "")[-1000:]
        log("  FAILED (exit %d, %s): %s" % (r["exit_code"], "killed" if kill_t else "no kill",
                                           run["stderr_tail"].strip()[-300:]))
        return run
    new_leader = cluster.wait_for_leader(other_than=leader)
    # ovn-nbctl against the survivors (the dead member's socket is gone).
    remote = ",".join("unix:" + cluster.socks[i] for i in survivors)
    run["verified"] = verify_ha(type("S", (), {"remote": remote})(), g, args.members, "evacuate")
    run["verified_ok"] = True
    run["new_leader"] = new_leader if run["new_leader"] is None else run["new_leader"]
    log("  committed %.3f s after the kill; survivors elected member %s %s s after the kill (both agree at %s s); "
        "%d transactions sent, %d unknown outcomes; verified: %d HA_Chassis left, none named %s"
        % (run["seconds"], run["new_leader"], fmt_s(run["election_seconds"]), fmt_s(run["agreed_seconds"]),
           s["transactions_sent"], s["unknown_outcomes"], run["verified"]["total"], CHASSIS))
    return run


def fmt_s(v):
    return "-" if v is None else "%.3f" % v


def summary(values):
    values = [v for v in values if v is not None]
    return {"n": len(values), "median": median(values), "max": max(values) if values else None,
            "min": min(values) if values else None}


def scenario_failover(args, ctx):
    g = max(ctx["groups"])
    report = {"mode": "cluster", "groups": g, "runs": [], "runs_wanted": args.failover_runs,
              "poll_ms": args.failover_poll_ms, "election_timer_ms": ELECTION_TIMER_MS}
    cluster = Cluster(args.workdir, "failover", NB_SCHEMA)
    t0 = time.monotonic()
    try:
        for rep in range(args.failover_runs):
            if time.monotonic() - t0 > args.failover_budget:
                log("failover: %.0f s budget spent after %d runs; the rest skipped" % (args.failover_budget, rep))
                break
            report["runs"].append(one_run(args, ctx, cluster, g, rep))
    finally:
        cluster.stop()
    runs = report["runs"]
    # The timer as the servers report it (cluster/status), if they agree.
    timers = {r["election_timer_ms"] for r in runs if r["election_timer_ms"]}
    if len(timers) == 1:
        report["election_timer_ms"] = timers.pop()
    report["failed_runs"] = sum(1 for r in runs if not r["ok"])
    report["scenario_seconds"] = time.monotonic() - t0
    report["kill_to_commit"] = summary([r["seconds"] for r in runs])
    report["election"] = summary([r["election_seconds"] for r in runs])
    report["agreed"] = summary([r["agreed_seconds"] for r in runs])
    report["beyond_election"] = summary([r["beyond_election_seconds"] for r in runs])
    report["medians"] = {"seconds_after_kill": report["kill_to_commit"]["median"],
                         "election_seconds": report["election"]["median"],
                         "evacuate_seconds": median([r["client"].get("evacuate_seconds") for r in runs if r["ok"]])}
    return report
