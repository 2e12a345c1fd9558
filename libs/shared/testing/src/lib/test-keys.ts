import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestKeys {
  dir: string;
  jwtPrivateKeyFile: string;
  jwtPublicKeyFile: string;
  jwtPrivatePem: string;
  jwtPublicPem: string;
  messageKeysFile: string;
}

/** Fresh ES256 and message-encryption keys in a temp folder, as the dev stack makes them. */
export function createTestKeys(): TestKeys {
  const dir = mkdtempSync(join(tmpdir(), 'parley-keys-'));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwtPrivatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const jwtPublicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const files = {
    jwtPrivateKeyFile: join(dir, 'jwt-private.pem'),
    jwtPublicKeyFile: join(dir, 'jwt-public.pem'),
    messageKeysFile: join(dir, 'message-keys'),
  };
  writeFileSync(files.jwtPrivateKeyFile, jwtPrivatePem, { mode: 0o600 });
  writeFileSync(files.jwtPublicKeyFile, jwtPublicPem);
  writeFileSync(files.messageKeysFile, `k1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  return { dir, ...files, jwtPrivatePem, jwtPublicPem };
}
