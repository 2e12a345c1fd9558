import type { BenchResults, IdleMemory } from '../../results';
import { fmt, kb } from '../format';

/** Memory per idle socket: Parley's gateway against the bare Socket.IO server. */
export function idleSection(results: BenchResults): string[] {
  const out: string[] = [];
  out.push('### Idle connections');
  out.push('');
  out.push(
    'Heap and RSS of the server process after a full GC, before and while the sockets are connected and idle (authenticated with the same ES256 tokens on both).',
  );
  out.push('');
  out.push('| server | idle sockets | heap per socket | RSS per socket | heap before -> after |');
  out.push('|---|---:|---:|---:|---:|');
  out.push(idleLine('Parley chat-gateway', results.parleyIdle));
  out.push(idleLine('bare Socket.IO server', results.relayIdle));
  out.push('');
  return out;
}

function idleLine(name: string, m: IdleMemory | undefined): string {
  if (!m) return `| ${name} | not run | | | |`;
  return `| ${name} | ${fmt(m.sockets)} | ${kb(m.heapPerSocketBytes)} | ${kb(m.rssPerSocketBytes)} | ${fmt(m.heapBeforeBytes / 1e6, 1)} -> ${fmt(m.heapAfterBytes / 1e6, 1)} MB |`;
}
