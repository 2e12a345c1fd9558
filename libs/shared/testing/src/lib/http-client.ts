import { countAnswer } from './answer-tally';

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A tiny JSON client over real HTTP (Node's fetch). */
export async function http<T = unknown>(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${baseUrl}${path}`, { method, headers, body });
    text = await res.text();
  } catch (err) {
    countAnswer('network_error');
    throw err;
  }
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  countAnswer(
    res.status < 400
      ? 'ok'
      : ((parsed as { error?: { code?: string } } | undefined)?.error?.code ?? `http_${res.status}`),
  );
  return { status: res.status, body: parsed as T, headers: res.headers };
}
