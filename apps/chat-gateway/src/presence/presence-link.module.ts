import { Module } from '@nestjs/common';
import { ConnectionsModule } from '../connections/connections.module';
import { PresenceLinkService } from './presence-link.service';

/** The link to the presence service: connects, disconnects, heartbeats, presence events to watchers. */
@Module({ imports: [ConnectionsModule], providers: [PresenceLinkService], exports: [PresenceLinkService] })
export class PresenceLinkModule {}
