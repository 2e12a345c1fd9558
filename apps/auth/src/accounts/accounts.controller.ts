import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AccountsService } from './accounts.service';
import { LoginBody, RegisterBody, SessionView } from './accounts.dto';
import { LoginThrottlerGuard } from './login-throttler.guard';

@ApiTags('auth')
@Controller('v1/auth')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post('register')
  @ApiCreatedResponse({ type: SessionView })
  @ApiConflictResponse({ description: 'conflict: username taken' })
  register(@Body() body: RegisterBody) {
    return this.accounts.register(body);
  }

  @Post('login')
  @HttpCode(200)
  @UseGuards(LoginThrottlerGuard)
  @ApiOkResponse({ type: SessionView })
  @ApiTooManyRequestsResponse({ description: 'rate_limited: too many attempts for this username from this address' })
  @ApiUnauthorizedResponse({ description: 'unauthorized: same answer for unknown user and wrong password' })
  login(@Body() body: LoginBody) {
    return this.accounts.login(body);
  }
}
