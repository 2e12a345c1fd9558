import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ParleyError, type User } from '@parley/contracts';
import { UsernameTakenError, UsersRepository, type UserRecord } from '@parley/auth/data-access-users';
import { AccessTokenSigner } from '@parley/shared/util-auth';
import { SessionsService } from '../sessions/sessions.service';
import { PasswordHasher } from './password-hasher';

export function toUser(row: UserRecord): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.displayName,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

@Injectable()
export class AccountsService {
  private readonly logger = new Logger(AccountsService.name);
  /** Hash compared when the user is unknown, so both failures cost the same time. */
  private decoyHash: Promise<string>;

  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly signer: AccessTokenSigner,
    private readonly sessions: SessionsService,
  ) {
    this.decoyHash = hasher.hash(randomUUID());
  }

  async register(input: { username: string; password: string; displayName?: string }) {
    const passwordHash = await this.hasher.hash(input.password);
    try {
      const row = await this.users.create({
        username: input.username,
        displayName: input.displayName ?? input.username,
        passwordHash,
      });
      return this.session(row);
    } catch (err) {
      if (err instanceof UsernameTakenError) throw new ParleyError('conflict', 'username is taken');
      throw err;
    }
  }

  async login(input: { username: string; password: string }) {
    const row = await this.users.findByUsername(input.username);
    const ok = await this.hasher.verify(input.password, row?.passwordHash ?? (await this.decoyHash));
    if (!row || !ok) throw new ParleyError('unauthorized', 'wrong username or password');
    if (this.hasher.needsRehash(row.passwordHash)) await this.rehash(row, input.password);
    return this.session(row);
  }

  /** The password is known right now: store it at today's cost. A failure only delays that. */
  private async rehash(row: UserRecord, password: string): Promise<void> {
    try {
      await this.users.replacePasswordHash(row.id, row.passwordHash, await this.hasher.hash(password));
    } catch (err) {
      this.logger.warn({ userId: row.id, err }, 'password rehash failed; retried at the next login');
    }
  }

  /** A login session of its own for every token, so that it can be revoked alone. */
  private async session(row: UserRecord) {
    const sessionId = await this.sessions.open(row.id);
    const accessToken = await this.signer.sign({ userId: row.id, username: row.username, sessionId });
    return { user: toUser(row), accessToken };
  }
}
