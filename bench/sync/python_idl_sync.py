#!/usr/bin/python3
"""The reference peer for the sync benchmark: the Open vSwitch Python IDL
(Debian python3-openvswitch, with its C JSON parser ovs._json when present).

  python_idl_sync.py REMOTE [--schema FILE | --schema-from-server] [--tables T,..]
                     [--transact N [--window W] [--op insert|update]]

Sync mode (default): connects to REMOTE, monitors the given tables (default:
every table of the schema), runs until the initial dump is in the replica and
prints one JSON object:
  {"cpu_seconds": user+sys of this process (interpreter start included),
   "sync_cpu_seconds": user+sys from connect to replica complete,
   "wall_seconds": wall time from connect to replica complete,
   "max_rss_kb": peak RSS of this process, "rows": {table: count}}

Transact mode (--transact N): after the initial sync, commits N transactions
that each insert one Logical_Switch (or, with --op update, update one
Logical_Switch's other_config), keeping up to W commits in flight
(pipelined), and adds {"transactions": N, "transact_seconds",
"transactions_per_second", "transact_cpu_seconds" (this process, while the
transactions ran), "failed"} to the output.
"""
import argparse
import json
import resource
import sys
import time

import ovs.db.idl
import ovs.jsonrpc
import ovs.poller
import ovs.stream
import ovs.vlog

DEFAULT_SCHEMA = "/usr/share/ovn/ovn-nb.ovsschema"


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def schema_from_server(remote, db_name):
    # The first remote of a list is enough to read the schema.
    first = remote.split(",")[0]
    error, stream = ovs.stream.Stream.open_block(ovs.stream.Stream.open(first), 10000)
    if error:
        raise RuntimeError("cannot connect to %s: %s" % (first, error))
    rpc = ovs.jsonrpc.Connection(stream)
    error, reply = rpc.transact_block(ovs.jsonrpc.Message.create_request("get_schema", [db_name]))
    rpc.close()
    if error or reply.error:
        raise RuntimeError("get_schema failed: %s" % (error or reply.error))
    return reply.result


def run_until(idl, done, timeout):
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out")
        idl.run()
        if done():
            break
        poller = ovs.poller.Poller()
        idl.wait(poller)
        poller.timer_wait(100)
        poller.block()


def transact(idl, count, window, op, timeout):
    table = idl.tables["Logical_Switch"]
    target = None
    if op == "update":
        target = next(iter(table.rows.values()), None)
        if target is None:
            txn = ovs.db.idl.Transaction(idl)
            target = txn.insert(table)
            target.name = "bench-update-target"
            txn.commit_block()
            run_until(idl, lambda: any(r.name == "bench-update-target" for r in table.rows.values()), timeout)
            target = next(r for r in table.rows.values() if r.name == "bench-update-target")
    in_flight = []
    failed = 0
    sent = 0
    cpu_start = cpu_seconds()
    start = time.monotonic()
    deadline = start + timeout
    while sent < count or in_flight:
        while sent < count and len(in_flight) < window:
            txn = ovs.db.idl.Transaction(idl)
            if op == "insert":
                row = txn.insert(table)
                row.name = "bench-ls-%d" % sent
            else:
                row = table.rows[target.uuid]
                row.other_config = {"bench-counter": str(sent)}
            status = txn.commit()
            sent += 1
            if status == ovs.db.idl.Transaction.INCOMPLETE:
                in_flight.append(txn)
            elif status not in (ovs.db.idl.Transaction.SUCCESS, ovs.db.idl.Transaction.UNCHANGED):
                failed += 1
        idl.run()
        still = []
        for txn in in_flight:
            status = txn.commit()
            if status == ovs.db.idl.Transaction.INCOMPLETE:
                still.append(txn)
            elif status != ovs.db.idl.Transaction.SUCCESS:
                failed += 1
        in_flight = still
        if in_flight and len(in_flight) >= window or (sent >= count and in_flight):
            if time.monotonic() > deadline:
                raise RuntimeError("transactions timed out")
            poller = ovs.poller.Poller()
            idl.wait(poller)
            poller.timer_wait(100)
            poller.block()
    seconds = time.monotonic() - start
    return {"transactions": count, "window": window, "op": op, "transact_seconds": seconds,
            "transact_cpu_seconds": cpu_seconds() - cpu_start,
            "transactions_per_second": count / seconds if seconds > 0 else None, "failed": failed}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("remote")
    ap.add_argument("--db", default="OVN_Northbound")
    ap.add_argument("--schema", default=DEFAULT_SCHEMA)
    ap.add_argument("--schema-from-server", action="store_true")
    ap.add_argument("--tables", default="", help="comma-separated; default: all")
    ap.add_argument("--no-leader-only", action="store_true")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--transact", type=int, default=0, metavar="N")
    ap.add_argument("--window", type=int, default=100)
    ap.add_argument("--op", choices=["insert", "update"], default="insert")
    args = ap.parse_args()
    ovs.vlog.Vlog.init(None)  # no log file
    ovs.vlog.Vlog.set_levels_from_string("console:warn")

    if args.schema_from_server:
        helper = ovs.db.idl.SchemaHelper(schema_json=schema_from_server(args.remote, args.db))
    else:
        helper = ovs.db.idl.SchemaHelper(location=args.schema)
    tables = [t for t in args.tables.split(",") if t]
    if tables:
        for t in tables:
            helper.register_table(t)
        if args.transact and "Logical_Switch" not in tables:
            helper.register_table("Logical_Switch")
    else:
        helper.register_all()

    wall_start = time.monotonic()
    cpu_start = cpu_seconds()
    idl = ovs.db.idl.Idl(args.remote, helper, leader_only=not args.no_leader_only)
    run_until(idl, idl.has_ever_connected, args.timeout)
    result = {
        "wall_seconds": time.monotonic() - wall_start,
        "sync_cpu_seconds": cpu_seconds() - cpu_start,
        "rows": {name: len(table.rows) for name, table in sorted(idl.tables.items())},
    }
    if args.transact:
        result.update(transact(idl, args.transact, max(1, args.window), args.op, args.timeout))
    idl.close()
    result["cpu_seconds"] = cpu_seconds()
    result["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    json.dump(result, sys.stdout, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
