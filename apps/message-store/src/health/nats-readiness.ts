import { Injectable, Module, type DynamicModule, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { NatsBus } from '@parley/shared/util-nats';
import type { ReadinessCheck } from '@parley/shared/util-service';

export class NatsReadinessOptions {
  url: string;
  /** The app's NATS identity (absent: anonymous). */
  user?: string;
  pass?: string;
}

/**
 * Readiness of NATS: a small connection of its own (Nest's NATS server does not expose
 * its status), reporting down while it reconnects.
 */
@Injectable()
export class NatsReadiness implements ReadinessCheck, OnModuleInit, OnModuleDestroy {
  readonly name = 'nats';
  private bus: NatsBus | undefined;

  constructor(private readonly options: NatsReadinessOptions) {}

  async onModuleInit(): Promise<void> {
    this.bus = await NatsBus.connect({
      url: this.options.url,
      name: 'message-store-health',
      requestTimeoutMs: 2000,
      user: this.options.user,
      pass: this.options.pass,
    });
    this.bus.watchStatus();
  }

  async isReady(): Promise<boolean> {
    return this.bus?.isConnected ?? false;
  }

  async onModuleDestroy(): Promise<void> {
    await this.bus?.drain();
  }
}

@Module({})
export class NatsReadinessModule {
  static forRoot(options: NatsReadinessOptions): DynamicModule {
    return {
      module: NatsReadinessModule,
      providers: [{ provide: NatsReadinessOptions, useValue: options }, NatsReadiness],
      exports: [NatsReadiness],
    };
  }
}
