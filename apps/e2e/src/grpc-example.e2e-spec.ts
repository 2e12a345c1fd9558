import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, registerUser, TestStack, WORKSPACE_ROOT, type TestUser } from '@parley/shared/testing';

/** One line the example printed: `<what> <JSON>`. */
interface Line {
  what: string;
  data: Record<string, unknown> & { eventSeq?: number; body?: string; since?: number | null };
}

/** docs/examples/grpc-client.mjs, run as a client developer would run it, its output parsed. */
class ExampleRun {
  readonly lines: Line[] = [];
  readonly exited: Promise<number | null>;
  private stderr = '';
  private readonly child: ChildProcess;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [join(WORKSPACE_ROOT, 'docs/examples/grpc-client.mjs'), ...args], {
      cwd: WORKSPACE_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout?.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) {
        const i = l.indexOf(' ');
        this.lines.push({ what: l.slice(0, i), data: JSON.parse(l.slice(i + 1)) as Line['data'] });
      }
    });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  of(what: string): Line['data'][] {
    return this.lines.filter((l) => l.what === what).map((l) => l.data);
  }

  /** The n-th line (1-based) of a kind that matches, once it is there. */
  async waitFor(what: string, match: (d: Line['data']) => boolean = () => true, n = 1): Promise<Line['data']> {
    return eventually(() => this.of(what).filter(match)[n - 1], 30_000).catch(() => {
      throw new Error(`no ${n}. "${what}" line; printed:\n${this.lines.map((l) => l.what).join(' ')}\n${this.stderr}`);
    });
  }

  stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

describe('docs/examples/grpc-client.mjs against a real stack', () => {
  let stack: TestStack;
  const runs: ExampleRun[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'grpc-example-'));

  beforeAll(async () => {
    stack = await TestStack.start({ label: 'grpc-example' });
  }, 180_000);
  afterAll(async () => {
    await Promise.all(runs.map((r) => r.stop()));
    await stack?.stop();
  });

  const example = (user: TestUser, ...extra: string[]) => {
    const run = new ExampleRun([
      '--user',
      user.user.username,
      '--password',
      'password-123',
      '--auth-url',
      stack.authUrl,
      '--gateway-url',
      stack.gatewayUrl,
      '--grpc',
      stack.gatewayGrpcAddress,
      ...extra,
    ]);
    runs.push(run);
    return run;
  };

  it('logs in, sends, prints acks and message_new, reconnects with parley-since, and resumes after a restart', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const bob = await registerUser(stack.authUrl, 'bob');
    const bobState = join(dir, 'bob.json');

    // Bob listens; Alice sends one message and exits once it is acked.
    const bob1 = example(bob, '--state', bobState);
    await bob1.waitFor('hello');
    const send = (text: string) =>
      example(alice, '--to', bob.user.username, '--send', text, '--exit-when-acked', '--state', join(dir, 'a.json'));
    const alice1 = send('hello bob');
    expect(await alice1.exited).toBe(0);
    const steps = ['login', 'chat', 'connected', 'hello', 'ack', 'closed'];
    expect(alice1.lines.map((l) => l.what).filter((w) => steps.includes(w))).toEqual(steps);
    const [ack] = alice1.of('ack') as { ok: boolean; eventSeq: number; message: { body: string; seq: number } }[];
    expect(ack).toMatchObject({ ok: true, message: { body: 'hello bob', seq: 1 } });
    expect(ack.eventSeq).toBeGreaterThan(0);

    const got = await bob1.waitFor('message_new', (d) => d.body === 'hello bob');
    expect(got).toMatchObject({ senderId: alice.user.id, seq: 1 });
    expect(got.eventSeq).toBeGreaterThan(0);

    // The gateway dies: the example reconnects by itself, resuming after the last event it applied.
    await stack.supervisor.kill('chat-gateway');
    await bob1.waitFor('disconnected');
    await stack.supervisor.waitReady(30_000, ['chat-gateway']);
    await bob1.waitFor('hello', undefined, 2);
    const connects = bob1.of('connected');
    expect(connects[0].since).toBeNull();
    expect(connects[connects.length - 1].since).toBe(got.eventSeq);
    expect(await bob1.stop()).toBe(0);
    expect(bob1.of('closed')).toEqual([{ since: got.eventSeq }]);

    // While Bob's program is not running, Alice writes again; started again, it resumes from its
    // state file and gets only what it had not applied.
    expect(await send('while you were away').exited).toBe(0);
    const bob2 = example(bob, '--state', bobState);
    const away = await bob2.waitFor('message_new', (d) => d.body === 'while you were away');
    expect(bob2.of('connected')[0].since).toBe(got.eventSeq);
    expect(away.eventSeq).toBeGreaterThan(got.eventSeq ?? 0);
    // In eventSeq order, so anything older would have come first.
    expect(bob2.of('message_new').map((m) => m.body)).toEqual(['while you were away']);
  }, 120_000);
});
