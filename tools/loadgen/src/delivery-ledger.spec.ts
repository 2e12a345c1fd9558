import { DeliveryLedger } from './delivery-ledger';

// chat 0: users 0 and 1 (1:1); chat 1: users 2, 3, 4 (group)
const members = [
  [0, 1],
  [2, 3, 4],
];
const ledger = () => new DeliveryLedger((chat) => members[chat]);

describe('DeliveryLedger', () => {
  it('finds no loss when every recipient got every acked message', () => {
    const l = ledger();
    l.ack({ chat: 0, seq: 1, sender: 0, id: 'a' });
    l.ack({ chat: 1, seq: 1, sender: 2, id: 'b' });
    l.receive(1, 0, 1);
    l.receive(3, 1, 1);
    l.receive(4, 1, 1);
    expect(l.check()).toMatchObject({
      ackedMessages: 2,
      expectedDeliveries: 3,
      delivered: 3,
      lostDeliveries: 0,
      duplicates: 0,
    });
  });

  it('catches a delivery that never arrived, naming it', () => {
    const l = ledger();
    l.ack({ chat: 1, seq: 7, sender: 2, id: 'x' });
    l.receive(3, 1, 7);
    const report = l.check();
    expect(report.lostDeliveries).toBe(1);
    expect(report.examples).toEqual(['chat#1 seq 7 not received by user#4']);
  });

  it('counts duplicates once (dedupe by chat and seq), out-of-order arrivals and echoes', () => {
    const l = ledger();
    for (const seq of [1, 2, 3]) l.ack({ chat: 0, seq, sender: 0, id: `m${seq}` });
    expect(l.receive(1, 0, 2)).toBe(true);
    expect(l.receive(1, 0, 2)).toBe(false);
    l.receive(1, 0, 1); // after 2: out of order
    l.receive(1, 0, 3);
    l.receive(0, 0, 3); // the sender's own message
    expect(l.check()).toMatchObject({ delivered: 3, lostDeliveries: 0, duplicates: 1, outOfOrder: 1, echoes: 1 });
  });

  it('does not count as lost what was received but never acked (a timed-out ack)', () => {
    const l = ledger();
    l.receive(1, 0, 1);
    expect(l.check()).toMatchObject({ ackedMessages: 0, lostDeliveries: 0, receivedNotAcked: 1 });
  });
});

describe('DeliveryLedger after a reconnect', () => {
  it('counts what the replay brings, and not its repeats as duplicates', () => {
    const l = new DeliveryLedger(() => [0, 1]);
    for (const seq of [1, 2, 3]) l.ack({ chat: 0, seq, sender: 0, id: `m${seq}` });
    l.receive(1, 0, 1);
    // user 1 dropped; its replay sends 1..3 again
    for (const seq of [1, 2, 3]) l.receive(1, 0, seq, true);
    expect(l.check()).toMatchObject({ delivered: 3, lostDeliveries: 0, duplicates: 0, outOfOrder: 0 });
  });
});
