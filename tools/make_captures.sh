#!/usr/bin/env bash
# Regenerates corpus/captures/*.bin: the raw bytes a real ovsdb-server (Debian
# openvswitch-common) sends for the scripts in corpus/captures/scripts/.
#   tools/make_captures.sh [OUT_DIR]     (default: corpus/captures)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/corpus/captures}
source "$ROOT/tools/lib/ovsdb_sandbox.sh"
sandbox_init
export SANDBOX

sandbox_start_db nb /usr/share/ovn/ovn-nb.ovsschema
# Variables in the scripts' shell steps refer to this sandbox.
envsubst_script() { sed "s|\$SANDBOX|$SANDBOX|g" "$1" > "$SANDBOX/$(basename "$1")"; }

envsubst_script "$ROOT/corpus/captures/scripts/nb_session.json"
"$ROOT/tools/ovsdb_capture.py" "$SANDBOX/nb.sock" "$OUT/nb_session.bin" "$SANDBOX/nb_session.json"

# A large initial dump: Logical_Switch_Port rows inserted in one transaction.
python3 "$ROOT/tools/gen_nb_population.py" --switches 20 --ports-per-switch 150 > "$SANDBOX/populate.json"

envsubst_script "$ROOT/corpus/captures/scripts/large_monitor.json"
"$ROOT/tools/ovsdb_capture.py" "$SANDBOX/nb.sock" "$OUT/large_monitor_reply.bin" "$SANDBOX/large_monitor.json"
ls -l "$OUT"/*.bin
