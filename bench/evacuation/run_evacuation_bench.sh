#!/usr/bin/env bash
# The evacuation benchmark: how long does it take to take one chassis out of
# every HA chassis group on a real ovsdb-server, by each way a cluster manager
# could do it?
#
#   bench/evacuation/run_evacuation_bench.sh [--groups 1000,5000] [--members 3]
#       [--sample 20] [--reps 5] [--chassis member-1] [--bin-dir DIR] [--json FILE]
#
# For each size G: a fresh standalone ovsdb-server (OVN_Northbound schema, unix
# socket) in a sandbox, loaded with G HA_Chassis_Group rows lxd-net0..G-1, each
# with M HA_Chassis members member-0..M-1 (bench/sync/populate.py --ports 0
# --ha-groups G --members M, then `ovn-nbctl init`). The loaded database file
# is kept; before every run the server is restarted from that copy, so each
# run evacuates the same state. Every run is verified afterwards with
# ovn-nbctl: no HA_Chassis row named CHASSIS is left (HA_Chassis is not a root
# table: a row no group references is gone) and every group kept its M-1
# other members (for (a): the sampled groups, by ha-chassis-group-list).
#   (a) ovn-nbctl per group   bench/evacuation/per_group_nbctl.sh (shared with
#       bench/cluster/run), what the cluster manager did, per group: `find
#       HA_Chassis chassis_name=CHASSIS`, `find HA_Chassis_Group name=<g>`
#       (its ha_chassis), then `ha-chassis-group-remove-chassis <g> CHASSIS`;
#       timed on --sample groups spread over the full-size database and
#       scaled to G (mean per group x G): labelled "sampled and scaled".
#   (b) ovn-nbctl chained     bench/evacuation/chained_nbctl.sh: one ovn-nbctl with `-- ha-chassis-group-remove-
#       chassis <g> CHASSIS` for every group (split into as few invocations
#       as ARG_MAX allows; the table says how many).
#   (c) python IDL            bench/evacuation/python_idl_evacuate.py
#       (python3-openvswitch, /usr/bin/python3): sync, one transaction.
#   floor cold / warm         bench/evacuation/floor_evacuate.cpp: one
#       hand-written transact of per-group mutates over a raw socket; cold
#       includes connecting and one select round trip for the uuids, warm
#       only sending the precomputed transaction and reading the reply.
#   floor warm --with ...     the floor plus, one by one, what HaManager's
#       transaction does more (the priority record, the wait guards, a
#       monitor on the connection): what the warm gap is made of.
#   fastovsdb cold / warm     bench/evacuation/fastovsdb_evacuate.cpp:
#       ovn::HaManager::evacuate; cold = connect + sync + plan + commit, warm
#       = the evacuate call of an already synced client.
# Wall time is measured around each process by this script (bash
# EPOCHREALTIME); CPU (user+sys of the process and its children) by GNU time.
# The cold figures compare whole processes (what a cluster manager would run);
# the warm figures are each peer's own timed span. (a) runs once per size
# (its sample is its repetition), (b) and (c) 3 times, the rest --reps times;
# medians are reported, with ratios and whether the targets are met:
#   warm: fastovsdb warm <= 1.5 x floor warm
#   cold (largest size): fastovsdb cold >= 10x faster than (c), >= 1000x than (a)
# --json FILE writes every run's figures and the medians.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZES=1000,5000
MEMBERS=3
SAMPLE=20
REPS=5
CHASSIS=member-1
BIN_DIR=
JSON_OUT=
while [ $# -gt 0 ]; do
  case $1 in
    --groups) SIZES=$2; shift ;;
    --members) MEMBERS=$2; shift ;;
    --sample) SAMPLE=$2; shift ;;
    --reps) REPS=$2; shift ;;
    --chassis) CHASSIS=$2; shift ;;
    --bin-dir) BIN_DIR=$2; shift ;;
    --json) JSON_OUT=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ ! -x /usr/bin/time ]; then
  echo "needs GNU time (/usr/bin/time, Debian package 'time')" >&2
  exit 1
fi
if [ "$MEMBERS" -lt 2 ]; then
  echo "--members must be at least 2 (evacuating the only member would empty the groups)" >&2
  exit 2
fi
if [ -z "$BIN_DIR" ]; then
  # The most recently built folder that has both C++ peers.
  for candidate in "$ROOT"/build/*/bench/fastovsdb_evacuate; do
    dir=$(dirname "$candidate")
    [ -x "$candidate" ] && [ -x "$dir/floor_evacuate" ] || continue
    if [ -z "$BIN_DIR" ] || [ "$candidate" -nt "$BIN_DIR/fastovsdb_evacuate" ]; then BIN_DIR=$dir; fi
  done
fi
if [ -z "$BIN_DIR" ] || [ ! -x "$BIN_DIR/fastovsdb_evacuate" ] || [ ! -x "$BIN_DIR/floor_evacuate" ]; then
  echo "build the fastovsdb_evacuate and floor_evacuate targets (Release, -DFASTOVSDB_BUILD_BENCHMARKS=ON)" \
    "or pass --bin-dir" >&2
  exit 1
fi
echo "C++ peers from $BIN_DIR" >&2

source "$ROOT/tools/lib/ovsdb_sandbox.sh"
sandbox_init
REMOTE="unix:$SANDBOX/nb.sock"
RESULTS="$SANDBOX/results"
mkdir -p "$RESULTS"
NBCTL=(ovn-nbctl "--db=$REMOTE" --timeout=600)
export NB="--db=$REMOTE"  # for the per-group script

stop_server() {
  local pid
  [ -f "$SANDBOX/nb.pid" ] || return 0
  pid=$(cat "$SANDBOX/nb.pid")
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
  rm -f "$SANDBOX/nb.pid"
}

start_server() {
  # --detach returns once the server listens.
  /usr/sbin/ovsdb-server "$SANDBOX/nb.db" --remote="punix:$SANDBOX/nb.sock" \
    --pidfile="$SANDBOX/nb.pid" --unixctl="$SANDBOX/nb.ctl" \
    --log-file="$SANDBOX/nb.log" --no-chdir --detach 2>> "$SANDBOX/nb.stderr"
}

# The server back to the populated state of this size.
reset_server() {
  stop_server
  cp "$SANDBOX/pristine.db" "$SANDBOX/nb.db"
  start_server
}

# verify G: CHASSIS is in no group, and every group kept its other members.
verify() {
  local g=$1 left total
  left=$("${NBCTL[@]}" --bare --columns=_uuid find HA_Chassis "chassis_name=$CHASSIS" | grep -c . || true)
  total=$("${NBCTL[@]}" --bare --columns=_uuid list HA_Chassis | grep -c . || true)
  if [ "$left" -ne 0 ] || [ "$total" -ne $((g * (MEMBERS - 1))) ]; then
    echo "VERIFY FAILED: $left HA_Chassis row(s) named $CHASSIS left, $total rows in all" \
      "(expected 0 and $((g * (MEMBERS - 1))))" >&2
    return 1
  fi
}

# run NAME CMD...: one timed run; wall into NAME.wall, GNU time into NAME.time, stdout into NAME.out.
run() {
  local name=$1 t0 t1
  shift
  t0=$EPOCHREALTIME
  if ! /usr/bin/time -f '%U %S %M' -o "$RESULTS/$name.time" "$@" > "$RESULTS/$name.out" 2> "$RESULTS/$name.err"; then
    echo "$name failed:" >&2
    tail -n 20 "$RESULTS/$name.err" >&2
    return 1
  fi
  t1=$EPOCHREALTIME
  echo "$t0 $t1" > "$RESULTS/$name.wall"
}

IFS=, read -r -a SIZE_LIST <<< "$SIZES"
for G in "${SIZE_LIST[@]}"; do
  echo "== $G groups x $MEMBERS members" >&2
  stop_server
  rm -f "$SANDBOX/nb.db"
  ovsdb-tool create "$SANDBOX/nb.db" /usr/share/ovn/ovn-nb.ovsschema
  start_server
  /usr/bin/python3 "$ROOT/bench/sync/populate.py" "$REMOTE" --ports 0 --ha-groups "$G" --members "$MEMBERS" \
    > "$RESULTS/populate-$G.json"
  # NB_Global, as in any real deployment (ovn-nbctl would otherwise create it
  # in its first write).
  "${NBCTL[@]}" init
  stop_server
  ovsdb-tool compact "$SANDBOX/nb.db"
  cp "$SANDBOX/nb.db" "$SANDBOX/pristine.db"
  mkdir -p "$RESULTS/$G"

  # (a): sample groups spread over the whole range.
  echo "(a) ovn-nbctl per group, $SAMPLE sampled groups..." >&2
  reset_server
  sample=()
  n=$((SAMPLE < G ? SAMPLE : G))
  for ((k = 0; k < n; k++)); do sample+=($((k * G / n))); done
  # One line per group: index, start, end (one script, so GNU time sums its CPU).
  run "$G/a-per-group" "$ROOT/bench/evacuation/per_group_nbctl.sh" evacuate "$CHASSIS" "${sample[@]}"
  for i in "${sample[@]}"; do
    # shellcheck disable=SC2046  # one argument per member uuid
    names=$("${NBCTL[@]}" --bare --columns=chassis_name list HA_Chassis \
      $("${NBCTL[@]}" --bare --columns=ha_chassis find HA_Chassis_Group "name=lxd-net$i") | grep . || true)
    if grep -qx -- "$CHASSIS" <<< "$names" || [ "$(grep -c . <<< "$names")" -ne $((MEMBERS - 1)) ]; then
      echo "VERIFY FAILED: lxd-net$i has members [$(echo $names)] after (a)" >&2
      exit 1
    fi
  done

  # (b): all removals chained, in as few invocations as ARG_MAX allows.
  for rep in 1 2 3; do
    echo "(b) ovn-nbctl chained, run $rep..." >&2
    reset_server
    run "$G/b-chained.$rep" "$ROOT/bench/evacuation/chained_nbctl.sh" evacuate "$CHASSIS" "$G"
    verify "$G"
  done
  # chained_nbctl.sh prints how many invocations it took.
  tail -n 1 "$RESULTS/$G/b-chained.1.out" > "$RESULTS/$G/b-invocations"

  for rep in 1 2 3; do
    echo "(c) python IDL, run $rep..." >&2
    reset_server
    run "$G/c-python-idl.$rep" /usr/bin/python3 "$ROOT/bench/evacuation/python_idl_evacuate.py" "$REMOTE" \
      --chassis "$CHASSIS"
    verify "$G"
  done

  for ((rep = 1; rep <= REPS; rep++)); do
    for mode in cold warm; do
      echo "floor $mode, fastovsdb $mode, run $rep..." >&2
      reset_server
      run "$G/floor-$mode.$rep" "$BIN_DIR/floor_evacuate" "$REMOTE" --chassis "$CHASSIS" --mode "$mode"
      verify "$G"
      reset_server
      run "$G/fastovsdb-$mode.$rep" "$BIN_DIR/fastovsdb_evacuate" "$REMOTE" --chassis "$CHASSIS" --mode "$mode"
      verify "$G"
    done
  done

  # What the gap between fastovsdb warm and the floor is made of: the floor
  # with, added one by one, what HaManager's transaction and client do more.
  for variant in record guards record,guards record,guards,monitor; do
    for ((rep = 1; rep <= REPS; rep++)); do
      echo "floor warm --with $variant, run $rep..." >&2
      reset_server
      run "$G/floor-warm-with-${variant//,/+}.$rep" "$BIN_DIR/floor_evacuate" "$REMOTE" --chassis "$CHASSIS" \
        --mode warm --with "$variant"
      verify "$G"
    done
  done
done
stop_server

/usr/bin/python3 - "$RESULTS" "$SIZES" "$MEMBERS" "$SAMPLE" "${JSON_OUT:-}" <<'PY'
import glob, json, os, statistics, sys
results, sizes, members, sample, json_out = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
sizes = [int(s) for s in sizes.split(",")]


def last_json(path):
    for line in reversed(open(path).read().splitlines()):
        if line.strip().startswith("{"):
            return json.loads(line)
    return None


def load(size, name):
    runs = []
    for wall_path in sorted(glob.glob(os.path.join(results, str(size), name + ".*.wall"))):
        base = wall_path[:-len(".wall")]
        t0, t1 = (float(x) for x in open(wall_path).read().split())
        user, sys_, rss = open(base + ".time").read().split()[-3:]
        runs.append({"wall_seconds": t1 - t0, "cpu_seconds": float(user) + float(sys_), "max_rss_kb": int(rss),
                     "self_report": last_json(base + ".out")})
    return runs


def med(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else None


def med_self(runs, key):
    vals = [r["self_report"][key] for r in runs if r["self_report"] and key in r["self_report"]]
    return statistics.median(vals) if vals else None


report = {"members": members, "sample": sample, "sizes": {}}
all_ok = True
for size in sizes:
    # (a): per-group times of the sample, scaled to the size.
    a_dir = os.path.join(results, str(size))
    lines = [l.split() for l in open(os.path.join(a_dir, "a-per-group.out")).read().splitlines() if l.strip()]
    per_group = [float(t1) - float(t0) for _, t0, t1 in lines]
    a_time = open(os.path.join(a_dir, "a-per-group.time")).read().split()[-3:]
    a_cpu = float(a_time[0]) + float(a_time[1])
    a = {"label": "sampled and scaled (%d of %d groups)" % (len(per_group), size),
         "sampled_groups": len(per_group), "per_group_seconds": per_group,
         "per_group_mean_seconds": statistics.mean(per_group),
         "per_group_median_seconds": statistics.median(per_group),
         "wall_seconds": statistics.mean(per_group) * size,
         "cpu_seconds": a_cpu / len(per_group) * size}
    peers = {name: load(size, name) for name in
             ("b-chained", "c-python-idl", "floor-cold", "floor-warm", "fastovsdb-cold", "fastovsdb-warm")}
    s = {"groups": size, "populate": json.load(open(os.path.join(results, "populate-%d.json" % size))),
         "a_per_group": a, "runs": peers,
         "b_invocations": int(open(os.path.join(a_dir, "b-invocations")).read())}
    m = {}
    for name, runs in peers.items():
        m[name] = {"runs": len(runs), "wall_seconds": med(runs, "wall_seconds"),
                   "cpu_seconds": med(runs, "cpu_seconds"), "self_seconds": med_self(runs, "seconds")}
        for key in ("connect_sync_seconds", "sync_seconds", "plan_seconds", "commit_seconds", "request_bytes",
                    "reply_bytes", "guards"):
            v = med_self(runs, key)
            if v is not None:
                m[name][key] = v
    s["medians"] = m
    fc = m["fastovsdb-cold"]["wall_seconds"]
    fw = m["fastovsdb-warm"]["self_seconds"]
    flw = m["floor-warm"]["self_seconds"]
    ratios = {
        "a_over_fastovsdb_cold": a["wall_seconds"] / fc,
        "b_over_fastovsdb_cold": m["b-chained"]["wall_seconds"] / fc,
        "c_over_fastovsdb_cold": m["c-python-idl"]["wall_seconds"] / fc,
        "c_self_over_fastovsdb_cold_self": m["c-python-idl"]["self_seconds"] / m["fastovsdb-cold"]["self_seconds"],
        "fastovsdb_warm_over_floor_warm": fw / flw,
        "fastovsdb_cold_over_floor_cold": fc / m["floor-cold"]["wall_seconds"],
    }
    s["ratios"] = ratios
    targets = {"warm_within_1.5x_floor": ratios["fastovsdb_warm_over_floor_warm"] <= 1.5}
    if size == max(sizes):
        targets["cold_10x_faster_than_python_idl"] = ratios["c_over_fastovsdb_cold"] >= 10
        targets["cold_1000x_faster_than_per_group_ovn_nbctl"] = ratios["a_over_fastovsdb_cold"] >= 1000
    s["targets"] = targets
    report["sizes"][str(size)] = s

    print()
    print("%d groups x %d members, evacuating one member from every group (medians; wall = whole process unless "
          "noted)" % (size, members))
    print("%-44s %5s %10s %10s %14s" % ("approach", "runs", "wall s", "cpu s", "x fastovsdb cold"))

    def row(label, runs, wall, cpu):
        print("%-44s %5s %10.4f %10s %14.1f" % (label, runs, wall, "%.4f" % cpu if cpu is not None else "-",
                                                 wall / fc))
    row("(a) ovn-nbctl per group, " + a["label"].replace("sampled and scaled", "SAMPLED AND SCALED"), 1,
        a["wall_seconds"], a["cpu_seconds"])
    row("(b) ovn-nbctl chained (%d invocation%s)" % (s["b_invocations"], "s" if s["b_invocations"] > 1 else ""),
        m["b-chained"]["runs"], m["b-chained"]["wall_seconds"], m["b-chained"]["cpu_seconds"])
    row("(c) python IDL (whole process)", m["c-python-idl"]["runs"], m["c-python-idl"]["wall_seconds"],
        m["c-python-idl"]["cpu_seconds"])
    row("(c) python IDL (own span: connect..commit)", m["c-python-idl"]["runs"], m["c-python-idl"]["self_seconds"],
        None)
    row("floor cold (whole process)", m["floor-cold"]["runs"], m["floor-cold"]["wall_seconds"],
        m["floor-cold"]["cpu_seconds"])
    row("fastovsdb cold (whole process)", m["fastovsdb-cold"]["runs"], fc, m["fastovsdb-cold"]["cpu_seconds"])
    row("fastovsdb cold (own span: connect..commit)", m["fastovsdb-cold"]["runs"], m["fastovsdb-cold"]["self_seconds"],
        None)
    print("warm (own span: already connected; fastovsdb synced):")
    print("  floor warm (send precomputed txn, reply)  %10.4f s" % flw)
    print("  fastovsdb warm (HaManager::evacuate)      %10.4f s  (plan %.4f + commit %.4f; %s guards)" % (
        fw, m["fastovsdb-warm"].get("plan_seconds", float("nan")), m["fastovsdb-warm"].get("commit_seconds", float("nan")),
        m["fastovsdb-warm"].get("guards", "?")))
    print("  request bytes: floor %s, fastovsdb %s" % (m["floor-warm"].get("request_bytes"),
                                                        m["fastovsdb-warm"].get("request_bytes")))
    breakdown = {}
    for variant in ("record", "guards", "record+guards", "record+guards+monitor"):
        runs = load(size, "floor-warm-with-" + variant)
        if runs:
            breakdown[variant] = {"runs": len(runs), "self_seconds": med_self(runs, "seconds"),
                                  "request_bytes": med_self(runs, "request_bytes")}
    if breakdown:
        s["floor_warm_breakdown"] = breakdown
        s["runs"]["floor-warm-with"] = {v: load(size, "floor-warm-with-" + v) for v in breakdown}
        print("  what the gap is made of (floor warm, adding what HaManager does; own span):")
        print("    %-38s %8.4f s  %8d request bytes" % ("floor (mutates only)", flw, m["floor-warm"]["request_bytes"]))
        for variant, b in breakdown.items():
            print("    %-38s %8.4f s  %8d request bytes  (%.2fx floor)" % (
                "+ " + variant.replace("+", " + "), b["self_seconds"], b["request_bytes"], b["self_seconds"] / flw))
        print("    %-38s %8.4f s  (%.2fx floor)" % ("fastovsdb warm (HaManager::evacuate)", fw, fw / flw))
    print("ratios: (a)/fastovsdb cold %.0fx, (b)/fastovsdb cold %.1fx, (c)/fastovsdb cold %.1fx (own spans %.1fx); "
          "fastovsdb warm/floor warm %.2fx; fastovsdb cold/floor cold %.2fx" % (
              ratios["a_over_fastovsdb_cold"], ratios["b_over_fastovsdb_cold"], ratios["c_over_fastovsdb_cold"],
              ratios["c_self_over_fastovsdb_cold_self"], ratios["fastovsdb_warm_over_floor_warm"],
              ratios["fastovsdb_cold_over_floor_cold"]))
    for name, ok in targets.items():
        all_ok &= ok
        print("target %-45s %s" % (name, "met" if ok else "MISSED"))

report["all_targets_met"] = all_ok
if json_out:
    with open(json_out, "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    print("\nall figures: %s" % json_out)
PY
