#!/usr/bin/env bash
# Prints the directory holding PostgreSQL's server binaries (pg_ctl and initdb), or fails with a
# message on stderr. The one lookup shared by tools/dev/ensure-infra.sh and the fault suite's
# private PostgreSQL (apps/faults-e2e/src/support/infra.ts).
#
# Order: $PARLEY_PG_BINDIR (to pin a version), pg_ctl on PATH, then the distributions' own places:
# Debian/Ubuntu keep the server in /usr/lib/postgresql/<version>/bin and put only the client tools
# on PATH; RHEL in /usr/pgsql-<version>/bin; a source build in /usr/local/pgsql/bin. The newest
# version wins.
set -euo pipefail

has_server() { [[ -x "$1/pg_ctl" && -x "$1/initdb" ]]; }

if [[ -n "${PARLEY_PG_BINDIR:-}" ]]; then
  has_server "$PARLEY_PG_BINDIR" || {
    echo "PARLEY_PG_BINDIR=$PARLEY_PG_BINDIR has no pg_ctl and initdb" >&2
    exit 1
  }
  printf '%s\n' "$PARLEY_PG_BINDIR"
  exit 0
fi
if c="$(command -v pg_ctl 2>/dev/null)"; then
  d="$(dirname "$(readlink -f "$c")")"
  if has_server "$d"; then printf '%s\n' "$d" && exit 0; fi
fi
# shellcheck disable=SC2012 # plain directory names, sorted by version
for d in $(ls -d /usr/lib/postgresql/*/bin /usr/pgsql-*/bin /usr/local/pgsql/bin 2>/dev/null | sort -V -r); do
  if has_server "$d"; then printf '%s\n' "$d" && exit 0; fi
done
echo "PostgreSQL server binaries (pg_ctl, initdb) not found on PATH nor in /usr/lib/postgresql/*/bin, /usr/pgsql-*/bin, /usr/local/pgsql/bin (Debian/Ubuntu: apt-get install postgresql; or set PARLEY_PG_BINDIR)" >&2
exit 1
