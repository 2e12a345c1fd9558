#!/usr/bin/env node
// A complete Parley gRPC client (parley.v1.ChatGateway, docs/protocol.md): logs in over HTTP,
// opens the Connect stream with the token, optionally sends one message to a user, prints
// every ack and event, and stays connected across gateway restarts and token expiry by
// reconnecting with `parley-since` (its position is kept in a state file, so a restart of this
// program resumes too). Copy it and replace the printing with your app's logic.
//
//   node docs/examples/grpc-client.mjs --user alice --password 'correct horse' \
//     [--to bob --send 'hello'] [--exit-when-acked] [--state alice.json] \
//     [--auth-url http://127.0.0.1:3001] [--gateway-url http://127.0.0.1:3000] [--grpc 127.0.0.1:3005] [--tls]
//
// Output: one line per thing that happened, `<what> <JSON>`: login, chat, connected, hello,
// ack, message_new (and the other events by their names), disconnected, closed.
// Needs @grpc/grpc-js and @grpc/proto-loader (npm i @grpc/grpc-js @grpc/proto-loader).
import { readFileSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const { values: opt } = parseArgs({
  options: {
    user: { type: 'string' },
    password: { type: 'string' },
    to: { type: 'string' },
    send: { type: 'string' },
    'exit-when-acked': { type: 'boolean', default: false },
    state: { type: 'string' },
    'auth-url': { type: 'string', default: 'http://127.0.0.1:3001' },
    'gateway-url': { type: 'string', default: 'http://127.0.0.1:3000' },
    grpc: { type: 'string', default: '127.0.0.1:3005' },
    tls: { type: 'boolean', default: false },
  },
});
if (!opt.user || !opt.password) {
  console.error('usage: grpc-client.mjs --user NAME --password PW [--to NAME --send TEXT] [--exit-when-acked]');
  process.exit(2);
}

const print = (what, data = {}) => console.log(`${what} ${JSON.stringify(data)}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- HTTP: login, find the other user, open the direct chat (docs/protocol.md, HTTP sections)
async function http(method, url, token, body) {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${json.error?.code ?? ''}`);
  return json;
}

async function login() {
  const r = await http('POST', `${opt['auth-url']}/v1/auth/login`, undefined, {
    username: opt.user,
    password: opt.password,
  });
  print('login', { userId: r.user.id });
  return r;
}

// ---- The position in the user's event stream, kept across reconnects and restarts
// eventSeq is gapless per user: `since` is the highest one below which everything was applied.
const state = { since: undefined, seen: new Set() };
if (opt.state) {
  try {
    state.since = JSON.parse(readFileSync(opt.state, 'utf8')).since;
  } catch {
    // first run: no position yet (the server replays what is unread)
  }
}
function applied(eventSeq) {
  if (!eventSeq) return; // typing, presence: no position
  state.seen.add(eventSeq);
  state.since ??= eventSeq - 1; // the first position seen on a connection without one
  while (state.seen.delete(state.since + 1)) state.since += 1;
  if (opt.state) writeFileSync(opt.state, JSON.stringify({ since: state.since }));
}

// ---- gRPC
const PROTO = fileURLToPath(new URL('../../libs/contracts/proto/parley/v1/chat_gateway.proto', import.meta.url));
const def = protoLoader.loadSync(PROTO, { longs: Number, enums: String, defaults: true, oneofs: true });
const { ChatGateway } = grpc.loadPackageDefinition(def).parley.v1;
const client = new ChatGateway(opt.grpc, opt.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(), {
  // HTTP/2 pings keep the connection (and NATs, load balancers) alive and find a dead path;
  // below every idle timeout between here and the gateway (docs/operations.md).
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
});

// Sends not acked yet, by client_msg_id: sent again (same id, so never stored twice) after a reconnect.
const outbox = new Map();
let nextRequestId = 1;
let call;
let stopping = false;

function write(frame) {
  const requestId = nextRequestId++;
  call?.write({ requestId, ...frame });
  return requestId;
}

function sendMessage(chatId, body) {
  const send = { chatId, clientMsgId: randomUUID(), body };
  outbox.set(send.clientMsgId, send);
  write({ send });
}

/** One Connect call; resolves with its final status (and whether it got as far as hello) when it ends. */
function connect(token) {
  let up = false;
  const md = new grpc.Metadata();
  md.set('authorization', `Bearer ${token}`);
  if (state.since !== undefined) md.set('parley-since', String(state.since));
  print('connected', { address: opt.grpc, since: state.since ?? null });
  call = client.Connect(md);
  return new Promise((resolve) => {
    call.on('data', (frame) => {
      if (frame.kind === 'hello') {
        up = true;
        print('hello', frame.hello);
        // Everything not acked before the drop goes again, with its original client_msg_id.
        for (const send of outbox.values()) write({ send });
      } else if (frame.kind === 'ack') {
        const a = frame.ack;
        print('ack', { requestId: a.requestId, ok: a.ok, eventSeq: a.eventSeq, error: a.error, message: a.message });
        if (a.ok && a.message) outbox.delete(a.message.clientMsgId);
        applied(a.eventSeq);
        if (opt['exit-when-acked'] && outbox.size === 0) stop();
      } else {
        // message_new, message_updated, receipt, chat_new, ..., resync_required
        const kind = frame.kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
        print(kind, { eventSeq: frame.eventSeq, ...frame[frame.kind] });
        if (frame.kind === 'resyncRequired') {
          // Older than what the server keeps: rebuild from HTTP (GET /v1/chats), go on from live events.
          state.seen.clear();
          state.since = undefined;
        }
        applied(frame.eventSeq);
      }
    });
    call.on('error', () => undefined); // the status below says it all
    call.on('status', (s) => resolve({ ...s, up }));
  });
}

function stop() {
  if (stopping) return;
  stopping = true;
  call?.end(); // half-close: the server ends the call with OK
  setTimeout(() => {
    client.close();
    print('closed', { since: state.since ?? null });
    process.exit(0);
  }, 200);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

async function main() {
  let { accessToken } = await login();
  if (opt.to && opt.send !== undefined) {
    const peer = await http(
      'GET',
      `${opt['auth-url']}/v1/users/by-username/${encodeURIComponent(opt.to)}`,
      accessToken,
    );
    const chat = await http('POST', `${opt['gateway-url']}/v1/chats`, accessToken, {
      type: 'direct',
      memberIds: [peer.id],
    });
    print('chat', { chatId: chat.id, with: opt.to });
    sendMessage(chat.id, opt.send); // queued: goes out with the hello of the first connection
  }
  for (let attempt = 0; !stopping; attempt++) {
    const status = await connect(accessToken);
    if (stopping) return;
    print('disconnected', { code: grpc.status[status.code], details: status.details, since: state.since ?? null });
    switch (status.code) {
      case grpc.status.UNAUTHENTICATED: // the token expired (or the session was revoked)
        accessToken = (await login()).accessToken;
        break;
      case grpc.status.INVALID_ARGUMENT: // a bad parley-since: our bug
      case grpc.status.RESOURCE_EXHAUSTED: // too many connections of this user
        process.exit(1);
    }
    // UNAVAILABLE (gateway shutting down or gone), a transport error, OK: reconnect, with a
    // jittered backoff that starts again after a connection that worked.
    if (status.up) attempt = 0;
    const backoff = Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
    await sleep(backoff / 2 + Math.random() * (backoff / 2));
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
