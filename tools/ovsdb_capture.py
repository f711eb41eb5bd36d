#!/usr/bin/python3
"""Records the raw bytes an ovsdb-server sends, for tests, fuzz seeds and the demo.

Usage: ovsdb_capture.py SOCKET OUT.bin SCRIPT.json

SCRIPT.json is a JSON array of steps, run in order:
  {"send": <JSON-RPC request>}       send it and wait for the reply with its id
  {"transact_file": "<path>"}        send a transact whose params are in a file
                                     (too large for a command line); not recorded
  {"shell": "<command>"}             run a shell command (e.g. ovn-nbctl ...)
  {"expect_notifications": N}        wait until N more notifications arrived
Everything received from the server is appended to OUT.bin byte for byte, in
the chunking the kernel delivered, with nothing added. Uses only the Python
standard library, so it captures what the server really sends rather than
what some client library re-serializes.
"""
import json
import socket
import subprocess
import sys


class Recorder:
    def __init__(self, path, out):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.out = out
        self.pending = ""
        self.decoder = json.JSONDecoder()
        self.messages = []

    def _read_messages(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise RuntimeError("server closed the connection")
        self.out.write(data)
        self.pending += data.decode("utf-8")
        while True:
            text = self.pending.lstrip()
            if not text:
                self.pending = ""
                return
            try:
                msg, end = self.decoder.raw_decode(text)
            except ValueError:
                self.pending = text
                return
            self.pending = text[end:]
            self.messages.append(msg)

    def _answer_echo(self, msg):
        if msg.get("method") == "echo" and msg.get("id") is not None:
            reply = {"result": msg["params"], "error": None, "id": msg["id"]}
            self.sock.sendall(json.dumps(reply).encode())

    def wait(self, predicate):
        while True:
            for i, msg in enumerate(self.messages):
                self._answer_echo(msg)
                if predicate(msg):
                    del self.messages[: i + 1]
                    return msg
            self.messages = [m for m in self.messages if m.get("method") != "echo"]
            self._read_messages()

    def send(self, request):
        self.sock.sendall(json.dumps(request).encode())
        return self.wait(lambda m: m.get("id") == request["id"] and "result" in m)

    def notifications(self, count):
        seen = 0
        while seen < count:
            self.wait(lambda m: m.get("method", "").startswith("update"))
            seen += 1


def main():
    sock_path, out_path, script_path = sys.argv[1:4]
    with open(script_path) as f:
        script = json.load(f)
    with open(out_path, "wb") as out:
        rec = Recorder(sock_path, out)
        for step in script:
            if "send" in step:
                reply = rec.send(step["send"])
                if reply.get("error") is not None:
                    print("server error: %s" % json.dumps(reply["error"]), file=sys.stderr)
            elif "transact_file" in step:
                with open(step["transact_file"]) as params:
                    request = {"id": "populate", "method": "transact", "params": json.load(params)}
                rec.out = open("/dev/null", "wb")
                reply = rec.send(request)
                rec.out = out
                if any(r and "error" in r for r in reply["result"]):
                    raise RuntimeError("populate failed: %s" % json.dumps(reply["result"])[-500:])
            elif "shell" in step:
                subprocess.run(step["shell"], shell=True, check=True, stdout=subprocess.DEVNULL)
            elif "expect_notifications" in step:
                rec.notifications(step["expect_notifications"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
