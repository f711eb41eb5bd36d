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
"$BUILD/tools/fastovsdb-decode" "$SANDBOX/capture.bin"
echo
echo "== independent check: ovn-nbctl's view of lxd-net1 and lxd-net2"
nbctl ha-chassis-group-list | sed -n '/lxd-net1/,/lxd-net3/p'
