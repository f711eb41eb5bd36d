"""The ovsdb-servers the scenarios run against: one standalone server, or a
3-server RAFT cluster on loopback, each reset from a database file; their
pids and CPU time."""
import os
import shutil
import signal
import socket
import subprocess
import time

from .common import run_quiet


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
        run_quiet(["ovsdb-tool", "--election-timer=1000", "create-cluster", self._path(0, "db"), contents, raft[0]])
        for i in range(1, self.n):
            run_quiet(["ovsdb-tool", "join-cluster", self._path(i, "db"), self.db_name, raft[i], raft[0]])
        for i in range(self.n):
            run_quiet(["/usr/sbin/ovsdb-server", self._path(i, "db"), "--remote=punix:" + self.socks[i],
                       "--pidfile=" + self._path(i, "pid"), "--unixctl=" + self._path(i, "ctl"),
                       "--log-file=" + self._path(i, "log"), "--no-chdir", "--detach"])
        leader = self.wait_for_leader()
        self.leader_remote = "unix:" + self.socks[leader]

    def status(self, i):
        r = subprocess.run(["ovs-appctl", "--timeout=5", "-t", self._path(i, "ctl"), "cluster/status", self.db_name],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if r.returncode != 0:
            return None
        s = {}
        for line in r.stdout.splitlines():
            for key in ("Server ID", "Status", "Role", "Leader"):
                if line.startswith(key + ": "):
                    s[key] = line[len(key) + 2:].split(" ")[0] if key == "Server ID" else line[len(key) + 2:]
        return s

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
