import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * .dockerignore as Docker reads it (moby/patternmatcher): one pattern per line, `#` comments,
 * `*` and `?` within a path segment, `**` across segments, `!` re-includes, the last matching
 * pattern wins, and a pattern that matches a directory matches everything below it.
 */
export interface IgnoreRule {
  negate: boolean;
  re: RegExp;
  pattern: string;
}

function toRegExp(pattern: string): RegExp {
  let p = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  p = p.replace(/^\.\//, '');
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*' && p[i + 1] === '*') {
      const slash = p[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = negate ? l.slice(1).trim() : l;
      return { negate, pattern, re: toRegExp(pattern) };
    });
}

/** True when the path (relative, with /) is left out of the build context. */
export function isIgnored(rules: IgnoreRule[], relPath: string): boolean {
  const parts = relPath.split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((c) => rule.re.test(c))) ignored = !rule.negate;
  }
  return ignored;
}

/** Files of the build context under root (descends only into directories not wholly excluded). */
export function contextFiles(root: string, rules: IgnoreRule[]): string[] {
  const out: string[] = [];
  const hasNegation = rules.some((r) => r.negate);
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        // A negated rule could re-include something below an excluded directory: only
        // node_modules-like trees (no negation can name them here) are skipped outright.
        if (isIgnored(rules, p) && (!hasNegation || !rules.some((r) => r.negate && r.pattern.startsWith(`${p}/`)))) continue;
        walk(p);
      } else if (!isIgnored(rules, p)) out.push(p);
    }
  };
  walk('');
  return out.sort();
}
