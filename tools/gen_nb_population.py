#!/usr/bin/python3
"""Prints the params of one OVN Northbound transact that builds a simulated
cluster's switches and ports (realistic columns: addresses, port_security,
external_ids, options, tags)."""
import argparse
import json


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--switches", type=int, default=10)
    ap.add_argument("--ports-per-switch", type=int, default=100)
    args = ap.parse_args()
    ops = []
    for s in range(args.switches):
        ports = []
        for p in range(args.ports_per_switch):
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
    print(json.dumps(["OVN_Northbound"] + ops))


if __name__ == "__main__":
    main()
