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
#                build/*/bench/fastovsdb_sync_bench exists (the newest). CMD must
#                connect to REMOTE, monitor all NB tables, exit 0 once the
#                initial replica is complete; it may print anything, and its
#                last JSON line is read for its own figures. For the transact
#                figures it is run as CMD REMOTE --tables Logical_Switch
#                --transact N --window 100 (bench/sync/fastovsdb_sync_bench.cpp).
# CPU is user+sys and peak RSS the maximum resident set, both of the peer's
# whole process, measured from outside by GNU time (/usr/bin/time) so every
# peer is measured the same way; "sync cpu s" is each peer's own figure from
# connect to replica complete. Ratios are relative to fastovsdb when present,
# else to the Python IDL. Then the targets, fastovsdb against the dump (the
# monitor_cond reply's JSON bytes), labelled by what is measured: process peak
# RSS / dump, process RSS once synced / dump, Replica::memory_usage() / dump.
# Afterwards the pipelined transact throughput of the Python IDL and of
# fastovsdb (--transactions, default 2000 or 500 with --quick; 0 skips): both
# monitor Logical_Switch and commit one-insert transactions, 100 in flight,
# against the same server, with each client's CPU and the server's CPU.
# --json FILE writes every figure (peers, targets, transact) as JSON.
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
  # The most recently built one, so a fresh build wins over a stale folder.
  newest=
  for candidate in "$ROOT"/build/*/bench/fastovsdb_sync_bench; do
    if [ -x "$candidate" ] && { [ -z "$newest" ] || [ "$candidate" -nt "$newest" ]; }; then newest=$candidate; fi
  done
  FASTOVSDB_CMD=$newest
fi
if [ -n "$FASTOVSDB_CMD" ]; then
  echo "fastovsdb peer: $FASTOVSDB_CMD" >&2
else
  echo "no fastovsdb peer (build the fastovsdb_sync_bench target or pass --fastovsdb-cmd)" >&2
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
# CPU seconds the ovsdb-server has used so far (to show who bounds throughput).
server_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f\n", ($14 + $15) / hz }' "/proc/$(cat "$SANDBOX/nb.pid")/stat"
}

if [ "$TRANSACTIONS" -gt 0 ]; then
  # Both peers: monitor Logical_Switch only, then N one-insert transactions
  # with at most 100 in flight, against the same server and data.
  echo "measuring python-idl transact throughput..." >&2
  server_cpu > "$RESULTS/python-idl-transact.server0"
  /usr/bin/python3 "$ROOT/bench/sync/python_idl_sync.py" "$REMOTE" --tables Logical_Switch \
    --transact "$TRANSACTIONS" --window 100 > "$RESULTS/python-idl-transact.json" || true
  server_cpu > "$RESULTS/python-idl-transact.server1"
  if [ -n "$FASTOVSDB_CMD" ]; then
    echo "measuring fastovsdb transact throughput..." >&2
    server_cpu > "$RESULTS/fastovsdb-transact.server0"
    # shellcheck disable=SC2086
    $FASTOVSDB_CMD "$REMOTE" --tables Logical_Switch --transact "$TRANSACTIONS" --window 100 \
      > "$RESULTS/fastovsdb-transact.json" 2> "$RESULTS/fastovsdb-transact.err" ||
      { echo "fastovsdb transact failed:" >&2; tail -n 5 "$RESULTS/fastovsdb-transact.err" >&2; }
    server_cpu > "$RESULTS/fastovsdb-transact.server1"
  fi
fi

/usr/bin/python3 - "$RESULTS" "$PORTS" "${JSON_OUT:-}" <<'PY'
import json, math, os, sys
results, ports, json_out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
dump_bytes = int(open(os.path.join(results, "dump_bytes")).read())
populate = json.load(open(os.path.join(results, "populate.json")))


def last_json_line(path):
    """The peer's own report: the last line of its stdout that is a JSON object."""
    try:
        lines = open(path, "rb").read().decode("utf-8", "replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def ratio(a, b):
    return a / b if a is not None and b else float("nan")


peers = []
for name in ("fastovsdb", "python-idl", "ovn-nbctl"):
    path = os.path.join(results, name + ".time")
    if not os.path.exists(path):
        continue
    wall, user, sys_, rss = open(path).read().split()[-4:]
    out_path = os.path.join(results, name + ".out")
    p = {"peer": name, "wall_seconds": float(wall), "cpu_seconds": float(user) + float(sys_),
         "max_rss_kb": int(rss), "stdout_bytes": os.path.getsize(out_path)}
    inner = last_json_line(out_path) if name != "ovn-nbctl" else None
    if inner:
        p["self_report"] = inner
        p["rows"] = inner.get("rows", {}).get("Logical_Switch_Port")
        p["sync_cpu_seconds"] = inner.get("sync_cpu_seconds")
        p["sync_wall_seconds"] = inner.get("wall_seconds")
        if "replica_memory_bytes" in inner:
            p["replica_memory_bytes"] = inner["replica_memory_bytes"]
        for key in ("synced_rss_kb", "baseline_rss_kb", "synced_trimmed_rss_kb", "synced_malloc_in_use_bytes",
                    "synced_malloc_free_bytes"):
            if key in inner:
                p[key] = inner[key]
    p["peak_rss_per_dump_byte"] = p["max_rss_kb"] * 1024 / dump_bytes
    peers.append(p)
by = {p["peer"]: p for p in peers}
fast, py = by.get("fastovsdb"), by.get("python-idl")
base = fast or py

print()
print("OVN_Northbound: %d Logical_Switch_Port rows (%d rows loaded in %.1f s); monitor_cond reply (dump JSON): %d bytes (%.1f MB)"
      % (ports, populate["rows"], populate["seconds"], dump_bytes, dump_bytes / 1e6))
print("whole process, measured from outside by GNU time (CPU = user+sys, RSS = peak resident set):")
print("%-11s %8s %8s %10s %11s %10s %12s %10s" % ("peer", "wall s", "cpu s", "sync cpu s", "peak RSS MB",
                                                  "RSS/dump", "cpu x " + base["peer"] if base else "cpu x -",
                                                  "LSP rows"))
for p in peers:
    p["cpu_ratio"] = ratio(p["cpu_seconds"], base["cpu_seconds"]) if base else float("nan")
    p["rss_ratio"] = ratio(p["max_rss_kb"], base["max_rss_kb"]) if base else float("nan")
    sync_cpu = p.get("sync_cpu_seconds")
    print("%-11s %8.2f %8.2f %10s %11.1f %10.2f %12.2f %10s" % (
        p["peer"], p["wall_seconds"], p["cpu_seconds"], "%.2f" % sync_cpu if sync_cpu is not None else "-",
        p["max_rss_kb"] / 1024, p["peak_rss_per_dump_byte"], p["cpu_ratio"],
        p["rows"] if p.get("rows") is not None else "-"))

targets = {}
if fast:
    print()
    print("targets (fastovsdb):")
    if py:
        r = ratio(py["cpu_seconds"], fast["cpu_seconds"])
        r_sync = ratio(py.get("sync_cpu_seconds"), fast.get("sync_cpu_seconds"))
        targets["cpu_python_over_fastovsdb"] = r
        targets["sync_cpu_python_over_fastovsdb"] = r_sync
        print("  client CPU, Python IDL / fastovsdb, whole process:   %6.1fx  (target >= 10x: %s)"
              % (r, "met" if r >= 10 else "MISSED"))
        print("  client CPU, Python IDL / fastovsdb, connect..synced: %6.1fx  (%s)"
              % (r_sync, "met" if r_sync >= 10 else "MISSED"))
    peak = fast["peak_rss_per_dump_byte"]
    targets["peak_rss_over_dump"] = peak
    print("  process peak RSS / dump JSON bytes:                  %6.2f   (target <= 2: %s; includes code,"
          " the receive buffer and the parse of the dump)" % (peak, "met" if peak <= 2 else "MISSED"))
    if fast.get("synced_rss_kb") is not None:
        settled = fast["synced_rss_kb"] * 1024 / dump_bytes
        targets["synced_rss_over_dump"] = settled
        print("  process RSS once synced / dump JSON bytes:           %6.2f   (resident, not peak; baseline %.1f MB)"
              % (settled, (fast.get("baseline_rss_kb") or 0) / 1024))
    if fast.get("synced_trimmed_rss_kb") is not None:
        trimmed = fast["synced_trimmed_rss_kb"] * 1024 / dump_bytes
        targets["synced_trimmed_rss_over_dump"] = trimmed
        print("  process RSS once synced, after malloc_trim(0) / dump: %6.2f   (heap then: %.1f MB live, %.1f MB"
              " freed but held)" % (trimmed, (fast.get("synced_malloc_in_use_bytes") or 0) / 1e6,
                                    (fast.get("synced_malloc_free_bytes") or 0) / 1e6))
    if fast.get("replica_memory_bytes") is not None:
        rep = fast["replica_memory_bytes"] / dump_bytes
        targets["replica_memory_over_dump"] = rep
        print("  replica memory_usage() / dump JSON bytes:            %6.2f   (target <= 2: %s; the cache's own"
              " estimate: %.1f MB)" % (rep, "met" if rep <= 2 else "MISSED", fast["replica_memory_bytes"] / 1e6))
    session = (fast.get("self_report") or {}).get("session")
    if session:
        print("  fastovsdb session: %d bytes received in %d messages, %.3f s in on_bytes_received"
              % (session["bytes_received"], session["messages_received"], session["processing_seconds"]))

transact = {}
for name in ("fastovsdb", "python-idl"):
    path = os.path.join(results, name + "-transact.json")
    t = last_json_line(path) if os.path.exists(path) else None
    if t and "transactions_per_second" in t:
        try:
            # The server's CPU over the whole peer run (its sync included).
            t["server_cpu_seconds"] = (float(open(os.path.join(results, name + "-transact.server1")).read())
                                       - float(open(os.path.join(results, name + "-transact.server0")).read()))
        except (OSError, ValueError):
            pass
        transact[name] = t
if transact:
    print()
    print("pipelined transact (monitor Logical_Switch, window %d, one Logical_Switch insert per transaction):"
          % next(iter(transact.values()))["window"])
    for name, t in transact.items():
        cpu = t.get("transact_cpu_seconds")
        print("  %-11s %6d transactions in %7.3f s: %8.0f tx/s, %d failed; client CPU %s; server CPU (whole run) %s" % (
            name, t["transactions"], t["transact_seconds"], t["transactions_per_second"] or 0, t["failed"],
            "%.3f s (%.0f us/tx)" % (cpu, cpu / t["transactions"] * 1e6) if cpu is not None else "-",
            "%.2f s" % t["server_cpu_seconds"] if "server_cpu_seconds" in t else "-"))
    if "fastovsdb" in transact and "python-idl" in transact:
        r = ratio(transact["fastovsdb"]["transactions_per_second"], transact["python-idl"]["transactions_per_second"])
        targets["transact_fastovsdb_over_python"] = r
        print("  fastovsdb / Python IDL throughput: %.2fx" % r)
        cf, cp = transact["fastovsdb"].get("transact_cpu_seconds"), transact["python-idl"].get("transact_cpu_seconds")
        if cf and cp:
            targets["transact_cpu_python_over_fastovsdb"] = cp / cf
            print("  client CPU per transaction, Python IDL / fastovsdb: %.1fx" % (cp / cf))

if json_out:
    def clean(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        return v
    json.dump(clean({"ports": ports, "dump_bytes": dump_bytes, "populate": populate, "peers": peers,
                     "targets": targets, "transact": transact,
                     "python_idl_transact": transact.get("python-idl")}), open(json_out, "w"), indent=1)
PY
