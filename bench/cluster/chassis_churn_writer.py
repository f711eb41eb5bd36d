#!/usr/bin/python3
"""The writer of the chassis churn scenario (bench/cluster/run): adds and
removes Southbound Chassis rows at a fixed rate, one transaction per change.

  chassis_churn_writer.py REMOTE --changes N --rate R [--prefix P] [--stamp-key KEY]

Change k (k = 0..N-1) is sent at start + k/R: even k insert Chassis
"<P>-<k>" (with one Encap, which the schema requires) whose external_ids KEY
(default "churn:stamp") is time.time_ns() just before sending; odd k delete
the oldest Chassis this writer inserted. Each transaction waits for its reply.
Prints one JSON line: changes, added, removed, seconds, achieved_rate, late
(changes sent more than 10 ms behind schedule). Python standard library only.
"""
import argparse
import collections
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sync"))
from populate import Connection  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("remote")
    ap.add_argument("--changes", type=int, required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--prefix", default="churn")
    ap.add_argument("--stamp-key", default="churn:stamp")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    if args.changes < 1 or args.rate <= 0:
        ap.error("--changes and --rate must be positive")
    conn = Connection(args.remote, args.timeout)
    live = collections.deque()
    added = removed = late = 0
    start = time.monotonic()
    for k in range(args.changes):
        due = start + k / args.rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        elif now - due > 0.010:
            late += 1
        name = "%s-%d" % (args.prefix, k)
        if k % 2 == 0:
            ops = [{"op": "insert", "table": "Encap", "uuid-name": "e",
                    "row": {"type": "geneve", "ip": "10.%d.%d.%d" % (k >> 16 & 255, k >> 8 & 255, k & 255),
                            "chassis_name": name}},
                   {"op": "insert", "table": "Chassis",
                    "row": {"name": name, "hostname": name, "encaps": ["named-uuid", "e"],
                            "external_ids": ["map", [[args.stamp_key, str(time.time_ns())]]]}}]
            live.append(name)
            added += 1
        else:
            ops = [{"op": "delete", "table": "Chassis", "where": [["name", "==", live.popleft()]]}]
            removed += 1
        reply = conn.request("transact", ["OVN_Southbound"] + ops, "churn-%d" % k)
        results = reply.get("result") or []
        if reply.get("error") is not None or any(r is None or "error" in r for r in results):
            print("change %d failed: %s" % (k, json.dumps(reply)[:500]), file=sys.stderr)
            return 1
    seconds = time.monotonic() - start
    json.dump({"changes": args.changes, "added": added, "removed": removed, "seconds": seconds,
               "achieved_rate": args.changes / seconds if seconds > 0 else None, "late": late}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
