export * from './lib/load-env';
export * from './lib/redact-url';
