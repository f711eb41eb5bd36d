#!/usr/bin/env bash
# The sync benchmark: how much CPU and memory does it cost a client to get the
# initial replica of a large OVN Northbound database from a real ovsdb-server?
#
#   bench/sync/run_sync_bench.sh [--ports N | --quick] [--fastovsdb-cmd CMD]
#                                [--transactions N] [--json FILE]
#
# Starts a standalone ovsdb-server in a temporary sandbox (unix socket only),
# loads N Logical_Switch_Ports (default 100,000; --quick: 10,000) with
# bench/sync/populate.py, measures the size of the monitor_cond reply (the
# raw bytes, by bench/sync/monitor_reply_bytes.py), then runs each peer once
# against the same data and prints a table:
#   python-idl   bench/sync/python_idl_sync.py (all NB tables)
#   ovn-nbctl    one-shot `list Logical_Switch_Port` (bench/sync/measure_ovn_nbctl.sh)
#   fastovsdb    CMD REMOTE, if --fastovsdb-cmd is given or an executable
#                build/*/bench/fastovsdb_sync_bench exists. CMD must connect to
#                REMOTE, monitor all NB tables, exit 0 once the initial replica
#                is complete; it may print anything.
# CPU is user+sys and peak RSS the maximum resident set, both of the peer's
# whole process, measured from outside by GNU time (/usr/bin/time) so every
# peer is measured the same way. Ratios are relative to fastovsdb when present,
# else to the Python IDL. Afterwards the Python IDL's pipelined transact
# throughput (--transactions, default 2000 or 500 with --quick; 0 skips).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PORTS=100000
TRANSACTIONS=
FASTOVSDB_CMD=
JSON_OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --quick) PORTS=10000; : "${TRANSACTIONS:=500}" ;;
    --ports) PORTS=$2; shift ;;
    --fastovsdb-cmd) FASTOVSDB_CMD=$2; shift ;;
    --transactions) TRANSACTIONS=$2; shift ;;
    --json) JSON_OUT=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
: "${TRANSACTIONS:=2000}"
if [ ! -x /usr/bin/time ]; then
  echo "needs GNU time (/usr/bin/time, Debian package 'time')" >&2
  exit 1
fi
if [ -z "$FASTOVSDB_CMD" ]; then
  for candidate in "$ROOT"/build/*/bench/fastovsdb_sync_bench; do
    if [ -x "$candidate" ]; then FASTOVSDB_CMD=$candidate; break; fi
  done
fi

source "$ROOT/tools/lib/ovsdb_sandbox.sh"
sandbox_init
sandbox_start_db nb /usr/share/ovn/ovn-nb.ovsschema
REMOTE="unix:$SANDBOX/nb.sock"
RESULTS="$SANDBOX/results"
mkdir -p "$RESULTS"

echo "populating $PORTS Logical_Switch_Port rows..." >&2
/usr/bin/python3 "$ROOT/bench/sync/populate.py" "$REMOTE" --ports "$PORTS" > "$RESULTS/populate.json"

# The monitor_cond reply for every table and column, as the server sends it.
echo "measuring the monitor_cond reply..." >&2
/usr/bin/python3 "$ROOT/bench/sync/monitor_reply_bytes.py" "$SANDBOX/nb.sock" /usr/share/ovn/ovn-nb.ovsschema \
  > "$RESULTS/monitor_reply.json"
/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["bytes"])' "$RESULTS/monitor_reply.json" \
  > "$RESULTS/dump_bytes"

# measure NAME CMD...: GNU time figures of CMD into $RESULTS/NAME.time, its output into NAME.out.
measure() {
  local name=$1
  shift
  echo "measuring $name..." >&2
  if ! /usr/bin/time -f '%e %U %S %M' -o "$RESULTS/$name.time" "$@" > "$RESULTS/$name.out" 2> "$RESULTS/$name.err"; then
    echo "$name failed:" >&2
    tail -n 20 "$RESULTS/$name.err" >&2
    rm -f "$RESULTS/$name.time"
  fi
}

measure python-idl /usr/bin/python3 "$ROOT/bench/sync/python_idl_sync.py" "$REMOTE"
measure ovn-nbctl ovn-nbctl --db="$REMOTE" --no-leader-only --timeout=600 list Logical_Switch_Port
if [ -n "$FASTOVSDB_CMD" ]; then
  # shellcheck disable=SC2086  # CMD may carry its own arguments
  measure fastovsdb $FASTOVSDB_CMD "$REMOTE"
fi
if [ "$TRANSACTIONS" -gt 0 ]; then
  echo "measuring python-idl transact throughput..." >&2
  /usr/bin/python3 "$ROOT/bench/sync/python_idl_sync.py" "$REMOTE" --tables Logical_Switch \
    --transact "$TRANSACTIONS" --window 100 > "$RESULTS/python-idl-transact.json" || true
fi

/usr/bin/python3 - "$RESULTS" "$PORTS" "${JSON_OUT:-}" <<'PY'
import json, os, sys
results, ports, json_out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
dump_bytes = int(open(os.path.join(results, "dump_bytes")).read())
populate = json.load(open(os.path.join(results, "populate.json")))
peers = []
for name in ("fastovsdb", "python-idl", "ovn-nbctl"):
    path = os.path.join(results, name + ".time")
    if not os.path.exists(path):
        continue
    wall, user, sys_, rss = open(path).read().split()[-4:]
    out = open(os.path.join(results, name + ".out"), "rb").read()
    peers.append({"peer": name, "wall_seconds": float(wall), "cpu_seconds": float(user) + float(sys_),
                  "max_rss_kb": int(rss), "stdout_bytes": len(out)})
    if name == "python-idl":
        inner = json.loads(out)
        peers[-1]["rows"] = inner["rows"].get("Logical_Switch_Port")
        peers[-1]["sync_cpu_seconds"] = inner["sync_cpu_seconds"]
base = next((p for p in peers if p["peer"] == "fastovsdb"), None) or next(
    (p for p in peers if p["peer"] == "python-idl"), None)
print()
print("OVN_Northbound: %d Logical_Switch_Port rows (%d rows loaded in %.1f s); monitor_cond reply: %d bytes (%.1f MB)"
      % (ports, populate["rows"], populate["seconds"], dump_bytes, dump_bytes / 1e6))
print("%-12s %9s %9s %12s %14s %14s" % ("peer", "wall s", "cpu s", "peak RSS MB", "cpu x " + (base["peer"] if base else "-"),
                                       "RSS x " + (base["peer"] if base else "-")))
for p in peers:
    cpu_ratio = p["cpu_seconds"] / base["cpu_seconds"] if base and base["cpu_seconds"] > 0 else float("nan")
    rss_ratio = p["max_rss_kb"] / base["max_rss_kb"] if base and base["max_rss_kb"] > 0 else float("nan")
    p["cpu_ratio"], p["rss_ratio"] = cpu_ratio, rss_ratio
    print("%-12s %9.2f %9.2f %12.1f %14.2f %14.2f" % (p["peer"], p["wall_seconds"], p["cpu_seconds"],
                                                      p["max_rss_kb"] / 1024, cpu_ratio, rss_ratio))
for p in peers:
    p["rss_bytes_per_dump_byte"] = p["max_rss_kb"] * 1024 / dump_bytes
print("peak RSS per monitor-reply byte: " + ", ".join("%s %.2f" % (p["peer"], p["rss_bytes_per_dump_byte"]) for p in peers))
txn = None
txn_path = os.path.join(results, "python-idl-transact.json")
if os.path.exists(txn_path) and os.path.getsize(txn_path):
    txn = json.load(open(txn_path))
    print("python-idl pipelined transact (window %d, one insert each): %d transactions, %.0f tx/s, %d failed"
          % (txn["window"], txn["transactions"], txn["transactions_per_second"], txn["failed"]))
if json_out:
    json.dump({"ports": ports, "dump_bytes": dump_bytes, "populate": populate, "peers": peers,
               "python_idl_transact": txn}, open(json_out, "w"), indent=1)
PY
