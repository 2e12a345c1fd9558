import type { BenchResults, RunSummary } from '../../results';
import { fmt } from '../format';

/** What each run's zero-loss check found. */
export function zeroLossSection(results: BenchResults): string[] {
  const out: string[] = [];
  out.push('### Zero-loss checks');
  out.push('');
  out.push(
    'After each run the load generator waits for stragglers, connects again the users whose socket dropped (their replay counts: that is store-and-forward), then checks every acked message against what every other member received (deduplicated by chatId+seq) and, for Parley, against `message_store.messages` (same chat, seq and id).',
  );
  out.push('');
  out.push(
    '| run | acked | delivered | lost deliveries | lost in PostgreSQL | duplicates | out of order | sockets dropped |',
  );
  out.push('|---|---:|---:|---:|---:|---:|---:|---|');
  out.push(lossLine('bare relay ramp', results.relay));
  out.push(lossLine('Parley 1:1 ramp', results.parley));
  out.push(lossLine('Parley group', results.group));
  out.push(lossLine('Parley crowd', results.crowd));
  if (results.transports) {
    out.push(lossLine('Socket.IO 1:1 ramp (transport comparison)', results.transports.socketio?.run));
    out.push(lossLine('gRPC 1:1 ramp (transport comparison)', results.transports.grpc?.run));
  }
  out.push('');
  out.push(`Raw figures of this run: \`.parley/bench/last-run.json\` (not committed).`);
  return out;
}

function lossLine(name: string, run: RunSummary | undefined): string {
  if (!run) return `| ${name} | not run | | | | | | |`;
  const t = run.totals;
  const replay = t.disconnects
    ? `${fmt(t.disconnects)} dropped; ${fmt(t.recoveredByReplay ?? 0)} delivered by the replay on reconnect`
    : 'none dropped';
  return `| ${name} | ${fmt(t.acked)} | ${fmt(t.delivered)} of ${fmt(t.expectedDeliveries)} | ${fmt(t.lostDeliveries)} | ${t.lostInStore === null ? 'not checked (no store)' : `${fmt(t.lostInStore)} of ${fmt(t.storeChecked)} checked`} | ${fmt(t.duplicates)} | ${fmt(t.outOfOrder)} | ${replay} |`;
}
