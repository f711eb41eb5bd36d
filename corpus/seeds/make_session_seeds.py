#!/usr/bin/env python3
"""Writes corpus/seeds/session/*: server conversations for
fuzz/fuzz_session.cpp (its input format is described there).

Each conversation is written as the server would play it: the replies use
the request ids the session gives its requests, in the order it sends them
(standalone: 1 get_schema, then the data monitor; leader_only with three
remotes: 1 set_db_change_aware, 2 monitor _Server, 3 get_schema, then the
data monitor; user requests take the next id when they are made). Real
messages are sliced out of corpus/captures/nb_session.bin where there is
one; FASTOVSDB_FUZZ_VERBOSE is not needed: a tracer of the writes showed
the ids. Run from anywhere; rewrites the seeds it names, keeps the others.
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

DATA_MONID = ["monid", "OVN_Northbound"]
SERVER_MONID = ["monid", "_Server"]
ZERO_TXN = "00000000-0000-0000-0000-000000000000"
TXN_A = "11111111-2222-3333-4444-555555555555"
TXN_B = "11111111-2222-3333-4444-666666666666"
DB_ROW = "aaaaaaaa-0000-0000-0000-000000000002"
CID = "cccccccc-0000-0000-0000-000000000000"

# User request kinds of the target's 'R' operation.
TRANSACT, LIST_DBS, LOCK, UNLOCK, ECHO, STEAL, SET_CONDITION, GET_SCHEMA = range(8)


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


def server_row(name="OVN_Northbound", model="clustered", connected=True, leader=True, index=5):
    row = {"name": name, "model": model, "connected": connected, "leader": leader}
    if model == "clustered":
        row["index"] = index
        row["cid"] = ["uuid", CID]
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
    c.request(SET_CONDITION).feed(reply(nxt + 6, {}))
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
    c.request(SET_CONDITION).feed(error_reply(nxt + 4, "syntax error", "bad condition"))
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


def main():
    OUT.mkdir(exist_ok=True)
    for name, make in SEEDS.items():
        data = bytes(make().out)
        (OUT / name).write_bytes(data)
    print(f"wrote {len(SEEDS)} seeds to {OUT}")


if __name__ == "__main__":
    main()
