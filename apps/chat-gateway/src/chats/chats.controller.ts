import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
  UseGuards,
  type PipeTransform,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ParleyError } from '@parley/contracts';
import { AccessTokenGuard, CurrentUser, type AccessTokenClaims } from '@parley/shared/util-auth';
import type { Response } from 'express';
import {
  AddMembersBody,
  ChatListQuery,
  ChatSettingsBody,
  CreateChatBody,
  HistoryQuery,
  UpdateChatBody,
  UpdateRoleBody,
} from './chats.dto';
import { GatewayLimits } from '../security/gateway-limits';
import { ChatsService } from './chats.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Path ids: a malformed one is `invalid`, not a 404 or a 500. */
export class UuidParam implements PipeTransform<string, string> {
  constructor(private readonly name: string) {}
  transform(value: string): string {
    if (!UUID.test(value)) throw new ParleyError('invalid', `${this.name} must be a uuid`);
    return value.toLowerCase();
  }
}

class SeqParam implements PipeTransform<string, number> {
  transform(value: string): number {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
      throw new ParleyError('invalid', 'seq must be an integer >= 1');
    return n;
  }
}

@ApiTags('chats')
@ApiBearerAuth()
@UseGuards(AccessTokenGuard)
@Controller('v1/chats')
export class ChatsController {
  constructor(
    private readonly chats: ChatsService,
    private readonly limits: GatewayLimits,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a direct chat (idempotent per pair: 200 with the existing one) or a group' })
  @ApiCreatedResponse({ description: 'Chat' })
  async create(
    @CurrentUser() caller: AccessTokenClaims,
    @Body() body: CreateChatBody,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { chat, created } = await this.chats.create(caller.userId, body);
    res.status(created ? 201 : 200);
    return chat;
  }

  @Get()
  @ApiOperation({
    summary: "A page of the caller's chats; the Next-Cursor header, when present, fetches the next (?cursor=)",
  })
  @ApiOkResponse({
    description:
      '[Chat & {memberCount, lastMessage, unreadCount, muted}], most recent activity first; members: the first 32',
  })
  async list(
    @CurrentUser() caller: AccessTokenClaims,
    @Query() query: ChatListQuery,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { chats, nextCursor } = await this.chats.list(caller.userId, query);
    if (nextCursor) res.setHeader('Next-Cursor', nextCursor);
    return chats;
  }

  @Get(':chatId')
  @ApiForbiddenResponse({ description: 'forbidden: not a member' })
  @ApiNotFoundResponse({ description: 'not_found: no such chat' })
  get(@CurrentUser() caller: AccessTokenClaims, @Param('chatId', new UuidParam('chatId')) chatId: string) {
    return this.chats.get(caller.userId, chatId);
  }

  @Patch(':chatId')
  @ApiOperation({ summary: 'Rename a group (admins only)' })
  rename(
    @CurrentUser() caller: AccessTokenClaims,
    @Param('chatId', new UuidParam('chatId')) chatId: string,
    @Body() body: UpdateChatBody,
  ) {
    return this.chats.rename(caller.userId, chatId, body.title);
  }

  @Patch(':chatId/settings')
  @ApiOperation({ summary: "The caller's own settings of a chat: muted chats send the caller no push" })
  settings(
    @CurrentUser() caller: AccessTokenClaims,
    @Param('chatId', new UuidParam('chatId')) chatId: string,
    @Body() body: ChatSettingsBody,
  ) {
    return this.chats.settings(caller.userId, chatId, body.muted);
  }

  @Post(':chatId/members')
  @HttpCode(200)
  @ApiOperation({ summary: 'Add members to a group (admins only)' })
  addMembers(
    @CurrentUser() caller: AccessTokenClaims,
    @Param('chatId', new UuidParam('chatId')) chatId: string,
    @Body() body: AddMembersBody,
  ) {
    return this.chats.addMembers(caller.userId, chatId, body.userIds);
  }

  @Delete(':chatId/members/:userId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'an admin removes anyone; a member removes only themself (leave)' })
  async removeMember(
    @CurrentUser() caller: AccessTokenClaims,
    @Param('chatId', new UuidParam('chatId')) chatId: string,
    @Param('userId', new UuidParam('userId')) userId: string,
  ) {
    await this.chats.removeMember(caller.userId, chatId, userId);
  }

  @Patch(':chatId/members/:userId')
  @ApiOperation({ summary: "Change a member's role (admins only)" })
  setRole(
    @CurrentUser() caller: AccessTokenClaims,
    @Param('chatId', new UuidParam('chatId')) chatId: string,
    @Param('userId', new UuidParam('userId')) userId: string,
    @Body() body: UpdateRoleBody,
  ) {
    return this.chats.setRole(caller.userId, chatId, userId, body.role);
  }

  @Get(':chatId/messages')
  @ApiOkResponse({ description: '{messages: Message[], hasMore}, ascending by seq' })
  history(
    @CurrentUser() caller: AccessTokenClaims,
    @Param('chatId', new UuidParam('chatId')) chatId: string,
    @Query() query: HistoryQuery,
  ) {
    // At most HISTORY_READS_PER_USER at once per user here; the rest wait (GatewayLimits).
    return this.limits.readHistory(caller.userId, () => this.chats.history(caller.userId, chatId, query));
  }

  @Get(':chatId/messages/:seq/receipts')
  @ApiOkResponse({ description: '[{userId, deliveredAt, readAt}] for every member but the sender' })
  receipts(
    @CurrentUser() caller: AccessTokenClaims,
    @Param('chatId', new UuidParam('chatId')) chatId: string,
    @Param('seq', new SeqParam()) seq: number,
  ) {
    return this.chats.receipts(caller.userId, chatId, seq);
  }
}
