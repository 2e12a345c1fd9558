import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AccessTokenGuard, CurrentUser, type AccessTokenClaims } from '@parley/shared/util-auth';
import { LogoutBody } from './sessions.dto';
import { SessionsService } from './sessions.service';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('v1/auth')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('logout')
  @HttpCode(204)
  @UseGuards(AccessTokenGuard)
  @ApiNoContentResponse({
    description: "the token's session is revoked: every gateway refuses it and closes its sockets",
  })
  @ApiUnauthorizedResponse({ description: 'unauthorized: missing, invalid, expired or already revoked token' })
  @ApiServiceUnavailableResponse({ description: 'unavailable: not recorded everywhere yet; retry' })
  async logout(@CurrentUser() caller: AccessTokenClaims, @Body() body: LogoutBody): Promise<void> {
    await this.sessions.logout(caller, body.everywhere ?? false);
  }
}
