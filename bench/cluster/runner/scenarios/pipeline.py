"""The pipelined transactions scenario: one-insert transactions, 100 in
flight, fastovsdb against the Python IDL, with the server's CPU."""
import os

from ..common import NB_SCHEMA, PY, ROOT, log, median
from ..peers import measure
from ..servers import make_server, server_cpu


def scenario_pipeline(args, ctx, mode):
    server = make_server(mode, args.workdir, "pipe-nb", NB_SCHEMA)
    report = {"mode": mode, "transactions": args.transactions, "window": 100, "runs": {}}
    try:
        for rep in range(args.reps):
            for name, cmd in (("fastovsdb", [ctx["bin"]["fastovsdb_sync_bench"], server.remote]),
                              ("python-idl", [PY, os.path.join(ROOT, "bench", "sync", "python_idl_sync.py"),
                                              server.remote])):
                server.start_from(ctx["nb_sync_db"])
                c0 = server_cpu(server)
                r = measure(cmd + ["--tables", "Logical_Switch", "--transact", str(args.transactions),
                                   "--window", "100"])
                s = r["self"]
                s["server_cpu_seconds"] = server_cpu(server) - c0
                if s.get("failed"):
                    raise RuntimeError("%s: %d transactions failed" % (name, s["failed"]))
                report["runs"].setdefault(name, []).append(s)
                log("  pipeline %s run %d/%d: %.0f tx/s" % (name, rep + 1, args.reps, s["transactions_per_second"]))
    finally:
        server.stop()
    report["medians"] = {name: {k: median([r.get(k) for r in rs]) for k in
                                ("transactions_per_second", "transact_cpu_seconds", "server_cpu_seconds")}
                         for name, rs in report["runs"].items()}
    return report
