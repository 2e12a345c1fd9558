import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { ChatStreamHandler } from './chat-stream.handler';
import { GrpcEdgeServer } from './grpc-edge.server';

/** The gRPC edge: parley.v1.ChatGateway/Connect and grpc.health.v1.Health on GATEWAY_GRPC_PORT. */
@Module({
  imports: [ConnectionsModule, RealtimeModule],
  providers: [ChatStreamHandler, GrpcEdgeServer],
  exports: [GrpcEdgeServer],
})
export class GrpcEdgeModule {}
