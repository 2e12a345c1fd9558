import type { Chat, Message } from '@parley/contracts';
import { http, TestSocket, TestStack, type StackOptions, type TestUser } from '@parley/shared/testing';

/**
 * The whole stack for the enclosing `describe`: started in its beforeAll (then `started` is
 * called with it), stopped in its afterAll with every socket the returned `connect` opened.
 */
export function useStack(
  options: StackOptions,
  started: (stack: TestStack) => void,
): (url: string, user: TestUser, options?: Parameters<typeof TestSocket.connect>[2]) => Promise<TestSocket> {
  let stack: TestStack | undefined;
  const sockets: TestSocket[] = [];
  beforeAll(async () => {
    stack = await TestStack.start(options);
    started(stack);
  }, 180_000);
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await stack?.stop();
  });
  return async (url, user, socketOptions) => {
    const s = await TestSocket.connect(url, user.token, socketOptions);
    sockets.push(s);
    return s;
  };
}

export async function createChat(
  gatewayUrl: string,
  owner: TestUser,
  body: { type: 'direct' | 'group'; title?: string; memberIds: string[] },
): Promise<Chat> {
  const res = await http<Chat>(gatewayUrl, 'POST', '/v1/chats', { token: owner.token, body });
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`create chat failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function send(
  socket: TestSocket,
  chatId: string,
  body: string,
  clientMsgId = `c-${Math.random().toString(36).slice(2)}`,
): Promise<Message> {
  const ack = await socket.emitAck<{ ok: boolean; message: Message; error?: { code: string; message: string } }>(
    'message:send',
    { chatId, clientMsgId, body },
  );
  if (!ack.ok) throw new Error(`send failed: ${JSON.stringify(ack.error)}`);
  return ack.message;
}

export function messagesOf(socket: TestSocket, chatId: string): Message[] {
  return socket.events<Message>('message:new').filter((m) => m.chatId === chatId);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The suites that run on both: one Redis, and npm test's three-master Redis Cluster (tools/dev/redis-cluster.sh). */
export const redisDeployments = [
  { kind: 'one Redis', redisCluster: false },
  { kind: 'a three-master Redis Cluster', redisCluster: true },
];
