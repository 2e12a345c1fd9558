#!/usr/bin/env bash
# npm test: lint + Jest tests of every project, with the infra the tests need.
#   npm test -- --projects=auth     extra arguments go to `nx run-many`
# Exits with nx's exit code. The last line is "N passed, N failed": Jest test cases over all projects,
# summed from the "Tests:" line each Jest run prints. Full output: .parley/logs/test.log
set -euo pipefail
PARLEY_LOG_TAG="test"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$LOG_DIR"
OUT="$LOG_DIR/test.log"

ensure_node_modules
bash "$PARLEY_ROOT/tools/dev/ensure-infra.sh"
# presence, push and a subset of the whole-stack tests run on a three-master Redis Cluster too.
# One this run starts is stopped when it ends: its state lives in this checkout's .parley, and a
# node left running after the checkout is gone exits at its next cluster-config write.
cluster_base="${PARLEY_REDIS_CLUSTER_PORT:-7101}"
if ! redis-cli -h 127.0.0.1 -p "$cluster_base" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; then
  trap 'for p in "$cluster_base" $((cluster_base + 1)) $((cluster_base + 2)); do redis-cli -h 127.0.0.1 -p "$p" shutdown nosave >/dev/null 2>&1 || true; done' EXIT
fi
cluster_out="$(bash "$PARLEY_ROOT/tools/dev/redis-cluster.sh")" || die "could not start the test Redis Cluster"
printf '%s\n' "$cluster_out" | sed '$d'
export PARLEY_TEST_REDIS_CLUSTER="${cluster_out##*$'\n'}"

# Unit and integration tests talk to NATS anonymously, each under a subject prefix of its own; the
# whole-stack tests start a NATS with authentication per stack (libs/shared/testing, test-nats.ts).
# When the NATS at NATS_URL requires authentication (npm start's), the other tests get a server
# of their own without it, on the next port.
eval "$(node "$PARLEY_ROOT/tools/dev/url-env.cjs" NATS "${NATS_URL:-nats://127.0.0.1:4222}" 4222)"
if nats_requires_auth "$NATS_HOST" "$NATS_PORT"; then
  export NATS_URL="nats://127.0.0.1:$((NATS_PORT + 1))"
  log "NATS at $NATS_HOST:$NATS_PORT requires authentication: unit and integration tests use $NATS_URL"
  PARLEY_NATS_AUTH=0 bash "$PARLEY_ROOT/tools/dev/ensure-infra.sh"
fi

# The bench's test counts bytes on the wire with ss (iproute2), which a minimal Debian lacks.
if ! command -v ss >/dev/null 2>&1; then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing iproute2 (ss: the load generator's bytes-on-the-wire counters)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null
  else
    die "npm test needs ss (Debian/Ubuntu: apt-get install iproute2)"
  fi
fi

# The browser tests (apps/web-e2e) drive Debian's Chromium; never a downloaded browser.
if [[ -z "${CHROMIUM_PATH:-}" ]] && ! command -v chromium >/dev/null 2>&1; then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    log "installing chromium (browser e2e tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null
  else
    die "npm test needs Chromium (apt-get install chromium) or CHROMIUM_PATH pointing at one"
  fi
fi

log "prettier --check . (formatting; npm run format fixes it)"
npx prettier --check . --log-level warn </dev/null || die "some files are not formatted as Prettier would: run npm run format"

log "nx run-many -t lint test${*:+ $*}"
set +e
npx nx run-many -t lint test --skip-nx-cache --parallel=2 --output-style=stream "$@" </dev/null 2>&1 | tee "$OUT"
rc=${PIPESTATUS[0]}
set -e

# Sum Jest's per-run lines, e.g. "Tests:       1 failed, 2 skipped, 10 passed, 13 total"
# (ANSI colours stripped; nx may prefix each line with the project name).
read -r passed failed skipped suites_failed runs < <(
  sed -E 's/\x1B\[[0-9;]*[A-Za-z]//g' "$OUT" | awk '
    function num(line, word,   m) { return match(line, "[0-9]+ " word) ? substr(line, RSTART, RLENGTH) + 0 : 0 }
    /Tests:[[:space:]]+[0-9]/       { p += num($0, "passed"); f += num($0, "failed"); s += num($0, "skipped") + num($0, "todo"); n++ }
    /Test Suites:[[:space:]]+[0-9]/ { sf += num($0, "failed") }
    END { printf "%d %d %d %d %d\n", p, f, s, sf, n }'
)
echo
log "nx exit code $rc; $runs Jest run(s); $skipped skipped; $suites_failed test suite(s) failed; full output: .parley/logs/test.log"
if ((rc != 0 && failed == 0)); then
  log "nx failed without a failing test case: see 'Failed tasks' above (lint, type errors or a suite that could not run)"
fi
if ((rc != 0)); then
  # CI shows only the tail of this output: repeat each failing suite and the first lines of its errors here.
  log "failing suites and their first error lines:"
  sed -E 's/\x1B\[[0-9;]*[A-Za-z]//g' "$OUT" | awk '/ FAIL |● / && !/● Console/ { n = 13 } n > 0 && NF { print; n-- }' | head -80 || true
  echo
fi
echo "$passed passed, $failed failed"
exit "$rc"
