#!/usr/bin/env python3
"""Writes corpus/seeds/session/*: server conversations for
fuzz/fuzz_session.cpp, and corpus/seeds/session_model/*: scripts for the
model server of fuzz/fuzz_session_model.cpp (each target's input format is
described in its header comment).

Each conversation is written as the server would play it: the replies use
the request ids the session gives its requests, in the order it sends them
(standalone: 1 get_schema, then the data monitor; leader_only with three
remotes: 1 set_db_change_aware, 2 monitor _Server, 3 get_schema, then the
data monitor; user requests take the next id when they are made). Real
messages are sliced out of corpus/captures/nb_session.bin where there is
one. A set_condition takes an id for its handle and, when it goes out at
once (the monitor is live), the next one for its monitor_cond_change;
FASTOVSDB_FUZZ_VERBOSE=1 makes the target print what the session writes, so
a conversation's ids can be checked. Run from anywhere; rewrites the seeds
it names, keeps the others.
"""
import json
import pathlib

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE.parent
OUT = HERE / "session"
NB_SCHEMA = json.loads((CORPUS / "schemas" / "ovn-nb.ovsschema").read_text())
SERVER_SCHEMA = json.loads((CORPUS / "schemas" / "_Server.ovsschema").read_text())

# Options byte of the target.
LEADER_ONLY = 1   # three remotes, leader_only: the _Server watch runs
NO_REPLICA = 2
SMALL_LIMITS = 4
CHOSEN_TABLES = 8  # HA_Chassis_Group, HA_Chassis, NB_Global, Logical_Switch (where name == ls0)
PINNED_CID = 16    # cluster_id dddddddd-...
FUTURE_WANTS = 32  # with CHOSEN_TABLES: Future_Table and HA_Chassis.future_column too

DATA_MONID = ["monid", "OVN_Northbound"]
SERVER_MONID = ["monid", "_Server"]
ZERO_TXN = "00000000-0000-0000-0000-000000000000"
TXN_A = "11111111-2222-3333-4444-555555555555"
TXN_B = "11111111-2222-3333-4444-666666666666"
DB_ROW = "aaaaaaaa-0000-0000-0000-000000000002"
CID = "cccccccc-0000-0000-0000-000000000000"
OTHER_CID = "dddddddd-0000-0000-0000-000000000000"
TXN_C = "11111111-2222-3333-4444-777777777777"

# User request kinds of the target's 'R' operation.
TRANSACT, LIST_DBS, LOCK, UNLOCK, ECHO, STEAL, SET_CONDITION, GET_SCHEMA = range(8)
(HA_EVERY_ROW, HA_EMPTY_CONDITION, GROUP_G1, NB_GLOBAL_TRUE, SWITCH_LS1, NO_SUCH_TABLE,
 NOT_AN_ARRAY, HA_UNKNOWN_COLUMN, FUTURE_TABLE, CANCEL_MONITOR, RESUME_MONITOR,
 HA_PRIORITY_RANGES) = range(8, 20)
# What each sends as its monitor_cond_change "where" (SET_CONDITION: priority > 1).
WHERE = {
    SET_CONDITION: [["priority", ">", 1]],
    HA_EVERY_ROW: [True],
    HA_EMPTY_CONDITION: [],
    GROUP_G1: [["name", "==", "g1"]],
    NB_GLOBAL_TRUE: [True],
    SWITCH_LS1: [["name", "==", "ls1"], False],
    HA_UNKNOWN_COLUMN: [["nope", "==", 1]],
    HA_PRIORITY_RANGES: [["priority", "<", 20], ["priority", ">", 25]],
}


def captured_messages():
    text = (CORPUS / "captures" / "nb_session.bin").read_text()
    decoder, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        msg, j = decoder.raw_decode(text, i)
        out.append(msg)
        i = j


CAPTURE = captured_messages()
CAPTURED_UPDATE2 = [m for m in CAPTURE if m.get("method") == "update2"]
# The monitor_cond_since reply (found=false) and its initial rows.
CAPTURED_SINCE = next(m for m in CAPTURE if isinstance(m.get("result"), list) and m["result"][:1] == [False])
# The monitor_cond reply: the rows before the captured update2s.
INITIAL_ROWS = next(m for m in CAPTURE if isinstance(m.get("result"), dict)
                    and "HA_Chassis" in m["result"])["result"]
# The rows after them, as monitor_cond_since found=false sends them.
LATER_ROWS = CAPTURED_SINCE["result"][2]
# Transact replies: one failing at commit (trailing error), one at an op.
CAPTURED_TXN_ERRORS = [m for m in CAPTURE if isinstance(m.get("result"), list)
                       and any(isinstance(r, dict) and "error" in r for r in m["result"])]


def j(value):
    return json.dumps(value, separators=(",", ":"))


def reply(id_, result):
    return j({"id": id_, "result": result, "error": None})


def error_reply(id_, error, details=None):
    e = error if details is None else {"error": error, "details": details}
    return j({"id": id_, "result": None, "error": e})


def notify(method, params):
    return j({"id": None, "method": method, "params": params})


def server_row(name="OVN_Northbound", model="clustered", connected=True, leader=True, index=5, cid=CID):
    row = {"name": name, "model": model, "connected": connected, "leader": leader}
    if model == "clustered":
        row["index"] = index
        row["cid"] = ["uuid", cid]
    else:
        row["index"] = ["set", []]
        row["cid"] = ["set", []]
    return row


def server_db(row, uuid=DB_ROW, old=None):
    update = {"new": row}
    if old is not None:
        update["old"] = old
    return {"Database": {uuid: update}}


def update_as_update1(initial):
    """monitor (RFC 7047) form of the captured initial rows."""
    return {t: {u: {"new": r["initial"]} for u, r in rows.items()} for t, rows in initial.items()}


class Conv:
    def __init__(self, flags=0):
        self.out = bytearray([flags])

    def feed(self, *messages, chunk=0):
        """Server bytes in one 'F'. The low 5 bits of the length pick the
        chunk size the target feeds them in (0: all at once), so the bytes
        are padded with spaces (whitespace between messages) to make them
        say `chunk` (1..32) or all at once."""
        data = "".join(messages).encode()
        want = (chunk - 1) % 32 if chunk else 0
        data += b" " * ((want - len(data)) % 32)
        assert len(data) < 1 << 16
        self.out += b"F" + bytes([len(data) >> 8, len(data) & 0xFF]) + data
        return self

    def tick(self, n=1):
        self.out += b"T" + bytes([n])
        return self

    def disconnect(self):
        self.out += b"D"
        return self

    def fail_connect(self):
        self.out += b"C"
        return self

    def request(self, kind):
        self.out += b"R" + bytes([kind])
        return self

    def cancel(self, back=0):
        self.out += b"X" + bytes([back])
        return self


def schema_reply(id_, schema=NB_SCHEMA):
    return reply(id_, schema)


def standalone_sync(c, first_id=1, found=False, updates=INITIAL_ROWS, txn=TXN_A):
    """get_schema (first_id) and monitor_cond_since (first_id + 1)."""
    c.feed(schema_reply(first_id))
    c.feed(reply(first_id + 1, [found, txn, updates]))
    return first_id + 2


def clustered_open(c, row, first_id=1):
    """set_db_change_aware, monitor _Server, get_schema: ids first_id.."""
    c.feed(reply(first_id, {}), reply(first_id + 1, server_db(row)), schema_reply(first_id + 2))
    return first_id + 3


SEEDS = {}


def seed(fn):
    SEEDS[fn.__name__] = fn
    return fn


@seed
def standalone_updates():
    c = Conv()
    nxt = standalone_sync(c)
    c.feed(*(notify("update2", m["params"]) for m in CAPTURED_UPDATE2), chunk=17)
    c.feed(notify("update3", [DATA_MONID, TXN_B, {"HA_Chassis": {
        "7d8fc712-3b69-4870-83fd-a0bf9f4f6dd4": {"modify": {"priority": 30}}}}]))
    c.feed(j({"id": "echo-1", "method": "echo", "params": ["ping", {"n": 1}]}))
    c.feed(j({"id": 99, "method": "frobnicate", "params": []}))
    c.request(TRANSACT)
    c.feed(reply(nxt, CAPTURED_TXN_ERRORS[0]["result"]))
    c.request(TRANSACT)
    c.feed(reply(nxt + 1, CAPTURED_TXN_ERRORS[-1]["result"]))
    c.request(TRANSACT)
    c.feed(reply(nxt + 2, [{}]))
    c.request(LIST_DBS).feed(reply(nxt + 3, ["OVN_Northbound", "_Server"]))
    c.request(ECHO).feed(reply(nxt + 4, [1]))
    c.request(GET_SCHEMA).feed(reply(nxt + 5, SERVER_SCHEMA))
    # The handle is nxt + 6; the monitor_cond_change carrying it, nxt + 7.
    c.request(SET_CONDITION).feed(reply(nxt + 7, {}))
    # Idle: probe (echo) after the interval, then the probe timeout.
    c.tick(60).tick(60).tick(60).tick(60)
    return c


@seed
def reconnect_found_true():
    c = Conv()
    nxt = standalone_sync(c)
    c.feed(notify("update3", [DATA_MONID, TXN_B, {"HA_Chassis": {
        "2bcfe16a-03b9-4241-b3d7-c40a91800bbb": {"delete": None}}}]))
    c.disconnect().tick(10)
    # New connection: get_schema, then monitor_cond_since naming TXN_B.
    c.feed(schema_reply(nxt))
    c.feed(reply(nxt + 1, [True, TXN_B, {}]))
    c.feed(notify("update3", [DATA_MONID, TXN_A, {"HA_Chassis": {
        "7d8fc712-3b69-4870-83fd-a0bf9f4f6dd4": {"modify": {"chassis_name": "m2"}}}}]))
    c.disconnect().fail_connect().tick(30).tick(30)
    c.feed(schema_reply(nxt + 2))
    c.feed(reply(nxt + 3, [False, TXN_B, LATER_ROWS]))
    return c


@seed
def monitor_fallback():
    c = Conv()
    c.feed(schema_reply(1))
    c.feed(error_reply(2, "unknown method", "monitor_cond_since"))
    c.feed(error_reply(3, "unknown method", "monitor_cond"))
    c.feed(reply(4, update_as_update1(INITIAL_ROWS)))
    c.feed(notify("update", [DATA_MONID, {"HA_Chassis": {
        "7d8fc712-3b69-4870-83fd-a0bf9f4f6dd4": {"old": {"priority": 20}, "new": {
            "chassis_name": "member-2", "priority": 21}}}}]))
    c.feed(notify("update", [DATA_MONID, {"HA_Chassis": {
        "7d8fc712-3b69-4870-83fd-a0bf9f4f6dd4": {"old": {"chassis_name": "member-2", "priority": 21}}}}]))
    return c


@seed
def monitor_cond_reply():
    c = Conv()
    c.feed(schema_reply(1))
    c.feed(error_reply(2, "unknown method", "monitor_cond_since"))
    c.feed(reply(3, INITIAL_ROWS))
    c.feed(*(notify("update2", m["params"]) for m in CAPTURED_UPDATE2))
    c.feed(notify("monitor_canceled", [DATA_MONID]))
    c.feed(schema_reply(4))
    c.feed(reply(5, [False, TXN_A, INITIAL_ROWS]))
    return c


@seed
def cluster_leader_changes():
    c = Conv(LEADER_ONLY)
    nxt = clustered_open(c, server_row())
    c.feed(reply(nxt, [False, TXN_A, INITIAL_ROWS]))
    # Another election: index grows, this server stays leader, then loses it.
    c.feed(notify("update", [SERVER_MONID, server_db(server_row(index=6), old={"index": 5})]))
    c.feed(notify("update", [SERVER_MONID, server_db(server_row(leader=False, index=7),
                                                    old={"leader": True, "index": 6})]))
    # The second remote: a follower; the third: the leader, but stale index.
    nxt += 1
    nxt = clustered_open(c, server_row(leader=False, index=8), nxt)
    nxt = clustered_open(c, server_row(index=3), nxt)
    nxt = clustered_open(c, server_row(index=9), nxt)
    c.feed(reply(nxt, [True, TXN_A, {}]))
    return c


@seed
def cluster_disconnected_and_standalone():
    c = Conv(LEADER_ONLY)
    nxt = clustered_open(c, server_row(connected=False, leader=False))
    nxt = clustered_open(c, server_row(model="standalone"), nxt)
    c.feed(reply(nxt, [False, TXN_A, INITIAL_ROWS]))
    # The row goes away: the database is no longer served.
    c.feed(notify("update", [SERVER_MONID, {"Database": {DB_ROW: {"old": server_row(model="standalone")}}}]))
    # An old server without _Server.
    nxt += 1
    c.feed(reply(nxt, {}), error_reply(nxt + 1, "unknown database", "_Server"), schema_reply(nxt + 2))
    c.feed(reply(nxt + 3, [False, TXN_A, {}]))
    return c


# _Server replies a server must not send, one per seed (after a refused
# server the next remote is tried; after the third, backoff would need
# clock ticks that also fire probes, which would shift the ids).
def bad_row(**columns):
    row = server_row()
    row.update(columns)
    return server_db(row)


BAD_SERVER_REPLIES = {
    "name_not_string": reply(2, bad_row(name=5)),
    "connected_not_bool": reply(2, bad_row(connected="yes")),
    "index_two_elements": reply(2, bad_row(index=["set", [1, 2]])),
    "index_not_integer": reply(2, bad_row(index=["set", ["x"]])),
    "cid_not_uuid": reply(2, bad_row(cid=["uuid", 5])),
    "tables_not_object": reply(2, {"Database": 5}),
    "updates_not_object": reply(2, [1]),
    "row_update_not_object": reply(2, {"Database": {DB_ROW: 7}}),
    "new_not_object": reply(2, {"Database": {DB_ROW: {"new": 7}}}),
    "monitor_refused": error_reply(2, "permission error", "RBAC"),
    "relay_not_connected": reply(2, bad_row(model="relay", connected=False)),
}


def bad_server_seed(message):
    def make():
        c = Conv(LEADER_ONLY)
        c.feed(reply(1, {}), message)
        # The second remote: fine, then a bad update of its row.
        nxt = clustered_open(c, server_row(), 4)
        c.feed(reply(nxt, [False, TXN_A, {}]))
        c.feed(notify("update", [SERVER_MONID, {"Database": {DB_ROW: {"new": 5}}}]))
        return c
    return make


for _name, _message in BAD_SERVER_REPLIES.items():
    SEEDS["server_" + _name] = bad_server_seed(_message)


@seed
def locks():
    c = Conv()
    nxt = standalone_sync(c)
    c.request(LOCK).feed(reply(nxt, {"locked": False}))
    c.feed(notify("locked", ["l"]))
    c.feed(notify("stolen", ["l"]))
    c.request(STEAL).feed(reply(nxt + 1, {"locked": True}))
    c.feed(notify("locked", [5]), notify("stolen", ["other"]))
    c.disconnect().tick(10)
    # Reconnect: get_schema, the relock, then the monitor.
    c.feed(schema_reply(nxt + 2))
    c.feed(reply(nxt + 3, {"locked": True}))
    c.feed(reply(nxt + 4, [False, TXN_A, {}]))
    c.request(UNLOCK).feed(reply(nxt + 5, {}))
    c.request(LOCK).feed(error_reply(nxt + 6, "not allowed"))
    c.request(LOCK).feed(reply(nxt + 7, {"locked": "maybe"}))
    return c


@seed
def transact_errors():
    c = Conv(NO_REPLICA)
    c.feed(schema_reply(1))
    c.request(TRANSACT).feed(error_reply(2, "not leader"))
    c.request(TRANSACT).feed(reply(3, [{"error": "timed out"}]))
    c.request(TRANSACT).feed(reply(4, {"bad": "shape"}))
    c.request(TRANSACT).request(TRANSACT).cancel(0)
    c.feed(reply(5, [{}]), reply(6, [{}]))
    c.request(ECHO).request(LIST_DBS).cancel(1)
    c.feed(reply(8, ["OVN_Northbound"]), reply(7, [1]))
    c.feed(reply(12345, {}), j({"id": None, "result": {}, "error": None}))
    c.request(TRANSACT).request(GET_SCHEMA)
    c.disconnect()
    return c


@seed
def schema_problems():
    c = Conv()
    other = dict(NB_SCHEMA, name="OVN_Southbound")
    c.feed(reply(1, other))
    c.tick(20)
    c.feed(error_reply(2, "unknown database", "OVN_Northbound"))
    c.tick(40)
    c.feed(reply(3, {"name": "OVN_Northbound", "tables": 5}))
    c.tick(80)
    changed = json.loads(json.dumps(NB_SCHEMA))
    changed["version"] = "99.0.0"
    del changed["tables"]["ACL"]
    c.feed(schema_reply(4, changed))
    c.feed(reply(5, [False, TXN_A, {}]))
    # A schema change announced by the server (db_change_aware).
    c.feed(notify("monitor_canceled", [DATA_MONID]))
    c.feed(schema_reply(6))
    c.feed(reply(7, [False, TXN_A, INITIAL_ROWS]))
    return c


@seed
def hostile_replies():
    c = Conv()
    c.feed(schema_reply(1)[:3000])  # cut short by the peer closing
    c.disconnect().tick(30)
    c.feed(schema_reply(2))
    c.feed(reply(3, [True, TXN_A, {}]))  # found=true for a txn never named
    c.tick(100)
    c.feed(schema_reply(4))
    c.feed(reply(5, [False, TXN_A]))
    c.tick(100)
    c.feed(schema_reply(6))
    c.feed(reply(7, [False, TXN_A, {"No_Table": {}}]))
    c.tick(100)
    c.feed(schema_reply(8))
    c.feed(reply(9, [False, TXN_A, {}]))
    c.feed(notify("update2", [DATA_MONID]))
    c.tick(100)
    c.feed(schema_reply(10))
    c.feed(reply(11, [False, TXN_A, {}]))
    c.feed(notify("update3", [["monid", "other"], TXN_A, {}]))
    c.tick(100)
    c.feed(schema_reply(12))
    c.feed(reply(13, [False, TXN_A, {}]))
    c.feed(notify("update3", [DATA_MONID, {}]))
    c.tick(100)
    c.feed("[" * 20 + "]" * 20)
    c.tick(100)
    c.feed("x" * 5000)
    return c


@seed
def queued_requests():
    """Requests made before the server is accepted wait in the queue; some
    are canceled there, too many are refused, a drop keeps them queued."""
    c = Conv(LEADER_ONLY)
    for kind in (TRANSACT, LIST_DBS, ECHO, GET_SCHEMA, LOCK):
        c.request(kind)
    c.cancel(0).cancel(2)
    for _ in range(70):
        c.request(ECHO)
    c.disconnect().tick(20)
    # Second remote (ids of the first open: 1-3; requests 4-8 and 9-72,
    # of which 64 fit; the second open starts after them).
    c.fail_connect().tick(40)
    for _ in range(3):
        c.request(TRANSACT).cancel(0)
    c.tick(100)
    return c


@seed
def queue_flushed_on_accept():
    c = Conv(LEADER_ONLY)
    c.request(LIST_DBS).request(ECHO).request(TRANSACT)  # ids 4, 5, 6
    c.cancel(1)
    nxt = clustered_open(c, server_row())  # flushes 4 and 6, then monitors (7)
    c.feed(reply(4, ["OVN_Northbound", "_Server"]), reply(6, [{}]))
    c.feed(reply(nxt + 3, [False, TXN_A, INITIAL_ROWS]), chunk=32)
    # Handle nxt + 4, its monitor_cond_change nxt + 5.
    c.request(SET_CONDITION).feed(error_reply(nxt + 5, "syntax error", "bad condition"))
    return c


@seed
def monitor_edge_cases():
    c = Conv(LEADER_ONLY)
    nxt = clustered_open(c, server_row())
    # An update before the monitor's reply, then a monitor refused outright.
    c.feed(notify("update2", [DATA_MONID, {}]))
    nxt = clustered_open(c, server_row(index=6), nxt + 1)
    c.feed(error_reply(nxt, "permission error", "RBAC"))
    nxt = clustered_open(c, server_row(index=7), nxt + 1)
    c.feed(reply(nxt, [False, TXN_A, INITIAL_ROWS]))
    # The server drops the _Server monitor (db_change_aware): asked again.
    c.feed(notify("monitor_canceled", [SERVER_MONID]))
    c.feed(reply(nxt + 1, server_db(server_row(index=8))))
    c.feed(reply(99999, {}), error_reply(99998, "unknown"))
    c.feed(notify("update2", [["monid", "nobody"], {}]))
    return c


@seed
def small_limits():
    c = Conv(SMALL_LIMITS | NO_REPLICA)
    c.feed(schema_reply(1))  # beyond 4096 bytes
    c.tick(100)
    c.feed('{"id":2,"result":' + "[" * 12 + "]" * 12 + ',"error":null}')
    c.tick(100)
    c.request(ECHO).feed(reply(3, [1]), chunk=3)
    return c

# ---------------------------------------------------- monitor conditions
# Ids: a set_condition takes one for its handle and, sent at once, the next
# one for its monitor_cond_change (see the module docstring).

GROUP_ROW = "e0d940f5-a19a-44be-95b6-3df3b4109883"
MEMBER_2 = "7d8fc712-3b69-4870-83fd-a0bf9f4f6dd4"


def deletes(table, *uuids, txn=TXN_B):
    """The update3 a server sends for rows leaving a condition."""
    return notify("update3", [DATA_MONID, txn, {table: {u: {"delete": None} for u in uuids}}])


@seed
def conditions_on_several_tables():
    c = Conv()
    nxt = standalone_sync(c)  # ids 1, 2
    assert nxt == 3
    # priority > 1: every row stays, so the server sends only the reply.
    c.request(SET_CONDITION).feed(reply(4, {}))  # handle 3, change 4
    # name == g1: the group leaves; its delete comes before the reply.
    c.request(GROUP_G1).feed(deletes("HA_Chassis_Group", GROUP_ROW), reply(6, {}))  # 5, 6
    c.request(NB_GLOBAL_TRUE).feed(reply(8, {}))  # 7, 8
    c.request(SWITCH_LS1).feed(reply(10, {}))  # 9, 10
    # Refused by the session itself, at once: 11, 12.
    c.request(NO_SUCH_TABLE).request(NOT_AN_ARRAY)
    # Refused by the server.
    c.request(HA_UNKNOWN_COLUMN).feed(
        error_reply(14, "unknown column", "No column nope in table HA_Chassis."))  # 13, 14
    # Every row, in both spellings ("" goes out as [true]).
    c.request(HA_EVERY_ROW).feed(reply(16, {}))  # 15, 16
    c.request(HA_EMPTY_CONDITION).feed(reply(18, {}))  # 17, 18
    # One change on the wire, a second waits as new, a third supersedes it.
    c.request(SET_CONDITION)  # 19, change 20
    c.request(HA_PRIORITY_RANGES)  # 21: waits
    c.request(HA_EVERY_ROW)  # 22: supersedes 21
    c.feed(reply(20, {}))  # 19 done; 22 goes out as 23
    c.feed(reply(23, {}))
    # A change on the wire when the connection drops: sent again after a
    # full snapshot (the server may have applied it).
    c.request(GROUP_G1)  # 24, change 25
    c.disconnect().tick(10)
    c.feed(schema_reply(26))
    c.feed(reply(27, [False, TXN_C, INITIAL_ROWS]))  # asked since the zero txn
    c.feed(deletes("HA_Chassis_Group", GROUP_ROW, txn=TXN_C), reply(28, {}))  # 24 done
    # The monitor canceled with a condition set meanwhile, then resumed.
    c.request(HA_PRIORITY_RANGES)  # 29, change 30
    c.request(CANCEL_MONITOR)  # monitor_cancel 31
    c.feed(deletes("HA_Chassis", MEMBER_2, txn=TXN_C), reply(30, {}), reply(31, {}))
    c.request(SET_CONDITION)  # 32: waits for a monitor
    c.request(RESUME_MONITOR)  # 33 done at once; monitor_cond_since 34
    c.feed(reply(34, [True, TXN_C, {}]))
    c.feed(reply(35, {}))  # 32's change
    return c


@seed
def conditions_cluster_resume():
    c = Conv(LEADER_ONLY | CHOSEN_TABLES)
    nxt = clustered_open(c, server_row())  # 1-3
    # The monitor carries Logical_Switch's configured where.
    c.feed(reply(nxt, [False, TXN_A, INITIAL_ROWS]))  # 4
    c.request(HA_PRIORITY_RANGES)  # 5, change 6: member-2 (20) leaves
    c.feed(deletes("HA_Chassis", MEMBER_2), reply(6, {}))
    # Losing a served leader: the next remote at once (7-9 written).
    c.disconnect()
    c.request(GROUP_G1)  # 10: the monitor is not live, so it waits as new
    c.feed(reply(7, {}), reply(8, server_db(server_row(index=6))), schema_reply(9))
    # The resume names TXN_B under the acknowledged conditions; the new one
    # goes out once the monitor is live.
    c.feed(reply(11, [True, TXN_C, {"HA_Chassis": {
        "2bcfe16a-03b9-4241-b3d7-c40a91800bbb": {"modify": {"priority": 11}}}}]))
    c.feed(deletes("HA_Chassis_Group", GROUP_ROW, txn=TXN_C), reply(12, {}))
    c.request(SWITCH_LS1).feed(error_reply(14, "syntax error", "Parse error in condition."))  # 13, 14
    c.request(NB_GLOBAL_TRUE).feed(reply(16, {}))  # 15, 16
    return c


def without_columns(schema, table, *columns, version="9.9.9"):
    s = json.loads(json.dumps(schema))
    s["version"] = version
    for col in columns:
        del s["tables"][table]["columns"][col]
    return s


def without_tables(schema, *tables, version="9.9.9"):
    """The schema without `tables` and without the columns that refer to
    them (an older schema would have neither)."""
    s = json.loads(json.dumps(schema))
    s["version"] = version
    for t in tables:
        del s["tables"][t]
    for table in s["tables"].values():
        for name, column in list(table["columns"].items()):
            ty = column["type"] if isinstance(column["type"], dict) else {}
            refs = [part.get("refTable") for part in (ty.get("key"), ty.get("value"))
                    if isinstance(part, dict)]
            if any(r in tables for r in refs):
                del table["columns"][name]
    return s


def rows_without(rows, table, column):
    out = json.loads(json.dumps(rows))
    for row in out.get(table, {}).values():
        for value in row.values():
            value.pop(column, None)
    return out


@seed
def schema_missing_column():
    """The server's schema lacks a monitored column (an older server in a
    rolling upgrade): the monitor leaves it out, a condition naming it is
    refused, and the upgrade brings it back."""
    c = Conv(CHOSEN_TABLES)
    c.feed(schema_reply(1, without_columns(NB_SCHEMA, "HA_Chassis", "priority")))
    c.feed(reply(2, [False, TXN_A, rows_without(INITIAL_ROWS, "HA_Chassis", "priority")]))
    c.request(HA_PRIORITY_RANGES).feed(
        error_reply(4, "unknown column", "No column priority in table HA_Chassis."))  # 3, 4
    c.request(HA_EVERY_ROW).feed(reply(6, {}))  # 5, 6
    # Upgraded: the database changed under the monitor (db_change_aware).
    c.feed(notify("monitor_canceled", [DATA_MONID]))
    c.feed(schema_reply(7))
    c.feed(reply(8, [False, TXN_B, INITIAL_ROWS]))
    c.request(HA_PRIORITY_RANGES).feed(deletes("HA_Chassis", MEMBER_2), reply(10, {}))  # 9, 10
    return c


@seed
def schema_missing_table():
    """No HA_Chassis_Group table, and none of the NB_Global columns wanted:
    both are left out of the monitor; conditions for them are refused at
    once, others go out."""
    c = Conv(CHOSEN_TABLES)
    skewed = without_tables(NB_SCHEMA, "HA_Chassis_Group")
    skewed = without_columns(skewed, "NB_Global", "nb_cfg", "sb_cfg", "hv_cfg")
    c.feed(schema_reply(1, skewed))
    c.feed(reply(2, [False, TXN_A, {"HA_Chassis": INITIAL_ROWS["HA_Chassis"]}]))
    c.request(GROUP_G1).request(NB_GLOBAL_TRUE)  # 3, 4: refused, no request
    c.request(SWITCH_LS1).feed(reply(6, {}))  # 5, 6
    c.disconnect().tick(10)
    # The same schema again: nothing reported twice, the replica kept.
    c.feed(schema_reply(7, skewed))
    c.feed(reply(8, [True, TXN_A, {}]))
    return c


@seed
def schema_future_wants():
    """The client wants a table and a column no server has yet."""
    c = Conv(CHOSEN_TABLES | FUTURE_WANTS)
    c.feed(schema_reply(1))
    c.feed(reply(2, [False, TXN_A, INITIAL_ROWS]))
    c.request(FUTURE_TABLE)  # 3: refused at once
    c.request(SET_CONDITION).feed(reply(5, {}))  # 4, 5
    return c


@seed
def server_relay_for_writer():
    """A relay is never the leader but forwards transactions: a writer
    (leader_only) is served by it, until it loses its source."""
    c = Conv(LEADER_ONLY)
    relay = server_row(model="relay", leader=False)
    nxt = clustered_open(c, relay)  # 1-3
    c.feed(reply(nxt, [False, TXN_A, INITIAL_ROWS]))  # 4
    c.request(SET_CONDITION).feed(reply(6, {}))  # 5, 6
    c.request(TRANSACT).feed(reply(7, [{}]))
    c.feed(notify("update", [SERVER_MONID, server_db(server_row(model="relay", leader=False, connected=False),
                                                    old={"connected": True})]))
    # The next remote: another relay, connected.
    nxt = clustered_open(c, relay, 8)  # 8-10
    c.feed(reply(nxt, [True, TXN_B, {}]))
    return c


@seed
def server_second_cid():
    """The first clustered server pins the cluster id; a member of another
    cluster is refused, one of the same cluster serves."""
    c = Conv(LEADER_ONLY)
    nxt = clustered_open(c, server_row())  # 1-3, cid CID
    c.feed(reply(nxt, [False, TXN_A, INITIAL_ROWS]))  # 4
    c.disconnect()
    nxt = clustered_open(c, server_row(index=6, cid=OTHER_CID), 5)  # 5-7: refused
    nxt = clustered_open(c, server_row(index=7), 8)  # 8-10
    c.feed(reply(nxt, [True, TXN_A, {}]))
    return c


@seed
def server_pinned_cid():
    """cluster_id configured: a clustered server of another cluster is
    refused from the first look."""
    c = Conv(LEADER_ONLY | PINNED_CID)
    nxt = clustered_open(c, server_row())  # 1-3, cid CID: refused
    nxt = clustered_open(c, server_row(cid=OTHER_CID), 4)  # 4-6
    c.feed(reply(nxt, [False, TXN_A, INITIAL_ROWS]))
    return c


# ------------------------------------------------ fuzz_session_model seeds
# Scripts for the model server of fuzz/fuzz_session_model.cpp: what the
# server commits, what the user asks for, and how the network behaves.
MODEL_OUT = HERE / "session_model"
# Session bugs the model found: fixed ones are replayed by CTest with the
# seeds; open ones only on request (FASTOVSDB_FUZZ_STRICT=1: the target
# tolerates them otherwise), until fixed.
MODEL_FIXED_OUT = CORPUS / "regressions" / "session_model"
MODEL_OPEN_OUT = CORPUS / "regressions" / "fuzz_session_model"

M_HISTORY, M_WATCH_SERVER, M_OLD_SERVER, M_SKEW, M_SHORT_HISTORY = 1, 2, 4, 8, 16
M_NAMES = ["", "a", "b", "x"]
# The target's condition list, by index.
(M_EVERY, M_EMPTY, M_TRUE, M_NAME_A, M_N_LT_3, M_N_GE_2, M_B_OR_N_LT_1, M_MIXED, M_FALSE,
 M_EXTRA_IS_1, M_WRONG_TYPE, M_ORDER_ON_STRING, M_N_LT_3_OR_EXTRA_GE_2, M_NOT_ARRAY) = range(14)
M_TABLES = {"T": 0, "U": 1, "V": 2}


class ModelConv:
    def __init__(self, flags=0, t_where=M_EVERY):
        assert t_where < 8
        self.out = bytearray([flags | t_where << 5])

    def _op(self, op, *args):
        self.out += op.encode() + bytes(args)
        return self

    def insert(self, table, name, n):
        return self._op("i", M_TABLES[table] | M_NAMES.index(name) << 1, n)

    def delete(self, table, k):
        """The k-th row of the table in uuid order (insertion order)."""
        return self._op("d", M_TABLES[table] | k << 1)

    def rename(self, table, k, name):
        return self._op("m", M_TABLES[table] | k << 1, 1 | M_NAMES.index(name) << 1)

    def renumber(self, table, k, n):
        return self._op("m", M_TABLES[table] | k << 1, n << 1)

    def begin(self):
        return self._op("[")

    def commit(self):
        return self._op("]")

    def condition(self, table, cond):
        return self._op("c", M_TABLES[table], cond)

    def server_reads(self, k=0):
        return self._op("s", k)

    def delivers(self, k=0):
        return self._op("g", k)

    def delivers_part_then_drops(self, nbytes):
        return self._op("p", nbytes)

    def drop(self):
        return self._op("D")

    def fail_connect(self):
        return self._op("C")

    def tick(self, n=1):
        return self._op("T", n)

    def restart_toggling_history(self):
        return self._op("H")

    def set_extra(self, k, v):
        """U.extra of U's k-th row (schema 1.1.0 only)."""
        return self._op("x", k << 1 | 1, v)

    def convert(self):
        """The server converts the database to the other schema version
        (1.0.0 <-> 1.1.0, which adds U.extra)."""
        return self._op("u")

    def server_echo(self):
        return self._op("e")

    def run(self):
        return self._op("a")


MODEL_SEEDS = {}
MODEL_FIXED = {}
MODEL_OPEN = {}


def model_seed(fn):
    MODEL_SEEDS[fn.__name__] = fn
    return fn


def model_fixed(fn):
    MODEL_FIXED[fn.__name__] = fn
    return fn


def model_open(fn):
    MODEL_OPEN[fn.__name__] = fn
    return fn


@model_seed
def model_conditions_standalone():
    c = ModelConv()
    c.run()
    c.insert("T", "a", 3).insert("T", "b", 1).insert("U", "x", 5).insert("U", "", 0).run()
    c.condition("T", M_NAME_A).run()          # b leaves T
    c.condition("U", M_N_LT_3).run()          # x leaves U
    c.insert("T", "a", 7).insert("T", "x", 2).insert("U", "b", 2).run()
    c.condition("T", M_B_OR_N_LT_1).run()     # a disjunction: b, or n < 1
    c.renumber("T", 0, 0).run()               # a,3 -> a,0 enters
    c.condition("T", M_TRUE).run()
    c.condition("U", M_FALSE).run()
    c.condition("U", M_EMPTY).run()
    return c


@model_seed
def model_conditions_rejected():
    c = ModelConv(M_SKEW, t_where=M_N_GE_2)
    c.run()
    c.insert("T", "a", 3).insert("U", "b", 1).run()
    c.condition("T", M_EXTRA_IS_1).run()       # no column extra
    c.condition("T", M_WRONG_TYPE).run()      # a string for an integer
    c.condition("T", M_ORDER_ON_STRING).run()  # "<" on a string
    c.condition("T", M_NOT_ARRAY).run()       # refused by the session
    c.condition("U", M_EXTRA_IS_1).run()       # U.extra: wanted, not on the server
    c.condition("V", M_TRUE).run()            # V: wanted, not on the server
    c.condition("T", M_NAME_A).run()
    return c


@model_seed
def model_change_meets_commits():
    """A condition change reaches the server between commits; the client
    sees commits under the old condition, then the change's rows, then the
    reply, then commits under the new one."""
    c = ModelConv()
    c.run()
    c.insert("T", "a", 1).insert("T", "b", 5).run()
    c.condition("T", M_N_GE_2)
    c.insert("T", "x", 4)                     # before the server reads the change
    c.server_reads()
    c.insert("T", "a", 6).renumber("T", 0, 3)  # after it
    c.delivers(1).delivers(1).delivers()
    c.run()
    return c


@model_seed
def model_superseded_conditions():
    c = ModelConv(M_HISTORY)
    c.run()
    c.insert("T", "a", 1).insert("T", "b", 2).insert("U", "a", 3).run()
    c.condition("T", M_NAME_A)                # on the wire
    c.condition("T", M_N_LT_3)                # waits
    c.condition("T", M_N_GE_2)                # supersedes the one waiting
    c.condition("U", M_FALSE)                 # another table: its own change on the wire
    c.server_reads(1).delivers()
    c.run()
    return c


@model_seed
def model_change_lost_with_connection():
    """The server applies a change but the reply never arrives: the next
    connection must fetch a full snapshot (found=false) under the last
    acknowledged condition, then send the change again."""
    c = ModelConv(M_HISTORY)
    c.run()
    c.insert("T", "a", 1).insert("T", "b", 2).run()
    c.condition("T", M_NAME_A).server_reads()
    c.delivers(1)                             # the delete of b, not the reply
    c.drop()
    c.insert("T", "x", 3)
    c.run()
    return c


@model_seed
def model_half_delivered():
    c = ModelConv(M_HISTORY)
    c.run()
    c.insert("T", "a", 1).insert("T", "b", 2).insert("U", "x", 4).run()
    c.condition("T", M_N_GE_2).server_reads()
    c.delivers_part_then_drops(40)            # cut inside the update3
    c.run()
    c.insert("T", "a", 5).run()
    c.condition("U", M_B_OR_N_LT_1).server_reads()
    c.delivers_part_then_drops(200)           # the update3 whole, the reply cut
    c.tick(20).run()
    # Cut inside the monitor reply.
    c.drop().tick(20).server_reads().delivers_part_then_drops(60)
    c.tick(20).run()
    return c


@model_seed
def model_history_resume():
    """A clustered server keeps a history: reconnecting resumes since the
    last transaction seen (found=true), under the acknowledged condition."""
    c = ModelConv(M_HISTORY, t_where=M_N_LT_3)
    c.run()
    c.insert("T", "a", 1).insert("T", "b", 5).run()
    c.drop()
    c.insert("T", "x", 2).renumber("T", 1, 0).delete("T", 0)
    c.tick(20).run()
    c.condition("T", M_NAME_A).run()
    c.drop().insert("T", "a", 4).tick(20).run()
    return c


@model_seed
def model_history_ages_out():
    """Two transactions of history: the client's falls out of it while it
    is away, so the server answers found=false with a snapshot."""
    c = ModelConv(M_HISTORY | M_SHORT_HISTORY)
    c.run()
    c.insert("T", "a", 1).run()
    c.drop()
    c.insert("T", "b", 2).insert("T", "x", 3).insert("U", "a", 1).delete("T", 0)
    c.tick(20).run()
    c.restart_toggling_history()              # standalone now: no history at all
    c.insert("T", "a", 6).tick(20).run()
    c.restart_toggling_history()              # clustered again, history empty
    c.tick(20).run()
    return c


@model_seed
def model_old_server():
    """No monitor_cond_since: monitor_cond, update2 without transaction ids."""
    c = ModelConv(M_OLD_SERVER)
    c.run()
    c.insert("T", "a", 1).insert("T", "b", 3).run()
    c.condition("T", M_N_GE_2).run()
    c.drop().insert("T", "x", 4).tick(20).run()
    c.condition("T", M_MIXED).server_reads().delivers_part_then_drops(30)
    c.tick(20).run()
    return c


@model_seed
def model_watch_server():
    """leader_only: the session watches _Server; a clustered server's index
    moves with every commit."""
    c = ModelConv(M_HISTORY | M_WATCH_SERVER)
    c.run()
    c.insert("T", "a", 1).insert("U", "b", 2).run()
    c.condition("U", M_NAME_A).run()
    c.restart_toggling_history()              # back as a standalone server
    c.tick(20).run()
    c.insert("T", "x", 3).run()
    return c


@model_seed
def model_transactions():
    """Several rows per transaction; a row inserted and deleted in one, and
    one changed and changed back."""
    c = ModelConv(M_HISTORY)
    c.run()
    c.begin().insert("T", "a", 1).insert("T", "b", 2).insert("U", "x", 3).commit().run()
    c.begin().insert("T", "x", 4).delete("T", 2).commit().run()
    c.begin().renumber("T", 0, 5).renumber("T", 0, 1).commit().run()
    c.condition("T", M_N_GE_2)
    c.begin().renumber("T", 1, 7).rename("T", 0, "b").commit()
    c.run()
    return c


@model_seed
def model_probes_and_failures():
    c = ModelConv()
    c.run()
    c.insert("T", "a", 1).run()
    c.server_echo().run()
    c.tick(60).tick(60)                       # silence: a probe, then its timeout
    c.fail_connect().tick(30).fail_connect().tick(60)
    c.run()
    c.condition("T", M_NAME_A).tick(60).run()
    return c


@model_seed
def model_schema_upgrade():
    """The database is converted to 1.1.0 under a db_change_aware session
    that wants U.extra: monitor_canceled, the new schema, a snapshot with
    the column; conditions on it become valid."""
    c = ModelConv(M_WATCH_SERVER | M_SKEW)
    c.run()
    c.insert("U", "a", 1).insert("U", "b", 4).run()
    c.condition("U", M_EXTRA_IS_1).run()      # refused: no such column yet
    c.convert().run()
    c.set_extra(0, 1).run()
    c.condition("U", M_EXTRA_IS_1).run()      # now valid: only a (extra 1) stays
    c.set_extra(1, 1).set_extra(0, 0).run()   # b enters, a leaves
    c.condition("U", M_EVERY).run()
    c.convert().run()                         # back to 1.0.0: extra gone
    return c


@model_seed
def model_condition_column_not_monitored():
    """A condition on U.extra, which the session does not monitor: the
    server tracks the column for the condition, and a change of it alone
    is an empty modify."""
    c = ModelConv()
    c.run()
    c.insert("U", "a", 1).insert("U", "b", 5).run()
    c.convert()                               # not db_change_aware: a drop
    c.tick(20).run()
    c.condition("U", M_N_LT_3_OR_EXTRA_GE_2).run()
    c.set_extra(0, 3).run()                   # a stays (n < 3): {"modify":{}}
    c.set_extra(1, 2).run()                   # b enters
    c.set_extra(1, 0).run()                   # b leaves
    c.condition("U", M_TRUE).run()
    c.set_extra(0, 1).run()                   # still tracked: another empty modify
    c.drop().tick(20).run()
    return c


@model_seed
def model_conversion_crosses_change():
    """A condition change on the wire when the server cancels the monitor:
    the server answers it "unknown monitor session", the session sends it
    again on the new monitor."""
    c = ModelConv(M_WATCH_SERVER | M_HISTORY)
    c.run()
    c.insert("T", "a", 1).insert("T", "b", 4).run()
    c.condition("T", M_N_GE_2)
    c.convert()                               # monitor_canceled queued first
    c.server_reads()                          # then the change: unknown monitor
    c.run()
    return c


@model_seed
def model_conversion_races_monitor_request():
    """The database is converted after the server answered get_schema but
    before it reads the monitor request: there is no monitor to cancel, so
    the session goes on with the schema it has until it reconnects."""
    c = ModelConv(M_WATCH_SERVER)
    c.insert("U", "a", 1)
    c.server_reads().delivers()               # _Server, schema 1.0.0
    c.convert()                               # 1.1.0 before the monitor request
    c.run()
    c.set_extra(0, 2).run()
    c.drop().tick(20).run()                   # the next connection: 1.1.0
    return c


@model_open
def condition_on_a_column_the_schema_loses():
    """KNOWN SESSION BUG (replays only with FASTOVSDB_FUZZ_STRICT=1 until
    fixed). Schema 1.1.0: U's condition becomes [["extra","==",1]],
    acknowledged. The database is converted back to 1.0.0 (no U.extra): the
    session reconnects, leaves extra out of the monitored columns, but its
    monitor_cond_since still carries the acknowledged where naming extra;
    the server refuses the monitor ("unknown column") and the session
    stops for good (SessionStopped) instead of monitoring what exists."""
    c = ModelConv()
    c.run()
    c.convert().tick(20).run()
    c.condition("U", M_EXTRA_IS_1).run()
    c.convert()
    return c


@model_fixed
def stale_txn_id_after_condition_change_that_moved_no_row():
    """Fixed in 266d4ce (the id no longer names the replica until the next
    update3). T's condition is name == a; txn 2 inserts (x,5), invisible;
    txn 3 inserts (a,3): update3, last-txn-id 3; txn 4 renumbers (x,5) to
    (x,1), invisible. The condition becomes n >= 2: no row enters or leaves,
    so the server sends only the reply, and the replica keeps txn 3 as its
    last id although it now reflects n >= 2 as of txn 4. After a reconnect,
    monitor_cond_since(n >= 2, txn 3) is answered found=true with the
    changes since txn 3 under n >= 2: "delete" of (x,...) (it matched n >= 2
    as of txn 3, not now), a row the replica never had: the session calls
    the honest server's reply an inconsistent update and reconnects for a
    full snapshot."""
    c = ModelConv(M_HISTORY, t_where=M_NAME_A)
    c.run()
    c.insert("T", "x", 5).insert("T", "a", 3).run()
    c.renumber("T", 0, 1).run()
    c.condition("T", M_N_GE_2).run()
    c.drop()
    return c


def main_model():
    MODEL_OUT.mkdir(exist_ok=True)
    for name, make in MODEL_SEEDS.items():
        (MODEL_OUT / name).write_bytes(bytes(make().out))
    for out, regressions in ((MODEL_FIXED_OUT, MODEL_FIXED), (MODEL_OPEN_OUT, MODEL_OPEN)):
        out.mkdir(parents=True, exist_ok=True)
        for name, make in regressions.items():
            (out / name).write_bytes(bytes(make().out))
        # A bug moves from open to fixed: no stale copy left behind.
        other = MODEL_OPEN if regressions is MODEL_FIXED else MODEL_FIXED
        for name in other:
            (out / name).unlink(missing_ok=True)
    print(f"wrote {len(MODEL_SEEDS)} seeds to {MODEL_OUT}, {len(MODEL_FIXED)} fixed-bug "
          f"regressions to {MODEL_FIXED_OUT}, {len(MODEL_OPEN)} open-bug ones to {MODEL_OPEN_OUT}")


def main():
    OUT.mkdir(exist_ok=True)
    for name, make in SEEDS.items():
        data = bytes(make().out)
        (OUT / name).write_bytes(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")
    main_model()


if __name__ == "__main__":
    main()
