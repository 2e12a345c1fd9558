import type { INestApplication, Type, DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ServiceQueue } from '@parley/contracts';
import { NatsBus, natsSecurityOptions } from '@parley/shared/util-nats';
import { json } from 'express';
import { Logger } from 'nestjs-pino';
import { loggableError } from './log-safety';
import { ParleyExceptionFilter } from './parley-exception.filter';
import { NamespacedNatsServer } from './namespaced-nats.server';
import { createValidationPipe } from './validation';

export interface StartServiceOptions {
  name: string;
  module: Type<unknown> | DynamicModule;
  host: string;
  port: number;
  /**
   * Serve this app's NATS handlers in a queue group, so replicas share the work; `user`/`pass`: its NATS identity (absent: anonymous).
   * `onBusConnection`: serve on the app's NatsBus connection instead of a second one (its readiness is then the server's).
   */
  nats?: { url: string; queue: ServiceQueue; subjectPrefix?: string; user?: string; pass?: string; onBusConnection?: boolean };
  openApi?: { title: string; description: string; version: string };
  /** Largest accepted JSON body; larger ones answer payload_too_large. */
  bodyLimit?: string;
  configure?: (app: NestExpressApplication) => void | Promise<void>;
}

export async function startService(options: StartServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(options.module, {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.use(json({ limit: options.bodyLimit ?? '64kb' }));
  app.useGlobalFilters(new ParleyExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  app.disable('x-powered-by');
  app.enableShutdownHooks();

  if (options.openApi) {
    const doc = new DocumentBuilder()
      .setTitle(options.openApi.title)
      .setDescription(options.openApi.description)
      .setVersion(options.openApi.version)
      .addBearerAuth()
      .build();
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), {
      jsonDocumentUrl: 'docs/openapi.json',
    });
  }

  await options.configure?.(app);

  if (options.nats) {
    app.connectMicroservice<MicroserviceOptions>(
      {
        strategy: new NamespacedNatsServer(
          {
            servers: options.nats.url,
            queue: options.nats.queue,
            name: `${options.name}-rpc`,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 500,
            ...natsSecurityOptions(options.nats),
          },
          options.nats.subjectPrefix ?? '',
          options.nats.onBusConnection ? app.get(NatsBus, { strict: false }).connection : undefined,
        ),
      },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
  }

  await app.listen(options.port, options.host);
  app.get(Logger).log(`${options.name} listening on http://${options.host}:${options.port}`, 'Bootstrap');
  return app;
}

/**
 * Runs an app's entry point: any start-up failure (bad config, unreachable
 * dependency) is printed as one clear line and the process exits 1.
 */
export function runMain(name: string, main: () => Promise<unknown>): void {
  installProcessErrorHandlers(name);
  main().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', service: name, time: new Date().toISOString(), msg: `${name} failed to start: ${message}` })}\n`,
    );
    process.exit(1);
  });
}

/**
 * Last-resort logging, one pino-shaped JSON line at level 60 on stderr (the whole-stack test
 * runs fail on such a line). An unhandled rejection is logged with its error and the process
 * goes on: it is a bug to fix where the promise was dropped, and dying would take every request
 * in flight with it. An uncaught exception leaves state unknown: logged, then exit 1 (the
 * supervisor or Kubernetes restarts the app).
 */
export function installProcessErrorHandlers(name: string, write: (line: string) => void = (l) => process.stderr.write(l)): void {
  const log = (msg: string, err: unknown) =>
    write(`${JSON.stringify({ level: 60, time: Date.now(), service: name, pid: process.pid, msg, err: loggableError(err) })}\n`);
  process.on('unhandledRejection', (reason) => log('unhandled rejection', reason));
  process.on('uncaughtException', (err) => {
    log('uncaught exception', err);
    process.exit(1);
  });
}
