import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ChatListLimits, CodePointLength, Limits } from '@parley/contracts';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  IsUUID,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';

export class CreateChatBody {
  @ApiProperty({ enum: ['direct', 'group'] })
  @IsIn(['direct', 'group'])
  type: 'direct' | 'group';

  @ApiPropertyOptional({ description: 'groups: 1-100 characters, required' })
  @ValidateIf((o: CreateChatBody) => o.type === 'group' || o.title !== undefined)
  @IsString()
  @CodePointLength(1, Limits.titleMaxCodePoints, { message: 'title must be 1-100 characters' })
  title?: string;

  @ApiProperty({ type: [String], description: 'direct: exactly one other user; group: up to 1023 others' })
  @IsArray()
  @ArrayMaxSize(Limits.groupMaxMembers)
  @IsUUID('all', { each: true, message: 'memberIds must be user ids (uuid)' })
  memberIds: string[];
}

export class AddMembersBody {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(Limits.groupMaxMembers)
  @IsUUID('all', { each: true, message: 'userIds must be user ids (uuid)' })
  userIds: string[];
}

export class UpdateChatBody {
  @ApiProperty()
  @IsString()
  @CodePointLength(1, Limits.titleMaxCodePoints, { message: 'title must be 1-100 characters' })
  title: string;
}

export class UpdateRoleBody {
  @ApiProperty({ enum: ['admin', 'member'] })
  @IsIn(['admin', 'member'])
  role: 'admin' | 'member';
}

export class ChatSettingsBody {
  @ApiProperty({ description: 'muted chats send no push notifications to the caller' })
  @IsBoolean()
  muted: boolean;
}

export class ChatListQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: ChatListLimits.maxLimit, default: ChatListLimits.defaultLimit })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(ChatListLimits.maxLimit)
  limit?: number;

  @ApiPropertyOptional({ description: 'the Next-Cursor header of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(96)
  cursor?: string;
}

export class HistoryQuery {
  @ApiPropertyOptional({ minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'before must be an integer' })
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  before?: number;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'after must be an integer' })
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  after?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(Limits.historyMaxLimit)
  limit?: number;
}

export class RegisterDeviceBody {
  @ApiProperty({ description: 'FCM registration token' })
  @IsString()
  @CodePointLength(1, 4096, { message: 'token must be 1-4096 characters' })
  token: string;

  @ApiProperty({ enum: ['android', 'ios', 'web'] })
  @IsIn(['android', 'ios', 'web'])
  platform: 'android' | 'ios' | 'web';
}
