import { loadEnv } from './load-env';
import { ServiceEnv, serviceNatsConfig } from './service-env';

class SvcEnv extends ServiceEnv {
  override NATS_USER = 'svc';
  override NATS_PASSWORD_FILE = '/nonexistent/svc.password';
}

describe('ServiceEnv', () => {
  it("gives every app the same defaults, with the app's own NATS identity", () => {
    expect(loadEnv('svc', SvcEnv, {})).toMatchObject({
      HTTP_HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_SUBJECT_PREFIX: '',
      NATS_USER: 'svc',
      NATS_PASSWORD: '',
    });
  });

  it('refuses a NATS identity left empty, an unknown log level and a subject prefix NATS would misread', () => {
    expect(() => loadEnv('svc', ServiceEnv, {})).toThrow(/NATS_USER/);
    expect(() => loadEnv('svc', SvcEnv, { LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadEnv('svc', SvcEnv, { NATS_SUBJECT_PREFIX: 'a.*.' })).toThrow(/NATS_SUBJECT_PREFIX/);
  });

  it('gives the NATS config, anonymous (no pass) while NATS_PASSWORD is empty', () => {
    expect(serviceNatsConfig(loadEnv('svc', SvcEnv, { NATS_SUBJECT_PREFIX: 't1.' }))).toEqual({
      url: 'nats://127.0.0.1:4222',
      subjectPrefix: 't1.',
      user: 'svc',
    });
    expect(serviceNatsConfig(loadEnv('svc', SvcEnv, { NATS_PASSWORD: 's3cret' })).pass).toBe('s3cret');
  });
});
