import { Module } from '@nestjs/common';
import { ConnectionRegistry } from './connection-registry';

/** The client connections this gateway holds, whatever edge they came in on. */
@Module({ providers: [ConnectionRegistry], exports: [ConnectionRegistry] })
export class ConnectionsModule {}
