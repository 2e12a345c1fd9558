import { Global, Module, type DynamicModule } from '@nestjs/common';
import { NatsBusModule } from '@parley/shared/util-nats';
import { HeadsController } from './heads.controller';
import { HeadsDigest } from './heads-digest';
import { HEADS_DIGEST, HeadsPublisher } from './heads.publisher';
import { HeadsService } from './heads.service';

export interface HeadsOptions {
  nats: { url: string; subjectPrefix: string; user?: string; pass?: string };
  /** How often the digest goes out; a lost delivery is repaired within about 2x this. */
  intervalMs: number;
}

/**
 * Live-delivery repair, store side: the digest the append and chat paths feed (global, so
 * they can inject HEADS_DIGEST) and chat.heads.recover.v1.
 */
@Global()
@Module({})
export class HeadsModule {
  static forRoot(options: HeadsOptions): DynamicModule {
    return {
      module: HeadsModule,
      imports: [
        NatsBusModule.forRoot({
          url: options.nats.url,
          name: 'message-store-heads',
          requestTimeoutMs: 5000,
          subjectPrefix: options.nats.subjectPrefix,
          user: options.nats.user,
          pass: options.nats.pass,
        }),
      ],
      controllers: [HeadsController],
      providers: [
        { provide: HEADS_DIGEST, useValue: new HeadsDigest(options.intervalMs) },
        HeadsPublisher,
        HeadsService,
      ],
      exports: [HEADS_DIGEST],
    };
  }
}
