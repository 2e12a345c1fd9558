import { ConfigError } from '@parley/shared/util-config';

/** Express 'trust proxy': false, a hop count, or addresses / CIDRs / loopback, linklocal, uniquelocal. */
export type TrustProxy = false | number | string[];

/** How an app that faces clients treats browsers, proxies and its API docs. */
export interface HttpEdgeConfig {
  /** Browser origins allowed by CORS (and Socket.IO); empty: none. */
  corsOrigins: string[];
  trustProxy: TrustProxy;
  /** Serve /docs and /docs/openapi.json. */
  apiDocs: boolean;
}

/** The variables, as the apps' env classes declare them. */
export interface HttpEdgeEnv {
  CORS_ORIGINS: string;
  TRUSTED_PROXIES: string;
  API_DOCS_ENABLED: string;
}

/**
 * CORS_ORIGINS: comma-separated origins (`https://chat.example.com`). `*` is refused: any web
 * site could then script its visitors' browsers against the API and read the answers, e.g.
 * to spread password guessing or registrations over thousands of client addresses.
 */
export function parseCorsOrigins(value: string): string[] {
  const origins = value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (origin === '*') {
      throw new Error(
        `CORS_ORIGINS: '*' is refused (any web site could use its visitors' browsers against the API); list the web client's origins, comma-separated, e.g. https://chat.example.com`,
      );
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new Error(
        `CORS_ORIGINS: ${JSON.stringify(origin)} is not an origin (scheme://host[:port], no path, no trailing slash)`,
      );
    }
  }
  return [...new Set(origins)];
}

/**
 * TRUSTED_PROXIES: the peers whose X-Forwarded-For is believed, so that req.ip is the client
 * behind them: comma-separated addresses, CIDRs or Express's names (loopback, linklocal,
 * uniquelocal), a hop count, or `false` (none). `true`/`*` (trust any peer) is refused: any
 * client could then choose its own address and dodge per-address limits.
 */
export function parseTrustedProxies(value: string): TrustProxy {
  const v = value.trim();
  if (v === '' || v === 'false') return false;
  if (v === 'true' || v === '*') {
    throw new Error(
      `TRUSTED_PROXIES: '${v}' would believe X-Forwarded-For from any client; list the proxies' addresses or CIDRs, or give the number of proxy hops`,
    );
  }
  if (/^\d+$/.test(v)) return Number(v);
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of entries) {
    if (!/^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(entry)) {
      throw new Error(
        `TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an address, a CIDR, loopback, linklocal or uniquelocal`,
      );
    }
  }
  return entries;
}

/** The edge settings of `service`, every problem named at once. */
export function httpEdgeConfig(service: string, e: HttpEdgeEnv): HttpEdgeConfig {
  const problems: string[] = [];
  const attempt = <T>(parse: () => T, fallback: T): T => {
    try {
      return parse();
    } catch (err) {
      problems.push((err as Error).message);
      return fallback;
    }
  };
  const corsOrigins = attempt(() => parseCorsOrigins(e.CORS_ORIGINS), []);
  const trustProxy = attempt<TrustProxy>(() => parseTrustedProxies(e.TRUSTED_PROXIES), false);
  if (e.API_DOCS_ENABLED !== 'true' && e.API_DOCS_ENABLED !== 'false')
    problems.push(`API_DOCS_ENABLED: 'true' or 'false', not ${JSON.stringify(e.API_DOCS_ENABLED)}`);
  if (problems.length > 0) throw new ConfigError(service, problems);
  return { corsOrigins, trustProxy, apiDocs: e.API_DOCS_ENABLED === 'true' };
}
