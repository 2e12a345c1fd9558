#!/usr/bin/env bash
# Stops only the PostgreSQL / Redis / NATS servers that tools/dev/ensure-infra.sh started itself
# (recorded in .parley/infra/*.state), and the test Redis Cluster of tools/dev/redis-cluster.sh.
# Servers that were already running are never touched.
#   --purge   also delete their data directories (.parley/infra/pg-<port>, nats-<port>, redis-<port>)
set -euo pipefail
PARLEY_LOG_TAG=infra
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PURGE=0
for a in "$@"; do
  case "$a" in
    --purge) PURGE=1 ;;
    -h | --help)
      sed -n '2,4p' "$0"
      exit 0
      ;;
    *) die "unknown argument: $a (expected --purge)" ;;
  esac
done

# Kill the pid in $1 if it is alive and its command line contains $2; wait up to 10 s, then SIGKILL.
stop_pidfile() {
  local pidf="$1" name="$2" pid i
  [[ -f "$pidf" ]] || return 1
  pid="$(tr -dc '0-9' <"$pidf")"
  [[ -n "$pid" ]] || return 1
  ps -p "$pid" -o args= 2>/dev/null | grep -q "$name" || return 1 # not running, or pid reused by something else
  kill -TERM "$pid" 2>/dev/null || return 1
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  warn "$name (pid $pid) did not stop within 10 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

shopt -s nullglob
found=0
for state in "$INFRA_DIR"/*.state; do
  found=1
  kind="" port="" datadir="" bindir="" pidfile="" logfile=""
  while IFS='=' read -r k v; do
    case "$k" in
      kind) kind="$v" ;;
      port) port="$v" ;;
      datadir) datadir="$v" ;;
      bindir) bindir="$v" ;;
      pidfile) pidfile="$v" ;;
      log) logfile="$v" ;;
    esac
  done <"$state"
  case "$kind" in
    postgres)
      if [[ -f "$datadir/postmaster.pid" ]] && as_pg "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
        as_pg "$bindir/pg_ctl" -D "$datadir" stop -m fast -w -t 30 >/dev/null && log "postgres: stopped (port $port)" ||
          warn "postgres: pg_ctl stop failed for $datadir"
      else
        log "postgres: not running (port $port)"
      fi
      ;;
    redis)
      if stop_pidfile "$pidfile" redis-server; then log "redis: stopped (port $port)"; else log "redis: not running (port $port)"; fi
      rm -f "$pidfile"
      ;;
    nats)
      if stop_pidfile "$pidfile" nats-server; then log "nats: stopped (port $port)"; else log "nats: not running (port $port)"; fi
      rm -f "$pidfile"
      ;;
    *) warn "ignoring unknown state file $state" && continue ;;
  esac
  if ((PURGE)) && [[ -n "$datadir" && -d "$datadir" ]]; then
    rm -rf -- "$datadir"
    log "$kind: removed $datadir"
  fi
  # a log kept outside .parley (fallback data dir under /var/tmp) goes with --purge too
  if ((PURGE)) && [[ -n "$logfile" && "$logfile" != "$PARLEY_DIR"/* ]]; then rm -f -- "$logfile"; fi
  rm -f -- "$state"
done
((found)) || log "nothing to stop: no server was started by tools/dev/ensure-infra.sh"
