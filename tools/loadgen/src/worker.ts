import { performance } from 'node:perf_hooks';
import { DeliveryLedger } from './delivery-ledger';
import { Histogram } from './histogram';
import type { FromWorker, StepStats, ToWorker, WorkerInit, WorkerStep } from './protocol';
import { checkStored } from './store-check';
import { connectUser, type MessageNew, type SendAck, type UserConnection } from './transports';

interface StepState {
  stats: StepStats;
  ack: Histogram;
  e2e: Histogram;
  outstanding: number;
}

interface Pending {
  step: StepState;
  t0: number;
  chat: number;
  sender: number;
}

const MAX_BURST_PER_TICK = 2000;

/**
 * One load-generator process: holds a slice of the users' connections (one Socket.IO
 * connection or one gRPC channel + stream per user, never shared), sends on the coordinator's schedule, and
 * records latencies and what arrived where. All members of a chat live in the same
 * worker, so send and receive times come from one clock.
 */
class LoadWorker {
  private readonly sockets: (UserConnection | undefined)[] = [];
  private init!: WorkerInit;
  private ledger!: DeliveryLedger;
  private chatIndex = new Map<string, number>();
  private userIndex = new Map<string, number>();
  private senders: { user: number; chat: number }[] = [];
  private senderCursor = 0;
  private readonly steps = new Map<number, StepState>();
  private readonly pending = new Map<string, Pending>();
  private msgCounter = 0;
  private padding = '';
  private disconnects = 0;
  /** Users whose socket dropped during the run (replayed at the end). */
  private readonly dropped = new Set<number>();
  /** message:new of this run recorded for the first time (live or replayed). */
  private received = 0;
  private plantedLeft = 0;
  /** After the last step: replays still count toward zero loss, not toward latency. */
  private finishing = false;

  constructor(private readonly send: (m: FromWorker) => void) {}

  async handle(msg: ToWorker): Promise<void> {
    switch (msg.type) {
      case 'init':
        return this.start(msg);
      case 'step':
        this.send({ type: 'stepDone', stats: await this.runStep(msg) });
        return;
      case 'finish': {
        this.finishing = true;
        const { reconnected, replayed } = await this.replayDisconnected();
        const loss = this.ledger.check();
        const store = msg.databaseUrl
          ? await checkStored(
              msg.databaseUrl,
              this.ledger.ackedMessages().map((m) => ({ chatId: this.init.chats[m.chat].id, seq: m.seq, id: m.id })),
            )
          : undefined;
        this.send({ type: 'final', final: { loss, store, disconnects: this.disconnects, reconnected, replayed } });
        return;
      }
      case 'close':
        for (const s of this.sockets) s?.close();
        setTimeout(() => process.exit(0), 200);
        return;
    }
  }

  private async start(init: WorkerInit): Promise<void> {
    this.init = init;
    this.plantedLeft = init.plantLostDeliveries;
    init.chats.forEach((c, i) => this.chatIndex.set(c.id, i));
    init.users.forEach((u, i) => this.userIndex.set(u.id, i));
    this.ledger = new DeliveryLedger((chat) => init.chats[chat].members);
    this.padding = 'x'.repeat(Math.max(0, init.bodyBytes - 24));
    const started = performance.now();
    const failures: string[] = [];
    let next = 0;
    const connectOne = async (): Promise<void> => {
      while (next < init.users.length) {
        const i = next++;
        try {
          this.sockets[i] = await this.connect(i);
        } catch (err) {
          if (failures.length < 5) failures.push((err as Error).message);
          this.sockets[i] = undefined;
        }
      }
    };
    await Promise.all(Array.from({ length: init.connectConcurrency }, connectOne));
    // Only chats whose members are all online send, so every delivery is expected.
    init.chats.forEach((chat, c) => {
      if (chat.members.every((m) => this.sockets[m]))
        for (const user of chat.senders) this.senders.push({ user, chat: c });
    });
    const failed = this.sockets.filter((s) => !s).length + (init.users.length - this.sockets.length);
    this.send({
      type: 'ready',
      connected: init.users.length - failed,
      failed,
      failures,
      connectMs: Math.round(performance.now() - started),
    });
  }

  /**
   * Store-and-forward, checked: users whose socket dropped during the run connect again
   * and get the replay (every message above their delivered watermark), which is
   * recorded like live traffic. Only what is still missing afterwards is lost.
   */
  private async replayDisconnected(): Promise<{ reconnected: number; replayed: number }> {
    const users = [...this.dropped];
    if (users.length === 0) return { reconnected: 0, replayed: 0 };
    const before = this.received;
    let reconnected = 0;
    let next = 0;
    const worker = async () => {
      while (next < users.length) {
        const i = users[next++];
        try {
          this.sockets[i]?.close();
          this.sockets[i] = await this.connect(i);
          reconnected++;
        } catch {
          // stays lost
        }
      }
    };
    await Promise.all(Array.from({ length: this.init.connectConcurrency }, worker));
    // Replays arrive page by page: wait until they stop.
    const deadline = performance.now() + 60_000;
    let last = -1;
    while (performance.now() < deadline && last !== this.received) {
      last = this.received;
      await new Promise((r) => setTimeout(r, 2000));
    }
    return { reconnected, replayed: this.received - before };
  }

  private connect(i: number): Promise<UserConnection> {
    return connectUser(this.init.transport, this.init.users[i], {
      onMessage: (m) => this.onMessage(i, m),
      onDrop: () => {
        this.disconnects++;
        this.dropped.add(i);
      },
    });
  }

  private onMessage(user: number, m: MessageNew): void {
    const now = performance.now();
    // Only our own run's messages count (a chat's older history can be replayed).
    if (!m.clientMsgId?.startsWith(this.init.runId)) return;
    const chat = this.chatIndex.get(m.chatId);
    if (chat === undefined) return;
    // A replay includes the user's own messages (for its other devices): not an echo.
    if (this.finishing && m.senderId === this.init.users[user].id) return;
    if (this.plantedLeft > 0) {
      this.plantedLeft--;
      return;
    }
    if (!this.ledger.receive(user, chat, m.seq, this.finishing)) {
      const [stepId] = m.body.split('|', 1);
      const step = this.steps.get(Number(stepId));
      if (step && !this.finishing) step.stats.duplicates++;
      return;
    }
    this.received++;
    const bar = m.body.indexOf('|');
    const step = this.steps.get(Number(m.body.slice(0, bar)));
    if (!step || this.finishing) return;
    const t0 = Number(m.body.slice(bar + 1, m.body.indexOf('|', bar + 1)));
    step.e2e.record((now - t0) * 1000);
    step.stats.deliveries++;
  }

  private runStep(cmd: WorkerStep): Promise<StepStats> {
    const state: StepState = {
      stats: {
        step: cmd.step,
        sent: 0,
        acked: 0,
        errors: {},
        timeouts: 0,
        expectedDeliveries: 0,
        deliveries: 0,
        duplicates: 0,
        ack: new Histogram().toJSON(),
        e2e: new Histogram().toJSON(),
        maxSendLagMs: 0,
        drainMs: 0,
        drained: true,
      },
      ack: new Histogram(),
      e2e: new Histogram(),
      outstanding: 0,
    };
    this.steps.set(cmd.step, state);
    const start = performance.now() + (cmd.startAtMs - Date.now());
    const total = this.senders.length === 0 ? 0 : Math.floor((cmd.rate * cmd.durationMs) / 1000);
    const intervalMs = 1000 / cmd.rate;
    return new Promise((resolve) => {
      const tick = () => {
        const now = performance.now();
        const due = Math.min(total, Math.floor((now - start) / intervalMs) + 1);
        let burst = 0;
        while (state.stats.sent < due && burst < MAX_BURST_PER_TICK) {
          const t0 = start + state.stats.sent * intervalMs;
          state.stats.maxSendLagMs = Math.max(state.stats.maxSendLagMs, now - t0);
          this.sendOne(state, t0);
          burst++;
        }
        if (state.stats.sent < total) {
          const wait = start + state.stats.sent * intervalMs - performance.now();
          if (burst >= MAX_BURST_PER_TICK || wait <= 0) setImmediate(tick);
          else setTimeout(tick, Math.max(0, Math.min(wait, 50)));
        } else {
          void this.drain(state, start + cmd.durationMs, cmd.drainTimeoutMs).then(resolve);
        }
      };
      setTimeout(tick, Math.max(0, start - performance.now()));
    });
  }

  private sendOne(state: StepState, t0: number): void {
    const { user, chat } = this.senders[this.senderCursor];
    this.senderCursor = (this.senderCursor + 1) % this.senders.length;
    const socket = this.sockets[user];
    const clientMsgId = `${this.init.runId}${(this.msgCounter++).toString(36)}`;
    const body = `${state.stats.step}|${t0.toFixed(3)}|${this.padding}`;
    state.stats.sent++;
    state.outstanding++;
    this.pending.set(clientMsgId, { step: state, t0, chat, sender: user });
    socket?.send({ chatId: this.init.chats[chat].id, clientMsgId, body }, (reply: SendAck) =>
      this.onAck(clientMsgId, reply),
    );
  }

  private onAck(clientMsgId: string, reply: SendAck): void {
    const now = performance.now();
    const p = this.pending.get(clientMsgId);
    if (!p) return; // timed out already
    this.pending.delete(clientMsgId);
    const state = p.step;
    state.outstanding--;
    if (reply?.ok) {
      state.stats.acked++;
      state.ack.record((now - p.t0) * 1000);
      state.stats.expectedDeliveries += this.init.chats[p.chat].members.length - 1;
      this.ledger.ack({ chat: p.chat, seq: reply.message.seq, sender: p.sender, id: reply.message.id });
    } else {
      const code = reply?.error?.code ?? 'malformed_ack';
      state.stats.errors[code] = (state.stats.errors[code] ?? 0) + 1;
    }
  }

  /** Waits until the step's acks and deliveries are all in, expiring acks that never come. */
  private async drain(state: StepState, stepEnd: number, timeoutMs: number): Promise<StepStats> {
    const deadline = stepEnd + timeoutMs;
    let lastSweep = 0;
    for (;;) {
      const now = performance.now();
      if (now - lastSweep > 200) {
        lastSweep = now;
        for (const [id, p] of this.pending) {
          if (p.step === state && now - p.t0 > this.init.ackTimeoutMs) {
            this.pending.delete(id);
            state.outstanding--;
            state.stats.timeouts++;
          }
        }
      }
      const done = state.outstanding === 0 && state.stats.deliveries >= state.stats.expectedDeliveries;
      if (done || now > deadline) {
        state.stats.drained = done;
        state.stats.drainMs = Math.max(0, Math.round(now - stepEnd));
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    state.stats.ack = state.ack.toJSON();
    state.stats.e2e = state.e2e.toJSON();
    return state.stats;
  }
}

/** Entry point of a forked worker process. */
export function runWorker(): void {
  const send = (m: FromWorker) => process.send?.(m);
  const worker = new LoadWorker(send);
  process.on('message', (msg: ToWorker) => {
    worker.handle(msg).catch((err: unknown) => send({ type: 'error', message: (err as Error).stack ?? String(err) }));
  });
  process.on('disconnect', () => process.exit(0));
}
