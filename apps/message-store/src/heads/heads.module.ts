import { Global, Module, type DynamicModule } from '@nestjs/common';
import { HeadsHandler } from './heads.handler';
import { HeadsDigest } from './heads-digest';
import { HEADS_DIGEST, HeadsPublisher } from './heads.publisher';
import { HeadsService } from './heads.service';

export interface HeadsOptions {
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
      controllers: [HeadsHandler],
      providers: [
        { provide: HEADS_DIGEST, useValue: new HeadsDigest(options.intervalMs) },
        HeadsPublisher,
        HeadsService,
      ],
      exports: [HEADS_DIGEST],
    };
  }
}
