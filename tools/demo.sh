#!/usr/bin/env bash
# ./run demo: a real ovsdb-server with the OVN Northbound schema in a temporary
# folder, a small simulated cluster built with ovn-nbctl (members in HA chassis
# groups lxd-net<N>), the server's replies captured byte for byte while
# ovn-nbctl changes the groups, and the capture decoded by the fastovsdb core:
# framing, JSON-RPC, schema, replica with change events, transact results.
#   tools/demo.sh BUILD_DIR [MEMBERS] [NETWORKS]
set -euo pipefail
BUILD=${1:?usage: tools/demo.sh BUILD_DIR [MEMBERS] [NETWORKS]}
MEMBERS=${2:-3}
NETWORKS=${3:-4}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tools/lib/ovsdb_sandbox.sh"
sandbox_init

echo "== starting ovsdb-server (OVN_Northbound) in $SANDBOX"
sandbox_start_db nb /usr/share/ovn/ovn-nb.ovsschema 2>/dev/null
nbctl() { ovn-nbctl --db="unix:$SANDBOX/nb.sock" "$@"; }

echo "== populating $NETWORKS networks, each with one HA group holding all $MEMBERS members"
args=()
for n in $(seq 1 "$NETWORKS"); do
  args+=(-- ha-chassis-group-add "lxd-net$n")
  for m in $(seq 1 "$MEMBERS"); do
    # A stable per-network priority: members rotate through the top spot.
    prio=$(( (m + n) % MEMBERS * 10 + 10 ))
    args+=(-- ha-chassis-group-add-chassis "lxd-net$n" "member-$m" "$prio")
  done
done
nbctl "${args[@]}"

cat > "$SANDBOX/script.json" <<JSON
[
  {"send": {"id": 1, "method": "list_dbs", "params": []}},
  {"send": {"id": 2, "method": "get_schema", "params": ["OVN_Northbound"]}},
  {"send": {"id": 3, "method": "monitor_cond", "params": ["OVN_Northbound", ["demo", "OVN_Northbound"], {
    "HA_Chassis_Group": [{"columns": ["name", "ha_chassis", "external_ids"]}],
    "HA_Chassis": [{"columns": ["chassis_name", "priority", "external_ids"]}]}]}},
  {"shell": "ovn-nbctl --db=unix:$SANDBOX/nb.sock ha-chassis-group-remove-chassis lxd-net1 member-2"},
  {"expect_notifications": 1},
  {"shell": "ovn-nbctl --db=unix:$SANDBOX/nb.sock ha-chassis-group-set-chassis-prio lxd-net2 member-1 99"},
  {"expect_notifications": 1},
  {"send": {"id": 4, "method": "transact", "params": ["OVN_Northbound",
    {"op": "insert", "table": "HA_Chassis_Group", "row": {"name": "lxd-net1"}}]}}
]
JSON
echo "== capturing the server's replies (list_dbs, get_schema, monitor_cond, update2, transact)"
"$ROOT/tools/ovsdb_capture.py" "$SANDBOX/nb.sock" "$SANDBOX/capture.bin" "$SANDBOX/script.json"
echo "   $(stat -c %s "$SANDBOX/capture.bin") bytes captured"
echo
echo "== decoding the capture with the fastovsdb core"
"$BUILD/tools/fastovsdb-decode" "$SANDBOX/capture.bin" "$SANDBOX/script.json" | tee "$SANDBOX/decoded.txt"
echo
echo "== independent check: ovn-nbctl's own view of the same groups"
nbctl ha-chassis-group-list | python3 -c '
import re, sys
groups, member = {}, None
for line in sys.stdin:
    if m := re.match(r"^\S+ \((.*)\)$", line): group = groups.setdefault(m[1], [])
    elif m := re.match(r"^    \S+ \((.*)\)$", line): member = m[1]
    elif m := re.match(r"^    priority (\d+)$", line): group.append((int(m[1]), member))
for name in sorted(groups):
    members = " ".join("%s(%d)" % (n, p) for p, n in sorted(groups[name], reverse=True))
    print("  HA_Chassis_Group %-10s %s" % (name, members))' | tee "$SANDBOX/nbctl.txt"
echo
if diff <(grep '^  HA_Chassis_Group' "$SANDBOX/decoded.txt") "$SANDBOX/nbctl.txt" >/dev/null; then
  echo "== the core's replica and ovn-nbctl agree on every group"
else
  echo "== MISMATCH between the core's replica and ovn-nbctl" >&2
  exit 1
fi
