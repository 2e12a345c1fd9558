import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { ConfigError, loadEnv } from './load-env';

class SampleEnv {
  @IsInt() @Min(1) @Max(65535) SAMPLE_PORT = 3000;
  @IsString() SAMPLE_SECRET = 'dev-secret';
}

describe('loadEnv', () => {
  it('uses the defaults when nothing is set', () => {
    const env = loadEnv('sample', SampleEnv, {});
    expect(env.SAMPLE_PORT).toBe(3000);
    expect(env.SAMPLE_SECRET).toBe('dev-secret');
  });

  it('converts numbers from strings', () => {
    expect(loadEnv('sample', SampleEnv, { SAMPLE_PORT: '4100' }).SAMPLE_PORT).toBe(4100);
  });

  it('names every bad variable', () => {
    try {
      loadEnv('sample', SampleEnv, { SAMPLE_PORT: '70000' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.join()).toContain('SAMPLE_PORT');
      expect((err as Error).message).toContain('sample: invalid configuration');
    }
  });

  it('reads NAME_FILE when NAME is not set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'secret');
    writeFileSync(file, 'from-file\n');
    expect(loadEnv('sample', SampleEnv, { SAMPLE_SECRET_FILE: file }).SAMPLE_SECRET).toBe('from-file');
    expect(loadEnv('sample', SampleEnv, { SAMPLE_SECRET_FILE: file, SAMPLE_SECRET: 'direct' }).SAMPLE_SECRET).toBe(
      'direct',
    );
  });

  it("reads no file for an empty NAME_FILE, not even the default's", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'load-env-')), 'token');
    writeFileSync(file, 'from-default-file\n');
    class WithFileDefault {
      @IsString() SAMPLE_TOKEN = 'built-in';
      @IsString() SAMPLE_TOKEN_FILE = file;
    }
    expect(loadEnv('sample', WithFileDefault, {}).SAMPLE_TOKEN).toBe('from-default-file');
    expect(loadEnv('sample', WithFileDefault, { SAMPLE_TOKEN_FILE: '' }).SAMPLE_TOKEN).toBe('built-in');
  });

  it('fails clearly when NAME_FILE cannot be read', () => {
    expect(() => loadEnv('sample', SampleEnv, { SAMPLE_SECRET_FILE: '/nonexistent/x' })).toThrow(/SAMPLE_SECRET_FILE/);
  });
});
