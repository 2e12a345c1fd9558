export * from './lib/access-token';
export * from './lib/access-token.guard';
export * from './lib/revoked-sessions';
export * from './lib/revocation-stream';
