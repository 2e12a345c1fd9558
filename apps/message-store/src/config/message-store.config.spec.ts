import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMessageStoreConfig } from './message-store.config';

const key = () => randomBytes(32).toString('base64');
const noKeyFile = { MESSAGE_ENCRYPTION_KEYS_FILE: '', MESSAGE_ENCRYPTION_KEYS: undefined };

describe('loadMessageStoreConfig', () => {
  it('has working defaults and takes the last key as the active one', () => {
    const config = loadMessageStoreConfig({ ...noKeyFile, MESSAGE_ENCRYPTION_KEYS: `k1:${key()}\nk2:${key()}` });
    expect(config.http.port).toBe(3003);
    expect(config.nats.subjectPrefix).toBe('');
    expect(config.append).toEqual({ batchMax: 256, batchWaitMs: 2, queueMax: 5000 });
    expect(config.cipher.activeKeyId).toBe('k2');
    expect(config.cipher.keyIds).toEqual(['k1', 'k2']);
  });

  it('reads the edit window in seconds (15 minutes by default)', () => {
    const keys = { ...noKeyFile, MESSAGE_ENCRYPTION_KEYS: `k1:${key()}` };
    expect(loadMessageStoreConfig(keys).lifecycle.editWindowMs).toBe(900_000);
    expect(loadMessageStoreConfig({ ...keys, MESSAGE_EDIT_WINDOW_SECONDS: '5' }).lifecycle.editWindowMs).toBe(5000);
    expect(() => loadMessageStoreConfig({ ...keys, MESSAGE_EDIT_WINDOW_SECONDS: '0' })).toThrow(
      /MESSAGE_EDIT_WINDOW_SECONDS/,
    );
  });

  it('reads the PostgreSQL pool timeouts', () => {
    const keys = { ...noKeyFile, MESSAGE_ENCRYPTION_KEYS: `k1:${key()}` };
    expect(loadMessageStoreConfig(keys).database.timeouts).toEqual({
      statementMs: 5000,
      connectMs: 3000,
      idleMs: 30_000,
      idleInTransactionMs: 10_000,
      keepAliveDelayMs: 10_000,
    });
    expect(
      loadMessageStoreConfig({ ...keys, DATABASE_STATEMENT_TIMEOUT_MS: '800' }).database.timeouts.statementMs,
    ).toBe(800);
  });

  it('reads the keys from MESSAGE_ENCRYPTION_KEYS_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ms-keys-'));
    const file = join(dir, 'message-keys');
    writeFileSync(file, `old:${key()}\nnew:${key()}\n`);
    expect(loadMessageStoreConfig({ MESSAGE_ENCRYPTION_KEYS_FILE: file }).cipher.activeKeyId).toBe('new');
  });

  it('fails with a clear message when no key is configured', () => {
    expect(() => loadMessageStoreConfig({ ...noKeyFile })).toThrow(
      /MESSAGE_ENCRYPTION_KEYS \(or the file MESSAGE_ENCRYPTION_KEYS_FILE\) must hold/,
    );
  });

  it('fails with a clear message, without the key material, when a key is malformed', () => {
    const short = randomBytes(16).toString('base64');
    let message = '';
    try {
      loadMessageStoreConfig({ ...noKeyFile, MESSAGE_ENCRYPTION_KEYS: `k1:${short}` });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/MESSAGE_ENCRYPTION_KEYS: message key "k1" is 16 bytes, AES-256 needs 32/);
    expect(message).not.toContain(short);
  });

  it('names every bad variable', () => {
    expect(() =>
      loadMessageStoreConfig({
        ...noKeyFile,
        MESSAGE_ENCRYPTION_KEYS: `k1:${key()}`,
        APPEND_BATCH_MAX: '0',
        NATS_SUBJECT_PREFIX: 'a b',
      }),
    ).toThrow(/APPEND_BATCH_MAX[\s\S]*NATS_SUBJECT_PREFIX|NATS_SUBJECT_PREFIX[\s\S]*APPEND_BATCH_MAX/);
  });
});
