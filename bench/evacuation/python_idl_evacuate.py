#!/usr/bin/python3
"""The Python IDL peer of the evacuation benchmark
(bench/evacuation/run_evacuation_bench.sh): the Open vSwitch Python IDL
(Debian python3-openvswitch) evacuates one chassis from every
HA_Chassis_Group it is a member of.

  python_idl_evacuate.py REMOTE [--chassis NAME] [--action evacuate|restore]
                         [--schema FILE] [--timeout S]

Connects to REMOTE, replicates HA_Chassis_Group and HA_Chassis, then commits
ONE transaction that removes the chassis's HA_Chassis rows from every group
(group.delvalue("ha_chassis", row); the server garbage-collects the
unreferenced rows) with commit_block(). Prints one JSON object:
  {"seconds": wall from creating the Idl to the commit's reply,
   "sync_seconds", "commit_seconds", "cpu_seconds": user+sys of the whole
   process (interpreter start and imports included), "groups_changed",
   "status"}
With --action restore (bench/cluster/run) the one transaction undoes an
evacuation recorded the way fastovsdb's HaManager records it: for each group
whose external_ids has "fastovsdb:evacuated:<chassis>" = "<priority>", a new
HA_Chassis row (chassis_name, that priority) joins the group and the key goes.
Exit status 0 only if the commit succeeded.
"""
import argparse
import json
import resource
import sys
import time

import ovs.db.idl
import ovs.poller
import ovs.vlog

DEFAULT_SCHEMA = "/usr/share/ovn/ovn-nb.ovsschema"


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("remote")
    ap.add_argument("--chassis", default="member-1")
    ap.add_argument("--action", choices=("evacuate", "restore"), default="evacuate")
    ap.add_argument("--schema", default=DEFAULT_SCHEMA)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    ovs.vlog.Vlog.init(None)
    ovs.vlog.Vlog.set_levels_from_string("console:warn")

    helper = ovs.db.idl.SchemaHelper(location=args.schema)
    helper.register_table("HA_Chassis_Group")
    helper.register_table("HA_Chassis")

    start = time.monotonic()
    idl = ovs.db.idl.Idl(args.remote, helper)
    run_until(idl, idl.has_ever_connected, args.timeout)
    synced = time.monotonic()

    txn = ovs.db.idl.Transaction(idl)
    changed = 0
    record_key = "fastovsdb:evacuated:" + args.chassis
    for group in list(idl.tables["HA_Chassis_Group"].rows.values()):
        if args.action == "restore":
            priority = group.external_ids.get(record_key)
            if priority is None:
                continue
            member = txn.insert(idl.tables["HA_Chassis"])
            member.chassis_name = args.chassis
            member.priority = int(priority)
            group.addvalue("ha_chassis", member)
            group.delkey("external_ids", record_key)
            changed += 1
            continue
        hit = [m for m in group.ha_chassis if m.chassis_name == args.chassis]
        for m in hit:
            group.delvalue("ha_chassis", m)
        if hit:
            changed += 1
    status = txn.commit_block() if changed else ovs.db.idl.Transaction.UNCHANGED
    end = time.monotonic()
    idl.close()
    ok = status in (ovs.db.idl.Transaction.SUCCESS, ovs.db.idl.Transaction.UNCHANGED) and changed > 0
    json.dump({"peer": "python-idl", "action": args.action, "seconds": end - start, "sync_seconds": synced - start,
               "commit_seconds": end - synced, "cpu_seconds": cpu_seconds(), "groups_changed": changed,
               "status": status, "error": None if ok else txn.get_error()}, sys.stdout, sort_keys=True)
    print()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
