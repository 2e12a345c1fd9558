import { randomUUID } from 'node:crypto';
import type { Chat } from '@parley/contracts';
import { http, type TestSocket, type TestUser } from '@parley/shared/testing';
import type { FaultStack } from './fault-stack';

/**
 * Puts a fresh secret through the stack as a message body, all the way: a direct chat of `from`
 * and `to` made on gateway A, the message sent over Socket.IO on gateway B, the history read back
 * over HTTP on gateway A. Answers the body, to search the logs for.
 */
export async function sendSecretMessage(
  [gatewayA, gatewayB]: string[],
  from: TestUser,
  to: TestUser,
  connect: (url: string, user: TestUser) => Promise<TestSocket>,
): Promise<string> {
  const body = `BODY-SECRET-${randomUUID()}`;
  const chat = (
    await http<Chat>(gatewayA, 'POST', '/v1/chats', {
      token: from.token,
      body: { type: 'direct', memberIds: [to.user.id] },
    })
  ).body;
  const socket = await connect(gatewayB, from);
  expect((await socket.emitAck('message:send', { chatId: chat.id, clientMsgId: 'secret', body })).ok).toBe(true);
  await http(gatewayA, 'GET', `/v1/chats/${chat.id}/messages`, { token: to.token });
  return body;
}

/**
 * Searches every log line the stack's apps wrote (stdout and stderr of each process, as the
 * supervisor recorded them) for each secret; answers where any was found.
 */
export function expectNoSecretsInLogs(
  fs: FaultStack,
  secrets: string[],
): { hits: string[]; bytes: number; searched: number } {
  const logs = fs.appLogs();
  const wanted = [...new Set(secrets.filter((s) => s.length >= 8))];
  const hits: string[] = [];
  let bytes = 0;
  for (const [app, text] of Object.entries(logs)) {
    bytes += text.length;
    for (const secret of wanted) {
      const at = text.indexOf(secret);
      if (at >= 0)
        hits.push(
          `${app}: ${secret.slice(0, 12)}... in "${text.slice(Math.max(0, at - 80), at + 20).replace(/\s+/g, ' ')}"`,
        );
    }
  }
  return { hits, bytes, searched: wanted.length };
}
