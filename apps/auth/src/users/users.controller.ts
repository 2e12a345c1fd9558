import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ParleyError, type User } from '@parley/contracts';
import { UsersRepository } from '@parley/auth/data-access-users';
import { AccessTokenGuard, CurrentUser, type AccessTokenClaims } from '@parley/shared/util-auth';
import { UserView } from '../accounts/accounts.dto';
import { toUser } from '../accounts/accounts.service';

const USERNAME = /^[a-z0-9_.]{3,32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(AccessTokenGuard)
@Controller('v1/users')
export class UsersController {
  constructor(private readonly users: UsersRepository) {}

  @Get('me')
  @ApiOkResponse({ type: UserView })
  async me(@CurrentUser() caller: AccessTokenClaims): Promise<User> {
    const row = await this.users.findById(caller.userId);
    if (!row) throw new ParleyError('unauthorized', 'user no longer exists');
    return toUser(row);
  }

  @Get('by-username/:username')
  @ApiOkResponse({ type: UserView })
  @ApiNotFoundResponse({ description: 'not_found' })
  async byUsername(@Param('username') username: string): Promise<User> {
    if (!USERNAME.test(username))
      throw new ParleyError('invalid', 'username must be 3-32 characters of a-z, 0-9, _ and .');
    const row = await this.users.findByUsername(username);
    if (!row) throw new ParleyError('not_found', 'no such user');
    return toUser(row);
  }

  /** Chats carry member ids only: clients resolve names here. */
  @Get(':userId')
  @ApiOkResponse({ type: UserView })
  @ApiNotFoundResponse({ description: 'not_found' })
  async byId(@Param('userId') userId: string): Promise<User> {
    if (!UUID.test(userId)) throw new ParleyError('invalid', 'userId must be a uuid');
    const row = await this.users.findById(userId.toLowerCase());
    if (!row) throw new ParleyError('not_found', 'no such user');
    return toUser(row);
  }
}
