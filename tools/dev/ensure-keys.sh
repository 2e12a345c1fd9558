#!/usr/bin/env bash
# Creates the local dev keys in .parley/keys/ when missing (see ensure-keys.cjs). Never prints key material.
set -euo pipefail
exec node "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ensure-keys.cjs" "$@"
