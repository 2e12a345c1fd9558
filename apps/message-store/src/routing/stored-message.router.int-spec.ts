import {
  gatewayDeliverV1,
  MessageAppendBatchV1,
  ParleyError,
  PresenceLocateV1,
  type Delivery,
  type MessageAppendBatchRequest,
} from '@parley/contracts';
import { eventually, standInResponder } from '@parley/shared/testing';
import { createDirect, createGroup, newUserId, useMessageStore } from '../testing/message-store.harness';

/**
 * message-store hands stored messages to the recipients' other gateway instances itself, with
 * a stand-in presence answering where users are (real NATS and PostgreSQL).
 */
describe('StoredMessageRouter (message.append-batch.v1 with gatewayId)', () => {
  const h = useMessageStore();
  const [alice, bob, carol, dave] = [newUserId(), newUserId(), newUserId(), newUserId()];
  const located: Record<string, string[]> = { [alice]: ['gw-a'], [bob]: ['gw-b', 'gw-a'], [carol]: ['gw-c'] };
  const received: Record<string, Delivery[]> = { 'gw-a': [], 'gw-b': [], 'gw-c': [] };

  beforeAll(async () => {
    standInResponder(h.bus, h.env['NATS_SUBJECT_PREFIX'] ?? '', PresenceLocateV1, ({ userIds }) => ({
      locations: Object.fromEntries(userIds.filter((id) => located[id]).map((id) => [id, located[id]])),
    }));
    for (const gw of Object.keys(received)) h.bus.subscribe(gatewayDeliverV1(gw), (d) => void received[gw].push(d));
    await h.bus.flush();
  });
  beforeEach(() => Object.values(received).forEach((list) => list.splice(0)));

  const append = (request: MessageAppendBatchRequest) => h.bus.request(MessageAppendBatchV1, request);
  const settle = async () => {
    await h.bus.flush();
    await new Promise((r) => setTimeout(r, 200));
  };

  it('publishes each stored message to every other instance with its recipients and their eventSeqs', async () => {
    const direct = await createDirect(h.bus, alice, bob);
    const group = await createGroup(h.bus, alice, [bob, carol, dave]);
    const reply = await append({
      gatewayId: 'gw-a',
      items: [
        { chatId: direct.id, senderId: alice, clientMsgId: 'd1', body: 'to bob' },
        { chatId: group.id, senderId: alice, clientMsgId: 'g1', body: 'to all' },
      ],
    });
    expect(reply.deliveredElsewhere).toBe(true);
    expect(reply.results.every((r) => r.ok)).toBe(true);
    await eventually(() => received['gw-c'].length === 1);
    await settle();

    // The sending instance serves its own sockets: nothing comes back to it.
    expect(received['gw-a']).toEqual([]);
    expect(received['gw-b'].map((d) => [d.kind, d.userIds])).toEqual([
      ['message', [bob]],
      ['message', [bob]],
    ]);
    // dave is nowhere: no instance gets him (the gateway pushes).
    expect(received['gw-c'].map((d) => d.userIds)).toEqual([[carol]]);
    const toGroup = received['gw-b'].find((d) => d.kind === 'message' && d.message.chatId === group.id);
    const members = reply.members[group.id];
    const stored = reply.results[1];
    if (!stored.ok || toGroup?.kind !== 'message') throw new Error('expected a stored group message routed to gw-b');
    const base = members.eventSeqBases?.[stored.reply.eventSeqBaseIdx ?? -1] ?? [];
    expect(toGroup.message).toEqual(stored.reply.message);
    expect(toGroup.eventSeqs).toEqual([base[members.memberIds.indexOf(bob)] + stored.reply.message.seq]);
  });

  it("routes a resend's original again, live only (no eventSeqs)", async () => {
    const direct = await createDirect(h.bus, carol, bob);
    const item = { chatId: direct.id, senderId: carol, clientMsgId: 'r1', body: 'once' };
    await append({ gatewayId: 'gw-c', items: [item] });
    await eventually(() => received['gw-b'].length === 1);
    const again = await append({ gatewayId: 'gw-c', items: [item] });
    expect(again.results[0]).toMatchObject({ ok: true, reply: { created: false } });
    await eventually(() => received['gw-b'].length === 2);
    expect(received['gw-b'][1]).toMatchObject({ kind: 'message', userIds: [bob] });
    expect(received['gw-b'][1].eventSeqs).toBeUndefined();
  });

  it('leaves routing to a gateway that names no instance, and refuses an id that is no subject token', async () => {
    const direct = await createDirect(h.bus, alice, bob);
    const reply = await append({ items: [{ chatId: direct.id, senderId: alice, clientMsgId: 'n1', body: 'x' }] });
    expect(reply.deliveredElsewhere).toBeUndefined();
    const refused = await append({
      gatewayId: 'gw.b',
      items: [{ chatId: direct.id, senderId: alice, clientMsgId: 'n2', body: 'y' }],
    }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ParleyError);
    expect((refused as ParleyError).code).toBe('invalid');
    await settle();
    expect(Object.values(received).flat()).toEqual([]);
  });

  it('routes nothing with ROUTE_DELIVERIES=false (the gateway routes, as the reply says)', async () => {
    await h.restartApp({ ROUTE_DELIVERIES: 'false' });
    try {
      const direct = await createDirect(h.bus, alice, bob);
      const reply = await append({
        gatewayId: 'gw-a',
        items: [{ chatId: direct.id, senderId: alice, clientMsgId: 'off1', body: 'z' }],
      });
      expect(reply.results[0].ok).toBe(true);
      expect(reply.deliveredElsewhere).toBeUndefined();
      await settle();
      expect(Object.values(received).flat()).toEqual([]);
    } finally {
      await h.restartApp({ ROUTE_DELIVERIES: 'true' });
    }
  });
});
