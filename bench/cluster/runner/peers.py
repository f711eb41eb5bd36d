"""How each peer process is run and measured (GNU time around it, its last
JSON line) and where the built C++ peers are found."""
import json
import os
import signal
import subprocess
import tempfile
import time

from .common import ROOT, fail


def last_json(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def measure(cmd, env=None, check=True, timeout=None):
    """Runs cmd under GNU time: its wall time (measured here), CPU (user+sys
    of the process and every child it waited for) and peak RSS (GNU time's,
    because a child forked from this Python process would inherit its
    high-water mark), its stdout and its last JSON line. With a timeout, the
    whole process group (GNU time and cmd) is killed when it expires and
    exit_code is -9."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        start = time.monotonic()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%U %S %M", "-o", tf.name] + cmd, stdout=out, stderr=err,
                             env=env, start_new_session=timeout is not None)
        try:
            code = p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            code = -9
        wall = time.monotonic() - start
        fields = (tf.read().split() or ["0", "0", "0"])[-3:]
    out.seek(0)
    err.seek(0)
    text = out.read().decode("utf-8", "replace")
    errtext = err.read().decode("utf-8", "replace")
    if check and code != 0:
        raise RuntimeError("%s failed (%d): %s" % (os.path.basename(cmd[0]), code, errtext[-2000:]))
    try:
        cpu, rss = float(fields[0]) + float(fields[1]), int(fields[2])
    except ValueError:  # GNU time killed before it wrote its line
        cpu, rss = None, None
    return {"wall_seconds": wall, "cpu_seconds": cpu, "max_rss_kb": rss, "exit_code": code,
            "stdout_bytes": len(text.encode()), "self": last_json(text), "stdout": text, "stderr": errtext}


def reset_and_run(server, snapshot, cmd, env=None):
    server.start_from(snapshot)
    return measure(cmd, env=env)


# The C++ tools each scenario runs (restore's population runs fastovsdb_evacuate).
SCENARIO_BINS = {"sync": ("fastovsdb_sync_bench",), "evacuation": ("fastovsdb_evacuate", "floor_evacuate"),
                 "restore": ("fastovsdb_evacuate", "floor_evacuate"), "churn": ("chassis_churn_monitor",),
                 "pipeline": ("fastovsdb_sync_bench",), "failover": ("failover_evacuate",)}


def find_bin(args):
    """The folder holding every tool the chosen scenarios need: --bin-dir, or
    the build/*/bench folder most recently built."""
    needed = sorted({n for sc in args.scenario_list for n in SCENARIO_BINS.get(sc, ())})

    def newest(d):
        times = [os.path.getmtime(os.path.join(d, n)) for n in needed if os.path.exists(os.path.join(d, n))]
        return -max(times) if times else 0
    dirs = [args.bin_dir] if args.bin_dir else sorted(
        (os.path.join(ROOT, "build", d, "bench") for d in os.listdir(os.path.join(ROOT, "build"))), key=newest)
    for d in dirs:
        if d and all(os.access(os.path.join(d, n), os.X_OK) for n in needed):
            return {n: os.path.join(d, n) for n in needed}
    fail("needs %s built (Release, -DFASTOVSDB_BUILD_BENCHMARKS=ON, e.g. cmake --preset bench) in one folder; "
         "pass --bin-dir" % ", ".join(needed))
