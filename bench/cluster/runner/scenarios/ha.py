"""The evacuation and restore scenarios: at every size, every peer (per-group
and chained ovn-nbctl, the Python IDL, the floor, fastovsdb cold and warm)
on a freshly reset server, each run verified with ovn-nbctl."""
import os
import statistics

from ..common import CHASSIS, NB_SCHEMA, PY, ROOT, log, median
from ..peers import measure, reset_and_run
from ..servers import make_server
from ..verify import check_sampled, verify_ha


def scenario_ha(args, ctx, mode, action):
    """Evacuation or restore at every size: every peer, verified."""
    report = {"mode": mode, "action": action, "sizes": {}}
    bin_ = ctx["bin"]
    for g in ctx["groups"]:
        snap = ctx["ha_db"][g][action]
        server = make_server(mode, args.workdir, "%s-%d" % (action[:4], g), NB_SCHEMA)
        env = dict(os.environ, NB="--db=" + server.remote)
        runs = {}

        def one(name, cmd, verify=True):
            r = reset_and_run(server, snap, cmd, env)
            if name == "ovn-nbctl chained":
                r["invocations"] = int(r["stdout"].split()[-1])
            if verify:
                r["verified"] = verify_ha(server, g, args.members, action)
            r.pop("stdout", None)
            runs.setdefault(name, []).append(r)
            return r

        try:
            log("%s, %d groups (%s)" % (action, g, mode))
            n = min(args.sample, g)
            sample = [k * g // n for k in range(n)]
            r = reset_and_run(server, snap, [os.path.join(ROOT, "bench", "evacuation", "per_group_nbctl.sh"),
                                             action, CHASSIS] + [str(i) for i in sample], env)
            per_group = [float(t1) - float(t0) for _, t0, t1 in (l.split() for l in r["stdout"].splitlines() if l)]
            check_sampled(server, action, sample, args.members)
            a = {"sampled_groups": n, "scale": g / n, "per_group_seconds": per_group,
                 "wall_seconds": statistics.mean(per_group) * g, "cpu_seconds": r["cpu_seconds"] / n * g,
                 "label": "sampled x%d, scaled" % round(g / n)}
            log("  per-group ovn-nbctl: %d sampled groups, %.3f s/group -> %.1f s scaled"
                % (n, statistics.mean(per_group), a["wall_seconds"]))
            for rep in range(min(3, args.reps)):
                one("ovn-nbctl chained", [os.path.join(ROOT, "bench", "evacuation", "chained_nbctl.sh"), action,
                                          CHASSIS, str(g)])
                one("python-idl", [PY, os.path.join(ROOT, "bench", "evacuation", "python_idl_evacuate.py"),
                                   server.remote, "--chassis", CHASSIS, "--action", action])
            log("  chained ovn-nbctl %.2f s, python IDL %.2f s (medians so far)"
                % (median([x["wall_seconds"] for x in runs["ovn-nbctl chained"]]),
                   median([x["wall_seconds"] for x in runs["python-idl"]])))
            for rep in range(args.reps):
                for temp in ("cold", "warm"):
                    if action == "evacuate":
                        # The floor talks to one unix socket: the leader's.
                        server.start_from(snap)
                        rr = measure([bin_["floor_evacuate"], server.leader_remote, "--chassis", CHASSIS,
                                      "--mode", temp])
                        rr["verified"] = verify_ha(server, g, args.members, action)
                        rr.pop("stdout")
                        runs.setdefault("floor " + temp, []).append(rr)
                    one("fastovsdb " + temp, [bin_["fastovsdb_evacuate"], server.remote, "--chassis", CHASSIS,
                                              "--mode", temp, "--action", action])
            log("  fastovsdb cold %.4f s, warm %.4f s (own span); %d runs each"
                % (median([x["wall_seconds"] for x in runs["fastovsdb cold"]]),
                   median([x["self"]["seconds"] for x in runs["fastovsdb warm"]]), args.reps))
        finally:
            server.stop()
        med = {}
        for name, rs in runs.items():
            med[name] = {"runs": len(rs), "wall_seconds": median([x["wall_seconds"] for x in rs]),
                         "cpu_seconds": median([x["cpu_seconds"] for x in rs]),
                         "max_rss_kb": median([x["max_rss_kb"] for x in rs]),
                         "self_seconds": median([(x["self"] or {}).get("seconds") if isinstance(x["self"], dict)
                                                 else None for x in rs])}
        med["ovn-nbctl per group"] = {"runs": 1, "wall_seconds": a["wall_seconds"], "cpu_seconds": a["cpu_seconds"],
                                      "label": a["label"]}
        report["sizes"][str(g)] = {"groups": g, "runs": runs, "per_group": a, "medians": med}
    return report
