# Sourced by tools/*.sh: starts throwaway ovsdb-servers (and ovn-northd) in a
# temporary folder, on unix sockets, and stops them on exit.
#   sandbox_init                    make $SANDBOX and arrange cleanup
#   sandbox_start_db NAME SCHEMA    ovsdb-server for SCHEMA at unix:$SANDBOX/NAME.sock
#   sandbox_start_northd            ovn-northd between nb.sock and sb.sock

sandbox_init() {
  SANDBOX=$(mktemp -d "${TMPDIR:-/tmp}/fastovsdb.XXXXXX")
  trap sandbox_cleanup EXIT
}

sandbox_cleanup() {
  local pid
  for pidfile in "$SANDBOX"/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null) || continue
    kill "$pid" 2>/dev/null || true
  done
  sleep 0.1
  rm -rf "$SANDBOX"
}

sandbox_start_db() {
  local name=$1 schema=$2
  ovsdb-tool create "$SANDBOX/$name.db" "$schema"
  /usr/sbin/ovsdb-server "$SANDBOX/$name.db" --remote="punix:$SANDBOX/$name.sock" \
    --pidfile="$SANDBOX/$name.pid" --unixctl="$SANDBOX/$name.ctl" \
    --log-file="$SANDBOX/$name.log" --no-chdir --detach
}

sandbox_start_northd() {
  ovn-northd --ovnnb-db="unix:$SANDBOX/nb.sock" --ovnsb-db="unix:$SANDBOX/sb.sock" \
    --pidfile="$SANDBOX/northd.pid" --unixctl="$SANDBOX/northd.ctl" \
    --log-file="$SANDBOX/northd.log" --no-chdir --detach
}
