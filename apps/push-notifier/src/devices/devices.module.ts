import { Module } from '@nestjs/common';
import { DevicesRepository } from '@parley/push-notifier/data-access-devices';
import { PgDatabase } from '@parley/shared/data-access-postgres';
import { DevicesHandler } from './devices.handler';

/** Push tokens: device.register.v1 / device.remove.v1, and the repository the push path reads them from. */
@Module({
  controllers: [DevicesHandler],
  providers: [
    { provide: DevicesRepository, inject: [PgDatabase], useFactory: (db: PgDatabase) => new DevicesRepository(db) },
  ],
  exports: [DevicesRepository],
})
export class DevicesModule {}
