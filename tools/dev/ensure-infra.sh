#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and NATS (JetStream) answer at DATABASE_URL / REDIS_URL / NATS_URL.
#  - something already answers on host:port  -> reuse it (nothing is started)
#  - else the binary exists                  -> start it, state in .parley/infra, logs in .parley/logs
#  - else Debian/Ubuntu as root              -> apt-get install the missing packages, then start
#  - else                                    -> fail, saying what to install
# Then creates the database named in DATABASE_URL if missing. Idempotent; ~1 s when all is up.
# A NATS this script starts requires authentication: one identity per app (docs/security.md), the
# passwords in .parley/keys/nats; PARLEY_NATS_AUTH=0 starts it without (the unit and integration
# tests' own server, see tools/dev/test.sh).
# Stop what this script started with tools/dev/stop-infra.sh (npm run stack:stop-infra).
set -euo pipefail
PARLEY_LOG_TAG=infra
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parley_env_defaults

mkdir -p "$INFRA_DIR" "$LOG_DIR"
WAIT_S="${PARLEY_INFRA_WAIT_S:-60}"

urls="$(node "$PARLEY_ROOT/tools/dev/url-env.cjs" \
  PG "$DATABASE_URL" 5432 REDIS "$REDIS_URL" 6379 NATS "$NATS_URL" 4222)" || die "cannot parse DATABASE_URL / REDIS_URL / NATS_URL"
eval "$urls"
PG_USER="${PG_USER:-postgres}"
[[ -n "$PG_DB" ]] || die "DATABASE_URL ($(redact_url "$DATABASE_URL")) names no database"

# ---------------------------------------------------------------- probes
pg_ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1
  else
    port_open "$PG_HOST" "$PG_PORT"
  fi
}
redis_ready() { # any RESP reply to PING counts (+PONG, or -NOAUTH on a protected server)
  with_timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "PING\r\n" >&3 && IFS= read -r -t 2 l <&3 && [[ $l == [+-]* ]]' \
    "$REDIS_HOST" "$REDIS_PORT" 2>/dev/null
}
nats_info() { # prints the server's INFO line
  with_timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && IFS= read -r -t 2 l <&3 && [[ $l == INFO* ]] && printf "%s\n" "$l"' \
    "$NATS_HOST" "$NATS_PORT" 2>/dev/null
}
nats_ready() { nats_info >/dev/null; }

# ---------------------------------------------------------------- binaries
PG_BINDIR=""
# One lookup shared with the fault suite's private PostgreSQL: tools/dev/pg-bindir.sh.
find_pg_bindir() { PG_BINDIR="$(bash "$PARLEY_ROOT/tools/dev/pg-bindir.sh" 2>/dev/null)"; }
have_redis() { command -v redis-server >/dev/null 2>&1; }
have_nats() { command -v nats-server >/dev/null 2>&1; }

# ---------------------------------------------------------------- starters
start_pg() {
  local datadir="$INFRA_DIR/pg-$PG_PORT" logf="$LOG_DIR/postgres-$PG_PORT.log" state="$INFRA_DIR/postgres-$PG_PORT.state"
  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' OS user to run PostgreSQL as (create one, or install the postgresql package)"
    mkdir -p "$datadir"
    chown postgres: "$datadir"
    chmod 700 "$datadir"
    if ! as_pg test -w "$datadir"; then
      # The repo path is not traversable by the postgres user (e.g. under /root): use a private dir elsewhere.
      datadir="/var/tmp/parley-pg-$PG_PORT-$(printf '%s' "$PARLEY_ROOT" | cksum | cut -d' ' -f1)"
      mkdir -p "$datadir" && chown postgres: "$datadir" && chmod 700 "$datadir"
      as_pg test -w "$datadir" || die "the postgres OS user cannot write $datadir"
      logf="$datadir.log"
    fi
    touch "$logf" && chown postgres: "$logf"
  else
    mkdir -p "$datadir" && chmod 700 "$datadir"
  fi
  if [[ ! -f "$datadir/PG_VERSION" ]]; then
    log "postgres: initdb $datadir (user $PG_USER, trust auth)"
    as_pg "$PG_BINDIR/initdb" -D "$datadir" -A trust -U "$PG_USER" -E UTF8 --locale=C >>"$logf" 2>&1 ||
      die "initdb failed, see $logf: $(tail -n 5 "$logf")"
    # TCP only (host/port are passed at start): no unix socket that could clash with a system server.
    printf "\n# added by tools/dev/ensure-infra.sh\nunix_socket_directories = ''\n" >>"$datadir/postgresql.conf"
  fi
  if as_pg "$PG_BINDIR/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
    die "a PostgreSQL started from $datadir is running but does not answer on $PG_HOST:$PG_PORT; run: npm run stack:stop-infra"
  fi
  printf 'kind=postgres\nport=%s\ndatadir=%s\nbindir=%s\nlog=%s\n' "$PG_PORT" "$datadir" "$PG_BINDIR" "$logf" >"$state"
  local listen="$PG_HOST"
  [[ "$listen" == 0.0.0.0 ]] && listen='*'
  log "postgres: starting $PG_BINDIR/postgres on $PG_HOST:$PG_PORT (log $logf)"
  # setsid: own session, so Ctrl-C in the terminal running npm start does not reach the server.
  local sess=()
  command -v setsid >/dev/null 2>&1 && sess=(setsid -w)
  as_pg ${sess[@]+"${sess[@]}"} "$PG_BINDIR/pg_ctl" -D "$datadir" -l "$logf" -w -t "$WAIT_S" \
    -o "-p $PG_PORT -c listen_addresses=$listen" start >/dev/null 2>&1 ||
    die "PostgreSQL did not start on $PG_HOST:$PG_PORT, see $logf:
$(tail -n 15 "$logf")"
}

start_redis() {
  local dir="$INFRA_DIR/redis-$REDIS_PORT" pidf="$INFRA_DIR/redis-$REDIS_PORT.pid" logf="$LOG_DIR/redis-$REDIS_PORT.log"
  local bind="$REDIS_HOST" extra=()
  [[ "$bind" == localhost ]] && bind=127.0.0.1
  [[ -n "$REDIS_PASS" ]] && extra+=(--requirepass "$REDIS_PASS")
  mkdir -p "$dir"
  printf 'kind=redis\nport=%s\npidfile=%s\ndatadir=%s\nlog=%s\n' "$REDIS_PORT" "$pidf" "$dir" "$logf" >"$INFRA_DIR/redis-$REDIS_PORT.state"
  log "redis: starting redis-server on $bind:$REDIS_PORT (log $logf)"
  redis-server --daemonize yes --bind "$bind" --port "$REDIS_PORT" --save '' --appendonly no \
    --maxmemory-policy noeviction --dir "$dir" --pidfile "$pidf" --logfile "$logf" ${extra[@]+"${extra[@]}"} >/dev/null ||
    die "redis-server failed to start, see $logf"
}

start_nats() {
  local dir="$INFRA_DIR/nats-$NATS_PORT" pidf="$INFRA_DIR/nats-$NATS_PORT.pid" logf="$LOG_DIR/nats-$NATS_PORT.log"
  local bind="$NATS_HOST" args
  [[ "$bind" == localhost ]] && bind=127.0.0.1
  mkdir -p "$dir"
  printf 'kind=nats\nport=%s\npidfile=%s\ndatadir=%s\nlog=%s\n' "$NATS_PORT" "$pidf" "$dir" "$logf" >"$INFRA_DIR/nats-$NATS_PORT.state"
  if [[ "${PARLEY_NATS_AUTH:-1}" == 0 ]]; then
    args=(-a "$bind" -p "$NATS_PORT" -js -sd "$dir")
    log "nats: starting nats-server -js on $bind:$NATS_PORT without authentication (log $logf)"
  else
    local conf="$INFRA_DIR/nats-$NATS_PORT.conf"
    node "$PARLEY_ROOT/tools/nats-auth/nats-server-config.cjs" --out "$conf" --store-dir "$dir" --host "$bind" --port "$NATS_PORT" \
      --secrets-dir "$PARLEY_DIR/keys/nats" --subject-prefix "${NATS_SUBJECT_PREFIX:-}" >/dev/null ||
      die "could not write the NATS configuration $conf"
    args=(-c "$conf")
    log "nats: starting nats-server -js on $bind:$NATS_PORT, one identity per app (passwords in .parley/keys/nats; log $logf)"
  fi
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  ${detach[@]+"${detach[@]}"} nohup nats-server "${args[@]}" -P "$pidf" >>"$logf" 2>&1 </dev/null &
  disown || true
}

# ---------------------------------------------------------------- decide
want_pg=0 want_redis=0 want_nats=0
missing_pkgs=() missing_desc=() missing_brew=()

# must_start TAG NAME HOST PORT VARIABLE: true when this script must start the server; one already
# answering on HOST:PORT is reused, and one that does not on another host is an error.
must_start() {
  if port_open "$3" "$4"; then
    log "$1: reusing the server on $3:$4"
    return 1
  fi
  is_local_host "$3" || die "$2 at $3:$4 ($5) is not reachable, and it is not a local address this script could start it on"
}
# need_package PACKAGE DESCRIPTION BREW_FORMULA: to install before starting its server.
need_package() {
  missing_pkgs+=("$1")
  missing_desc+=("$2")
  missing_brew+=("$3")
}

if must_start postgres PostgreSQL "$PG_HOST" "$PG_PORT" DATABASE_URL; then
  want_pg=1
  find_pg_bindir || need_package postgresql "PostgreSQL server (initdb, pg_ctl)" postgresql
fi
if must_start redis Redis "$REDIS_HOST" "$REDIS_PORT" REDIS_URL; then
  want_redis=1
  have_redis || need_package redis-server redis-server redis
fi
if must_start nats NATS "$NATS_HOST" "$NATS_PORT" NATS_URL; then
  want_nats=1
  have_nats || need_package nats-server "nats-server (2.2+, for JetStream)" nats-server
fi

# ---------------------------------------------------------------- install what is missing
if ((${#missing_pkgs[@]} > 0)); then
  if ((EUID == 0)) && command -v apt-get >/dev/null 2>&1; then
    log "installing ${missing_pkgs[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" </dev/null >"$LOG_DIR/apt-install.log" 2>&1 ||
      die "apt-get install ${missing_pkgs[*]} failed, see $LOG_DIR/apt-install.log"
    hash -r
    # A package's own install script may have started its server: re-check before starting ours.
    if ((want_pg)) && port_open "$PG_HOST" "$PG_PORT"; then want_pg=0 && log "postgres: the package started a server on $PG_PORT, reusing it"; fi
    if ((want_redis)) && port_open "$REDIS_HOST" "$REDIS_PORT"; then want_redis=0 && log "redis: the package started a server on $REDIS_PORT, reusing it"; fi
    if ((want_nats)) && port_open "$NATS_HOST" "$NATS_PORT"; then want_nats=0 && log "nats: the package started a server on $NATS_PORT, reusing it"; fi
    if ((want_pg)); then find_pg_bindir || die "postgresql was installed but no initdb/pg_ctl was found (looked on PATH and in /usr/lib/postgresql/*/bin)"; fi
    if ((want_redis)); then have_redis || die "redis-server was installed but is not on PATH"; fi
    if ((want_nats)); then have_nats || die "nats-server was installed but is not on PATH"; fi
  else
    desc="$(printf '%s, ' "${missing_desc[@]}")" && desc="${desc%, }"
    die "not running and not installed: $desc.
  Install them, e.g.  Debian/Ubuntu: sudo apt-get install -y ${missing_pkgs[*]}
                      macOS:         brew install ${missing_brew[*]}
  or point DATABASE_URL / REDIS_URL / NATS_URL at servers that are running."
  fi
fi

# ---------------------------------------------------------------- start and wait
((want_pg)) && start_pg
((want_redis)) && start_redis
((want_nats)) && start_nats

wait_until "$WAIT_S" pg_ready ||
  die "PostgreSQL at $PG_HOST:$PG_PORT did not become ready within ${WAIT_S}s$( ((want_pg)) && printf ', see %s' "$LOG_DIR/postgres-$PG_PORT.log")"
wait_until "$WAIT_S" redis_ready ||
  die "Redis at $REDIS_HOST:$REDIS_PORT did not answer PING within ${WAIT_S}s$( ((want_redis)) && printf ', see %s' "$LOG_DIR/redis-$REDIS_PORT.log")"
wait_until "$WAIT_S" nats_ready ||
  die "NATS at $NATS_HOST:$NATS_PORT did not answer within ${WAIT_S}s$( ((want_nats)) && printf ', see %s' "$LOG_DIR/nats-$NATS_PORT.log")"
if ! nats_info | grep -q '"jetstream":true'; then
  die "NATS at $NATS_HOST:$NATS_PORT answers but JetStream is not enabled: restart it with -js (nats-server -js -sd <dir>)"
fi
if ! ((want_nats)) && [[ "${PARLEY_NATS_AUTH:-1}" != 0 ]] && ! nats_requires_auth "$NATS_HOST" "$NATS_PORT"; then
  warn "NATS at $NATS_HOST:$NATS_PORT accepts anonymous clients: anyone who reaches it can read and send as any user."
  warn "  Fine for a laptop; never in production (docs/security.md). Stop it to let npm start run one with authentication."
fi

# ---------------------------------------------------------------- database
if command -v psql >/dev/null 2>&1; then
  create_db_psql() {
    PGPASSWORD="$PG_PASS" PGCONNECT_TIMEOUT=5 psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" \
      -d "$1" -v db="$PG_DB" 2>&1 <<'SQL'
SELECT format('CREATE DATABASE %I', :'db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db')\gexec
SQL
  }
  out="$(create_db_psql postgres)" || out2="$(create_db_psql template1)" ||
    die "could not create database '$PG_DB' on $PG_HOST:$PG_PORT as $PG_USER: ${out2:-$out}"
else
  node "$PARLEY_ROOT/tools/dev/pg-create-db.cjs" || die "could not create database '$PG_DB' on $PG_HOST:$PG_PORT"
fi

log "ready: postgres $PG_HOST:$PG_PORT/$PG_DB, redis $REDIS_HOST:$REDIS_PORT, nats+jetstream $NATS_HOST:$NATS_PORT"
