import type { ErrorCode } from '@parley/contracts/client';
import { isErrorBody, ParleyClientError } from './errors';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface JsonHttpOptions {
  /** Defaults to the global fetch (browsers, Node 18+). */
  fetch?: FetchLike;
  timeoutMs?: number;
  /** Called with every 401 on an authenticated call (expired or revoked token). */
  onUnauthorized?: () => void;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  429: 'rate_limited',
  503: 'unavailable',
};

export interface PageQuery {
  limit?: number;
  cursor?: string;
}

/** `nextCursor` fetches the next page; null: this is the last. */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** Every item of a cursor-paged list, fetched page after page from the first. */
export async function everyPage<T>(fetchPage: (cursor: string | undefined) => Promise<CursorPage<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** JSON over fetch with docs/protocol.md's error shape turned into ParleyClientError. */
export class JsonHttp {
  private readonly fetchImpl: FetchLike;

  constructor(
    readonly baseUrl: string,
    private readonly token: () => string | null,
    private readonly options: JsonHttpOptions = {},
  ) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  async request<T>(method: string, path: string, body?: unknown, opts: { auth?: boolean } = {}): Promise<T> {
    return (await this.exchange<T>(method, path, body, opts)).body;
  }

  /** One page of a cursor-paged list: `limit` and `cursor` in the query, the next cursor from Next-Cursor. */
  async page<T>(path: string, page: PageQuery = {}): Promise<CursorPage<T>> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.cursor !== undefined) query.set('cursor', page.cursor);
    const qs = query.toString();
    const { body, headers } = await this.exchange<T[]>('GET', `${path}${qs ? `?${qs}` : ''}`);
    return { items: body, nextCursor: headers.get('next-cursor') };
  }

  /** As request, with the answer's headers (e.g. Next-Cursor of a paged list). */
  async exchange<T>(
    method: string,
    path: string,
    body?: unknown,
    opts: { auth?: boolean } = {},
  ): Promise<{ body: T; headers: Headers }> {
    const auth = opts.auth ?? true;
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.token();
    if (auth) {
      if (!token) throw new ParleyClientError('unauthorized', 'not logged in');
      headers['authorization'] = `Bearer ${token}`;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 15_000);
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
      });
    } catch (err) {
      if (controller.signal.aborted) throw new ParleyClientError('timeout', `${method} ${path} timed out`);
      throw new ParleyClientError('network', `${method} ${path}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
    const text = await res.text().catch(() => '');
    const parsed = parseJson(text);
    if (res.ok) return { body: parsed as T, headers: res.headers };
    if (res.status === 401 && auth) this.options.onUnauthorized?.();
    const error = typeof parsed === 'object' && parsed !== null ? (parsed as { error?: unknown }).error : undefined;
    if (isErrorBody(error)) throw new ParleyClientError(error.code, error.message, res.status);
    throw new ParleyClientError(
      CODE_BY_STATUS[res.status] ?? (res.status >= 500 ? 'unavailable' : 'invalid'),
      `${method} ${path}: HTTP ${res.status}`,
      res.status,
    );
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
