import { randomUUID } from 'node:crypto';
import type { User } from '@parley/contracts';
import { http } from './http-client';

export interface TestUser {
  user: User;
  token: string;
}

/** Registers a fresh user through auth's real HTTP API. */
export async function registerUser(authUrl: string, prefix = 'u'): Promise<TestUser> {
  const username = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`.toLowerCase();
  const res = await http<{ user: User; accessToken: string }>(authUrl, 'POST', '/v1/auth/register', {
    body: { username, password: 'password-123' },
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { user: res.body.user, token: res.body.accessToken };
}
