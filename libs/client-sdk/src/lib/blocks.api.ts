import type { Block } from '@parley/contracts/client';
import type { JsonHttp, PageQuery } from './http-client';

/** The chat-gateway's HTTP API for blocking users (docs/protocol.md, "Blocking"). */
export class BlocksApi {
  constructor(private readonly http: JsonHttp) {}

  /** The block, new (201) or as it was (200). */
  block(userId: string): Promise<Block> {
    return this.http.request<Block>('POST', '/v1/blocks', { userId });
  }

  /** Succeeds also when there was no block. */
  async unblock(userId: string): Promise<void> {
    await this.http.request<void>('DELETE', `/v1/blocks/${encodeURIComponent(userId)}`);
  }

  /** One page by user id; `nextCursor` fetches the next (null: the last page). */
  async listPage(page: PageQuery = {}): Promise<{ blocks: Block[]; nextCursor: string | null }> {
    const { items, nextCursor } = await this.http.page<Block>('/v1/blocks', page);
    return { blocks: items, nextCursor };
  }
}
