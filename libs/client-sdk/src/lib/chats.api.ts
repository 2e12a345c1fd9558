import type { Chat, ChatSummary, HistoryPage, MemberRole, MessageReceipt } from '@parley/contracts/client';
import type { JsonHttp, PageQuery } from './http-client';

export type CreateChatInput =
  { type: 'direct'; memberIds: [string] } | { type: 'group'; title: string; memberIds: string[] };

export interface HistoryQuery {
  /** The page just below this seq. */
  before?: number;
  /** The page just above this seq. */
  after?: number;
  /** 1-100, default 50. */
  limit?: number;
}

/** The chat-gateway's HTTP API for chats (docs/protocol.md). */
export class ChatsApi {
  constructor(private readonly http: JsonHttp) {}

  create(input: CreateChatInput): Promise<Chat> {
    return this.http.request<Chat>('POST', '/v1/chats', input);
  }

  /** One page, most recent activity first; `nextCursor` fetches the next (null: the last page). */
  async listPage(page: PageQuery = {}): Promise<{ chats: ChatSummary[]; nextCursor: string | null }> {
    const { items, nextCursor } = await this.http.page<ChatSummary>('/v1/chats', page);
    return { chats: items, nextCursor };
  }

  get(chatId: string): Promise<Chat> {
    return this.http.request<Chat>('GET', `/v1/chats/${enc(chatId)}`);
  }

  addMembers(chatId: string, userIds: string[]): Promise<Chat> {
    return this.http.request<Chat>('POST', `/v1/chats/${enc(chatId)}/members`, { userIds });
  }

  /** An admin removes anyone; a member removes only themself (leave). */
  async removeMember(chatId: string, userId: string): Promise<void> {
    await this.http.request<void>('DELETE', `/v1/chats/${enc(chatId)}/members/${enc(userId)}`);
  }

  rename(chatId: string, title: string): Promise<Chat> {
    return this.http.request<Chat>('PATCH', `/v1/chats/${enc(chatId)}`, { title });
  }

  setRole(chatId: string, userId: string, role: MemberRole): Promise<Chat> {
    return this.http.request<Chat>('PATCH', `/v1/chats/${enc(chatId)}/members/${enc(userId)}`, { role });
  }

  setMuted(chatId: string, muted: boolean): Promise<{ chatId: string; muted: boolean }> {
    return this.http.request('PATCH', `/v1/chats/${enc(chatId)}/settings`, { muted });
  }

  history(chatId: string, query: HistoryQuery = {}): Promise<HistoryPage> {
    const params = new URLSearchParams();
    if (query.before !== undefined) params.set('before', String(query.before));
    if (query.after !== undefined) params.set('after', String(query.after));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    const qs = params.toString();
    return this.http.request<HistoryPage>('GET', `/v1/chats/${enc(chatId)}/messages${qs ? `?${qs}` : ''}`);
  }

  receipts(chatId: string, seq: number): Promise<MessageReceipt[]> {
    return this.http.request<MessageReceipt[]>('GET', `/v1/chats/${enc(chatId)}/messages/${seq}/receipts`);
  }
}

const enc = encodeURIComponent;
