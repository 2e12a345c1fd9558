import { ParleyClientError } from './errors';
import { everyPage, JsonHttp, type FetchLike } from './http-client';

function fakeFetch(status: number, body: string): { fetch: FetchLike; calls: { url: string; init: RequestInit }[] } {
  const calls: { url: string; init: RequestInit }[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      return new Response(status === 204 ? null : body, { status });
    },
  };
}

describe('JsonHttp', () => {
  it('sends JSON with the bearer token and parses the answer', async () => {
    const f = fakeFetch(200, '{"id":"x"}');
    const http = new JsonHttp('http://gw', () => 'tok', { fetch: f.fetch });
    expect(await http.request('POST', '/v1/chats', { a: 1 })).toEqual({ id: 'x' });
    const headers = f.calls[0].init.headers as Record<string, string>;
    expect(f.calls[0].url).toBe('http://gw/v1/chats');
    expect(headers['authorization']).toBe('Bearer tok');
    expect(headers['content-type']).toBe('application/json');
    expect(f.calls[0].init.body).toBe('{"a":1}');
  });

  it('turns docs/protocol.md error bodies into ParleyClientError with code and status', async () => {
    const f = fakeFetch(409, '{"error":{"code":"conflict","message":"username taken"}}');
    const http = new JsonHttp('http://auth', () => null, { fetch: f.fetch });
    const err = await http.request('POST', '/v1/auth/register', {}, { auth: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParleyClientError);
    expect(err).toMatchObject({ code: 'conflict', message: 'username taken', status: 409 });
  });

  it('maps bare statuses, reports 401 and refuses authenticated calls without a token', async () => {
    let unauthorized = 0;
    const http = new JsonHttp('http://gw', () => 't', {
      fetch: fakeFetch(401, 'nope').fetch,
      onUnauthorized: () => unauthorized++,
    });
    await expect(http.request('GET', '/v1/chats')).rejects.toMatchObject({ code: 'unauthorized', status: 401 });
    expect(unauthorized).toBe(1);
    const gw = new JsonHttp('http://gw', () => 't', { fetch: fakeFetch(502, '').fetch });
    await expect(gw.request('GET', '/x')).rejects.toMatchObject({ code: 'unavailable', retryable: true });
    const anon = new JsonHttp('http://gw', () => null, { fetch: fakeFetch(200, '{}').fetch });
    await expect(anon.request('GET', '/v1/chats')).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('a network failure is `network` and retryable; 204 is undefined', async () => {
    const down = new JsonHttp('http://gw', () => 't', {
      fetch: async () => Promise.reject(new TypeError('fetch failed')),
    });
    await expect(down.request('GET', '/x')).rejects.toMatchObject({ code: 'network', retryable: true });
    const ok = new JsonHttp('http://gw', () => 't', { fetch: fakeFetch(204, '').fetch });
    expect(await ok.request('DELETE', '/x')).toBeUndefined();
  });

  it('reads a cursor page: limit and cursor in the query, the next cursor from Next-Cursor', async () => {
    const calls: string[] = [];
    const http = new JsonHttp('http://gw', () => 't', {
      fetch: async (url) => {
        calls.push(url);
        return new Response('[{"id":"a"}]', {
          status: 200,
          headers: url.includes('cursor') ? {} : { 'Next-Cursor': 'n1' },
        });
      },
    });
    expect(await http.page('/v1/chats', { limit: 1 })).toEqual({ items: [{ id: 'a' }], nextCursor: 'n1' });
    expect(await http.page('/v1/chats', { cursor: 'n1' })).toEqual({ items: [{ id: 'a' }], nextCursor: null });
    await http.page('/v1/blocks');
    expect(calls).toEqual(['http://gw/v1/chats?limit=1', 'http://gw/v1/chats?cursor=n1', 'http://gw/v1/blocks']);
  });

  it('collects every page, following nextCursor until it is null', async () => {
    const pages: Record<string, { items: number[]; nextCursor: string | null }> = {
      first: { items: [1, 2], nextCursor: 'p2' },
      p2: { items: [3], nextCursor: null },
    };
    const asked: (string | undefined)[] = [];
    const all = await everyPage(async (cursor) => {
      asked.push(cursor);
      return pages[cursor ?? 'first'];
    });
    expect(all).toEqual([1, 2, 3]);
    expect(asked).toEqual([undefined, 'p2']);
  });
});
