#!/usr/bin/env bash
# Time and peak memory of one one-shot ovn-nbctl run against a Northbound
# remote (the way a cluster manager that shells out to it pays, every time).
#   measure_ovn_nbctl.sh REMOTE [ovn-nbctl command...]
# Default command: list Logical_Switch_Port. Prints one JSON line:
#   {"cpu_seconds", "wall_seconds", "max_rss_kb", "output_bytes", "exit_code"}
# Uses GNU time (/usr/bin/time, Debian package `time`) when present, otherwise
# a Python resource wrapper (RUSAGE_CHILDREN).
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 REMOTE [ovn-nbctl command...]" >&2
  exit 2
fi
remote=$1
shift
[ $# -gt 0 ] || set -- list Logical_Switch_Port
work=$(mktemp -d "${TMPDIR:-/tmp}/fastovsdb-nbctl.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmd=(ovn-nbctl --db="$remote" --no-leader-only --timeout=600 "$@")

if [ -x /usr/bin/time ]; then
  set +e
  /usr/bin/time -f '%e %U %S %M' -o "$work/time" "${cmd[@]}" > "$work/out" 2> "$work/err"
  rc=$?
  set -e
  read -r wall user sys rss < <(tail -n 1 "$work/time")
else
  set +e
  /usr/bin/python3 - "$work" "${cmd[@]}" <<'PY'
import resource, subprocess, sys, time
work, cmd = sys.argv[1], sys.argv[2:]
start = time.monotonic()
with open(work + "/out", "wb") as out, open(work + "/err", "wb") as err:
    rc = subprocess.call(cmd, stdout=out, stderr=err)
wall = time.monotonic() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(work + "/time", "w").write("%f %f %f %d\n" % (wall, r.ru_utime, r.ru_stime, r.ru_maxrss))
sys.exit(rc)
PY
  rc=$?
  set -e
  read -r wall user sys rss < "$work/time"
fi
if [ "$rc" -ne 0 ]; then
  echo "ovn-nbctl failed ($rc):" >&2
  head -c 2000 "$work/err" >&2
fi
bytes=$(stat -c %s "$work/out")
printf '{"cpu_seconds": %s, "wall_seconds": %s, "max_rss_kb": %s, "output_bytes": %s, "exit_code": %s}\n' \
  "$(echo "$user $sys" | awk '{printf "%.3f", $1 + $2}')" "$wall" "$rss" "$bytes" "$rc"
exit "$rc"
