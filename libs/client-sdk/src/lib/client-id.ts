const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * A clientMsgId: 22 random url-safe characters (132 bits). crypto.getRandomValues works in
 * every browser context (randomUUID needs a secure one) and in Node 19+.
 */
export function newClientMsgId(): string {
  const bytes = new Uint8Array(22);
  globalThis.crypto.getRandomValues(bytes);
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 63];
  return id;
}
