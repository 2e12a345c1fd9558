import { Module, type DynamicModule } from '@nestjs/common';
import { appendMetricProviders } from './append.metrics';
import { APPEND_SETTINGS, AppendService, type AppendSettings } from './append.service';
import { HistoryService } from './history.service';
import { LIFECYCLE_SETTINGS, LifecycleService, type LifecycleSettings } from './lifecycle.service';
import { LifecycleHandler } from './lifecycle.handler';
import { MessagesHandler } from './messages.handler';

@Module({})
export class MessagesModule {
  static forRoot(settings: AppendSettings, lifecycle: LifecycleSettings): DynamicModule {
    return {
      module: MessagesModule,
      controllers: [MessagesHandler, LifecycleHandler],
      providers: [
        { provide: APPEND_SETTINGS, useValue: settings },
        { provide: LIFECYCLE_SETTINGS, useValue: lifecycle },
        LifecycleService,
        AppendService,
        HistoryService,
        ...appendMetricProviders,
      ],
    };
  }
}
