"""The sync scenario: cold sync of NB and SB by the fastovsdb client, the
Python IDL and one-shot ovn-nbctl / ovn-sbctl `list`, client CPU and RSS
against the monitor_cond reply's bytes."""
import os

from ..common import NB_SCHEMA, PY, ROOT, SB_SCHEMA, log, median
from ..peers import measure
from ..servers import make_server


def dump_bytes(server, schema):
    sock = server.leader_remote[len("unix:"):]
    r = measure([PY, os.path.join(ROOT, "bench", "sync", "monitor_reply_bytes.py"), sock, schema])
    return r["self"]["bytes"]


def scenario_sync(args, ctx, mode):
    report = {"mode": mode}
    for db, schema, snap, nbctl, table, fast_db in (
            ("NB", NB_SCHEMA, ctx["nb_sync_db"], "ovn-nbctl", "Logical_Switch_Port", "OVN_Northbound"),
            ("SB", SB_SCHEMA, ctx["sb_db"], "ovn-sbctl", "Chassis", "OVN_Southbound")):
        server = make_server(mode, args.workdir, "sync-" + db.lower(), schema)
        server.start_from(snap)
        try:
            dump = dump_bytes(server, schema)
            log("sync %s (%s): monitor_cond reply %.1f MB" % (db, mode, dump / 1e6))
            peers = {"fastovsdb": [], "python-idl": [], nbctl: []}
            for rep in range(args.reps):
                peers["fastovsdb"].append(measure([ctx["bin"]["fastovsdb_sync_bench"], server.remote, "--db",
                                                   fast_db]))
                peers["python-idl"].append(measure([PY, os.path.join(ROOT, "bench", "sync", "python_idl_sync.py"),
                                                    server.remote, "--schema", schema]))
                peers[nbctl].append(measure([nbctl, "--db=" + server.remote, "--no-leader-only", "--timeout=600",
                                             "list", table]))
                log("  sync %s run %d/%d: fastovsdb %.2f s cpu, python-idl %.2f s cpu, %s %.2f s cpu" % (
                    db, rep + 1, args.reps, peers["fastovsdb"][-1]["cpu_seconds"],
                    peers["python-idl"][-1]["cpu_seconds"], nbctl, peers[nbctl][-1]["cpu_seconds"]))
        finally:
            server.stop()
        med = {}
        for name, runs in peers.items():
            for r in runs:
                r.pop("stdout")
            m = {k: median([r[k] for r in runs]) for k in ("wall_seconds", "cpu_seconds", "max_rss_kb")}
            if name != nbctl:
                # The process's own getrusage at exit (microseconds; GNU time
                # rounds to 10 ms, too coarse for a small SB).
                m["cpu_seconds"] = median([r["self"]["cpu_seconds"] for r in runs])
            if name != nbctl:
                m["sync_cpu_seconds"] = median([r["self"]["sync_cpu_seconds"] for r in runs])
            if name == "fastovsdb":
                for key in ("replica_memory_bytes", "synced_rss_kb", "baseline_rss_kb", "synced_trimmed_rss_kb"):
                    m[key] = median([r["self"].get(key) for r in runs])
            m["peak_rss_over_dump"] = m["max_rss_kb"] * 1024 / dump
            med[name] = m
        report[db] = {"dump_bytes": dump, "runs": peers, "medians": med}
    return report
