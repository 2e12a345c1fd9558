export interface WebConfig {
  authUrl: string;
  gatewayUrl: string;
}

/** Same origin, behind tools/dev/serve-web.cjs (or the Vite dev server): no CORS needed. */
const DEFAULT_CONFIG: WebConfig = { authUrl: './auth', gatewayUrl: './gw' };

/**
 * Runtime configuration, later wins: defaults, then /config.json next to index.html, then
 * the query parameters `auth` and `gateway`. Relative URLs resolve against the page.
 */
export function resolveConfig(pageUrl: string, fileConfig: Partial<WebConfig> | null): WebConfig {
  const page = new URL(pageUrl);
  const cfg = { ...DEFAULT_CONFIG, ...pickStrings(fileConfig) };
  const auth = page.searchParams.get('auth');
  const gateway = page.searchParams.get('gateway');
  if (auth) cfg.authUrl = auth;
  if (gateway) cfg.gatewayUrl = gateway;
  return { authUrl: absolute(cfg.authUrl, page), gatewayUrl: absolute(cfg.gatewayUrl, page) };
}

export async function loadConfig(pageUrl: string): Promise<WebConfig> {
  let file: Partial<WebConfig> | null = null;
  try {
    const res = await fetch(new URL('config.json', pageUrl), { cache: 'no-store' });
    if (res.ok) file = (await res.json()) as Partial<WebConfig>;
  } catch {
    // no config.json (e.g. the Vite dev server): defaults
  }
  return resolveConfig(pageUrl, file);
}

function absolute(url: string, page: URL): string {
  return new URL(url, page).href.replace(/\/+$/, '');
}

function pickStrings(c: Partial<WebConfig> | null): Partial<WebConfig> {
  const out: Partial<WebConfig> = {};
  if (typeof c?.authUrl === 'string' && c.authUrl) out.authUrl = c.authUrl;
  if (typeof c?.gatewayUrl === 'string' && c.gatewayUrl) out.gatewayUrl = c.gatewayUrl;
  return out;
}
