#!/usr/bin/env bash
# One-command developer stack (npm start):
#   npm ci if needed -> infra (PostgreSQL, Redis, NATS) -> dev keys -> build the five apps
#   -> migrations -> supervisor (runs the apps, prints URLs, Ctrl-C stops them).
# Extra arguments go to the supervisor, e.g. `npm start -- --gateways 2` or `npm start -- --stdout`.
# PARLEY_SKIP_BUILD=1 reuses dist/ as it is.
set -euo pipefail
PARLEY_LOG_TAG=start
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parley_env_defaults

mkdir -p "$LOG_DIR"
log "Parley dev stack in $PARLEY_ROOT"

ensure_node_modules
bash "$PARLEY_ROOT/tools/dev/ensure-infra.sh"
node "$PARLEY_ROOT/tools/dev/ensure-keys.cjs"

if [[ "${PARLEY_SKIP_BUILD:-}" == 1 ]]; then
  log "PARLEY_SKIP_BUILD=1: using dist/ as it is"
else
  projects="$(IFS=,; echo "${PARLEY_APPS[*]}"),web"
  log "building ${PARLEY_APPS[*]} web (log: .parley/logs/build.log)"
  build_projects "$projects"
  log "build done"
fi

PARLEY_SKIP_INFRA=1 bash "$PARLEY_ROOT/tools/dev/migrate.sh"

# A laptop stack: API docs on, and the web client's origins (WEB_PORT included) allowed by CORS.
export API_DOCS_ENABLED="${API_DOCS_ENABLED:-true}"
web_port="${WEB_PORT:-4200}"
cors="http://localhost:4200,http://127.0.0.1:4200"
[[ "$web_port" == 4200 ]] || cors="$cors,http://localhost:$web_port,http://127.0.0.1:$web_port"
export CORS_ORIGINS="${CORS_ORIGINS:-$cors}"

log "starting the apps"
exec node "$PARLEY_ROOT/tools/dev/supervisor.cjs" "$@"
