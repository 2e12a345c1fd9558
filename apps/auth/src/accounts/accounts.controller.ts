import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AccountsService } from './accounts.service';
import { LoginBody, RegisterBody, SessionView } from './accounts.dto';

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
  @ApiOkResponse({ type: SessionView })
  @ApiUnauthorizedResponse({ description: 'unauthorized: same answer for unknown user and wrong password' })
  login(@Body() body: LoginBody) {
    return this.accounts.login(body);
  }
}
