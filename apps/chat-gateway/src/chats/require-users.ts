import { ParleyError, UsersExistV1 } from '@parley/contracts';
import type { NatsBus } from '@parley/shared/util-nats';

/** `not_found` unless every id names a user (auth owns users: user.exists.v1). */
export async function requireUsers(bus: NatsBus, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  const { missing } = await bus.request(UsersExistV1, { userIds });
  if (missing.length > 0) throw new ParleyError('not_found', `no such user: ${missing.slice(0, 5).join(', ')}`);
}
