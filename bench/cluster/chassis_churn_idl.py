#!/usr/bin/python3
"""The Python IDL peer of the chassis churn scenario (bench/cluster/run): the
Open vSwitch Python IDL (python3-openvswitch) replicates the Southbound
Chassis table while bench/cluster/chassis_churn_writer.py adds and removes
rows, and measures how late each change arrives.

  chassis_churn_idl.py REMOTE --expect N [--stamp-key KEY] [--schema FILE] [--timeout S]

Syncs (initial rows are not events), prints "ready", then counts the IDL's
own per-row notifications (Idl.notify, called for every row an update
touches): a created row is an added event (latency = time.time_ns() - its
external_ids KEY, the writer's stamp), a deleted row a removed event. Diffing
the table between idl.run() calls would miss a row added and removed within
one batch of updates. Stops after N events. Prints one JSON line with the
same keys as chassis_churn_monitor.
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


class ChurnIdl(ovs.db.idl.Idl):
    """Counts Chassis rows created and deleted once `counting` is set."""

    def __init__(self, remote, helper, stamp_key):
        super().__init__(remote, helper)
        self.stamp_key = stamp_key
        self.counting = False
        self.added = self.removed = self.unstamped = 0
        self.latencies = []
        self.first = self.last = None

    def notify(self, event, row, updates=None):
        if not self.counting or event not in (ovs.db.idl.ROW_CREATE, ovs.db.idl.ROW_DELETE):
            return
        now = time.monotonic()
        if event == ovs.db.idl.ROW_CREATE:
            self.added += 1
            stamp = row.external_ids.get(self.stamp_key)
            if stamp:
                self.latencies.append((time.time_ns() - int(stamp)) / 1e6)
            else:
                self.unstamped += 1
        else:
            self.removed += 1
        self.first = now if self.first is None else self.first
        self.last = now


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
    idl = ChurnIdl(args.remote, helper, args.stamp_key)

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
    start_usage = usage()
    idl.counting = True
    print("ready", flush=True)

    deadline = time.monotonic() + args.timeout
    while idl.added + idl.removed < args.expect and time.monotonic() < deadline:
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(100)
        poller.block()
        idl.run()
    end_usage = usage()
    idl.close()
    added, removed, unstamped, latencies = idl.added, idl.removed, idl.unstamped, sorted(idl.latencies)
    events = added + removed
    span = (idl.last - idl.first) if idl.first is not None else 0.0
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
