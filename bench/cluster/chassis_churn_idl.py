#!/usr/bin/python3
"""The Python IDL peer of the chassis churn scenario (bench/cluster/run): the
Open vSwitch Python IDL (python3-openvswitch) replicates the Southbound
Chassis table while bench/cluster/chassis_churn_writer.py adds and removes
rows, and measures how late each change arrives.

  chassis_churn_idl.py REMOTE --expect N [--stamp-key KEY] [--schema FILE] [--timeout S]

Syncs (initial rows are not events), prints "ready", then after each idl.run()
that changed the replica compares the Chassis rows with the previous ones:
a new row is an added event (latency = time.time_ns() - its external_ids
KEY, the writer's stamp), a vanished row a removed event. Stops after N
events. Prints one JSON line with the same keys as chassis_churn_monitor.
"""
import argparse
import json
import resource
import sys
import time

import ovs.db.idl
import ovs.poller
import ovs.vlog

DEFAULT_SCHEMA = "/usr/share/ovn/ovn-sb.ovsschema"


def percentile(sorted_values, p):
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), int(p / 100.0 * len(sorted_values) + 0.999999)))
    return sorted_values[rank - 1]


def usage():
    return resource.getrusage(resource.RUSAGE_SELF)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("remote")
    ap.add_argument("--expect", type=int, required=True)
    ap.add_argument("--stamp-key", default="churn:stamp")
    ap.add_argument("--schema", default=DEFAULT_SCHEMA)
    ap.add_argument("--timeout", type=float, default=120)
    args = ap.parse_args()
    ovs.vlog.Vlog.init(None)
    ovs.vlog.Vlog.set_levels_from_string("console:warn")
    helper = ovs.db.idl.SchemaHelper(location=args.schema)
    helper.register_columns("Chassis", ["name", "external_ids"])
    idl = ovs.db.idl.Idl(args.remote, helper)

    deadline = time.monotonic() + args.timeout
    while not idl.has_ever_connected():
        if time.monotonic() > deadline:
            print("timed out syncing", file=sys.stderr)
            return 1
        idl.run()
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(100)
        poller.block()
    known = set(idl.tables["Chassis"].rows)
    seqno = idl.change_seqno
    start_usage = usage()
    print("ready", flush=True)

    added = removed = unstamped = 0
    latencies = []
    first = last = None
    deadline = time.monotonic() + args.timeout
    while added + removed < args.expect and time.monotonic() < deadline:
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(100)
        poller.block()
        idl.run()
        if idl.change_seqno == seqno:
            continue
        seqno = idl.change_seqno
        now_ns = time.time_ns()
        now = time.monotonic()
        rows = idl.tables["Chassis"].rows
        current = set(rows)
        new, gone = current - known, known - current
        for uuid in new:
            stamp = rows[uuid].external_ids.get(args.stamp_key)
            if stamp:
                latencies.append((now_ns - int(stamp)) / 1e6)
            else:
                unstamped += 1
        added += len(new)
        removed += len(gone)
        if new or gone:
            first = first if first is not None else now
            last = now
        known = current
    end_usage = usage()
    idl.close()
    latencies.sort()
    events = added + removed
    span = (last - first) if first is not None else 0.0
    json.dump({"peer": "python-idl", "complete": events >= args.expect, "events": events, "added": added,
               "removed": removed, "unstamped": unstamped, "latencies": len(latencies),
               "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
               "max_ms": latencies[-1] if latencies else 0.0, "span_seconds": span,
               "events_per_second": (events - 1) / span if span > 0 else 0.0,
               "cpu_seconds": (end_usage.ru_utime + end_usage.ru_stime) - (start_usage.ru_utime + start_usage.ru_stime),
               "max_rss_kb": end_usage.ru_maxrss}, sys.stdout)
    print()
    return 0 if events >= args.expect else 1


if __name__ == "__main__":
    sys.exit(main())
