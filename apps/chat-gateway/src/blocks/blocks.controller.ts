import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Block } from '@parley/contracts';
import { AccessTokenGuard, CurrentUser, type AccessTokenClaims } from '@parley/shared/util-auth';
import type { Response } from 'express';
import { UuidParam } from '../chats/chats.controller';
import { BlockListQuery, CreateBlockBody } from './blocks.dto';
import { BlocksService } from './blocks.service';

@ApiTags('blocks')
@ApiBearerAuth()
@UseGuards(AccessTokenGuard)
@Controller('v1/blocks')
export class BlocksController {
  constructor(private readonly blocks: BlocksService) {}

  @Post()
  @ApiOperation({
    summary: 'Block a user: no direct chat, messages, typing or presence between you (groups unaffected)',
  })
  @ApiCreatedResponse({ description: '{userId, createdAt}; 200 with the same when the block existed already' })
  @ApiBadRequestResponse({ description: 'invalid: not a uuid, or yourself' })
  @ApiNotFoundResponse({ description: 'not_found: no such user' })
  async create(
    @CurrentUser() caller: AccessTokenClaims,
    @Body() body: CreateBlockBody,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Block> {
    const { block, created } = await this.blocks.block(caller.userId, body.userId.toLowerCase());
    res.status(created ? 201 : 200);
    return block;
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'unblocked (also when there was no block)' })
  async remove(
    @CurrentUser() caller: AccessTokenClaims,
    @Param('userId', new UuidParam('userId')) userId: string,
  ): Promise<void> {
    await this.blocks.unblock(caller.userId, userId);
  }

  @Get()
  @ApiOperation({
    summary: 'The users you block, a page at a time; the Next-Cursor header, when present, fetches the next (?cursor=)',
  })
  @ApiOkResponse({ description: '[{userId, createdAt}] ordered by userId; at most `limit` (default 100, max 500)' })
  async list(
    @CurrentUser() caller: AccessTokenClaims,
    @Query() query: BlockListQuery,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Block[]> {
    const { blocks, nextCursor } = await this.blocks.list(caller.userId, query);
    if (nextCursor) res.setHeader('Next-Cursor', nextCursor);
    return blocks;
  }
}
