#!/usr/bin/env bash
# Makes sure a three-master Redis Cluster (no replicas) answers on 127.0.0.1 ports
# PARLEY_REDIS_CLUSTER_PORT .. +2 (default 7101-7103), for the tests that run presence, push and the
# stack on a cluster (npm test calls this). Reuses a cluster already up there (cluster_state:ok);
# else starts three `redis-server --cluster-enabled yes` (state in .parley/infra, logs in
# .parley/logs), joins them with `redis-cli --cluster create`, and waits for cluster_state:ok.
# Prints the seed list for REDIS_CLUSTER_NODES on its last line. Stopped by tools/dev/stop-infra.sh.
set -euo pipefail
PARLEY_LOG_TAG=redis-cluster
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mkdir -p "$INFRA_DIR" "$LOG_DIR"
BASE="${PARLEY_REDIS_CLUSTER_PORT:-7101}"
PORTS=("$BASE" "$((BASE + 1))" "$((BASE + 2))")
WAIT_S="${PARLEY_INFRA_WAIT_S:-60}"
NODES="$(printf '127.0.0.1:%s,' "${PORTS[@]}")" && NODES="${NODES%,}"

command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 ||
  die "redis-server and redis-cli are needed (Debian: apt-get install redis-server; tools/dev/ensure-infra.sh installs it)"

cluster_ok() { redis-cli -h 127.0.0.1 -p "${PORTS[0]}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
all_assigned() { redis-cli -h 127.0.0.1 -p "${PORTS[0]}" cluster info 2>/dev/null | grep -q '^cluster_slots_assigned:16384'; }

if cluster_ok; then
  log "reusing the Redis Cluster on $NODES"
  echo "$NODES"
  exit 0
fi

for port in "${PORTS[@]}"; do
  if port_open 127.0.0.1 "$port"; then
    mode="$(redis-cli -h 127.0.0.1 -p "$port" info cluster 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_enabled://p' || true)"
    [[ "$mode" == 1 ]] || die "port $port is taken by something that is not a Redis Cluster node; set PARLEY_REDIS_CLUSTER_PORT to a free range"
    continue
  fi
  # Each node also listens on its cluster bus port, port + 10000 (another cluster's bus, say).
  ! port_open 127.0.0.1 "$((port + 10000))" ||
    die "port $((port + 10000)) (the cluster bus of $port) is taken; set PARLEY_REDIS_CLUSTER_PORT to a range whose ports and ports + 10000 are free"
  dir="$INFRA_DIR/redis-cluster-$port" pidf="$INFRA_DIR/redis-cluster-$port.pid" logf="$LOG_DIR/redis-cluster-$port.log"
  # A node's cluster state is soft (test data only): a fresh start is a fresh cluster.
  rm -rf -- "$dir" && mkdir -p "$dir"
  printf 'kind=redis\nport=%s\npidfile=%s\ndatadir=%s\nlog=%s\n' "$port" "$pidf" "$dir" "$logf" >"$INFRA_DIR/redis-cluster-$port.state"
  log "starting redis-server --cluster-enabled yes on 127.0.0.1:$port (log $logf)"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
    --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout 5000 --save '' --appendonly no \
    --maxmemory-policy noeviction --dir "$dir" --pidfile "$pidf" --logfile "$logf" >/dev/null ||
    die "redis-server failed to start on $port, see $logf"
done
for port in "${PORTS[@]}"; do
  wait_until "$WAIT_S" redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null ||
    die "Redis Cluster node 127.0.0.1:$port did not answer PING within ${WAIT_S}s"
done

if ! all_assigned; then
  log "redis-cli --cluster create $NODES --cluster-replicas 0"
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${PORTS[@]}") --cluster-replicas 0 --cluster-yes \
    >"$LOG_DIR/redis-cluster-create.log" 2>&1 ||
    die "redis-cli --cluster create failed, see $LOG_DIR/redis-cluster-create.log (a half-made cluster: npm run stack:stop-infra -- --purge)"
fi
ok_everywhere() { for p in "${PORTS[@]}"; do redis-cli -h 127.0.0.1 -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1; done; }
wait_until "$WAIT_S" ok_everywhere || die "the Redis Cluster on $NODES did not reach cluster_state:ok within ${WAIT_S}s"
log "ready: Redis Cluster of three masters on $NODES"
echo "$NODES"
