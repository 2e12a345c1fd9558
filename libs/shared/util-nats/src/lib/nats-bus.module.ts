import { Module, type DynamicModule } from '@nestjs/common';
import { NatsBus, type NatsBusOptions } from './nats-bus';

/** Provides one connected NatsBus to the whole app (global, like TypeORM's DataSource). */
@Module({})
export class NatsBusModule {
  static forRoot(options: NatsBusOptions): DynamicModule {
    return {
      module: NatsBusModule,
      global: true,
      providers: [{ provide: NatsBus, useFactory: () => NatsBus.connect(options) }],
      exports: [NatsBus],
    };
  }
}
