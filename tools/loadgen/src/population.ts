import { createHash, createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importPKCS8, SignJWT } from 'jose';

/** Who takes part in a run: users with tokens, and the chats they are in (member = index into users). */
export interface Population {
  users: PopulationUser[];
  chats: PopulationChat[];
}

export interface PopulationUser {
  id: string;
  username: string;
  token: string;
}

export interface PopulationChat {
  id: string;
  type: 'direct' | 'group';
  /** Indexes into `users`; the first one is the group's creator (admin). */
  members: number[];
}

export interface TopologyOptions {
  users: number;
  /** Groups of `groupSize` members take the first groups*groupSize users; the rest pair up 1:1. */
  groups: number;
  groupSize: number;
}

/** Chats as member-index lists: K groups of G, then 1:1 pairs of whoever is left (an odd one out is idle). */
export function buildTopology(options: TopologyOptions): { type: 'direct' | 'group'; members: number[] }[] {
  const { users, groups, groupSize } = options;
  if (groups > 0 && (groupSize < 2 || groupSize > 1024))
    throw new Error('group size must be 2-1024 (docs/protocol.md)');
  if (groups * groupSize > users)
    throw new Error(`${groups} groups of ${groupSize} need ${groups * groupSize} users, have ${users}`);
  const chats: { type: 'direct' | 'group'; members: number[] }[] = [];
  let next = 0;
  for (let g = 0; g < groups; g++) {
    chats.push({ type: 'group', members: Array.from({ length: groupSize }, (_, i) => next + i) });
    next += groupSize;
  }
  for (; next + 1 < users; next += 2) chats.push({ type: 'direct', members: [next, next + 1] });
  return chats;
}

export interface TokenOptions {
  privateKeyPem: string;
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

/** The key id auth puts in its tokens: first 16 hex chars of SHA-256 over the SPKI DER. */
function keyIdOf(privateKeyPem: string): string {
  const spki = createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('hex').slice(0, 16);
}

/**
 * A population with ids made here and access tokens signed with the stack's key, as
 * auth would sign them. For the bench: registering 20,000 users through scrypt would
 * measure auth, not messaging. `applyPopulationSql` then writes the same users and
 * chats into the stack's database.
 */
export async function makePopulation(
  topology: TopologyOptions,
  tokens: TokenOptions,
  runId: string,
): Promise<Population> {
  const key = await importPKCS8(tokens.privateKeyPem, 'ES256');
  const kid = keyIdOf(tokens.privateKeyPem);
  const now = Math.floor(Date.now() / 1000);
  const users: PopulationUser[] = [];
  for (let i = 0; i < topology.users; i++) {
    const id = randomUUID();
    const username = `lg_${runId}_${i}`.slice(0, 32);
    const token = await new SignJWT({ username, sid: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .setSubject(id)
      .setIssuer(tokens.issuer)
      .setAudience(tokens.audience)
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + tokens.ttlSeconds)
      .sign(key);
    users.push({ id, username, token });
  }
  const chats = buildTopology(topology).map((c) => ({ ...c, id: randomUUID() }));
  return { users, chats };
}

export function readPrivateKey(file: string): string {
  return readFileSync(file, 'utf8');
}
