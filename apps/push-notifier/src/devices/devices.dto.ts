import { IsIn, IsString, IsUUID, ValidateBy, type ValidationOptions } from 'class-validator';
import type { DevicePlatform, DeviceRegisterRequest, DeviceRemoveRequest } from '@parley/contracts';

const DEVICE_PLATFORMS: readonly DevicePlatform[] = ['android', 'ios', 'web'];

/** Length in Unicode code points, as docs/protocol.md counts (and the column's CHECK). */
function CodePointLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'codePointLength',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && [...value].length >= min && [...value].length <= max,
        defaultMessage: (args) => `${args?.property ?? 'value'} must be ${min}-${max} characters`,
      },
    },
    options,
  );
}

export class DeviceRegisterPayload implements DeviceRegisterRequest {
  @IsUUID() userId: string;
  @IsString() @CodePointLength(1, 4096) token: string;
  @IsIn(DEVICE_PLATFORMS, { message: 'platform must be one of android, ios, web' }) platform: DevicePlatform;
}

export class DeviceRemovePayload implements DeviceRemoveRequest {
  @IsUUID() userId: string;
  @IsString() @CodePointLength(1, 4096) token: string;
}
