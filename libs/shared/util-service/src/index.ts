export * from './lib/readiness';
export * from './lib/health.controller';
export * from './lib/error-mapping';
export * from './lib/parley-exception.filter';
export * from './lib/validation';
export * from './lib/service-core.module';
export * from './lib/start-service';
export * from './lib/namespaced-nats.server';
