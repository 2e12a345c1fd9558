import { randomBytes, randomUUID } from 'node:crypto';
import { MessageCipher, MessageKeysError, parseMessageKeys } from './message-cipher';

const key = () => randomBytes(32).toString('base64');

describe('MessageCipher', () => {
  const k1 = `k1:${key()}`;
  const k2 = `k2:${key()}`;

  it('round-trips unicode bodies and never stores them in clear', () => {
    const cipher = MessageCipher.fromKeyList(k1);
    const id = randomUUID();
    const body = 'meet at 5 🍕 — ünïcødé';
    const enc = cipher.encrypt(body, id);
    expect(enc.keyId).toBe('k1');
    expect(enc.iv).toHaveLength(12);
    expect(enc.authTag).toHaveLength(16);
    expect(enc.ciphertext.includes(Buffer.from('meet at 5'))).toBe(false);
    expect(cipher.decrypt(enc, id)).toBe(body);
  });

  it('uses a fresh IV every time', () => {
    const cipher = MessageCipher.fromKeyList(k1);
    const id = randomUUID();
    const a = cipher.encrypt('same', id);
    const b = cipher.encrypt('same', id);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it('never repeats an IV across its random pool refills, and each decrypts', () => {
    const cipher = MessageCipher.fromKeyList(k1);
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = randomUUID();
      const enc = cipher.encrypt(`m${i}`, id);
      expect(enc.iv).toHaveLength(12);
      seen.add(enc.iv.toString('hex'));
      if (i % 4_095 === 0) expect(cipher.decrypt(enc, id)).toBe(`m${i}`);
    }
    expect(seen.size).toBe(10_000);
  });

  it('encrypts with the last key and still decrypts rows of older keys', () => {
    const old = MessageCipher.fromKeyList(k1);
    const id = randomUUID();
    const written = old.encrypt('before rotation', id);
    const rotated = MessageCipher.fromKeyList(`${k1}\n${k2}\n`);
    expect(rotated.activeKeyId).toBe('k2');
    expect(rotated.encrypt('after', id).keyId).toBe('k2');
    expect(rotated.decrypt(written, id)).toBe('before rotation');
  });

  it('refuses a body moved to another message id or tampered with', () => {
    const cipher = MessageCipher.fromKeyList(k1);
    const id = randomUUID();
    const enc = cipher.encrypt('hello', id);
    expect(() => cipher.decrypt(enc, randomUUID())).toThrow();
    const flipped = Buffer.from(enc.ciphertext);
    flipped[0] ^= 1;
    expect(() => cipher.decrypt({ ...enc, ciphertext: flipped }, id)).toThrow();
  });

  it('names a missing key id when a row needs it', () => {
    const enc = MessageCipher.fromKeyList(k2).encrypt('x', 'm1');
    expect(() => MessageCipher.fromKeyList(k1).decrypt(enc, 'm1')).toThrow(/key "k2".*not configured/);
  });

  describe('parseMessageKeys', () => {
    it('accepts lines, commas, blank lines and comments; the last entry is active', () => {
      const parsed = parseMessageKeys(`# rotated 2026-11\n${k1}\n\n${k2},k3:${key()}\n`);
      expect([...parsed.keys.keys()]).toEqual(['k1', 'k2', 'k3']);
      expect(parsed.activeKeyId).toBe('k3');
    });

    it.each([
      ['', /no message encryption key/],
      ['   \n# only a comment\n', /no message encryption key/],
      ['k1', /entry 1 is not "keyId:<base64 of 32 bytes>"/],
      [`k1:${randomBytes(16).toString('base64')}`, /"k1" is 16 bytes, AES-256 needs 32/],
      [`bad id:${key()}`, /entry 1 is not/],
      [`k1:${key()}\nk1:${key()}`, /"k1" appears twice/],
      [`k1:not base64!`, /entry 1 is not/],
    ])('rejects %j', (text, message) => {
      expect(() => parseMessageKeys(text)).toThrow(MessageKeysError);
      expect(() => parseMessageKeys(text)).toThrow(message);
    });

    it('never puts key material in its errors', () => {
      const material = randomBytes(16).toString('base64');
      try {
        parseMessageKeys(`k1:${material}`);
        throw new Error('expected a failure');
      } catch (err) {
        expect((err as Error).message).not.toContain(material);
      }
    });
  });
});
