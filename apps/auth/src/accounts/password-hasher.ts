import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ParleyError } from '@parley/contracts';
import { ConcurrencyLimit } from '@parley/shared/util-rate-limit';

function scryptAsync(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const KEY_LENGTH = 32;
/** OWASP's scrypt minimum is N=2^17, r=8, p=1; r and p are fixed, PASSWORD_SCRYPT_LOG_N sets N. */
const R = 8;
const P = 1;

interface StoredParams {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function parse(stored: string): StoredParams | null {
  const [scheme, logN, r, p, salt, hash] = stored.split('$');
  const params = { logN: Number(logN), r: Number(r), p: Number(p) };
  if (scheme !== 'scrypt' || !salt || !hash) return null;
  if (![params.logN, params.r, params.p].every((n) => Number.isInteger(n) && n >= 1) || params.logN > 24) return null;
  return { ...params, salt: Buffer.from(salt, 'base64'), hash: Buffer.from(hash, 'base64') };
}

export interface PasswordHasherOptions {
  /** log2 of scrypt's N (PASSWORD_SCRYPT_LOG_N). */
  logN: number;
  /** Hashes computed at once (PASSWORD_HASH_CONCURRENCY); default 2. */
  concurrency?: number;
  /** Hashes waiting for a slot before `unavailable` is answered; default 100. */
  maxWaiting?: number;
}

/**
 * scrypt with its parameters stored in the hash (`scrypt$logN$r$p$salt$hash`), so the cost
 * can be raised later: needsRehash() tells which stored hashes are below today's cost.
 *
 * Node runs scrypt on the libuv thread pool (UV_THREADPOOL_SIZE, default 4), never on the
 * event loop. That pool also serves dns.lookup and file reads, and each hash holds
 * 128 * N * r bytes (128 MiB at N=2^17) while it runs: at most `concurrency` hashes run at
 * once, so a burst of logins leaves pool threads for the rest and bounds the memory.
 */
export class PasswordHasher {
  private readonly slots: ConcurrencyLimit;
  readonly logN: number;

  constructor(options: PasswordHasherOptions) {
    this.logN = options.logN;
    this.slots = new ConcurrencyLimit(options.concurrency ?? 2, options.maxWaiting ?? 100);
  }

  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await this.scrypt(password, salt, KEY_LENGTH, this.logN, R, P);
    return ['scrypt', this.logN, R, P, salt.toString('base64'), key.toString('base64')].join('$');
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const params = parse(stored);
    if (!params || params.hash.length === 0) return false;
    const actual = await this.scrypt(password, params.salt, params.hash.length, params.logN, params.r, params.p);
    return timingSafeEqual(actual, params.hash);
  }

  /** The stored hash costs less than a new one would: hash the password again at the next login. */
  needsRehash(stored: string): boolean {
    const params = parse(stored);
    return !!params && (params.logN < this.logN || params.r < R || params.p < P);
  }

  private scrypt(password: string, salt: Buffer, keylen: number, logN: number, r: number, p: number): Promise<Buffer> {
    const N = 2 ** logN;
    // Node refuses scrypt above maxmem (default 32 MiB); scrypt needs 128 * N * r bytes plus a little.
    const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r + 1024 * 1024 * 16 };
    return this.slots.run(
      () => scryptAsync(password, salt, keylen, options),
      () => new ParleyError('unavailable', 'too many password checks at once; retry'),
    );
  }
}
