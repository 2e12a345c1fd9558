import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { load } from 'js-yaml';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ErrorCodes } from '../lib/errors';
import { Limits } from '../lib/models';
import { ClientEvents, ServerEvents } from './events';

/*
 * docs/asyncapi.yaml, docs/protocol.md, the constants and the gateway's code name the same
 * Socket.IO events: adding an event anywhere without the others fails here.
 */
const root = join(__dirname, '../../../..');
const gatewaySrc = join(root, 'apps/chat-gateway/src');
const asyncApiText = readFileSync(join(root, 'docs/asyncapi.yaml'), 'utf8');
const protocolMd = readFileSync(join(root, 'docs/protocol.md'), 'utf8');

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();
const clientEvents = sorted(Object.values(ClientEvents));
const serverEvents = sorted(Object.values(ServerEvents));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(path);
    return e.name.endsWith('.ts') && !/\.(int-)?spec\.ts$/.test(e.name) ? [path] : [];
  });
}

/** The events the gateway handles and emits, read from its code; any name not given by a constant is listed in `literal`. */
function gatewayEvents(): { handled: string[]; emitted: string[]; literal: string[] } {
  const handled: string[] = [];
  const emitted: string[] = [];
  const literal: string[] = [];
  for (const file of sourceFiles(gatewaySrc)) {
    const text = readFileSync(file, 'utf8');
    const where = relative(gatewaySrc, file);
    // Every edge hands client events to ClientEventsService's handler table, `[ClientEvents.X]: ...`
    // (its type takes no other key).
    for (const [, key] of text.matchAll(/\[ClientEvents\.(\w+)\]\s*:/g)) {
      if (key in ClientEvents) handled.push(ClientEvents[key as keyof typeof ClientEvents]);
      else literal.push(`${where}: [ClientEvents.${key}]`);
    }
    // `transport`: a connection's ConnectionTransport (Socket.IO or gRPC) takes the same events.
    for (const [, arg] of text.matchAll(/\b(?:socket|server|transport)(?:\.to\([^)]*\))?\.emit\(\s*([^,)]+)/g)) {
      const key = /^ServerEvents\.(\w+)$/.exec(arg.trim())?.[1];
      if (key && key in ServerEvents) emitted.push(ServerEvents[key as keyof typeof ServerEvents]);
      else literal.push(`${where}: emit(${arg})`);
    }
    for (const [call] of text.matchAll(/\.emit\(\s*['"`][^'"`]*/g)) {
      // grpc-js ends a server call with a status through the stream's 'error' event: no Socket.IO event.
      if (!(where === 'grpc/grpc.transport.ts' && call === ".emit('error")) literal.push(`${where}: ${call}`);
    }
  }
  return { handled: sorted(handled), emitted: sorted(emitted), literal: sorted(literal) };
}

/** Backquoted names in the first column of the table under `heading` in docs/protocol.md. */
function protocolTable(heading: string): string[] {
  const start = protocolMd.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/protocol.md has no "${heading}"`);
  const section = protocolMd.slice(start + heading.length + 2).split(/\n#{2,3} /)[0];
  return sorted([...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
}

describe('docs/asyncapi.yaml', () => {
  let document: AsyncAPIDocumentInterface;

  beforeAll(async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(asyncApiText);
    // The one warning allowed: 3.0 is what this document targets, though 3.1 exists.
    const findings = diagnostics
      .filter((d) => d.code !== 'asyncapi-latest-version')
      .map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`);
    expect(findings).toEqual([]);
    expect(parsed).toBeDefined();
    document = parsed as AsyncAPIDocumentInterface;
  });

  it('is an AsyncAPI 3.0 document', () => {
    expect(document.version()).toBe('3.0.0');
  });

  it('the parser rejects a broken document (the check above can fail)', async () => {
    const broken = asyncApiText.replace(
      /(\$ref: ["'])#\/channels\/root\/messages\/okAck(["'])/,
      '$1#/channels/root/messages/nope$2',
    );
    expect(broken).not.toEqual(asyncApiText);
    const { document: parsed, diagnostics } = await new Parser().parse(broken);
    expect(parsed).toBeUndefined();
    expect(diagnostics.some((d) => d.severity === 0)).toBe(true);
  });

  /** The operations of one direction, and the names of the messages they carry. */
  const operations = (direction: 'receive' | 'send') => {
    const ops = document
      .operations()
      .all()
      .filter((op) => (direction === 'receive' ? op.isReceive() : op.isSend()));
    const names = sorted(
      ops.flatMap((op) =>
        op
          .messages()
          .all()
          .map((m) => m.name() ?? ''),
      ),
    );
    return { ops, names };
  };

  it('receives every client event, each with an ack (reply), and no other', () => {
    const receive = operations('receive');
    expect(receive.names).toEqual(clientEvents);
    for (const op of receive.ops) expect(op.reply()?.messages().length ?? 0).toBeGreaterThan(0);
  });

  it('sends every server event and no other', () => {
    expect(operations('send').names).toEqual(serverEvents);
  });

  it('names the error codes and the limits of the contracts', () => {
    const { components } = load(asyncApiText) as {
      components: { schemas: Record<string, { enum?: string[]; properties: Record<string, Record<string, number>> }> };
    };
    const { schemas } = components;
    expect(schemas['ErrorCode'].enum).toEqual([...ErrorCodes]);
    expect(schemas['SendMessageInput'].properties['body']['maxLength']).toBe(Limits.bodyMaxCodePoints);
    expect(schemas['SendMessageInput'].properties['clientMsgId']['maxLength']).toBe(Limits.clientMsgIdMaxLength);
    expect(schemas['PresenceSubscribeInput'].properties['userIds']['maxItems']).toBe(Limits.groupMaxMembers);
  });

  it('declares how a connection authenticates', () => {
    expect(
      document
        .servers()
        .all()
        .every((s) => s.security().length > 0),
    ).toBe(true);
  });
});

describe('chat-gateway events', () => {
  const events = gatewayEvents();

  it('are named by the constants only', () => {
    expect(events.literal).toEqual([]);
  });

  it('handles every client event and emits every server event of the constants', () => {
    expect(events.handled).toEqual(clientEvents);
    expect(events.emitted).toEqual(serverEvents);
  });
});

describe('docs/protocol.md', () => {
  it('lists the same events and error codes, and points to docs/asyncapi.yaml', () => {
    expect(protocolTable('### Client to server')).toEqual(clientEvents);
    expect(protocolTable('### Server to client')).toEqual(serverEvents);
    expect(protocolTable('## Conventions')).toEqual(sorted(ErrorCodes));
    expect(protocolMd.includes('(asyncapi.yaml)')).toBe(true);
  });
});
