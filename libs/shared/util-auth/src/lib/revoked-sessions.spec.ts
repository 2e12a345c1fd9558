import { RevokedSessions } from './revoked-sessions';

describe('RevokedSessions', () => {
  const alice = '7b0d3c52-1a7e-4f4e-9d57-5e0f0c2b9a11';
  const claims = (sessionId: string, issuedAt: number) => ({ userId: alice, sessionId, issuedAt });

  it('refuses a revoked session until its tokens have all expired, then forgets it', () => {
    let now = 1_000_000;
    const list = new RevokedSessions(() => now);
    list.revoke({ userId: alice, sessionId: 's1' }, now, now + 3_600_000);
    expect(list.isRevoked(claims('s1', 999))).toBe(true);
    expect(list.isRevoked(claims('s2', 999))).toBe(false);
    now += 3_600_001;
    expect(list.isRevoked(claims('s1', 999))).toBe(false);
    expect(list.size).toBe(0);
  });

  it('without a session id, refuses every token of the user issued up to the revocation', () => {
    const now = 2_000_000_000;
    const list = new RevokedSessions(() => now);
    list.revoke({ userId: alice }, now, now + 60_000);
    expect(list.isRevoked(claims('old', now / 1000 - 10))).toBe(true);
    expect(list.isRevoked(claims('new', now / 1000 + 1))).toBe(false);
    expect(list.isRevoked({ userId: 'someone-else', sessionId: 'x', issuedAt: 0 })).toBe(false);
  });

  it('ignores revocations that are already past their horizon (a replayed old event)', () => {
    const now = 5_000_000;
    const list = new RevokedSessions(() => now);
    list.revoke({ userId: alice, sessionId: 'gone' }, now - 10_000, now - 1);
    expect(list.isRevoked(claims('gone', 0))).toBe(false);
  });
});
