import { Controller } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import {
  DeviceRegisterV1,
  DeviceRemoveV1,
  type Device,
  type DeviceRegisterRequest,
  type DeviceRemoveReply,
  type DeviceRemoveRequest,
} from '@parley/contracts';
import { DevicesRepository } from '@parley/push-notifier/data-access-devices';
import { validatePayload } from '@parley/shared/util-service';
import { DeviceRegisterPayload, DeviceRemovePayload } from './devices.dto';

/** NATS side of devices: the gateway forwards POST/DELETE /v1/devices here for the authenticated user. */
@Controller()
export class DevicesHandler {
  constructor(private readonly devices: DevicesRepository) {}

  /** Upsert: answers the device every time; a token moves to the latest user that registers it. */
  @MessagePattern(DeviceRegisterV1.subject)
  async register(request: DeviceRegisterRequest): Promise<Device> {
    const req = await validatePayload(DeviceRegisterPayload, request);
    const row = await this.devices.register(req);
    return { token: row.token, platform: row.platform, createdAt: new Date(row.createdAt).toISOString() };
  }

  /** Removes only the caller's own token; anything else changes nothing (removed=false). */
  @MessagePattern(DeviceRemoveV1.subject)
  async remove(request: DeviceRemoveRequest): Promise<DeviceRemoveReply> {
    const req = await validatePayload(DeviceRemovePayload, request);
    return { removed: await this.devices.remove(req.userId, req.token) };
  }
}
