import type { INestApplication, Type, DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { ServiceQueue } from '@parley/contracts';
import type { ServiceNatsConfig } from '@parley/shared/util-config';
import { NatsBus, natsSecurityOptions, natsServers } from '@parley/shared/util-nats';
import { json } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { HttpEdgeConfig } from './http-edge';
import { rejectHostileJsonBodies } from './json-body-shape.middleware';
import { loggableError } from './log-safety';
import { ParleyExceptionFilter } from './parley-exception.filter';
import { NamespacedNatsServer } from './namespaced-nats.server';
import { createValidationPipe } from './validation';

export interface StartServiceOptions {
  name: string;
  module: Type<unknown> | DynamicModule;
  /** Where HTTP (health, metrics, the app's own routes) listens: the app config's `http`. */
  http: { host: string; port: number };
  /**
   * Serve this app's NATS handlers in a queue group, so replicas share the work; `user`/`pass`: its NATS identity (absent: anonymous).
   * `onBusConnection`: serve on the app's NatsBus connection instead of a second one (its readiness is then the server's).
   */
  nats?: {
    url: string;
    queue: ServiceQueue;
    subjectPrefix?: string;
    user?: string;
    pass?: string;
    onBusConnection?: boolean;
  };
  /**
   * How the app faces clients (auth, chat-gateway): CORS allow-list, trusted proxies, API docs.
   * Absent: no CORS headers, no proxy trusted, no docs.
   */
  edge?: HttpEdgeConfig & { corsExposedHeaders?: string[] };
  /** The OpenAPI document, served at /docs and /docs/openapi.json only when `edge.apiDocs`. */
  openApi?: { title: string; description: string; version: string };
  /** Largest accepted JSON body; larger ones answer payload_too_large. */
  bodyLimit?: string;
  configure?: (app: NestExpressApplication) => void | Promise<void>;
}

/**
 * `nats` of an app that serves its handlers in queue group `queue` on the NatsBus connection its
 * AppModule opens (one connection: handlers, the app's other NATS traffic and readiness).
 */
export function natsHandlersOnBus(nats: ServiceNatsConfig, queue: ServiceQueue): StartServiceOptions['nats'] {
  return {
    url: nats.url,
    queue,
    subjectPrefix: nats.subjectPrefix,
    user: nats.user,
    pass: nats.pass,
    onBusConnection: true,
  };
}

/**
 * helmet's defaults (CSP, nosniff, HSTS, frame and referrer policies, ...) with a CSP Swagger
 * UI works under: its scripts and stylesheet are files under /docs ('self'), its inline
 * <style> blocks are allowed by helmet's default style-src. Not upgrade-insecure-requests:
 * the docs must load over plain HTTP on a laptop. Nothing here is meant to be framed.
 */
const HELMET_OPTIONS = {
  contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null, 'frame-ancestors': ["'none'"] } },
  frameguard: { action: 'deny' as const },
};

export async function startService(options: StartServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(options.module, {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // req.ip is the client behind a trusted proxy; X-Forwarded-For from anyone else is ignored.
  app.set('trust proxy', options.edge?.trustProxy ?? false);
  app.use(helmet(HELMET_OPTIONS));
  const edge = options.edge;
  if (edge && edge.corsOrigins.length > 0) {
    app.enableCors({ origin: edge.corsOrigins, exposedHeaders: edge.corsExposedHeaders, maxAge: 600 });
  }
  app.use(json({ limit: options.bodyLimit ?? '64kb' }));
  // Before Nest's ValidationPipe walks a body recursively (see the middleware).
  app.use(rejectHostileJsonBodies());
  app.useGlobalFilters(new ParleyExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  app.disable('x-powered-by');
  app.enableShutdownHooks();

  if (options.openApi && edge?.apiDocs) {
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
            servers: natsServers(options.nats.url),
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

  const { host, port } = options.http;
  await app.listen(port, host);
  app.get(Logger).log(`${options.name} listening on http://${host}:${port}`, 'Bootstrap');
  return app;
}

/**
 * Runs an app's entry point: any start-up failure (bad config, unreachable
 * dependency) is printed as one clear line and the process exits 1. An app with a database
 * gives its `migrate`: `main.js migrate` then applies the migrations, lists them and exits 0.
 */
export function runMain(
  name: string,
  main: () => Promise<unknown>,
  options: { migrate?: () => Promise<string[]> } = {},
): void {
  installProcessErrorHandlers(name);
  const { migrate } = options;
  const run = migrate && process.argv[2] === 'migrate' ? () => migrateAndExit(name, migrate) : main;
  run().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', service: name, time: new Date().toISOString(), msg: `${name} failed to start: ${message}` })}\n`,
    );
    process.exit(1);
  });
}

async function migrateAndExit(name: string, migrate: () => Promise<string[]>): Promise<void> {
  const applied = await migrate();
  process.stdout.write(
    `${name}: ${applied.length} migration(s) applied${applied.length ? `: ${applied.join(', ')}` : ''}\n`,
  );
  process.exit(0);
}

/**
 * Last-resort logging, one pino-shaped JSON line at level 60 on stderr (the whole-stack test
 * runs fail on such a line). An unhandled rejection is logged with its error and the process
 * goes on: it is a bug to fix where the promise was dropped, and dying would take every request
 * in flight with it. An uncaught exception leaves state unknown: logged, then exit 1 (the
 * supervisor or Kubernetes restarts the app).
 */
function installProcessErrorHandlers(
  name: string,
  write: (line: string) => void = (l) => process.stderr.write(l),
): void {
  const log = (msg: string, err: unknown) =>
    write(
      `${JSON.stringify({ level: 60, time: Date.now(), service: name, pid: process.pid, msg, err: loggableError(err) })}\n`,
    );
  process.on('unhandledRejection', (reason) => log('unhandled rejection', reason));
  process.on('uncaughtException', (err) => {
    log('uncaught exception', err);
    process.exit(1);
  });
}
