"""The ovsdb-servers the scenarios run against: one standalone server, or a
3-server RAFT cluster on loopback, each reset from a database file; their
pids and CPU time; a watcher of the cluster's elections."""
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

from .common import run_quiet

# The RAFT election timer every cluster is created with (ovsdb-tool
# create-cluster --election-timer); the failover target is set against it.
ELECTION_TIMER_MS = 1000


def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Standalone:
    """One ovsdb-server on a unix socket, reset from a database file copy."""

    def __init__(self, workdir, name):
        self.dir, self.name = workdir, name
        self.db = os.path.join(workdir, name + ".db")
        self.sock = os.path.join(workdir, name + ".sock")
        self.pidfile = os.path.join(workdir, name + ".pid")
        self.remote = self.leader_remote = "unix:" + self.sock

    def start_from(self, contents):
        self.stop()
        if contents.endswith(".ovsschema"):
            if os.path.exists(self.db):
                os.remove(self.db)
            run_quiet(["ovsdb-tool", "create", self.db, contents])
        else:
            shutil.copyfile(contents, self.db)
        # --detach returns once the server listens.
        run_quiet(["/usr/sbin/ovsdb-server", self.db, "--remote=punix:" + self.sock, "--pidfile=" + self.pidfile,
                   "--unixctl=" + os.path.join(self.dir, self.name + ".ctl"),
                   "--log-file=" + os.path.join(self.dir, self.name + ".log"), "--no-chdir", "--detach"])

    def pids(self):
        try:
            return [int(open(self.pidfile).read())]
        except (OSError, ValueError):
            return []

    def stop(self):
        for pid in self.pids():
            stop_pid(pid)
        if os.path.exists(self.pidfile):
            os.remove(self.pidfile)

    def snapshot(self, path):
        """Stops the server and keeps its (compacted) database file at path."""
        self.stop()
        run_quiet(["ovsdb-tool", "compact", self.db])
        shutil.copyfile(self.db, path)


def stop_pid(pid, sig=signal.SIGTERM):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not alive(pid):
            return
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)


def alive(pid):
    """A detached server's parent is init, which in a container may never
    reap it: a zombie counts as gone."""
    try:
        stat = open("/proc/%d/stat" % pid).read()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Cluster:
    """Three ovsdb-servers in one RAFT cluster on loopback (raft over
    tcp:127.0.0.1, clients on unix sockets), created from a standalone
    database file (ovsdb-tool create-cluster / join-cluster)."""

    def __init__(self, workdir, name, schema, members=3):
        self.dir, self.name, self.n = workdir, name, members
        self.db_name = run_quiet(["ovsdb-tool", "schema-name", schema]).strip()
        self.socks = [os.path.join(workdir, "%s%d.sock" % (name, i)) for i in range(members)]
        self.remote = ",".join("unix:" + s for s in self.socks)
        self.leader_remote = None
        self.procs = []

    def _path(self, i, ext):
        return os.path.join(self.dir, "%s%d.%s" % (self.name, i, ext))

    def start_from(self, contents):
        self.stop()
        raft = ["tcp:127.0.0.1:%d" % p for p in free_ports(self.n)]
        for i in range(self.n):
            if os.path.exists(self._path(i, "db")):
                os.remove(self._path(i, "db"))
        run_quiet(["ovsdb-tool", "--election-timer=%d" % ELECTION_TIMER_MS, "create-cluster", self._path(0, "db"),
                   contents, raft[0]])
        for i in range(1, self.n):
            run_quiet(["ovsdb-tool", "join-cluster", self._path(i, "db"), self.db_name, raft[i], raft[0]])
        for i in range(self.n):
            run_quiet(["/usr/sbin/ovsdb-server", self._path(i, "db"), "--remote=punix:" + self.socks[i],
                       "--pidfile=" + self._path(i, "pid"), "--unixctl=" + self._path(i, "ctl"),
                       "--log-file=" + self._path(i, "log"), "--no-chdir", "--detach"])
        leader = self.wait_for_leader()
        self.leader_remote = "unix:" + self.socks[leader]

    def ctl(self, i):
        """Member i's unixctl socket (ovs-appctl -t)."""
        return self._path(i, "ctl")

    def status(self, i):
        r = subprocess.run(["ovs-appctl", "--timeout=5", "-t", self.ctl(i), "cluster/status", self.db_name],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if r.returncode != 0:
            return None
        return parse_cluster_status(r.stdout)

    def leader(self):
        """The member every live member agrees leads (and every one a
        cluster member), or None."""
        st = [self.status(i) for i in range(self.n)]
        leaders = [i for i, s in enumerate(st) if s and s.get("Role") == "leader"]
        if len(leaders) != 1:
            return None
        lid = st[leaders[0]]["Server ID"]
        for i, s in enumerate(st):
            if s and i != leaders[0] and (s.get("Status") != "cluster member" or s.get("Leader") != lid):
                return None
        return leaders[0]

    def wait_for_leader(self, timeout=30, other_than=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            leader = self.leader()
            if leader is not None and leader != other_than:
                return leader
            time.sleep(0.1)
        raise RuntimeError("cluster %s has no leader after %d s" % (self.name, timeout))

    def pid(self, i):
        try:
            return int(open(self._path(i, "pid")).read())
        except (OSError, ValueError):
            return None

    def pids(self):
        return [p for p in (self.pid(i) for i in range(self.n)) if p]

    def stop(self):
        for pid in self.pids():
            stop_pid(pid)
        for i in range(self.n):
            if os.path.exists(self._path(i, "pid")):
                os.remove(self._path(i, "pid"))


def parse_cluster_status(text):
    """The fields of `cluster/status DB` the runner reads: Server ID and
    Leader (short ids), Status, Role, Term, Election timer."""
    s = {}
    for line in text.splitlines():
        for key in ("Server ID", "Status", "Role", "Leader", "Term", "Election timer"):
            if line.startswith(key + ": "):
                value = line[len(key) + 2:]
                s[key] = value.split(" ")[0] if key == "Server ID" else value
    return s


class Unixctl:
    """One persistent JSON-RPC connection to an ovsdb-server's unixctl
    socket (what ovs-appctl speaks, without a process per call: a
    cluster/status round trip is ~0.1 ms here against ~16 ms for
    ovs-appctl), so an election can be watched at a fine interval."""

    def __init__(self, path, timeout=1.0):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = ""
        self.next_id = 0
        self.decoder = json.JSONDecoder()

    def call(self, method, *params):
        self.next_id += 1
        self.sock.sendall(json.dumps({"method": method, "params": list(params), "id": self.next_id}).encode())
        while True:
            try:
                obj, end = self.decoder.raw_decode(self.buf.lstrip())
                self.buf = self.buf.lstrip()[end:]
                if obj.get("id") == self.next_id:
                    if obj.get("error") is not None:
                        raise RuntimeError("unixctl %s: %s" % (method, obj["error"]))
                    return obj.get("result")
                continue
            except ValueError:
                pass
            data = self.sock.recv(65536)
            if not data:
                raise OSError("unixctl connection closed")
            self.buf += data.decode("utf-8", "replace")

    def close(self):
        self.sock.close()


class ElectionWatch:
    """Polls cluster/status of the given members every `interval` seconds in
    a thread (one persistent unixctl connection each) and records, on
    time.monotonic() (CLOCK_MONOTONIC, the clock of the C++ tools'
    steady_clock), when one of them first reports itself leader in a term
    after `old_term` (or a follower names one), and when every watched
    member agrees on it (one leader, the others following it).
    Each poll's time is when its reply arrived; the server answered between
    the request and the reply, so an event is placed within one interval
    plus one round trip. Every change of a member's (role, term, leader) is
    kept as a transition."""

    def __init__(self, cluster, members, old_term, interval=0.02):
        self.cluster, self.members, self.old_term, self.interval = cluster, list(members), old_term, interval
        self.conns = {i: Unixctl(cluster.ctl(i)) for i in self.members}
        self.stop_event = threading.Event()
        self.elected = None      # (time, member, term): first seen, by the leader or a follower
        self.sids = {}           # Server ID -> member
        self.agreed = None       # (time, leader member, term)
        self.transitions = []    # (time, member, role, term, leader id)
        self.polls = 0
        self.errors = 0
        self.gaps = []           # between consecutive poll rounds
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def _run(self):
        last, prev = {}, None
        while not self.stop_event.is_set():
            t0 = time.monotonic()
            if prev is not None:
                self.gaps.append(t0 - prev)
            prev = t0
            st = {}
            for i, conn in self.conns.items():
                try:
                    st[i] = parse_cluster_status(conn.call("cluster/status", self.cluster.db_name))
                except (OSError, RuntimeError, ValueError):
                    self.errors += 1
                    continue
                now = time.monotonic()
                self.polls += 1
                key = (st[i].get("Role"), st[i].get("Term"), st[i].get("Leader"))
                if last.get(i) != key:
                    last[i] = key
                    self.transitions.append((now, i) + key)
                if st[i].get("Server ID"):
                    self.sids[st[i]["Server ID"]] = i
                term = int(st[i].get("Term") or 0)
                if self.elected is None and term > self.old_term:
                    # The member itself, or a follower that already names it.
                    if st[i].get("Role") == "leader":
                        self.elected = (now, i, term)
                    elif st[i].get("Leader") not in (None, "unknown", "self"):
                        self.elected = (now, self.sids.get(st[i]["Leader"]), term)
            if self.elected is not None and self.agreed is None:
                lterm = self.elected[2]
                leaders = [i for i in self.members if i in st and st[i].get("Role") == "leader" and
                           int(st[i].get("Term") or 0) == lterm]
                if len(leaders) == 1:
                    sid = st[leaders[0]].get("Server ID")
                    if all(i in st and int(st[i].get("Term") or 0) == lterm and
                           (i == leaders[0] or st[i].get("Leader") == sid) for i in self.members):
                        self.agreed = (time.monotonic(), leaders[0], lterm)
            self.stop_event.wait(max(0.0, self.interval - (time.monotonic() - t0)))

    def wait_agreed(self, timeout):
        deadline = time.monotonic() + timeout
        while self.agreed is None and time.monotonic() < deadline and self.thread.is_alive():
            time.sleep(0.01)
        return self.agreed

    def stop(self):
        self.stop_event.set()
        self.thread.join(5)
        for conn in self.conns.values():
            conn.close()


def server_cpu(server):
    hz = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in server.pids():
        try:
            f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
            total += (int(f[11]) + int(f[12])) / hz
        except (OSError, IndexError, ValueError):
            pass
    return total



def make_server(mode, workdir, name, schema):
    return Cluster(workdir, name, schema) if mode == "cluster" else Standalone(workdir, name)
