import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsString,
  IsUUID,
  Length,
  IsOptional,
  Max,
  Min,
  ValidateIf,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import { Limits } from '../lib/models';
import type {
  DeleteMessageInput,
  EditMessageInput,
  PresenceSubscribeInput,
  ReactMessageInput,
  ReceiptInput,
  SendMessageInput,
  TypingInput,
} from './events';

/** Lengths count Unicode code points (docs/protocol.md), not UTF-16 units. */
export function codePointLength(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

export function CodePointLength(min: number, max: number, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'codePointLength',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be ${min}-${max} characters`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return false;
          const n = codePointLength(value);
          return n >= min && n <= max;
        },
      },
    });
}

const MAX_SEQ = Number.MAX_SAFE_INTEGER;

export class SendMessagePayload implements SendMessageInput {
  @IsUUID()
  chatId: string;

  @IsString()
  @Length(1, Limits.clientMsgIdMaxLength)
  clientMsgId: string;

  @IsString()
  @CodePointLength(1, Limits.bodyMaxCodePoints)
  body: string;

  /** Absent or null: not a reply. A numeric string is `invalid` (no conversion). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  replyToSeq?: number | null;
}

/** `message:delete`, and the target of edits and reactions. */
export class DeleteMessagePayload implements DeleteMessageInput {
  @IsUUID()
  chatId: string;

  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  seq: number;
}

export class EditMessagePayload extends DeleteMessagePayload implements EditMessageInput {
  @IsString()
  @CodePointLength(1, Limits.bodyMaxCodePoints)
  body: string;
}

export class ReactMessagePayload extends DeleteMessagePayload implements ReactMessageInput {
  /** null removes the caller's reaction; missing is `invalid`. */
  @ValidateIf((o: { emoji?: unknown }) => o.emoji !== null)
  @IsString()
  @CodePointLength(1, Limits.emojiMaxCodePoints)
  emoji: string | null;
}

export class ReceiptPayload implements ReceiptInput {
  @IsUUID()
  chatId: string;

  @IsInt()
  @Min(1)
  @Max(MAX_SEQ)
  upToSeq: number;
}

export class TypingPayload implements TypingInput {
  @IsUUID()
  chatId: string;

  @IsBoolean()
  isTyping: boolean;
}

export class PresenceSubscribePayload implements PresenceSubscribeInput {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(Limits.groupMaxMembers)
  @IsUUID('all', { each: true })
  userIds: string[];
}
