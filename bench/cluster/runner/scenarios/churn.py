"""The chassis churn scenario: a writer adds and removes SB Chassis rows at a
set rate while one monitor (fastovsdb or the Python IDL) watches; events/s
and end-to-end latency."""
import os
import subprocess

from ..common import HERE, PY, SB_SCHEMA, log, median
from ..peers import last_json, measure
from ..servers import make_server


def scenario_churn(args, ctx, mode):
    server = make_server(mode, args.workdir, "churn-sb", SB_SCHEMA)
    report = {"mode": mode, "changes": args.churn_changes, "rate": args.churn_rate, "runs": {}}
    peers = {"fastovsdb": lambda: [ctx["bin"]["chassis_churn_monitor"], server.remote],
             "python-idl": lambda: [PY, os.path.join(HERE, "chassis_churn_idl.py"), server.remote]}
    try:
        for rep in range(args.reps):
            for name, cmd in peers.items():
                server.start_from(ctx["sb_db"])
                # ovsdb-server may merge the updates of several commits for a
                # client that reads slowly: a row added and removed in one merged
                # update is never seen by anyone. So the monitor stops 10 s after
                # the writer should be done and reports what it saw.
                grace = args.churn_changes / args.churn_rate + 10
                mon = subprocess.Popen(cmd() + ["--expect", str(args.churn_changes), "--timeout", "%.1f" % grace],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                if mon.stdout.readline().strip() != "ready":
                    mon.kill()
                    raise RuntimeError("%s churn monitor did not get ready: %s" % (name, mon.stderr.read()[-1000:]))
                w = measure([PY, os.path.join(HERE, "chassis_churn_writer.py"), server.leader_remote, "--changes",
                             str(args.churn_changes), "--rate", str(args.churn_rate)])
                out, err = mon.communicate(timeout=grace + 60)
                r = last_json(out)
                if not r or (mon.returncode != 0 and r.get("complete") is not False):
                    raise RuntimeError("%s churn monitor failed (exit %s): %s" % (
                        name, mon.returncode, (err.strip() or out.strip())[-1000:]))
                r["writer"] = w["self"]
                if not r["complete"]:
                    log("  churn %s run %d: saw %d of %d changes (the server merged updates)" % (
                        name, rep + 1, r["events"], args.churn_changes))
                report["runs"].setdefault(name, []).append(r)
                log("  churn %s run %d/%d: %d events, %.0f events/s, p50 %.2f ms, p99 %.2f ms (writer %.0f/s)" % (
                    name, rep + 1, args.reps, r["events"], r["events_per_second"], r["p50_ms"], r["p99_ms"],
                    w["self"]["achieved_rate"]))
    finally:
        server.stop()
    report["medians"] = {name: {k: median([r[k] for r in rs]) for k in
                                ("events", "events_per_second", "p50_ms", "p99_ms", "max_ms", "cpu_seconds",
                                 "max_rss_kb")}
                         for name, rs in report["runs"].items()}
    return report
