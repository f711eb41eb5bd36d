"""The report on stdout (the table, the failover runs, the targets) and the
--json file of every run's figures."""
import json

from .common import CHASSIS, log
from .table import fmt, table
from .targets import targets


def print_report(results, groups, failover):
    rows = table(results)
    print()
    print("Medians; ratio = peer / fastovsdb for times, CPU and memory, fastovsdb / peer for rates "
          "(> 1: fastovsdb faster / smaller)")
    w = max(len(r[3]) for r in rows) if rows else 10
    print("%-30s %-18s %10s  %-*s %10s %9s" % ("scenario", "metric", "fastovsdb", w, "peer", "peer", "ratio"))
    for sc, metric, fast, peer, value, r in rows:
        print("%-30s %-18s %10s  %-*s %10s %9s" % (sc, metric, fmt(fast), w, peer, fmt(value),
                                                    fmt(r, "x") if r is not None else "-"))
    if failover:
        for r in failover["runs"]:
            print("failover (3-server RAFT, %d groups): leader %d killed as the evacuation committed; completed "
                  "%.3f s after the kill (whole call %.3f s, %d transaction(s) sent, %d unknown outcome(s)); "
                  "verified with ovn-nbctl: %s (%d HA_Chassis left, none named %s); new leader %d"
                  % (failover["groups"], r["old_leader"], r["seconds"], r["evacuate_seconds"],
                     r["transactions_sent"], r["unknown_outcomes"], "right" if r["verified_ok"] else "WRONG",
                     r["verified"]["total"], CHASSIS, r["new_leader"]))
    tg = targets(results, groups)
    if tg:
        print()
        print("targets:")
        for name, ok, figures in tg:
            print("  %-7s %s: %s" % ("MET" if ok else "MISSED", name, figures))
    return tg


def write_json(args, results, failover, tg):
    json.dump({"preset": args.preset, "groups": args.group_list, "members": args.members, "ports": args.ports,
               "chassis": args.chassis, "reps": args.reps, "sample": args.sample, "results": results,
               "failover": failover, "targets": [{"target": n, "met": ok, "figures": f} for n, ok, f in tg]},
              open(args.json, "w"), indent=1, sort_keys=True)
    log("all figures: %s" % args.json)
