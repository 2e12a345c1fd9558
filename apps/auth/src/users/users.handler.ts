import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { UsersExistV1, type UsersExistReply, type UsersExistRequest } from '@parley/contracts';
import { UsersRepository } from '@parley/auth/data-access-users';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** NATS side of users: other services check ids here instead of reading our table. */
@Controller()
export class UsersHandler {
  constructor(private readonly users: UsersRepository) {}

  @MessagePattern(UsersExistV1.subject)
  async exist(req: UsersExistRequest): Promise<UsersExistReply> {
    const ids = [...new Set(Array.isArray(req?.userIds) ? req.userIds : [])];
    const wellFormed = ids.filter((id) => typeof id === 'string' && UUID.test(id));
    const found = new Set(await this.users.existingIds(wellFormed));
    return { missing: ids.filter((id) => !found.has(id)) };
  }
}
