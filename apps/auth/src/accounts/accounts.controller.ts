import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { AccountsService } from './accounts.service';
import { LoginBody, RegisterBody, SessionView } from './accounts.dto';
import { ClientRateLimit, ClientRateLimitGuard } from './client-rate-limit.guard';

@ApiTags('auth')
@Controller('v1/auth')
@UseGuards(ClientRateLimitGuard)
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post('register')
  @ClientRateLimit('register')
  @ApiCreatedResponse({ type: SessionView })
  @ApiConflictResponse({ description: 'conflict: username taken' })
  @ApiTooManyRequestsResponse({
    description: 'rate_limited: too many registrations from this address (Retry-After says when to retry)',
  })
  register(@Body() body: RegisterBody) {
    return this.accounts.register(body);
  }

  @Post('login')
  @HttpCode(200)
  @ClientRateLimit('login')
  @ApiOkResponse({ type: SessionView })
  @ApiTooManyRequestsResponse({
    description: 'rate_limited: too many attempts for this username from this address (Retry-After says when to retry)',
  })
  @ApiUnauthorizedResponse({ description: 'unauthorized: same answer for unknown user and wrong password' })
  login(@Body() body: LoginBody) {
    return this.accounts.login(body);
  }
}
