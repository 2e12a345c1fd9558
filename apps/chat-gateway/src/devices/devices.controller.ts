import { Body, Controller, Delete, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { DeviceRegisterV1, DeviceRemoveV1, ParleyError, type Device } from '@parley/contracts';
import { AccessTokenGuard, CurrentUser, type AccessTokenClaims } from '@parley/shared/util-auth';
import { NatsBus } from '@parley/shared/util-nats';
import { RegisterDeviceBody } from '../chats/chats.dto';

@ApiTags('devices')
@ApiBearerAuth()
@UseGuards(AccessTokenGuard)
@Controller('v1/devices')
export class DevicesController {
  constructor(private readonly bus: NatsBus) {}

  @Post()
  @ApiCreatedResponse({
    description: '{token, platform, createdAt}; a token moves to the latest user that registers it',
  })
  register(@CurrentUser() caller: AccessTokenClaims, @Body() body: RegisterDeviceBody): Promise<Device> {
    return this.bus.request(DeviceRegisterV1, { userId: caller.userId, token: body.token, platform: body.platform });
  }

  @Delete(':token')
  @HttpCode(204)
  @ApiNoContentResponse({ description: "removes only the caller's own token; anything else changes nothing" })
  async remove(@CurrentUser() caller: AccessTokenClaims, @Param('token') token: string): Promise<void> {
    if (token.length === 0 || token.length > 4096) throw new ParleyError('invalid', 'token must be 1-4096 characters');
    await this.bus.request(DeviceRemoveV1, { userId: caller.userId, token });
  }
}
