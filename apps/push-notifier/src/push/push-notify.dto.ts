import { ArrayMaxSize, IsArray, IsInt, IsString, IsUUID, Length, Min } from 'class-validator';
import { Limits, type PushNotify } from '@parley/contracts';

/** PushNotifyV1 as it must arrive; anything else is dropped (events have no reply). */
export class PushNotifyPayload implements PushNotify {
  @IsUUID() chatId: string;
  @IsString() @Length(1, 64) messageId: string;
  @IsInt() @Min(1) seq: number;
  @IsUUID() senderId: string;
  @IsArray() @ArrayMaxSize(Limits.groupMaxMembers) @IsUUID(undefined, { each: true }) recipientIds: string[];
  @IsString() createdAt: string;
}
