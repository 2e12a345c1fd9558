import { join } from 'node:path';
import * as protoLoader from '@grpc/proto-loader';
import {
  CHAT_GATEWAY_SERVICE,
  grpcLoaderOptions,
  loadChatGatewayProto,
  type ClientFrame,
  type ServerFrame,
} from './grpc';

const protoFile = join(__dirname, '../proto/parley/v1/chat_gateway.proto');

describe('@parley/contracts/grpc', () => {
  const connect = loadChatGatewayProto().parley.v1.ChatGateway.service.Connect;
  const fromProto = protoLoader.loadSync(protoFile, grpcLoaderOptions)[CHAT_GATEWAY_SERVICE] as Record<
    string,
    typeof connect
  >;

  it('is the service of the .proto: Connect, a bidirectional stream of ClientFrame / ServerFrame', () => {
    expect(connect).toMatchObject({
      path: '/parley.v1.ChatGateway/Connect',
      requestStream: true,
      responseStream: true,
    });
    expect(Object.keys(fromProto)).toEqual(['Connect']);
  });

  it('reads frames as the generated types say: camelCase, 64-bit numbers as numbers, kind naming the oneof', () => {
    const frame: ClientFrame = {
      requestId: 2 ** 40,
      send: { chatId: 'c', clientMsgId: 'm', body: 'b', replyToSeq: 3 },
    };
    expect(connect.requestDeserialize(connect.requestSerialize(frame))).toEqual({
      requestId: 2 ** 40,
      kind: 'send',
      send: { chatId: 'c', clientMsgId: 'm', body: 'b', replyToSeq: 3, _replyToSeq: 'replyToSeq' },
    });
    // Plain proto3 scalars arrive with their zero values; an unset optional stays unset.
    expect(connect.requestDeserialize(connect.requestSerialize({ react: { chatId: 'c' } }))).toEqual({
      requestId: 0,
      kind: 'react',
      react: { chatId: 'c', seq: 0 },
    });
  });

  it('encodes exactly as a definition loaded from the .proto itself (the embedded descriptor is current)', () => {
    const frame: ServerFrame = {
      eventSeq: 9,
      messageNew: {
        id: 'i',
        chatId: 'c',
        seq: 4,
        senderId: 's',
        clientMsgId: 'm',
        body: 'b',
        createdAt: '2026-12-05T04:55:31.123Z',
        editedAt: '2026-12-05T04:56:00.000Z',
        deleted: false,
        reactions: [{ userId: 'u', emoji: '🎉' }],
      },
    };
    const bytes = connect.responseSerialize(frame);
    expect(bytes).toEqual(fromProto['Connect'].responseSerialize(frame));
    expect(connect.responseDeserialize(bytes)).toEqual(fromProto['Connect'].responseDeserialize(bytes));
    const ack: ServerFrame = { ack: { requestId: 1, ok: false, error: { code: 'invalid', message: 'x' } } };
    expect(connect.responseSerialize(ack)).toEqual(fromProto['Connect'].responseSerialize(ack));
  });
});
