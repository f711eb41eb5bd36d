"""Paths, constants and the small helpers every module of the runner shares:
progress logging, fatal errors, quiet commands and medians."""
import os
import statistics
import subprocess
import sys
import time

# bench/cluster, where the churn peers live; the checkout's root above it.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

NB_SCHEMA = "/usr/share/ovn/ovn-nb.ovsschema"
SB_SCHEMA = "/usr/share/ovn/ovn-sb.ovsschema"
PY = "/usr/bin/python3"
CHASSIS = "member-1"

T0 = time.monotonic()


def log(msg):
    print("[%7.1fs] %s" % (time.monotonic() - T0, msg), file=sys.stderr, flush=True)


def fail(msg):
    print("bench/cluster/run: " + msg, file=sys.stderr)
    sys.exit(1)


def run_quiet(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd[:4]), r.returncode, r.stderr.strip()[-2000:]))
    return r.stdout


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None
