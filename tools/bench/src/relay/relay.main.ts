import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { importSPKI, jwtVerify } from 'jose';
import { Server, type Socket } from 'socket.io';

/**
 * The transport's ceiling: a bare single-process Socket.IO server speaking the same
 * `message:send` / ack / `message:new` shapes as Parley, with no persistence, no
 * services and no NATS. It numbers each chat's messages in memory, acks at once and
 * forwards to the other members' sockets. Same Socket.IO options as the gateway.
 *
 * Env: RELAY_PORT, RELAY_POPULATION_FILE (loadgen population: users and chats),
 * RELAY_JWT_PUBLIC_KEY_FILE (optional: verify the handshake token like the gateway).
 */
interface Population {
  users: { id: string }[];
  chats: { id: string; members: number[] }[];
}

interface RelayChat {
  members: string[];
  seq: number;
}

async function main(): Promise<void> {
  const port = Number(process.env['RELAY_PORT'] ?? 3900);
  const chats = loadChats(process.env['RELAY_POPULATION_FILE']);
  const keyFile = process.env['RELAY_JWT_PUBLIC_KEY_FILE'];
  const key = keyFile ? await importSPKI(readFileSync(keyFile, 'utf8'), 'ES256') : undefined;

  const http = createServer((req, res) => {
    res.writeHead(req.url?.startsWith('/health') ? 200 : 404).end();
  });
  const io = new Server(http, {
    path: '/socket.io',
    transports: ['polling', 'websocket'],
    maxHttpBufferSize: 65536,
    perMessageDeflate: false,
    httpCompression: false,
    pingInterval: 25000,
    pingTimeout: 20000,
    connectTimeout: 10_000,
  });
  io.use(authenticate(key));
  const byUser = new Map<string, Set<Socket>>();
  io.on('connection', (socket) => {
    const userId = (socket.data as { userId: string }).userId;
    trackSocket(byUser, userId, socket);
    socket.on('message:send', (payload: SendPayload, ack?: (a: unknown) => void) => {
      if (typeof ack === 'function') relay(chats, byUser, socket, userId, payload, ack);
    });
  });

  http.listen(port, '127.0.0.1');
  const stop = () => {
    void io.close();
    http.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function loadChats(populationFile: string | undefined): Map<string, RelayChat> {
  const chats = new Map<string, RelayChat>();
  if (populationFile) {
    const pop = JSON.parse(readFileSync(populationFile, 'utf8')) as Population;
    for (const c of pop.chats) chats.set(c.id, { members: c.members.map((m) => pop.users[m].id), seq: 0 });
  }
  return chats;
}

/** The handshake token: an ES256 JWT like the gateway's when a key is given, else the user id itself. */
function authenticate(key: Awaited<ReturnType<typeof importSPKI>> | undefined) {
  return (socket: Socket, next: (err?: Error) => void) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    if (typeof token !== 'string') return next(new Error('unauthorized'));
    if (!key) {
      (socket.data as { userId: string }).userId = token;
      return next();
    }
    jwtVerify(token, key, { algorithms: ['ES256'] }).then(
      ({ payload }) => {
        (socket.data as { userId: string }).userId = String(payload.sub);
        next();
      },
      () => next(new Error('unauthorized')),
    );
  };
}

function trackSocket(byUser: Map<string, Set<Socket>>, userId: string, socket: Socket): void {
  let set = byUser.get(userId);
  if (!set) byUser.set(userId, (set = new Set()));
  set.add(socket);
  socket.on('disconnect', () => {
    set?.delete(socket);
    if (set?.size === 0) byUser.delete(userId);
  });
}

type SendPayload = { chatId?: unknown; clientMsgId?: unknown; body?: unknown };

/** Numbers the message in its chat, acks at once, and forwards it to the other members' sockets. */
function relay(
  chats: Map<string, RelayChat>,
  byUser: Map<string, Set<Socket>>,
  socket: Socket,
  userId: string,
  payload: SendPayload,
  ack: (a: unknown) => void,
): void {
  const chat = typeof payload?.chatId === 'string' ? chats.get(payload.chatId) : undefined;
  if (!chat || typeof payload.clientMsgId !== 'string' || typeof payload.body !== 'string') {
    ack({ ok: false, error: { code: 'invalid', message: 'bad message' } });
    return;
  }
  if (!chat.members.includes(userId)) {
    ack({ ok: false, error: { code: 'forbidden', message: 'not a member of this chat' } });
    return;
  }
  const message = {
    id: randomUUID(),
    chatId: payload.chatId,
    seq: ++chat.seq,
    senderId: userId,
    clientMsgId: payload.clientMsgId,
    body: payload.body,
    createdAt: new Date().toISOString(),
  };
  ack({ ok: true, message });
  for (const member of chat.members) {
    for (const s of byUser.get(member) ?? []) if (s !== socket) s.emit('message:new', message);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`relay: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
