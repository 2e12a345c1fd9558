import { http, registerUser, TestSocket, TestStack } from '@parley/shared/testing';
import { createChat, send, sleep, redisDeployments, useStack } from './support';

/**
 * Issue 5 (push half) through the whole stack. push-notifier runs in dry-run mode (no
 * Firebase credentials here): it counts what it would send; the FCM boundary itself is
 * tested in apps/push-notifier with a fake Messaging.
 */
describe.each(redisDeployments)('push to offline members (dry-run FCM, $kind)', ({ redisCluster }) => {
  let stack: TestStack;
  let gw: string;
  const connect = useStack({ label: 'push', env: { PUSH_COALESCE_MS: '500' }, redisCluster }, (s) => {
    stack = s;
    gw = s.gatewayUrl;
  });

  const pushed = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(`http://127.0.0.1:${stack.env.PUSH_NOTIFIER_PORT}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const line of text.split('\n')) {
      const m = /^parley_push_sent_total\{.*platform="(\w+)".*\} (\d+)/.exec(line);
      if (m) out[m[1]] = Number(m[2]);
    }
    return out;
  };
  const total = async () => Object.values(await pushed()).reduce((a, b) => a + b, 0);
  const waitForTotal = async (n: number, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await total()) >= n) return;
      await sleep(200);
    }
    throw new Error(`push total did not reach ${n}: ${JSON.stringify(await pushed())}`);
  };

  it('registers devices per docs/protocol.md', async () => {
    const bob = await registerUser(stack.authUrl, 'bob');
    const eve = await registerUser(stack.authUrl, 'eve');
    const first = await http<{ token: string; platform: string; createdAt: string }>(gw, 'POST', '/v1/devices', {
      token: bob.token,
      body: { token: 'tok-bob-android-1', platform: 'android' },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ token: 'tok-bob-android-1', platform: 'android' });
    const bad = await http<{ error: { code: string } }>(gw, 'POST', '/v1/devices', {
      token: bob.token,
      body: { token: 'x', platform: 'symbian' },
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid']);
    // Someone else's token: 204 and nothing changes.
    expect((await http(gw, 'DELETE', '/v1/devices/tok-bob-android-1', { token: eve.token })).status).toBe(204);
    expect((await http(gw, 'DELETE', '/v1/devices/tok-bob-android-1', { token: bob.token })).status).toBe(204);
  });

  it('an online member gets no push; an offline one gets one coalesced push per device; a muted one none', async () => {
    const alice = await registerUser(stack.authUrl, 'alice');
    const carol = await registerUser(stack.authUrl, 'carol');
    const bob = await registerUser(stack.authUrl, 'bob');
    const dave = await registerUser(stack.authUrl, 'dave');
    const a = await connect(gw, alice);
    const c = await connect(gw, carol);
    for (const [u, t, p] of [
      [carol, 'tok-carol', 'web'],
      [bob, 'tok-bob-a', 'android'],
      [bob, 'tok-bob-i', 'ios'],
      [dave, 'tok-dave', 'android'],
    ] as const) {
      expect((await http(gw, 'POST', '/v1/devices', { token: u.token, body: { token: t, platform: p } })).status).toBe(
        201,
      );
    }
    const start = await total();

    // Carol is online: nothing to push.
    const withCarol = await createChat(gw, alice, { type: 'direct', memberIds: [carol.user.id] });
    await send(a, withCarol.id, 'you are online');
    await sleep(2000);
    expect(await total()).toBe(start);

    // Dave muted the chat: nothing to push.
    const withDave = await createChat(gw, alice, { type: 'direct', memberIds: [dave.user.id] });
    expect(
      (await http(gw, 'PATCH', `/v1/chats/${withDave.id}/settings`, { token: dave.token, body: { muted: true } }))
        .status,
    ).toBe(200);
    await send(a, withDave.id, 'muted');

    // Bob is offline with two devices: 5 quick messages, one push per device.
    const withBob = await createChat(gw, alice, { type: 'direct', memberIds: [bob.user.id] });
    for (let i = 0; i < 5; i++) await send(a, withBob.id, `m${i}`);
    await waitForTotal(start + 2);
    await sleep(1500);
    expect(await total()).toBe(start + 2);
    const byPlatform = await pushed();
    expect(byPlatform['android']).toBeGreaterThanOrEqual(1);
    expect(byPlatform['ios']).toBe(1);
  });
});
