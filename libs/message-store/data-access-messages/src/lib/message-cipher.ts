import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** A message body as stored: AES-256-GCM output plus the id of the key that made it. */
export interface EncryptedBody {
  ciphertext: Buffer;
  iv: Buffer;
  authTag: Buffer;
  keyId: string;
}

export class MessageKeysError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MessageKeysError';
  }
}

const KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Parses `keyId:base64(32 bytes)` entries, one per line (commas also separate them, so
 * the list fits in one environment variable). Blank lines and `#` comments are skipped.
 * Errors name the entry, never the key material.
 */
export function parseMessageKeys(text: string): { keys: Map<string, Buffer>; activeKeyId: string } {
  const entries = text
    .split(/[\r\n,]+/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (entries.length === 0)
    throw new MessageKeysError('no message encryption key: expected lines of "keyId:<base64 of 32 bytes>"');
  const keys = new Map<string, Buffer>();
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const keyId = colon > 0 ? entry.slice(0, colon) : '';
    const material = colon > 0 ? entry.slice(colon + 1).trim() : '';
    if (!KEY_ID.test(keyId) || !BASE64.test(material)) {
      throw new MessageKeysError(
        `message key entry ${i + 1} is not "keyId:<base64 of 32 bytes>" (keyId: 1-64 of A-Z a-z 0-9 _ . -)`,
      );
    }
    const key = Buffer.from(material, 'base64');
    if (key.length !== 32)
      throw new MessageKeysError(`message key "${keyId}" is ${key.length} bytes, AES-256 needs 32`);
    if (keys.has(keyId)) throw new MessageKeysError(`message key id "${keyId}" appears twice`);
    keys.set(keyId, key);
  });
  return { keys, activeKeyId: entries[entries.length - 1].slice(0, entries[entries.length - 1].indexOf(':')) };
}

/**
 * AES-256-GCM for message bodies at rest. New bodies use the active key (the last
 * one listed); every row keeps its key id, so older keys stay listed to read old rows
 * while a rotation is under way. The message id is bound as associated data, so a
 * body copied onto another row does not decrypt.
 */
/**
 * Random IVs cut from one CSPRNG draw per 4,096 messages: a randomBytes call per message
 * (a native job each) was ~8% of message-store's CPU. Each IV is still 96 random bits used once.
 */
class RandomIvs {
  private pool = Buffer.alloc(0);
  private offset = 0;

  next(): Buffer {
    if (this.offset + IV_BYTES > this.pool.length) {
      this.pool = randomBytes(IV_BYTES * 4096);
      this.offset = 0;
    }
    // A copy: a row's IV must not keep the whole pool alive.
    const iv = Buffer.from(this.pool.subarray(this.offset, this.offset + IV_BYTES));
    this.offset += IV_BYTES;
    return iv;
  }
}

export class MessageCipher {
  private readonly ivs = new RandomIvs();

  private constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    readonly activeKeyId: string,
  ) {}

  static fromKeyList(text: string): MessageCipher {
    const { keys, activeKeyId } = parseMessageKeys(text);
    return new MessageCipher(keys, activeKeyId);
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  encrypt(plaintext: string, messageId: string): EncryptedBody {
    const key = this.keys.get(this.activeKeyId) as Buffer;
    const iv = this.ivs.next();
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(messageId, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { ciphertext, iv, authTag: cipher.getAuthTag(), keyId: this.activeKeyId };
  }

  decrypt(body: EncryptedBody, messageId: string): string {
    const key = this.keys.get(body.keyId);
    if (!key)
      throw new MessageKeysError(`message ${messageId} is encrypted with key "${body.keyId}", which is not configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, body.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(messageId, 'utf8'));
    decipher.setAuthTag(body.authTag);
    return Buffer.concat([decipher.update(body.ciphertext), decipher.final()]).toString('utf8');
  }
}
