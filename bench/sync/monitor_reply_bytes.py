#!/usr/bin/python3
"""Counts the bytes of the monitor_cond reply a real ovsdb-server sends for
every table and column of a database (the initial dump every peer of the sync
benchmark has to read), and optionally saves them raw.

  monitor_reply_bytes.py SOCKET SCHEMA [--out FILE]

Prints {"bytes": N, "tables": T, "rows": R}. Unlike tools/ovsdb_capture.py,
which re-parses its whole buffer after every chunk (quadratic on a 40 MB
reply), this tries to parse only when the stream pauses. Standard library only.
"""
import argparse
import json
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("schema")
    ap.add_argument("--out")
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    schema = json.load(open(args.schema))
    requests = {t: [{"columns": sorted(d["columns"])}] for t, d in schema["tables"].items()}
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(args.timeout)
    sock.connect(args.socket)
    sock.sendall(json.dumps({"id": "dump", "method": "monitor_cond",
                             "params": [schema["name"], ["dump"], requests]}).encode())
    chunks = []
    total = 0
    sock.settimeout(0.2)
    waited = 0.0
    while True:
        try:
            data = sock.recv(1 << 20)
            if not data:
                raise RuntimeError("server closed the connection")
            chunks.append(data)
            total += len(data)
            waited = 0.0
            continue
        except socket.timeout:
            waited += 0.2
            if waited > args.timeout:
                raise RuntimeError("no complete reply within the timeout")
        if not chunks:
            continue
        buf = b"".join(chunks)
        chunks = [buf]
        try:
            reply, end = json.JSONDecoder().raw_decode(buf.decode("utf-8").lstrip())
        except ValueError:
            continue  # a pause mid-reply: keep reading
        if reply.get("id") != "dump" or reply.get("error") is not None:
            raise RuntimeError("unexpected reply: %s" % json.dumps(reply)[:300])
        break
    if args.out:
        with open(args.out, "wb") as f:
            f.write(buf)
    rows = sum(len(t) for t in reply["result"].values())
    json.dump({"bytes": total, "tables": len(reply["result"]), "rows": rows}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
