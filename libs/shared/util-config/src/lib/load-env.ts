import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: string[],
  ) {
    super(`${service}: invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type EnvClass<T> = new () => T;

/**
 * Reads `NAME_FILE` for every `NAME` the schema declares, so Kubernetes Secrets can
 * be mounted as files; a value given directly wins over its file. A `NAME_FILE`
 * default that points at a missing file is ignored (the schema then reports NAME), and an
 * empty `NAME_FILE` reads no file at all.
 */
function withFileVariables(
  defaults: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const key of Object.keys(defaults)) {
    if (key.endsWith('_FILE') || (out[key] !== undefined && out[key] !== '')) continue;
    const fileVar = `${key}_FILE`;
    const explicit = env[fileVar];
    const fallback = defaults[fileVar];
    // Set but empty: no file (not the default's).
    const path = explicit !== undefined ? explicit : typeof fallback === 'string' ? fallback : undefined;
    if (!path) continue;
    try {
      out[key] = readFileSync(path, 'utf8').trim();
    } catch (err) {
      if (explicit) throw new ConfigError('config', [`${fileVar}: cannot read ${path} (${(err as Error).message})`]);
    }
  }
  return out;
}

/** Environment values are strings: give them the type of the schema's default. */
function coerceLike(defaultValue: unknown, value: string): unknown {
  if (typeof defaultValue === 'number') return value.trim() === '' ? NaN : Number(value);
  if (typeof defaultValue === 'boolean') {
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
  }
  return value;
}

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const own = Object.values(e.constraints ?? {}).map((m) => `${prefix}${e.property}: ${m}`);
    return [...own, ...describe(e.children ?? [], `${prefix}${e.property}.`)];
  });
}

/**
 * Validates the environment against a class-validator schema whose property
 * initialisers are the local defaults. Throws ConfigError naming every bad variable.
 */
export function loadEnv<T extends object>(
  service: string,
  schema: EnvClass<T>,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const defaults = new schema();
  const source = withFileVariables(defaults as Record<string, unknown>, env);
  const provided: Record<string, unknown> = {};
  for (const key of Object.keys(defaults)) {
    const value = source[key];
    if (value !== undefined && value !== '')
      provided[key] = coerceLike((defaults as Record<string, unknown>)[key], value);
  }
  const instance = plainToInstance(schema, { ...defaults, ...provided });
  const errors = validateSync(instance as object, { forbidUnknownValues: false });
  if (errors.length > 0) throw new ConfigError(service, describe(errors));
  return instance;
}
