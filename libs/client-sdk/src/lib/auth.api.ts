import type { User } from '@parley/contracts/client';
import type { JsonHttp } from './http-client';

export interface Session {
  user: User;
  accessToken: string;
}

/** The auth service's HTTP API (docs/protocol.md). */
export class AuthApi {
  constructor(private readonly http: JsonHttp) {}

  register(input: { username: string; password: string; displayName?: string }): Promise<Session> {
    return this.http.request<Session>('POST', '/v1/auth/register', input, { auth: false });
  }

  login(input: { username: string; password: string }): Promise<Session> {
    return this.http.request<Session>('POST', '/v1/auth/login', input, { auth: false });
  }

  me(): Promise<User> {
    return this.http.request<User>('GET', '/v1/users/me');
  }

  /**
   * A user by id. Needs auth's `GET /v1/users/:userId` (a Parley addition to the v1 contract,
   * which only looks users up by username); where it is missing this fails with not_found.
   */
  byId(userId: string): Promise<User> {
    return this.http.request<User>('GET', `/v1/users/${encodeURIComponent(userId)}`);
  }

  byUsername(username: string): Promise<User> {
    return this.http.request<User>('GET', `/v1/users/by-username/${encodeURIComponent(username)}`);
  }
}
