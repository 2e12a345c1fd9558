#!/usr/bin/env bash
# Runs the database migrations of auth, message-store and push-notifier, in that order:
#   node dist/apps/<app>/main.js migrate
# Builds those apps first when dist/ lacks them, makes sure the infra is up and the dev keys exist.
# Env: the stack's DATABASE_URL etc. (defaults as in tools/dev/lib.sh); PARLEY_MIGRATE_TIMEOUT_S (300).
set -euo pipefail
PARLEY_LOG_TAG=migrate
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
parley_env_defaults

mkdir -p "$LOG_DIR"
TIMEOUT_S="${PARLEY_MIGRATE_TIMEOUT_S:-300}"

missing=()
for app in "${PARLEY_MIGRATING_APPS[@]}"; do
  [[ -f "dist/apps/$app/main.js" ]] || missing+=("$app")
done
if ((${#missing[@]} > 0)); then
  ensure_node_modules
  projects="$(IFS=,; echo "${missing[*]}")"
  log "building $projects (log: .parley/logs/build.log)"
  build_projects "$projects"
fi

[[ "${PARLEY_SKIP_INFRA:-}" == 1 ]] || bash "$PARLEY_ROOT/tools/dev/ensure-infra.sh"
node "$PARLEY_ROOT/tools/dev/ensure-keys.cjs" --quiet

for app in "${PARLEY_MIGRATING_APPS[@]}"; do
  logf="$LOG_DIR/migrate-$app.log"
  log "migrating $app (log: .parley/logs/migrate-$app.log)"
  rc=0
  timeout --foreground "$TIMEOUT_S" node "dist/apps/$app/main.js" migrate </dev/null >"$logf" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -n 30 "$logf" >&2
    ((rc == 124)) && die "migration of $app did not exit within ${TIMEOUT_S}s: does dist/apps/$app/main.js handle the 'migrate' argument? (full log: $logf)"
    die "migration of $app failed with exit code $rc (full log: $logf)"
  fi
done
log "migrations done: ${PARLEY_MIGRATING_APPS[*]}"
