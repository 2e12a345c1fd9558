/**
 * NATS_URL as nats.js's `servers`: one URL, or a comma-separated list (the nodes of a cluster).
 * nats.js takes a string as ONE server, so a list must become an array; it then connects to any
 * node, learns the others from the cluster, and reconnects to another when its node dies.
 */
export function natsServers(url: string): string[] {
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (servers.length === 0) throw new Error('NATS_URL names no server');
  return servers;
}
