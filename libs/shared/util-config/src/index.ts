export * from './lib/load-env';
export * from './lib/redact-url';
export * from './lib/service-env';
