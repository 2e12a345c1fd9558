import ignore, { type Ignore } from '@balena/dockerignore';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * .dockerignore as Docker reads it, by @balena/dockerignore (a port of moby's pattern matcher,
 * used by aws-cdk-lib and docker-modem): the last matching pattern wins, `!` re-includes.
 */
export interface DockerignoreRules {
  matcher: Ignore;
  /** The patterns as written (negations with their `!`). */
  patterns: string[];
}

export function parseDockerignore(text: string): DockerignoreRules {
  const patterns = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  return { matcher: ignore().add(patterns), patterns };
}

/** True when the path (relative, with /) is left out of the build context. */
export function isIgnored(rules: DockerignoreRules, relPath: string): boolean {
  return rules.matcher.ignores(relPath);
}

/** Files of the build context under root (skips an excluded directory unless a `!` pattern names something in it). */
export function contextFiles(root: string, rules: DockerignoreRules): string[] {
  const negations = rules.patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1).replace(/^\/+/, ''));
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (isIgnored(rules, p) && !negations.some((n) => n.startsWith(`${p}/`))) continue;
        walk(p);
      } else if (!isIgnored(rules, p)) out.push(p);
    }
  };
  walk('');
  return out.sort();
}
