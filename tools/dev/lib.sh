# shellcheck shell=bash
# Shared helpers for the Parley dev scripts. Source it, do not run it:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# It sets PARLEY_ROOT (repo root), PARLEY_DIR (.parley), INFRA_DIR and LOG_DIR in it, and cds to the repo root.

PARLEY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PARLEY_DIR="$PARLEY_ROOT/.parley"
# Where the scripts keep servers' state and logs (a script creates what it writes to).
INFRA_DIR="$PARLEY_DIR/infra"
LOG_DIR="$PARLEY_DIR/logs"
PARLEY_APPS=(auth chat-gateway presence message-store push-notifier)
PARLEY_MIGRATING_APPS=(auth message-store push-notifier) # order matters
export PARLEY_ROOT PARLEY_DIR
# Elapsed time is measured from the first script of a chain (start.sh -> ensure-infra.sh ...).
: "${PARLEY_T0:=$(date +%s)}"
export PARLEY_T0
cd "$PARLEY_ROOT" || exit 1

# Nx: no cloud, no daemon, no TUI; everything runs in this process tree.
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false

_parley_tag="${PARLEY_LOG_TAG:-parley}"

log() { printf '[%s +%ss] %s\n' "$_parley_tag" "$(($(date +%s) - PARLEY_T0))" "$*"; }
warn() { printf '[%s +%ss] WARNING: %s\n' "$_parley_tag" "$(($(date +%s) - PARLEY_T0))" "$*" >&2; }
die() {
  printf '[%s +%ss] ERROR: %s\n' "$_parley_tag" "$(($(date +%s) - PARLEY_T0))" "$*" >&2
  exit 1
}

command -v node >/dev/null 2>&1 || die "node is not on PATH (Node.js 20+ is required)"

# Default environment of the local stack. Everything can be overridden from the caller's env.
parley_env_defaults() {
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/parley}"
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
  export NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
  export JWT_PRIVATE_KEY_FILE="${JWT_PRIVATE_KEY_FILE:-$PARLEY_DIR/keys/jwt-private.pem}"
  export JWT_PUBLIC_KEY_FILE="${JWT_PUBLIC_KEY_FILE:-$PARLEY_DIR/keys/jwt-public.pem}"
  export MESSAGE_ENCRYPTION_KEYS_FILE="${MESSAGE_ENCRYPTION_KEYS_FILE:-$PARLEY_DIR/keys/message-keys}"
  export LOG_LEVEL="${LOG_LEVEL:-info}"
  export GATEWAY_PORT="${GATEWAY_PORT:-3000}"
  export AUTH_PORT="${AUTH_PORT:-3001}"
  export PRESENCE_PORT="${PRESENCE_PORT:-3002}"
  export MESSAGE_STORE_PORT="${MESSAGE_STORE_PORT:-3003}"
  export PUSH_NOTIFIER_PORT="${PUSH_NOTIFIER_PORT:-3004}"
  export GATEWAY_GRPC_PORT="${GATEWAY_GRPC_PORT:-3005}"
}

# Print a URL with its password replaced by ***.
redact_url() { printf '%s' "$1" | sed -E 's#(://[^:/@]*):[^@/]*@#\1:***@#'; }

# with_timeout SECONDS cmd...: coreutils timeout when present (not on stock macOS), else run as is.
with_timeout() {
  local s="$1"
  shift
  if command -v timeout >/dev/null 2>&1; then timeout "$s" "$@"; else "$@"; fi
}

# True if host:port accepts a TCP connection within 2 s.
port_open() {
  with_timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# True if the NATS server at host:port asks clients to authenticate (its INFO line says so).
nats_requires_auth() {
  local info
  info="$(with_timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r -t 2 l <&3 && printf "%s" "$l"' "$1" "$2" 2>/dev/null)" || return 1
  [[ "$info" == *'"auth_required":true'* ]]
}

is_local_host() {
  case "$1" in
    localhost | 127.* | ::1 | 0.0.0.0 | "") return 0 ;;
    *) return 1 ;;
  esac
}

# elapsed-seconds helper for bounded waits: wait_until <seconds> <command...>
wait_until() {
  local limit="$1"
  shift
  local deadline=$(($(date +%s) + limit))
  until "$@"; do
    (($(date +%s) >= deadline)) && return 1
    sleep 0.3
  done
}

# npm ci when node_modules is missing or older than package-lock.json.
ensure_node_modules() {
  if [[ ! -d node_modules || ! -f node_modules/.package-lock.json ]]; then
    log "node_modules missing: npm ci"
  elif [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
    log "package-lock.json changed since the last install: npm ci"
  else
    return 0
  fi
  npm ci --no-audit --no-fund </dev/null || die "npm ci failed"
}

# build_projects a,b,...: nx build of those projects, output in $LOG_DIR/build.log (its tail shown on failure).
build_projects() {
  npx nx run-many -t build --projects="$1" --output-style=static </dev/null >"$LOG_DIR/build.log" 2>&1 || {
    tail -n 40 "$LOG_DIR/build.log" >&2
    die "build failed, full log: $LOG_DIR/build.log"
  }
}

# Run a command as the postgres OS user when we are root (PostgreSQL refuses to run as root).
as_pg() {
  if ((EUID != 0)); then
    "$@"
  elif command -v runuser >/dev/null 2>&1; then
    (cd / && runuser -u postgres -- "$@") # cd /: the repo dir may not be readable by postgres
  else
    (cd / && su -s /bin/sh postgres -c "$(printf '%q ' "$@")")
  fi
}
