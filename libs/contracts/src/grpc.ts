/**
 * `@parley/contracts/grpc`: the gRPC edge's contract (proto/parley/v1/chat_gateway.proto) for
 * Node servers and clients: its TypeScript types (generated at build time by
 * `nx run contracts:proto-types`) and the loaded service definition. No class-validator.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { chatGatewayDescriptor, type ProtoGrpcType } from './grpc/generated';

export type * from './grpc/generated';

/** The service's full name (also a name the health service answers for). */
export const CHAT_GATEWAY_SERVICE = 'parley.v1.ChatGateway';

/** Metadata keys of the Connect call. */
export const GrpcMetadata = { Authorization: 'authorization', Since: 'parley-since' } as const;

/**
 * How messages map to objects: camelCase fields, 64-bit integers as numbers (the JSON contract's
 * seqs are safe integers), scalars present with their zero values, `kind` naming the oneof set.
 * The generated types assume exactly these (scripts/generate-grpc.cjs passes the same flags).
 */
export const grpcLoaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The loaded `parley.v1` package: `.ChatGateway` is a client constructor, `.ChatGateway.service` the definition. */
export function loadChatGatewayProto(): ProtoGrpcType {
  const definition = protoLoader.fromJSON(chatGatewayDescriptor, grpcLoaderOptions);
  return grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
}
