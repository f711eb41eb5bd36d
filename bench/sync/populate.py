#!/usr/bin/python3
"""Loads a simulated cluster into a real OVN Northbound ovsdb-server, fast:
the rows of tools/gen_nb_population.py sent as a few large transactions over
one connection (ovsdb-client transact cannot take arguments this big).

  populate.py REMOTE [--ports N] [--ports-per-switch P] [--batch-ports B]
                     [--ha-groups G] [--members M]

REMOTE is unix:PATH or tcp:127.0.0.1:PORT. --ports is the total number of
Logical_Switch_Port rows (in switches of --ports-per-switch ports, the last
one smaller if needed). Prints one JSON line: rows inserted, transactions,
seconds and request bytes sent. Python standard library only.
"""
import argparse
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import gen_nb_population  # noqa: E402


class Connection:
    def __init__(self, remote, timeout):
        kind, _, where = remote.partition(":")
        if kind == "unix":
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(where)
        elif kind == "tcp":
            host, _, port = where.rpartition(":")
            self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        else:
            raise ValueError("remote must be unix:PATH or tcp:HOST:PORT")
        self.decoder = json.JSONDecoder()
        self.pending = ""

    def request(self, method, params, request_id):
        self.sock.sendall(json.dumps({"id": request_id, "method": method, "params": params}).encode())
        while True:
            msg = self._next()
            if msg.get("method") == "echo" and msg.get("id") is not None:
                self.sock.sendall(json.dumps({"id": msg["id"], "result": msg["params"], "error": None}).encode())
            elif msg.get("id") == request_id:
                return msg

    def _next(self):
        while True:
            text = self.pending.lstrip()
            if text:
                try:
                    msg, end = self.decoder.raw_decode(text)
                    self.pending = text[end:]
                    return msg
                except ValueError:
                    pass
            data = self.sock.recv(1 << 20)
            if not data:
                raise RuntimeError("server closed the connection")
            self.pending = text + data.decode("utf-8")


def batches(args):
    """Lists of ops, each at most about --batch-ports ports (whole switches)."""
    batch, ports_in_batch = [], 0
    remaining, s = args.ports, 0
    while remaining > 0:
        n = min(args.ports_per_switch, remaining)
        batch += gen_nb_population.switch_ops(s, n)
        ports_in_batch += n
        remaining -= n
        s += 1
        if ports_in_batch >= args.batch_ports:
            yield batch
            batch, ports_in_batch = [], 0
    for g in range(args.ha_groups):
        batch += gen_nb_population.ha_group_ops(g, args.members)
    if batch:
        yield batch


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("remote")
    ap.add_argument("--ports", type=int, default=100000)
    ap.add_argument("--ports-per-switch", type=int, default=500)
    ap.add_argument("--batch-ports", type=int, default=20000)
    ap.add_argument("--ha-groups", type=int, default=0)
    ap.add_argument("--members", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    conn = Connection(args.remote, args.timeout)
    start = time.monotonic()
    rows = transactions = sent_bytes = 0
    for i, ops in enumerate(batches(args)):
        params = ["OVN_Northbound"] + ops
        sent_bytes += len(json.dumps(params))
        reply = conn.request("transact", params, "populate-%d" % i)
        results = reply.get("result") or []
        errors = [r for r in results if r is None or "error" in r]
        if reply.get("error") is not None or errors:
            print("populate failed in transaction %d: %s" % (i, json.dumps(reply.get("error") or errors[:3])),
                  file=sys.stderr)
            return 1
        rows += len(ops)
        transactions += 1
    json.dump({"rows": rows, "transactions": transactions, "seconds": time.monotonic() - start,
               "request_bytes": sent_bytes}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
