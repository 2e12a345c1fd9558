import { Controller, UseInterceptors } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ChatCreateV1,
  ChatGetV1,
  ChatListV1,
  ChatMemberRemoveV1,
  ChatMemberRoleV1,
  ChatMembersAddV1,
  ChatMembersV1,
  ChatSettingsV1,
  ChatUpdateV1,
  SharesChatV1,
  UserCursorsV1,
  type Chat,
  type ChatCreateReply,
  type ChatCreateRequest,
  type ChatGetRequest,
  type ChatListReply,
  type ChatListRequest,
  type ChatMemberRemoveReply,
  type ChatMemberRemoveRequest,
  type ChatMemberRoleRequest,
  type ChatMembersAddReply,
  type ChatMembersAddRequest,
  type ChatMembersReply,
  type ChatMembersRequest,
  type ChatSettingsReply,
  type ChatSettingsRequest,
  type ChatUpdateRequest,
  type SharesChatReply,
  type SharesChatRequest,
  type UserCursorsReply,
  type UserCursorsRequest,
} from '@parley/contracts';
import { StoreErrorsInterceptor } from '../common/store-errors.interceptor';
import { ChatsService } from './chats.service';

@Controller()
@UseInterceptors(StoreErrorsInterceptor)
export class ChatsHandler {
  constructor(private readonly chats: ChatsService) {}

  @MessagePattern(ChatCreateV1.subject)
  create(@Payload() req: ChatCreateRequest): Promise<ChatCreateReply> {
    return this.chats.create(req);
  }

  @MessagePattern(ChatGetV1.subject)
  get(@Payload() req: ChatGetRequest): Promise<Chat> {
    return this.chats.get(req);
  }

  @MessagePattern(ChatListV1.subject)
  list(@Payload() req: ChatListRequest): Promise<ChatListReply> {
    return this.chats.list(req);
  }

  @MessagePattern(ChatMembersAddV1.subject)
  addMembers(@Payload() req: ChatMembersAddRequest): Promise<ChatMembersAddReply> {
    return this.chats.addMembers(req);
  }

  @MessagePattern(ChatMemberRemoveV1.subject)
  removeMember(@Payload() req: ChatMemberRemoveRequest): Promise<ChatMemberRemoveReply> {
    return this.chats.removeMember(req);
  }

  @MessagePattern(ChatUpdateV1.subject)
  update(@Payload() req: ChatUpdateRequest): Promise<Chat> {
    return this.chats.update(req);
  }

  @MessagePattern(ChatMemberRoleV1.subject)
  setRole(@Payload() req: ChatMemberRoleRequest): Promise<Chat> {
    return this.chats.setRole(req);
  }

  @MessagePattern(ChatSettingsV1.subject)
  settings(@Payload() req: ChatSettingsRequest): Promise<ChatSettingsReply> {
    return this.chats.settings(req);
  }

  @MessagePattern(ChatMembersV1.subject)
  members(@Payload() req: ChatMembersRequest): Promise<ChatMembersReply> {
    return this.chats.members(req);
  }

  @MessagePattern(UserCursorsV1.subject)
  cursors(@Payload() req: UserCursorsRequest): Promise<UserCursorsReply> {
    return this.chats.cursors(req);
  }

  @MessagePattern(SharesChatV1.subject)
  sharesChat(@Payload() req: SharesChatRequest): Promise<SharesChatReply> {
    return this.chats.sharesChat(req);
  }
}
