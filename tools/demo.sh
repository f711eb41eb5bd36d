#!/usr/bin/env bash
# ./run demo: the main job on an embedded default, in seconds.
#   1. an OVN control plane in a temporary folder: ovsdb-server for the
#      Northbound and Southbound databases (Debian's OVN schemas) and ovn-northd;
#   2. a small simulated cluster: MEMBERS chassis in the Southbound database,
#      NETWORKS networks, each a logical router port with its own HA chassis
#      group lxd-net<N> holding every member with a stable per-network priority;
#   3. `fastovsdb status`, then one member evacuated: the plan first
#      (--dry-run), then for real with --wait sb, and the Southbound side as
#      ovn-northd rewrote it;
#   4. the member restored, the priorities shown back, and ovn-nbctl, as an
#      independent checker, must see exactly the original memberships.
# Exits non-zero when a check fails.
#   tools/demo.sh BUILD_DIR [MEMBERS] [NETWORKS]
set -euo pipefail
BUILD=${1:?usage: tools/demo.sh BUILD_DIR [MEMBERS] [NETWORKS]}
MEMBERS=${2:-3}
NETWORKS=${3:-4}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FASTOVSDB=$(cd "$BUILD" && pwd)/client/cli/fastovsdb
[ -x "$FASTOVSDB" ] || { echo "demo: $FASTOVSDB is not built" >&2; exit 1; }
[ "$MEMBERS" -ge 2 ] || { echo "demo: MEMBERS must be at least 2" >&2; exit 1; }
source "$ROOT/tools/lib/ovsdb_sandbox.sh"
sandbox_init

step() { printf '\n== %s\n' "$*"; }
run() {
  printf '$ %s\n' "$*" | sed "s|$FASTOVSDB|fastovsdb|; s|$SANDBOX|\$SANDBOX|g"
  "$@"
}

step "starting the OVN control plane in $SANDBOX"
sandbox_start_db nb /usr/share/ovn/ovn-nb.ovsschema 2>/dev/null
sandbox_start_db sb /usr/share/ovn/ovn-sb.ovsschema 2>/dev/null
sandbox_start_northd 2>/dev/null
export OVN_NB_DB="unix:$SANDBOX/nb.sock" OVN_SB_DB="unix:$SANDBOX/sb.sock"
nbctl() { ovn-nbctl --db="$OVN_NB_DB" "$@"; }
sbctl() { ovn-sbctl --db="$OVN_SB_DB" "$@"; }
echo "   ovsdb-server (OVN_Northbound) at $OVN_NB_DB"
echo "   ovsdb-server (OVN_Southbound) at $OVN_SB_DB"
echo "   ovn-northd between them"

step "populating $MEMBERS members and $NETWORKS networks (one HA chassis group each)"
args=()
for m in $(seq 1 "$MEMBERS"); do
  args+=(-- chassis-add "member-$m" geneve "127.0.0.$m" -- set Chassis "member-$m" "hostname=host-$m")
done
sbctl "${args[@]}"
args=()
for n in $(seq 1 "$NETWORKS"); do
  args+=(-- ha-chassis-group-add "lxd-net$n")
  for m in $(seq 1 "$MEMBERS"); do
    # A stable per-network priority: members rotate through the top spot.
    args+=(-- ha-chassis-group-add-chassis "lxd-net$n" "member-$m" $(( (m + n) % MEMBERS * 10 + 10 )))
  done
  args+=(-- lr-add "lxd-net$n-router" -- lrp-add "lxd-net$n-router" "lxd-net$n-uplink"
         "00:00:00:00:$(printf '%02x' "$n"):01" "10.$n.0.1/24")
done
nbctl "${args[@]}"
args=()
for n in $(seq 1 "$NETWORKS"); do
  group=$(nbctl --bare --columns=_uuid find HA_Chassis_Group "name=lxd-net$n")
  args+=(-- set Logical_Router_Port "lxd-net$n-uplink" "ha_chassis_group=$group")
done
nbctl --wait=sb "${args[@]}"

# ovn-nbctl's own view of every group: "group member(priority) ..." sorted,
# the independent check of what fastovsdb did.
memberships() {
  nbctl ha-chassis-group-list | python3 -c '
import re, sys
groups, group, member = {}, None, None
for line in sys.stdin:
    if m := re.match(r"^\S+ \((.*)\)$", line): group = groups.setdefault(m[1], [])
    elif m := re.match(r"^    \S+ \((.*)\)$", line): member = m[1]
    elif m := re.match(r"^    priority (\d+)$", line): group.append((int(m[1]), member))
for name in sorted(groups):
    print(name, " ".join("%s(%d)" % (n, p) for p, n in sorted(groups[name], reverse=True)))'
}

# The Southbound HA groups as ovn-northd wrote them: group -> chassis(priority).
sb_groups() {
  sbctl --format=json list Chassis >"$SANDBOX/sb_chassis.json"
  sbctl --format=json list HA_Chassis >"$SANDBOX/sb_ha_chassis.json"
  sbctl --format=json list HA_Chassis_Group | python3 -c '
import json, sys
def rows(doc):
    doc = json.load(doc) if hasattr(doc, "read") else doc
    return [dict(zip(doc["headings"], r)) for r in doc["data"]]
def uuids(v):
    if v[0] == "uuid": return [v[1]]
    return [x[1] for x in v[1]] if v[0] == "set" else []
chassis = {r["_uuid"][1]: r["name"] for r in rows(open(sys.argv[1]))}
members = {r["_uuid"][1]: r for r in rows(open(sys.argv[2]))}
for g in sorted(rows(sys.stdin), key=lambda r: r["name"]):
    ms = [members[u] for u in uuids(g["ha_chassis"]) if u in members]
    ms.sort(key=lambda m: -m["priority"])
    print("  SB HA_Chassis_Group %-10s %s" % (g["name"], " ".join(
        "%s(%d)" % (chassis.get((uuids(m["chassis"]) or ["?"])[0], "-"), m["priority"]) for m in ms)))
' "$SANDBOX/sb_chassis.json" "$SANDBOX/sb_ha_chassis.json"
}

ORIGINAL=$(memberships)
VICTIM=member-2

step "the cluster as fastovsdb sees it"
run "$FASTOVSDB" status

step "evacuating $VICTIM: the plan first (nothing is sent)"
run "$FASTOVSDB" evacuate "$VICTIM" --dry-run
[ "$(memberships)" = "$ORIGINAL" ] || { echo "demo: FAILED: the dry run changed the database" >&2; exit 1; }

step "evacuating $VICTIM for real, waiting for ovn-northd (--wait sb)"
run "$FASTOVSDB" evacuate "$VICTIM" --wait sb

step "the Southbound side, already rewritten by ovn-northd"
sb_groups
if grep -q "$VICTIM(" <<<"$(sb_groups)"; then
  echo "demo: FAILED: $VICTIM is still in a Southbound HA chassis group" >&2
  exit 1
fi
if grep -q "$VICTIM(" <<<"$(memberships)"; then
  echo "demo: FAILED: ovn-nbctl still sees $VICTIM in an HA chassis group" >&2
  exit 1
fi
echo "   ovn-nbctl agrees: $VICTIM is in no HA chassis group"

step "restoring $VICTIM"
run "$FASTOVSDB" restore "$VICTIM" --wait sb
run "$FASTOVSDB" status "$VICTIM"

step "independent check: ovn-nbctl's memberships against the original"
AFTER=$(memberships)
echo "$AFTER" | sed 's/^/  /'
if [ "$AFTER" != "$ORIGINAL" ]; then
  echo "demo: FAILED: the memberships differ from the original:" >&2
  diff <(echo "$ORIGINAL") <(echo "$AFTER") >&2 || true
  exit 1
fi
# grep reads a captured copy: with pipefail, grep -q closing the pipe early
# would fail the writer and the check.
if grep -q "$VICTIM(" <<<"$(sb_groups)"; then :; else
  echo "demo: FAILED: $VICTIM did not come back to the Southbound HA chassis groups" >&2
  exit 1
fi
echo "== every group has exactly its original members and priorities again"
