#!/usr/bin/env python3
"""Writes corpus/seeds/planner/ from the readable scenarios below.

Each scenario is encoded in the byte format that fuzz/fuzz_planner.cpp's
decode() reads (documented there); FASTOVSDB_FUZZ_VERBOSE=1 fuzz_planner
<seed> prints a seed back as groups, members and records.

Usage: corpus/seeds/make_planner_seeds.py [output-dir]
"""
import os
import sys

ODD = ["", "-1", "32768", "abc", " 5", "5 ", "+5", "-0", "007", "99999999999999999999",
       "0x10", "1e3", "00000000000000000000032767", "-32768"]


def chars(s):
    assert len(s) < 24 and all(32 <= ord(c) < 127 for c in s), s
    return [len(s)] + [ord(c) - 32 for c in s]


# ---- chassis names (the pool) ----
def lit(s): return [0] + chars(s)
def hv(n): return [1, n]                       # "hv<n>", n < 8
def row_uuid(k): return [2, k]                 # uuid text of the k-th HA_Chassis row made
def group_uuid(k): return [3, k]               # uuid text of the k-th group
def row_uuid_upper(k): return [4, k]
def uuid_shaped(hex32): return [5] + list(bytes.fromhex(hex32))
def drop_last(i): return [6, i, 0]             # pool name i without its last char
def append(i, c): return [6, i, 1, ord(c) - 32]
def upper(i): return [6, i, 2]
EMPTY = [7]


# ---- group names ----
def gw(): return [0]                           # "gw-<index>"
def gname(i): return [1, i]                    # pool name i
def glit(s): return [2] + chars(s)
def grow_uuid(k): return [3, k & 0x7f]
def ggroup_uuid(k): return [3, 0x80 | k]


# ---- members ----
def new(name, priority):                       # a new row: pool name index, priority
    assert name < 0x80 and 0 <= priority < 32768
    return [name, priority >> 8, priority & 255]
def share(row): return [0x80, row]             # the k-th row made so far, shared


# ---- external_ids ----
def record(name, priority): return [0, name, priority >> 8, priority & 255]
def odd_record(name, value): return [1, name, ODD.index(value)]
def other_key(n): return [2, n]                # "k<n>" = "v"
def near_key(name, mode): return [3, name, mode]  # 0 no colon, 1 suffix "x", 2 upper prefix


# ---- target ----
def target(name): return [0, name]             # pool name index
def target_row_uuid(k): return [5, k]
def target_group_uuid(k): return [6, k]
def target_absent(n): return [7, n]


# ---- a concurrent change the plans must not commit over ----
NONE, PRIORITY, JOIN, OTHERS_LEAVE, RECORD = range(5)


def scenario(pool, groups, tgt, force=False, bump=False, nb_cfg=None, restore_first=False, conflict=(NONE, 0)):
    flags = force | bump << 1 | (nb_cfg is not None) << 2 | restore_first << 3
    out = [flags]
    if nb_cfg is not None:
        out += [nb_cfg >> 8, nb_cfg & 255]
    assert 1 <= len(pool) <= 16 and len(groups) <= 32
    out.append(len(pool) - 1)
    for name in pool:
        out += name
    out.append(len(groups))
    for name, members, ext in groups:
        assert len(members) < 6 and len(ext) < 4
        out += name + [len(members)]
        for m in members:
            out += m
        out.append(len(ext))
        for e in ext:
            out += e
    return bytes(out + tgt + list(conflict))


def original_bug_groups():
    # tests/unit/ovn/planner_test.cpp's cluster: hv1 in three groups; other
    # chassis NAMED like hv1's row uuids and like a group uuid; "HV1".
    # Rows are made in order: 0 hv1@30, 1 hv2@20, 2 hv2@10, 3 hv1@15, ...
    return [
        (gw(), [new(0, 30), new(1, 20)], []),
        (gw(), [new(1, 10), new(0, 15), new(4, 5)], []),
        (gw(), [new(2, 1), new(0, 7), new(5, 3)], []),
        (gw(), [new(3, 9), new(6, 8), new(7, 2)], []),
    ]


ORIGINAL_POOL = [lit("hv1"), hv(2), lit("hv10"), hv(3), row_uuid(0), group_uuid(3), row_uuid(3), upper(0)]

SEEDS = {
    "original_bug": scenario(ORIGINAL_POOL, original_bug_groups(), target(0)),
    # The chassis whose NAME is hv1's row uuid: only its own group is touched.
    "original_bug_uuid_named_chassis": scenario(ORIGINAL_POOL, original_bug_groups(), target(4)),
    "original_bug_group_uuid_named_chassis": scenario(ORIGINAL_POOL, original_bug_groups(), target(5)),
    # A target equal to a row's uuid text in upper case, and one of no chassis.
    "original_bug_row_uuid_target": scenario(ORIGINAL_POOL, original_bug_groups(), target_row_uuid(3)),
    "original_bug_case": scenario(ORIGINAL_POOL, original_bug_groups(), target(7)),
    "member_in_many_groups": scenario(
        [hv(1), hv(2), hv(3), row_uuid(0)],
        [(gw(), [new(0, 100 + i), new(1 + i % 2, i), new(3, 7)], [other_key(i)]) for i in range(20)],
        target(0), bump=True, nb_cfg=41),
    "names_colliding_across_groups": scenario(
        [hv(1), hv(2), row_uuid(2), group_uuid(1), lit("gw-0")],
        [
            (gname(0), [new(1, 5), new(0, 6)], []),          # a group named hv1
            (ggroup_uuid(0), [new(2, 1), new(0, 2)], []),    # named like the first group's uuid
            (grow_uuid(0), [new(3, 3), new(4, 4)], []),      # named like a row uuid
            (gname(4), [new(0, 9), new(1, 9)], []),          # "gw-0" twice: the second is "gw-0+"
        ],
        target(0)),
    "only_member_refusal": scenario(
        [hv(1), hv(2)],
        [(glit("gw-a"), [new(0, 1)], []), (glit("gw-b"), [new(0, 2), new(1, 3)], []),
         (glit("gw-c"), [new(0, 4)], [])],
        target(0)),
    "only_member_forced": scenario(
        [hv(1), hv(2)],
        [(glit("gw-a"), [new(0, 1)], []), (glit("gw-b"), [new(0, 2), new(1, 3)], [])],
        target(0), force=True, bump=True, nb_cfg=7),
    "only_member_twice": scenario(
        [hv(1), hv(2)],
        [(glit("dup"), [new(0, 4), new(0, 9)], []), (glit("other"), [new(1, 1)], [])],
        target(0)),
    "records_already_present": scenario(
        [hv(1), hv(2), lit("hv")],
        [
            (gw(), [new(0, 30), new(1, 20)], [record(0, 12)]),  # overwritten by the evacuation
            (gw(), [new(1, 10)], [record(0, 7), record(1, 3)]),  # restore adds hv1 here too
            (gw(), [new(1, 11), new(2, 5)], [near_key(0, 0), near_key(0, 1), near_key(0, 2)]),
            (gw(), [new(0, 1), new(2, 2)], [record(2, 4), other_key(1)]),  # "hv" is not "hv1"
        ],
        target(0), restore_first=True),
    "record_unreadable": scenario(
        [hv(1), hv(2)],
        [(gw(), [new(0, 3), new(1, 4)], []), (gw(), [new(1, 5)], [odd_record(0, "abc")])],
        target(0)),
    "record_odd_but_valid": scenario(
        [hv(1), hv(2)],
        [(gw(), [new(1, 5)], [odd_record(0, "-0")]), (gw(), [new(1, 6)], [odd_record(0, "007")]),
         (gw(), [new(1, 7)], [odd_record(0, "00000000000000000000032767")])],
        target(0), restore_first=True),
    "restore_already_back": scenario(
        [hv(1), hv(2)],
        [(gw(), [new(0, 5), new(1, 6)], [record(0, 9)]), (gw(), [new(0, 4), new(1, 2)], [record(0, 4)])],
        target(0), restore_first=True),
    "shared_rows": scenario(
        [hv(1), hv(2)],
        [(gw(), [new(0, 5), new(1, 6)], []), (gw(), [share(0), share(1)], []),
         (gw(), [share(0), new(0, 8), new(1, 1)], [record(0, 2)])],
        target(0), restore_first=True),
    "empty_names": scenario(
        [EMPTY, hv(1)],
        [(glit(""), [new(0, 1)], []), (gw(), [new(0, 2), new(1, 3)], [record(0, 5)]),
         (glit("z"), [new(0, 3)], [])],
        target(0)),
    "uuid_shaped_names": scenario(
        [uuid_shaped("0123456789abcdef0123456789abcdef"), row_uuid_upper(1), row_uuid(1), drop_last(2),
         append(2, "0")],
        [(gw(), [new(0, 1), new(1, 2), new(2, 3), new(3, 4), new(4, 5)], []),
         (gw(), [new(2, 6)], [])],
        target(2), force=True),
    "bump_without_nb_global": scenario([hv(1), hv(2)], [(gw(), [new(0, 1), new(1, 2)], [])], target(0),
                                       bump=True),
    "absent_target": scenario([hv(1), hv(2)], [(gw(), [new(0, 1), new(1, 2)], [record(1, 3)])],
                              target_absent(9), restore_first=True),
    "group_uuid_target": scenario([group_uuid(0), hv(1)], [(gw(), [new(0, 1), new(1, 2)], [])],
                                  target_group_uuid(0)),
    "empty_replica": scenario([hv(1)], [], target(0), restore_first=True),
    "conflict_priority": scenario(ORIGINAL_POOL, original_bug_groups(), target(0), conflict=(PRIORITY, 1)),
    "conflict_join": scenario(ORIGINAL_POOL, original_bug_groups(), target(0), conflict=(JOIN, 3)),
    "conflict_others_leave": scenario(ORIGINAL_POOL, original_bug_groups(), target(0), force=True,
                                      conflict=(OTHERS_LEAVE, 0)),
    "conflict_record": scenario(
        [hv(1), hv(2)],
        [(gw(), [new(0, 5), new(1, 6)], [record(0, 9)]), (gw(), [new(1, 2)], [record(0, 4)])],
        target(0), restore_first=True, conflict=(RECORD, 1)),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "planner")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    # The all-zero input: one pool name, no group.
    with open(os.path.join(out, "empty_input"), "wb") as f:
        f.write(b"")
    print(f"wrote {len(SEEDS) + 1} seeds to {out}")


if __name__ == "__main__":
    main()
