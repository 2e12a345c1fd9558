import { Module, type DynamicModule } from '@nestjs/common';
import { appendMetricProviders } from './append.metrics';
import { APPEND_SETTINGS, AppendService, type AppendSettings } from './append.service';
import { HistoryService } from './history.service';
import { MessagesHandler } from './messages.handler';

@Module({})
export class MessagesModule {
  static forRoot(settings: AppendSettings): DynamicModule {
    return {
      module: MessagesModule,
      controllers: [MessagesHandler],
      providers: [
        { provide: APPEND_SETTINGS, useValue: settings },
        AppendService,
        HistoryService,
        ...appendMetricProviders,
      ],
    };
  }
}
