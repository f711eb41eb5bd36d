"""How each peer process is run and measured (GNU time around it, its last
JSON line) and where the built C++ peers are found."""
import json
import os
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


def measure(cmd, env=None, check=True):
    """Runs cmd under GNU time: its wall time (measured here), CPU (user+sys
    of the process and every child it waited for) and peak RSS (GNU time's,
    because a child forked from this Python process would inherit its
    high-water mark), its stdout and its last JSON line."""
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        start = time.monotonic()
        p = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", tf.name] + cmd, stdout=out, stderr=err,
                           env=env)
        wall = time.monotonic() - start
        fields = (tf.read().split() or ["0", "0", "0"])[-3:]
    out.seek(0)
    err.seek(0)
    text = out.read().decode("utf-8", "replace")
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (os.path.basename(cmd[0]), p.returncode,
                                                   err.read().decode("utf-8", "replace")[-2000:]))
    return {"wall_seconds": wall, "cpu_seconds": float(fields[0]) + float(fields[1]), "max_rss_kb": int(fields[2]),
            "exit_code": p.returncode, "stdout_bytes": len(text.encode()), "self": last_json(text), "stdout": text}


def reset_and_run(server, snapshot, cmd, env=None):
    server.start_from(snapshot)
    return measure(cmd, env=env)


def find_bin(args):
    needed = ("fastovsdb_sync_bench", "fastovsdb_evacuate", "floor_evacuate", "chassis_churn_monitor",
              "failover_evacuate")
    dirs = [args.bin_dir] if args.bin_dir else sorted(
        (os.path.join(ROOT, "build", d, "bench") for d in os.listdir(os.path.join(ROOT, "build"))),
        key=lambda d: -os.path.getmtime(os.path.join(d, "chassis_churn_monitor"))
        if os.path.exists(os.path.join(d, "chassis_churn_monitor")) else 0)
    for d in dirs:
        if d and all(os.access(os.path.join(d, n), os.X_OK) for n in needed):
            return {n: os.path.join(d, n) for n in needed}
    fail("needs %s built (Release, -DFASTOVSDB_BUILD_BENCHMARKS=ON, e.g. cmake --preset bench) in one folder; "
         "pass --bin-dir" % ", ".join(needed))
