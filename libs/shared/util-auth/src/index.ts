export * from './lib/access-token';
export * from './lib/access-token.guard';
