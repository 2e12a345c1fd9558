import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(10);

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
    const stored = await new PasswordHasher(11).hash('pw-12345678');
    await expect(hasher.verify('pw-12345678', stored)).resolves.toBe(true);
  });

  it('rejects a malformed stored hash', async () => {
    await expect(hasher.verify('x', 'bcrypt$whatever')).resolves.toBe(false);
  });
});
