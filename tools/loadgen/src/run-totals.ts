import type { RunSummary, StepResult } from '@parley/tools/load-report';
import type { WorkerFinal } from './protocol';

/** The run's totals: what its steps sent, and what every worker's loss ledger and store check found. */
export function totals(steps: StepResult[], finals: WorkerFinal[]): RunSummary['totals'] {
  const errors: Record<string, number> = {};
  for (const s of steps) for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
  const lostDeliveries = finals.reduce((n, f) => n + f.loss.lostDeliveries, 0);
  const hasStore = finals.every((f) => f.store);
  const lostInStore = hasStore ? finals.reduce((n, f) => n + (f.store?.missing ?? 0), 0) : null;
  return {
    sent: steps.reduce((n, s) => n + s.sent, 0),
    acked: finals.reduce((n, f) => n + f.loss.ackedMessages, 0),
    delivered: finals.reduce((n, f) => n + f.loss.delivered, 0),
    expectedDeliveries: finals.reduce((n, f) => n + f.loss.expectedDeliveries, 0),
    lost: lostDeliveries + (lostInStore ?? 0),
    lostDeliveries,
    lostInStore,
    storeChecked: hasStore ? finals.reduce((n, f) => n + (f.store?.checked ?? 0), 0) : null,
    duplicates: finals.reduce((n, f) => n + f.loss.duplicates, 0),
    outOfOrder: finals.reduce((n, f) => n + f.loss.outOfOrder, 0),
    echoes: finals.reduce((n, f) => n + f.loss.echoes, 0),
    receivedNotAcked: finals.reduce((n, f) => n + f.loss.receivedNotAcked, 0),
    errors,
    timeouts: steps.reduce((n, s) => n + s.timeouts, 0),
    disconnects: finals.reduce((n, f) => n + f.disconnects, 0),
    reconnected: finals.reduce((n, f) => n + f.reconnected, 0),
    recoveredByReplay: finals.reduce((n, f) => n + f.replayed, 0),
    lossExamples: finals.flatMap((f) => [...f.loss.examples, ...(f.store?.examples ?? [])]).slice(0, 10),
  };
}
