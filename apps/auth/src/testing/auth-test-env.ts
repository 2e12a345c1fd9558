import type { TestKeys } from '@parley/shared/testing';

/** An HTTP error answer: `{ error: { code, message } }`. */
export interface ErrorReply {
  error: { code: string; message: string };
}

/**
 * The environment of an auth started in-process by a test: its own database, an ephemeral port
 * on loopback, a NATS subject prefix and Redis limit keys of its own (parallel runs never meet),
 * cheap password hashing. `overrides` adds or replaces variables (the limits a test exercises).
 */
export function testAuthEnv(
  options: { databaseUrl: string; keys: TestKeys; prefix: string },
  overrides: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    AUTH_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JWT_PRIVATE_KEY_FILE: options.keys.jwtPrivateKeyFile,
    NATS_SUBJECT_PREFIX: options.prefix,
    PASSWORD_SCRYPT_LOG_N: '12',
    RATE_LIMIT_REDIS_KEY_PREFIX: `parley-test:${options.prefix}auth-rate:`,
    ...overrides,
  };
}
