#!/usr/bin/env bash
# The images without a Docker engine: builds every app the way docker/Dockerfile does, in
# throw-away folders, and runs the result against the local PostgreSQL / Redis / NATS.
#
#   bash tools/deploy-checks/image-smoke.sh            (npx nx run deploy-checks:image-smoke)
#
#  1. context  = the repository minus .dockerignore        (COPY . .)
#  2. build    = npm ci --ignore-scripts; nx build <app>; docker/runtime-deps.cjs
#  3. deps     = npm install --omit=dev from the generated package.json + lock, nothing else
#  4. runtime  = main.js + package.json + node_modules, not writable by the app (run as `nobody` when root)
#  5. run      = `main.js migrate` for the migrating apps, then all five apps on ports 3100-3104
#                (a fresh database, and prefixes of their own on NATS and Redis); waits for
#                /health/ready, runs the image's HEALTHCHECK command, registers a user through
#                auth, uses its token on the gateway over HTTP and Socket.IO, then SIGTERMs every
#                app: each must catch it and stop, the gateway closing its socket first.
# Needs the npm registry (steps 2-3) and the local services. Work folder: $SMOKE_DIR (default a
# temp dir, removed at the end unless SMOKE_KEEP=1). Not part of `npm test` (about 2 minutes).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
APPS=(auth chat-gateway presence message-store push-notifier)
MIGRATING=(auth message-store push-notifier)
declare -A PORT_VAR=([auth]=AUTH_PORT [chat-gateway]=GATEWAY_PORT [presence]=PRESENCE_PORT [message-store]=MESSAGE_STORE_PORT [push-notifier]=PUSH_NOTIFIER_PORT)
declare -A PORT=([chat-gateway]=3100 [auth]=3101 [presence]=3102 [message-store]=3103 [push-notifier]=3104)
WORK="${SMOKE_DIR:-$(mktemp -d /tmp/parley-image-smoke.XXXXXX)}"
TAG="smoke$(date +%s)$$"
PIDS=()
log() { printf '[image-smoke] %s\n' "$*"; }
die() { printf '[image-smoke] FAILED: %s\n' "$*" >&2; exit 1; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $TAG" >/dev/null 2>&1 || true
  [[ "${SMOKE_KEEP:-}" == 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT
export NX_NO_CLOUD=true NX_DAEMON=false NX_TUI=false CI=true

# ---------------------------------------------------------------- 1. context
log "context -> $WORK/src"
mkdir -p "$WORK/src"
node -e '
  require(process.argv[1] + "/node_modules/@swc-node/register");
  const { contextFiles, parseDockerignore } = require(process.argv[1] + "/tools/deploy-checks/src/lib/dockerignore.ts");
  const fs = require("fs"), path = require("path");
  const rules = parseDockerignore(fs.readFileSync(path.join(process.argv[1], ".dockerignore"), "utf8"));
  for (const f of contextFiles(process.argv[1], rules)) {
    fs.mkdirSync(path.dirname(path.join(process.argv[2], f)), { recursive: true });
    fs.copyFileSync(path.join(process.argv[1], f), path.join(process.argv[2], f));
  }' "$ROOT" "$WORK/src"

# ---------------------------------------------------------------- 2. build
cd "$WORK/src"
log "npm ci (build stage)"
npm ci --no-audit --no-fund --ignore-scripts >"$WORK/npm-ci.log" 2>&1 || { tail -20 "$WORK/npm-ci.log"; die "npm ci"; }
for app in "${APPS[@]}"; do
  log "nx build $app"
  npx nx build "$app" --skip-nx-cache --output-style=static >"$WORK/build-$app.log" 2>&1 || { tail -30 "$WORK/build-$app.log"; die "nx build $app"; }
  node docker/runtime-deps.cjs "dist/apps/$app" package-lock.json || die "runtime-deps $app"
done

# ---------------------------------------------------------------- 3-4. deps + runtime
for app in "${APPS[@]}"; do
  log "npm install --omit=dev ($app)"
  d="$WORK/image-$app"
  mkdir -p "$d"
  cp "dist/apps/$app/package.json" "dist/apps/$app/package-lock.json" "$d/"
  (cd "$d" && npm install --omit=dev --no-audit --no-fund --ignore-scripts >"$WORK/deps-$app.log" 2>&1) || { tail -20 "$WORK/deps-$app.log"; die "npm install $app"; }
  rm "$d/package-lock.json"
  cp "dist/apps/$app/main.js" "$d/"
  chmod -R a+rX,go-w "$d"
done
chmod a+rx "$WORK"

# ---------------------------------------------------------------- 5. run
# As root, run as nobody (setpriv execs: node keeps the pid and gets SIGTERM itself, as in the image).
AS=()
if ((EUID == 0)); then AS=(setpriv --reuid=nobody --regid=nogroup --clear-groups --); fi
openssl_keys="$WORK/keys"
node "$ROOT/tools/dev/ensure-keys.cjs" --dir "$openssl_keys" --quiet
chmod -R a+rX "$openssl_keys"
psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $TAG" >/dev/null
ENV=(
  "DATABASE_URL=postgres://postgres@127.0.0.1:5432/$TAG" "REDIS_URL=redis://127.0.0.1:6379" "NATS_URL=nats://127.0.0.1:4222"
  "NATS_SUBJECT_PREFIX=$TAG." "REDIS_KEY_PREFIX=$TAG:presence:" "PUSH_QUEUE_PREFIX=$TAG" "LOG_LEVEL=warn" "NODE_ENV=production"
  "JWT_PRIVATE_KEY_FILE=$openssl_keys/jwt-private.pem" "JWT_PUBLIC_KEY_FILE=$openssl_keys/jwt-public.pem"
  "MESSAGE_ENCRYPTION_KEYS_FILE=$openssl_keys/message-keys"
)
for app in "${APPS[@]}"; do ENV+=("${PORT_VAR[$app]}=${PORT[$app]}"); done

for app in "${MIGRATING[@]}"; do
  log "node main.js migrate ($app)"
  (cd "$WORK/image-$app" && env -i PATH="$PATH" "${ENV[@]}" "${AS[@]}" node main.js migrate) || die "migrate $app"
done

for app in "${APPS[@]}"; do
  (cd "$WORK/image-$app" && exec env -i PATH="$PATH" "${ENV[@]}" "${AS[@]}" node main.js) >"$WORK/run-$app.log" 2>&1 &
  PIDS+=($!)
done
for app in "${APPS[@]}"; do
  ok=0
  for _ in $(seq 1 120); do
    if node -e "fetch('http://127.0.0.1:${PORT[$app]}/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"; then ok=1 && break; fi
    sleep 0.5
  done
  ((ok)) || { cat "$WORK/run-$app.log"; die "$app not ready on ${PORT[$app]}"; }
  # The Dockerfile's HEALTHCHECK command, as the image runs it.
  hc="$(sed -n 's/^  CMD \["node", "-e", "\(.*\)"\]$/\1/p' "$ROOT/docker/Dockerfile" | sed 's/\\"/"/g')"
  [[ -n "$hc" ]] || die "HEALTHCHECK command not found in docker/Dockerfile"
  env -i PATH="$PATH" PARLEY_PORT_ENV="${PORT_VAR[$app]}" "${PORT_VAR[$app]}=${PORT[$app]}" node -e "$hc" || die "HEALTHCHECK of $app"
  log "$app ready on ${PORT[$app]} (HEALTHCHECK ok)"
done

user="smoke_$RANDOM$RANDOM"
status="$(node -e "
  fetch('http://127.0.0.1:${PORT[auth]}/v1/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: '$user', password: 'correct horse battery' }) })
  .then(async (r) => { const b = await r.json(); console.log(r.status, b.accessToken ? 'token' : JSON.stringify(b)); })")"
[[ "$status" == "201 token" ]] || die "register through auth answered: $status"
log "registered $user through auth"
status="$(node -e "
  fetch('http://127.0.0.1:${PORT[auth]}/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: '$user', password: 'correct horse battery' }) })
  .then((r) => r.json()).then((b) => fetch('http://127.0.0.1:${PORT[chat-gateway]}/v1/chats', { headers: { authorization: 'Bearer ' + b.accessToken } }))
  .then((r) => console.log(r.status))")"
[[ "$status" == "200" ]] || die "GET /v1/chats on the gateway with that token answered: $status"
log "the gateway accepts auth's token (GET /v1/chats 200)"

# A Socket.IO client on the gateway: on SIGTERM the gateway must close it itself.
token="$(node -e "
  fetch('http://127.0.0.1:${PORT[auth]}/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: '$user', password: 'correct horse battery' }) }).then((r) => r.json()).then((b) => console.log(b.accessToken))")"
node -e "
  const { io } = require('$ROOT/node_modules/socket.io-client');
  const s = io('http://127.0.0.1:${PORT[chat-gateway]}', { auth: { token: process.argv[1] }, transports: ['websocket'], reconnection: false });
  s.on('connect', () => console.log('connected'));
  s.on('connect_error', (e) => { console.log('connect_error ' + e.message); process.exit(1); });
  s.on('disconnect', (reason) => { console.log('disconnect ' + reason); process.exit(0); });
  setTimeout(() => { console.log('timeout'); process.exit(1); }, 30000);
" "$token" >"$WORK/socket.log" 2>&1 &
client=$!
for _ in $(seq 1 50); do grep -q connected "$WORK/socket.log" && break; sleep 0.2; done
grep -q '^connected' "$WORK/socket.log" || die "Socket.IO client could not connect: $(cat "$WORK/socket.log")"

# Nest runs its shutdown hooks on SIGTERM, then re-raises it: exit status 143 (or 0).
# That the process catches SIGTERM at all is what matters for node as PID 1 (an uncaught
# signal is ignored by PID 1): read it from /proc before sending it.
for i in "${!APPS[@]}"; do
  app="${APPS[$i]}" pid="${PIDS[$i]}"
  sigcgt="$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status")"
  (( (16#$sigcgt >> 14) & 1 )) || die "$app (pid $pid) does not catch SIGTERM (SigCgt $sigcgt)"
  kill -TERM "$pid"
  rc=0
  t0=$(date +%s%N)
  wait "$pid" || rc=$?
  ms=$((($(date +%s%N) - t0) / 1000000))
  ((rc == 0 || rc == 143)) || { tail -20 "$WORK/run-$app.log"; die "$app exited $rc on SIGTERM"; }
  ((ms < 15000)) || die "$app took ${ms} ms to stop"
  log "$app: catches SIGTERM, stopped (exit $rc) in ${ms} ms"
  if [[ "$app" == chat-gateway ]]; then
    wait "$client" || true
    # "transport close" (the engine closed) makes the client reconnect by itself, to another gateway.
    grep -Eq '^disconnect (transport close|io server disconnect)$' "$WORK/socket.log" || die "the gateway did not close its socket on SIGTERM: $(cat "$WORK/socket.log")"
    log "chat-gateway disconnected its Socket.IO client on SIGTERM ($(tail -1 "$WORK/socket.log"))"
  fi
done
PIDS=()
log "all five images built, migrated, served, and stopped cleanly"
