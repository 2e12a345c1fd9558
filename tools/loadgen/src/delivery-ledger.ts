/**
 * What was acked and what each recipient received, to prove zero loss: every acked
 * message reached every other member of its chat exactly once after dedupe by
 * (chatId, seq). Chats and users are small integers local to one worker.
 */
export interface AckedMessage {
  chat: number;
  seq: number;
  sender: number;
  id: string;
}

export interface LossReport {
  ackedMessages: number;
  expectedDeliveries: number;
  delivered: number;
  lostDeliveries: number;
  duplicates: number;
  /** message:new for a seq of a chat that went backwards for that recipient. */
  outOfOrder: number;
  /** message:new of the recipient's own message (the sending connection has the ack). */
  echoes: number;
  /** message:new of a seq never acked to the sender (its ack failed or timed out): not a loss. */
  receivedNotAcked: number;
  examples: string[];
}

export class DeliveryLedger {
  private readonly acked = new Map<number, Map<number, AckedMessage>>();
  /** user -> chat -> seqs received. */
  private readonly received = new Map<number, Map<number, Set<number>>>();
  private readonly lastSeq = new Map<number, Map<number, number>>();
  private duplicates = 0;
  private outOfOrder = 0;

  constructor(private readonly membersOf: (chat: number) => readonly number[]) {}

  ack(message: AckedMessage): void {
    let chat = this.acked.get(message.chat);
    if (!chat) this.acked.set(message.chat, (chat = new Map()));
    chat.set(message.seq, message);
  }

  /**
   * Records a message:new; false when this user already had (chat, seq). A replay after
   * a reconnect may repeat what arrived live (docs/protocol.md allows that): not a duplicate.
   */
  receive(user: number, chat: number, seq: number, replay = false): boolean {
    let chats = this.received.get(user);
    if (!chats) this.received.set(user, (chats = new Map()));
    let seqs = chats.get(chat);
    if (!seqs) chats.set(chat, (seqs = new Set()));
    if (seqs.has(seq)) {
      if (!replay) this.duplicates++;
      return false;
    }
    seqs.add(seq);
    let last = this.lastSeq.get(user);
    if (!last) this.lastSeq.set(user, (last = new Map()));
    if (seq < (last.get(chat) ?? 0)) {
      if (!replay) this.outOfOrder++;
    } else last.set(chat, seq);
    return true;
  }

  ackedMessages(): AckedMessage[] {
    return [...this.acked.values()].flatMap((m) => [...m.values()]);
  }

  check(maxExamples = 10): LossReport {
    const report: LossReport = {
      ackedMessages: 0,
      expectedDeliveries: 0,
      delivered: 0,
      lostDeliveries: 0,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      echoes: 0,
      receivedNotAcked: 0,
      examples: [],
    };
    for (const [chat, messages] of this.acked) {
      const members = this.membersOf(chat);
      for (const m of messages.values()) {
        report.ackedMessages++;
        for (const user of members) {
          if (user === m.sender) continue;
          report.expectedDeliveries++;
          if (this.received.get(user)?.get(chat)?.has(m.seq)) {
            report.delivered++;
          } else {
            report.lostDeliveries++;
            if (report.examples.length < maxExamples)
              report.examples.push(`chat#${chat} seq ${m.seq} not received by user#${user}`);
          }
        }
      }
    }
    for (const [user, chats] of this.received) {
      for (const [chat, seqs] of chats) {
        const acked = this.acked.get(chat);
        for (const seq of seqs) {
          const m = acked?.get(seq);
          if (!m) report.receivedNotAcked++;
          else if (m.sender === user) {
            report.echoes++;
            if (report.examples.length < maxExamples)
              report.examples.push(`user#${user} got its own chat#${chat} seq ${seq} back`);
          }
        }
      }
    }
    return report;
  }
}
