"""The report on stdout (the table, the failover runs, the targets) and the
--json file of every run's figures."""
import json

from .common import CHASSIS, log
from .table import fmt, table
from .targets import targets


def print_report(results, groups, failover):
    rows = table(results)
    if rows:  # none when only the failover scenario ran
        print()
        print("Medians; ratio = peer / fastovsdb for times, CPU and memory, fastovsdb / peer for rates "
              "(> 1: fastovsdb faster / smaller)")
        w = max(len(r[3]) for r in rows)
        print("%-30s %-18s %10s  %-*s %10s %9s" % ("scenario", "metric", "fastovsdb", w, "peer", "peer", "ratio"))
        for sc, metric, fast, peer, value, r in rows:
            print("%-30s %-18s %10s  %-*s %10s %9s" % (sc, metric, fmt(fast), w, peer, fmt(value),
                                                        fmt(r, "x") if r is not None else "-"))
    if failover:
        print_failover(failover)
    tg = targets(results, groups, failover)
    if tg:
        print()
        print("targets:")
        for name, ok, figures in tg:
            print("  %-7s %s: %s" % ("MET" if ok else "MISSED", name, figures))
    return tg


def print_failover(fo):
    def f(v):
        return "-" if v is None else "%.3f" % v
    print()
    print("failover (3-server RAFT, %d groups, election timer %d ms): the leader SIGKILLed as the evacuation's "
          "transaction is sent; %d of %d runs, each on a new cluster; elected = a survivor reports itself leader "
          "(survivors' cluster/status polled every %g ms), agreed = both survivors name it"
          % (fo["groups"], fo["election_timer_ms"], len(fo["runs"]), fo["runs_wanted"], fo["poll_ms"]))
    print("  %3s %13s %14s %13s %16s %6s %8s %8s  %s" % ("run", "kill->commit", "kill->elected", "kill->agreed",
                                                       "beyond election", "txns", "unknown", "leader", "verified"))
    for k, r in enumerate(fo["runs"]):
        c = r["client"]
        print("  %3d %11s s %12s s %11s s %14s s %6s %8s %8s  %s"
              % (k + 1, f(r["seconds"]), f(r["election_seconds"]), f(r["agreed_seconds"]),
                 f(r["beyond_election_seconds"]), c.get("transactions_sent", "-"), c.get("unknown_outcomes", "-"),
                 "%d->%s" % (r["old_leader"], "-" if r["new_leader"] is None else r["new_leader"]),
                 "right (%d HA_Chassis, none named %s)" % (r["verified"]["total"], CHASSIS) if r.get("verified_ok")
                 else "FAILED (exit %d)" % r["exit_code"]))
    for label, key in (("median", "median"), ("max", "max")):
        print("  %-6s%8s s %12s s %11s s %14s s" % (label, f(fo["kill_to_commit"][key]), f(fo["election"][key]),
                                                    f(fo["agreed"][key]), f(fo["beyond_election"][key])))


def write_json(args, results, failover, tg):
    json.dump({"preset": args.preset, "groups": args.group_list, "members": args.members, "ports": args.ports,
               "chassis": args.chassis, "reps": args.reps, "sample": args.sample, "failover_runs": args.failover_runs,
               "failover_poll_ms": args.failover_poll_ms, "results": results,
               "failover": failover, "targets": [{"target": n, "met": ok, "figures": f} for n, ok, f in tg]},
              open(args.json, "w"), indent=1, sort_keys=True)
    log("all figures: %s" % args.json)
