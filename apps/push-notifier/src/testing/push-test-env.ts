/**
 * The environment of a push-notifier started in-process by a test: its own database, an
 * ephemeral port on loopback, a NATS subject prefix and a BullMQ queue prefix of its own
 * (parallel runs never meet), the DRY-RUN sender unless a test gives its own Messaging.
 * `overrides` adds or replaces variables (the push settings a test exercises).
 */
export function testPushEnv(
  options: { databaseUrl: string; natsPrefix: string; queuePrefix: string },
  overrides: NodeJS.ProcessEnv = {},
): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    PUSH_NOTIFIER_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NATS_SUBJECT_PREFIX: options.natsPrefix,
    PUSH_QUEUE_PREFIX: options.queuePrefix,
    GOOGLE_APPLICATION_CREDENTIALS: '',
    ...overrides,
  };
}
