import { AuthEnv } from '../config/auth.config';
import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher({ logN: 10 });

  it('verifies the right password and rejects a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(stored).toMatch(/^scrypt\$10\$8\$1\$/);
    expect(stored).not.toContain('correct horse');
    await expect(hasher.verify('correct horse battery', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse batterY', stored)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hasher.hash('same-password')).not.toEqual(await hasher.hash('same-password'));
  });

  it('verifies hashes made with other parameters (cost can be raised later)', async () => {
    const stored = await new PasswordHasher({ logN: 11 }).hash('pw-12345678');
    await expect(hasher.verify('pw-12345678', stored)).resolves.toBe(true);
  });

  it('rejects a malformed stored hash', async () => {
    await expect(hasher.verify('x', 'bcrypt$whatever')).resolves.toBe(false);
    await expect(hasher.verify('x', 'disabled')).resolves.toBe(false);
    await expect(hasher.verify('x', 'scrypt$NaN$8$1$c2FsdA==$aGFzaA==')).resolves.toBe(false);
  });

  it('asks for a rehash only of hashes below its own cost', async () => {
    const cheap = await new PasswordHasher({ logN: 10 }).hash('pw-12345678');
    const current = await new PasswordHasher({ logN: 11 }).hash('pw-12345678');
    const stronger = new PasswordHasher({ logN: 11 });
    expect(stronger.needsRehash(cheap)).toBe(true);
    expect(stronger.needsRehash(current)).toBe(false);
    expect(hasher.needsRehash(current)).toBe(false); // a lowered cost never downgrades a stored hash
    expect(stronger.needsRehash(cheap.replace('$8$1$', '$4$1$').replace('scrypt$10', 'scrypt$11'))).toBe(true); // r below 8
    expect(stronger.needsRehash('disabled')).toBe(false);
  });

  it('answers unavailable instead of queueing past its line', async () => {
    const busy = new PasswordHasher({ logN: 12, concurrency: 1, maxWaiting: 1 });
    const results = await Promise.allSettled([
      busy.hash('a-password'),
      busy.hash('b-password'),
      busy.hash('c-password'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'unavailable' });
  });

  it("at the production default (N=2^17, r=8, p=1: OWASP's minimum) hashes, verifies and upgrades an older hash", async () => {
    const logN = new AuthEnv().PASSWORD_SCRYPT_LOG_N;
    expect(logN).toBe(17);
    const production = new PasswordHasher({ logN });
    const stored = await production.hash('correct horse battery');
    expect(stored).toMatch(/^scrypt\$17\$8\$1\$/);
    await expect(production.verify('correct horse battery', stored)).resolves.toBe(true);
    await expect(production.verify('wrong horse battery', stored)).resolves.toBe(false);
    expect(production.needsRehash(stored)).toBe(false);
    // A hash of the former default (2^15) is verified, then replaced at 2^17.
    const former = await new PasswordHasher({ logN: 15 }).hash('correct horse battery');
    expect(production.needsRehash(former)).toBe(true);
    await expect(production.verify('correct horse battery', former)).resolves.toBe(true);
  }, 120_000);
});
