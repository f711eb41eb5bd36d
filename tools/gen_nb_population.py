#!/usr/bin/python3
"""Prints the params of one OVN Northbound transact that builds a simulated
cluster's switches and ports (realistic columns: addresses, port_security,
external_ids, options, tags) and, with --ha-groups, its HA chassis groups
(HA_Chassis_Group "lxd-net<i>" with --members HA_Chassis rows each, named
"member-<j>", with priorities that depend only on (i, j), so every run builds
the same groups).

The functions are also used by bench/sync/populate.py, which sends the same
rows in several smaller transactions."""
import argparse
import json


def switch_ops(s, ports_per_switch):
    """Ops inserting switch number s and its ports."""
    ops = []
    ports = []
    for p in range(ports_per_switch):
        name = "lsp-%d-%d" % (s, p)
        mac = "0a:00:%02x:%02x:%02x:%02x" % (s >> 8, s & 255, p >> 8, p & 255)
        ip = "10.%d.%d.%d" % (s & 255, p >> 8, (p & 255) or 1)
        ops.append({"op": "insert", "table": "Logical_Switch_Port", "uuid-name": "p%d_%d" % (s, p),
                    "row": {"name": name,
                            "addresses": "%s %s" % (mac, ip),
                            "port_security": "%s %s" % (mac, ip),
                            "tag_request": p % 4095,
                            "enabled": True,
                            "external_ids": ["map", [["neutron:device_owner", "compute:nova"],
                                                     ["neutron:project_id", "project-%d" % (s % 7)],
                                                     ["neutron:revision_number", str(p % 13)]]],
                            "options": ["map", [["requested-chassis", "member-%d" % (p % 5)]]]}})
        ports.append(["named-uuid", "p%d_%d" % (s, p)])
    ops.append({"op": "insert", "table": "Logical_Switch",
                "row": {"name": "ls-%d" % s, "ports": ["set", ports],
                        "other_config": ["map", [["subnet", "10.%d.0.0/16" % (s & 255)]]]}})
    return ops


def ha_priority(group, member, members):
    """Distinct priorities within a group, rotated per network so that each
    member is the active one (highest) for some groups; stable across runs."""
    return 32767 - ((member - group) % members) * 10


def ha_group_ops(group, members):
    """Ops inserting HA_Chassis_Group lxd-net<group> and its members."""
    ops = []
    refs = []
    for m in range(members):
        uuid_name = "ha%d_%d" % (group, m)
        ops.append({"op": "insert", "table": "HA_Chassis", "uuid-name": uuid_name,
                    "row": {"chassis_name": "member-%d" % m,
                            "priority": ha_priority(group, m, members),
                            "external_ids": ["map", [["lxd:network", "lxd-net%d" % group]]]}})
        refs.append(["named-uuid", uuid_name])
    ops.append({"op": "insert", "table": "HA_Chassis_Group",
                "row": {"name": "lxd-net%d" % group, "ha_chassis": ["set", refs],
                        "external_ids": ["map", [["lxd:network", "lxd-net%d" % group]]]}})
    return ops


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--switches", type=int, default=10)
    ap.add_argument("--ports-per-switch", type=int, default=100)
    ap.add_argument("--ha-groups", type=int, default=0)
    ap.add_argument("--members", type=int, default=3)
    args = ap.parse_args()
    ops = []
    for s in range(args.switches):
        ops += switch_ops(s, args.ports_per_switch)
    for g in range(args.ha_groups):
        ops += ha_group_ops(g, args.members)
    print(json.dumps(["OVN_Northbound"] + ops))


if __name__ == "__main__":
    main()
