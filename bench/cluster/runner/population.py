"""Builds the populated database files every scenario starts from (NB with
ports and HA groups, SB with Chassis, the evacuated NB every restore starts
from), once per work folder."""
import json
import os
import sys
import time

from .common import CHASSIS, NB_SCHEMA, PY, ROOT, SB_SCHEMA, log, run_quiet
from .peers import measure
from .servers import Standalone
from .verify import verify_ha

sys.path.insert(0, os.path.join(ROOT, "bench", "sync"))
from populate import Connection  # noqa: E402


def populate_nb(args, workdir, ports, groups, path):
    """A standalone NB server loaded with ports and groups, kept at path."""
    if os.path.exists(path):
        return json.load(open(path + ".json"))
    t = time.monotonic()
    s = Standalone(workdir, "populate-nb")
    s.start_from(NB_SCHEMA)
    try:
        r = measure([PY, os.path.join(ROOT, "bench", "sync", "populate.py"), s.remote, "--ports", str(ports),
                     "--ha-groups", str(groups), "--members", str(args.members)])
        # NB_Global, as in any real deployment.
        run_quiet(["ovn-nbctl", "--db=" + s.remote, "init"])
    finally:
        s.snapshot(path)
    info = dict(r["self"], ports=ports, groups=groups, members=args.members)
    json.dump(info, open(path + ".json", "w"))
    log("  NB populated: %d ports, %d groups x %d members: %d rows in %d transactions, %.1f s"
        % (ports, groups, args.members, info["rows"], info["transactions"], time.monotonic() - t))
    return info


def populate_sb(workdir, chassis, path):
    """A standalone SB server with `chassis` Chassis rows (one Encap each)."""
    if os.path.exists(path):
        return json.load(open(path + ".json"))
    t = time.monotonic()
    s = Standalone(workdir, "populate-sb")
    s.start_from(SB_SCHEMA)
    try:
        conn = Connection(s.remote, 600)
        rows = transactions = 0
        for first in range(0, chassis, 5000):
            ops = []
            for k in range(first, min(chassis, first + 5000)):
                ops.append({"op": "insert", "table": "Encap", "uuid-name": "e%d" % k,
                            "row": {"type": "geneve", "ip": "172.%d.%d.%d" % (k >> 16 & 255, k >> 8 & 255, k & 255),
                                    "chassis_name": "chassis-%d" % k}})
                ops.append({"op": "insert", "table": "Chassis",
                            "row": {"name": "chassis-%d" % k, "hostname": "host-%d" % k,
                                    "encaps": ["named-uuid", "e%d" % k],
                                    "other_config": ["map", [["ovn-cms-options", "enable-chassis-as-gw"]]]}})
            reply = conn.request("transact", ["OVN_Southbound"] + ops, "sb-%d" % first)
            if reply.get("error") is not None or any(r is None or "error" in r for r in reply.get("result") or []):
                raise RuntimeError("SB populate failed: %s" % json.dumps(reply)[:500])
            rows += len(ops)
            transactions += 1
        conn.sock.close()
    finally:
        s.snapshot(path)
    info = {"chassis": chassis, "rows": rows, "transactions": transactions, "seconds": time.monotonic() - t}
    json.dump(info, open(path + ".json", "w"))
    log("  SB populated: %d Chassis rows in %.1f s" % (chassis, info["seconds"]))
    return info



def populate_all(args, ctx, servers_dir):
    """Fills ctx with the database files (and their info) the chosen
    scenarios need."""
    sc = args.scenario_list
    log("populating")
    if {"sync", "pipeline"} & set(sc):
        ctx["nb_sync_info"] = populate_nb(args, args.workdir, args.ports, max(args.group_list),
                                          os.path.join(servers_dir, "nb-sync.db"))
        ctx["nb_sync_db"] = os.path.join(servers_dir, "nb-sync.db")
    if {"sync", "churn"} & set(sc):
        ctx["sb_info"] = populate_sb(args.workdir, args.chassis, os.path.join(servers_dir, "sb.db"))
        ctx["sb_db"] = os.path.join(servers_dir, "sb.db")
    if {"evacuation", "restore", "failover"} & set(sc):
        ctx["ha_db"] = {}
        for g in args.group_list:
            pristine = os.path.join(servers_dir, "nb-ha-%d.db" % g)
            populate_nb(args, args.workdir, 0, g, pristine)
            evacuated = os.path.join(servers_dir, "nb-ha-%d-evacuated.db" % g)
            if "restore" in sc and not os.path.exists(evacuated):
                # The state every restore starts from: evacuated by
                # fastovsdb, which records each group's old priority.
                s = Standalone(args.workdir, "evacuated-%d" % g)
                s.start_from(pristine)
                measure([ctx["bin"]["fastovsdb_evacuate"], s.remote, "--chassis", CHASSIS])
                verify_ha(s, g, args.members, "evacuate")
                s.snapshot(evacuated)
            ctx["ha_db"][g] = {"evacuate": pristine, "restore": evacuated}
    log("populated")
