import type { DevicePlatform } from '@parley/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A push token of one user's device. A token belongs to at most one user: the latest to register it. */
@Entity({ name: 'devices' })
export class DeviceEntity {
  @PrimaryColumn({ type: 'text' })
  token: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  platform: DevicePlatform;

  /** The latest registration of the token (docs/protocol.md: `createdAt` of POST /v1/devices). */
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
