import { Module } from '@nestjs/common';
import { DevicesController } from './devices.controller';

/** Push devices over HTTP (registered with push-notifier). */
@Module({ controllers: [DevicesController] })
export class DevicesModule {}
