import { clusterNeeds, loadAppSchema, parseEnvSchemas, portField } from './lib/config-schema';
import { listApps } from './lib/repo';

const FIXTURE = `
import { IsInt, IsString, Matches } from 'class-validator';

/** Every variable demo reads. It's a fixture: "quotes", (parens) and {braces} in comments. */
export class DemoEnv {
  @IsInt() @Min(0) @Max(65535) DEMO_PORT = 3005;
  @IsString() HTTP_HOST = '0.0.0.0';
  // a heartbeat's ttl wins
  @IsString() @IsNotEmpty() DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/parley';
  @Matches(/^([A-Za-z0-9_-]+\\.)*$/, { message: 'PREFIX must be dot-terminated (e.g. "t1.")' })
  NATS_SUBJECT_PREFIX = '';
  @IsString({
    message: 'SECRET (or SECRET_FILE) must hold a PEM; see .parley/keys',
  })
  SECRET: string = undefined as unknown as string;
  @IsString() SECRET_FILE = '.parley/keys/secret.pem';
  @IsInt() @Max(86400 * 30) TTL_SECONDS = 60_000;
  @IsInt() BIG = 10 * 1024 * 1024;
  @Matches(/^[A-Za-z0-9_-]{1,64}$/) INSTANCE_ID = \`\${hostname()}-\${randomBytes(4).toString('hex')}\`;
  @IsBoolean() FLAG = true;
  @IsString() REDIS_URL = "redis://localhost:6379";
}

export interface DemoConfig { http: { port: number } }
export function load(): void {}
`;

describe('config schema reader', () => {
  const [schema] = parseEnvSchemas(FIXTURE);

  it('reads every field of the class, decorators and comments of any shape aside', () => {
    expect(schema.className).toBe('DemoEnv');
    expect(schema.fields.map((f) => f.name)).toEqual([
      'DEMO_PORT',
      'HTTP_HOST',
      'DATABASE_URL',
      'NATS_SUBJECT_PREFIX',
      'SECRET',
      'SECRET_FILE',
      'TTL_SECONDS',
      'BIG',
      'INSTANCE_ID',
      'FLAG',
      'REDIS_URL',
    ]);
  });

  it('reads the defaults: strings, numbers (with _ and products), booleans, none, computed', () => {
    const d = Object.fromEntries(schema.fields.map((f) => [f.name, f.default]));
    expect(d['DEMO_PORT']).toEqual({ kind: 'number', value: 3005 });
    expect(d['NATS_SUBJECT_PREFIX']).toEqual({ kind: 'string', value: '' });
    expect(d['SECRET']).toEqual({ kind: 'none' });
    expect(d['TTL_SECONDS']).toEqual({ kind: 'number', value: 60000 });
    expect(d['BIG']).toEqual({ kind: 'number', value: 10485760 });
    expect(d['INSTANCE_ID'].kind).toBe('computed');
    expect(d['FLAG']).toEqual({ kind: 'boolean', value: true });
    expect(d['REDIS_URL']).toEqual({ kind: 'string', value: 'redis://localhost:6379' });
  });

  it('says what a cluster must set: the port, required values (or their _FILE), laptop-only defaults', () => {
    expect(portField(schema)).toEqual({ name: 'DEMO_PORT', port: 3005 });
    expect(clusterNeeds(schema).map((n) => [n.name, n.anyOf, n.why])).toEqual([
      ['DEMO_PORT', ['DEMO_PORT'], 'port'],
      ['DATABASE_URL', ['DATABASE_URL'], 'localhost default'],
      ['SECRET', ['SECRET', 'SECRET_FILE'], 'required'],
      ['REDIS_URL', ['REDIS_URL'], 'localhost default'],
    ]);
  });

  describe.each(listApps())('%s', (app) => {
    it('has one env schema with one *_PORT field and the common variables', () => {
      const s = loadAppSchema(app);
      expect(portField(s).port).toBeGreaterThan(0);
      const names = s.fields.map((f) => f.name);
      for (const common of ['HTTP_HOST', 'LOG_LEVEL', 'NATS_URL', 'NATS_SUBJECT_PREFIX'])
        expect(names).toContain(common);
      // Nothing it reads is left undecided by the reader.
      expect(s.fields.filter((f) => f.default.kind === 'computed').map((f) => f.name)).toEqual(
        app === 'chat-gateway' ? ['GATEWAY_INSTANCE_ID'] : [],
      );
    });
  });
});
