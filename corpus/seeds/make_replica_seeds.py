#!/usr/bin/env python3
"""Writes corpus/seeds/replica/<name>.txt: step lines for
fuzz/fuzz_replica.cpp (a update, b update2, c update3, s/t snapshot in
update2/update form, x clear) against the OVN Northbound schema: each seed
sets up real rows, then sends the malformed or inconsistent updates the
replica must refuse without changing anything, each as its own step."""
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent / "replica"
U1 = "11111111-0000-4000-8000-000000000001"
U2 = "11111111-0000-4000-8000-000000000002"
U3 = "11111111-0000-4000-8000-000000000003"

LSP = "Logical_Switch_Port"
PORT = {"name": "p1", "type": "", "tag": 5, "addresses": ["set", ["00:00:00:00:00:01"]],
        "options": ["map", [["a", "b"]]], "external_ids": ["map", []]}


def j(v):
    return json.dumps(v, separators=(",", ":"))


def step(op, table_updates):
    return op + (table_updates if isinstance(table_updates, str) else j(table_updates))


def one(table, uuid, row_update):
    return {table: {uuid: row_update}}


SEEDS = {
    "errors_update2": [
        step("b", one(LSP, U1, {"insert": PORT})),
        step("b", one(LSP, "not-a-uuid", {"insert": PORT})),
        step("b", one(LSP, U1, {"modify": {"tag": ["set", [6]]}})),  # 2 elements for max 1
        step("b", one(LSP, U2, 7)),
        step("b", one(LSP, U2, {"insert": PORT, "modify": {}})),
        step("b", one(LSP, U2, {"replace": PORT})),
        step("b", one(LSP, U1, {"insert": PORT})),  # already there
        step("b", one(LSP, U2, {"insert": 5})),
        step("b", one(LSP, U2, {"insert": {"nope": 1}})),
        step("b", one(LSP, U2, {"insert": {"_uuid": ["uuid", U2], "_version": ["uuid", U3], "name": "ok"}})),
        step("b", '{"%s":{"%s":{"insert":{"name":"a","name":"b"}}}}' % (LSP, U3)),
        step("b", one(LSP, U3, {"insert": {"tag": "x"}})),
        step("b", one(LSP, U3, {"delete": None})),  # not there
        step("b", one(LSP, U1, {"delete": {}})),
        step("b", one(LSP, U1, {"modify": 1})),
        step("b", one(LSP, U1, {"modify": {"nope": 1}})),
        step("b", one(LSP, U1, {"modify": {"tag": 99999}})),
        step("b", one("No_Table", U1, {"insert": {}})),
        step("b", {LSP: 5}),
        step("b", "[]"),
        step("b", one(LSP, U1, {"modify": {"options": ["map", [["a", "b"], ["c", "d"]]],
                                           "addresses": ["set", ["00:00:00:00:00:01", "x"]]}})),
        step("b", one(LSP, U1, {"delete": None})),
    ],
    "errors_update1": [
        step("a", one(LSP, U1, {"new": PORT})),
        step("a", one(LSP, U2, 7)),
        step("a", one(LSP, U2, {"newer": PORT})),
        step("a", '{"%s":{"%s":{"new":{"name":"a"},"new":{"name":"b"}}}}' % (LSP, U2)),
        step("a", one(LSP, U2, {"new": 5})),
        step("a", one(LSP, U2, {"old": 5})),
        step("a", one(LSP, U2, {"new": {"nope": 1}})),
        step("a", '{"%s":{"%s":{"new":{"name":"a","name":"b"}}}}' % (LSP, U2)),
        step("a", one(LSP, U2, {"new": {"tag": "x"}})),
        step("a", one(LSP, U2, {"old": {"name": "p1"}})),  # delete of a missing row
        step("a", one(LSP, U1, {"old": {"tag": 5}, "new": {"tag": 6, "name": "p1b"}})),
        step("a", one(LSP, U1, {"old": {"tag": 6}, "new": {"_uuid": ["uuid", U1], "tag": ["set", []]}})),
        step("a", one(LSP, U1, {"old": PORT})),
        step("a", one(LSP, U1, {})),
    ],
    "errors_snapshot": [
        step("s", {LSP: {U1: {"initial": PORT}, U2: {"initial": dict(PORT, name="p2")}}}),
        step("s", '{"%s":{"%s":{"initial":{"name":"a"}},"%s":{"initial":{"name":"b"}}}}' % (LSP, U1, U1)),
        step("s", one(LSP, U1, {"insert": PORT})),
        step("s", one(LSP, U1, "x")),
        step("t", one(LSP, U1, {"old": PORT, "new": PORT})),
        step("t", one(LSP, U1, {"new": 5})),
        step("t", {LSP: {U1: {"new": PORT}, U3: {"new": dict(PORT, name="p3", type="router")}}}),
        step("c", one(LSP, U3, {"modify": {"type": "localnet", "external_ids": ["map", [["k", "v"]]]}})),
        "x",
        step("c", one(LSP, U3, {"insert": dict(PORT, name="p3")})),
    ],
    "acl_index_churn": [
        step("b", {"ACL": {U1: {"insert": {"priority": 100, "direction": "to-lport", "action": "allow",
                                           "match": "ip4"}},
                           U2: {"insert": {"priority": 100, "direction": "to-lport", "action": "drop",
                                           "match": "ip6"}},
                           U3: {"insert": {"priority": 100, "direction": "to-lport", "action": "drop",
                                           "match": "arp"}}}}),
        step("b", {"ACL": {U2: {"modify": {"priority": 200}}, U1: {"delete": None}}}),
        step("b", {"ACL": {U3: {"modify": {"priority": 200}}}}),
        step("b", {"ACL": {U2: {"delete": None}, U3: {"modify": {"direction": "from-lport"}}}}),
        step("b", {"HA_Chassis": {U1: {"insert": {"chassis_name": "gw", "priority": 1}},
                                  U2: {"insert": {"chassis_name": "gw", "priority": 2}}}}),
        step("b", {"HA_Chassis": {U1: {"modify": {"chassis_name": "gw2"}}, U2: {"delete": None}}}),
    ],
}


def main():
    OUT.mkdir(exist_ok=True)
    for name, steps in SEEDS.items():
        (OUT / f"{name}.txt").write_text("\n".join(steps) + "\n")
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
