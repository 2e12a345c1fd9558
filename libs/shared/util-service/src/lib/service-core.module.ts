import { Module, type DynamicModule, type ModuleMetadata, type InjectionToken } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { LoggerModule } from 'nestjs-pino';
import { loggableError, loggablePath } from './log-safety';
import { register } from 'prom-client';
import { HealthController } from './health.controller';
import { READINESS_CHECKS, type ReadinessCheck } from './readiness';

export interface ServiceCoreOptions {
  /** The app's name: the `service` field of every log line and metric. */
  name: string;
  logLevel: string;
  readiness: {
    imports?: ModuleMetadata['imports'];
    inject: InjectionToken[];
    useFactory: (...deps: never[]) => ReadinessCheck[];
  };
}

/** What every Parley app has: JSON logs, /health/live, /health/ready and /metrics. */
@Module({})
export class ServiceCoreModule {
  static forRoot(options: ServiceCoreOptions): DynamicModule {
    return {
      module: ServiceCoreModule,
      imports: [
        ...(options.readiness.imports ?? []),
        LoggerModule.forRoot({
          pinoHttp: {
            level: options.logLevel,
            base: { service: options.name },
            // Tokens and cookies never reach the logs; bodies are not logged at all.
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.query.token'],
            autoLogging: {
              ignore: (req) => Boolean(req.url?.startsWith('/health') || req.url === '/metrics'),
            },
            serializers: {
              req: (req: { id: unknown; method: string; url: string }) => ({
                id: req.id,
                method: req.method,
                url: loggablePath(req.url),
              }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              // Every `err` logged anywhere: a driver error carries the statement's parameters.
              err: loggableError,
            },
          },
        }),
        PrometheusModule.register({
          path: '/metrics',
          defaultLabels: { service: options.name },
          // A second app in one process (tests running two replicas) must not register them twice.
          defaultMetrics: { enabled: !register.getSingleMetric('process_cpu_user_seconds_total') },
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController],
      providers: [
        {
          provide: READINESS_CHECKS,
          inject: options.readiness.inject,
          useFactory: options.readiness.useFactory as (...deps: unknown[]) => ReadinessCheck[],
        },
      ],
    };
  }
}
