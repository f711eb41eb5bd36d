"""The failover scenario, always on a 3-server RAFT cluster: the leader is
killed as the evacuation transaction is sent; the time to complete, then
ovn-nbctl checks the result against the survivors."""
from ..common import CHASSIS, NB_SCHEMA, log, median
from ..peers import measure
from ..servers import Cluster
from ..verify import verify_ha


def scenario_failover(args, ctx):
    g = max(ctx["groups"])
    report = {"mode": "cluster", "groups": g, "runs": []}
    cluster = Cluster(args.workdir, "failover", NB_SCHEMA)
    try:
        for rep in range(max(1, min(args.reps, 3))):
            cluster.start_from(ctx["ha_db"][g]["evacuate"])
            leader = cluster.leader()
            pid = cluster.pid(leader)
            log("failover run %d: %d groups, leader is member %d (pid %d)" % (rep + 1, g, leader, pid))
            r = measure([ctx["bin"]["failover_evacuate"], cluster.remote, "--kill-pid", str(pid), "--chassis",
                         CHASSIS])
            s = r["self"]
            new_leader = cluster.wait_for_leader(other_than=leader)
            # ovn-nbctl against the survivors (the dead member's socket is gone).
            survivors = ",".join("unix:" + cluster.socks[i] for i in range(cluster.n) if i != leader)
            verified = verify_ha(type("S", (), {"remote": survivors})(), g, args.members, "evacuate")
            s.update({"wall_seconds": r["wall_seconds"], "old_leader": leader, "new_leader": new_leader,
                      "verified": verified, "verified_ok": True})
            report["runs"].append(s)
            log("  completed %.3f s after the kill (%d transactions sent, %d unknown outcomes); verified with "
                "ovn-nbctl: %d HA_Chassis left, none named %s" % (s["seconds"], s["transactions_sent"],
                                                                   s["unknown_outcomes"], verified["total"], CHASSIS))
    finally:
        cluster.stop()
    report["medians"] = {"seconds_after_kill": median([r["seconds"] for r in report["runs"]]),
                         "evacuate_seconds": median([r["evacuate_seconds"] for r in report["runs"]])}
    return report
