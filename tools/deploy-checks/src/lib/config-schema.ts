import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, readText } from './repo';

/**
 * Reads an app's env schema (apps/<app>/src/config/*.config.ts) as text: the class whose
 * fields are `@Is...() NAME = default;` (see libs/shared/util-config). No TypeScript is run,
 * so a schema being written by someone else is read as it stands.
 */

export type EnvDefault =
  | { kind: 'none' } // `NAME: string = undefined as unknown as string` or no initialiser: required
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'computed'; source: string }; // e.g. a template literal (host name + random suffix)

export interface EnvField {
  name: string;
  default: EnvDefault;
}

export interface EnvSchema {
  className: string;
  /** The class it extends (e.g. ServiceEnv), whose fields it also has. */
  extends?: string;
  fields: EnvField[];
}

/** Skips a string literal starting at i (quote at i); returns the index after it. */
function skipString(src: string, i: number): number {
  const quote = src[i];
  let j = i + 1;
  while (j < src.length) {
    const c = src[j];
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (quote === '`' && c === '$' && src[j + 1] === '{') {
      j = skipBalanced(src, j + 1, '{', '}');
      continue;
    }
    if (c === quote) return j + 1;
    j++;
  }
  throw new Error(`unterminated string literal at ${i}`);
}

/** A `/` here starts a regular expression literal (not a division): judged by what precedes it. */
function startsRegex(src: string, i: number): boolean {
  if (src[i] !== '/' || src[i + 1] === '/' || src[i + 1] === '*') return false;
  let k = i - 1;
  while (k >= 0 && /\s/.test(src[k])) k--;
  return k < 0 || '(,=:[!&|?{};'.includes(src[k]);
}

function skipRegex(src: string, i: number): number {
  let j = i + 1;
  let inClass = false;
  while (j < src.length && src[j] !== '\n') {
    const c = src[j];
    if (c === '\\') j++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) {
      j++;
      while (/[a-z]/i.test(src[j] ?? '')) j++;
      return j;
    }
    j++;
  }
  throw new Error(`unterminated regular expression at ${i}`);
}

/** If a string, comment or regex literal starts at i: the index after it; else -1. */
function skipLiteral(src: string, i: number): number {
  const c = src[i];
  if (c === "'" || c === '"' || c === '`') return skipString(src, i);
  if (c === '/' && src[i + 1] === '*') {
    const end = src.indexOf('*/', i + 2);
    return end < 0 ? src.length : end + 2;
  }
  if (c === '/' && src[i + 1] === '/') {
    const end = src.indexOf('\n', i);
    return end < 0 ? src.length : end;
  }
  if (startsRegex(src, i)) return skipRegex(src, i);
  return -1;
}

/** From an opening bracket at i, returns the index after its matching closing bracket. */
function skipBalanced(src: string, i: number, open: string, close: string): number {
  let depth = 0;
  let j = i;
  while (j < src.length) {
    const after = skipLiteral(src, j);
    if (after >= 0) {
      j = after;
      continue;
    }
    const c = src[j];
    if (c === open) depth++;
    else if (c === close) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  throw new Error(`unbalanced ${open}${close} at ${i}`);
}

/** Removes comments and decorators (`@Name(...)`, nested parentheses and strings included). */
function stripDecoratorsAndComments(body: string): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    const after = skipLiteral(body, i);
    if (after >= 0) {
      // Comments go; strings and regular expressions stay.
      if (!(c === '/' && (body[i + 1] === '*' || body[i + 1] === '/'))) out += body.slice(i, after);
      i = after;
      continue;
    }
    if (c === '@') {
      const m = /^@[A-Za-z_$][\w$.]*/.exec(body.slice(i));
      if (m) {
        i += m[0].length;
        while (/\s/.test(body[i] ?? '')) i++;
        if (body[i] === '(') i = skipBalanced(body, i, '(', ')');
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

/** Splits on `;` outside strings and brackets. */
function splitStatements(src: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < src.length) {
    const after = skipLiteral(src, i);
    if (after >= 0) {
      i = after;
      continue;
    }
    const c = src[i];
    if (c === '(') {
      i = skipBalanced(src, i, '(', ')');
      continue;
    }
    if (c === '{') {
      i = skipBalanced(src, i, '{', '}');
      continue;
    }
    if (c === '[') {
      i = skipBalanced(src, i, '[', ']');
      continue;
    }
    if (c === ';') {
      out.push(src.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  if (src.slice(start).trim()) out.push(src.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

function parseDefault(init: string | undefined): EnvDefault {
  if (init === undefined) return { kind: 'none' };
  const v = init.trim();
  if (/^undefined(\s+as\s+[\w\s]+)*$/.test(v)) return { kind: 'none' };
  const str = /^'((?:[^'\\]|\\.)*)'$|^"((?:[^"\\]|\\.)*)"$/.exec(v);
  if (str) return { kind: 'string', value: (str[1] ?? str[2]).replace(/\\(.)/g, '$1') };
  if (/^`[^`$]*`$/.test(v)) return { kind: 'string', value: v.slice(1, -1) };
  if (v === 'true' || v === 'false') return { kind: 'boolean', value: v === 'true' };
  // Numbers, with `_` separators and products such as 86400 * 30.
  if (/^[\d_.]+(\s*\*\s*[\d_.]+)*$/.test(v)) {
    return { kind: 'number', value: v.split('*').reduce((p, f) => p * Number(f.replace(/_/g, '').trim()), 1) };
  }
  return { kind: 'computed', source: v };
}

/** Every exported class with UPPER_CASE fields in the source. */
export function parseEnvSchemas(source: string): EnvSchema[] {
  const schemas: EnvSchema[] = [];
  const classRe = /export\s+class\s+(\w+)(?:\s+extends\s+(\w+))?[^{]*\{/g;
  let m: RegExpExecArray | null;
  while ((m = classRe.exec(source)) !== null) {
    const open = m.index + m[0].length - 1;
    const end = skipBalanced(source, open, '{', '}');
    const body = stripDecoratorsAndComments(source.slice(open + 1, end - 1));
    const fields: EnvField[] = [];
    for (const statement of splitStatements(body)) {
      const f =
        /^(?:override\s+)?(?:readonly\s+)?([A-Z][A-Z0-9_]*)\s*[!?]?\s*(?::\s*([^=]+?))?\s*(?:=\s*([\s\S]+))?$/.exec(
          statement,
        );
      if (f) fields.push({ name: f[1], default: parseDefault(f[3]) });
    }
    if (fields.length > 0 || m[2]) schemas.push({ className: m[1], ...(m[2] ? { extends: m[2] } : {}), fields });
    classRe.lastIndex = end;
  }
  return schemas;
}

/**
 * The env schema of an app: the one class of apps/<app>/src/config/*.config.ts, with the fields
 * of the classes it extends (ServiceEnv, PostgresServiceEnv: libs/shared/<lib>/src/lib/*.ts);
 * a field the app sets again (`override NATS_USER = 'auth'`) has the app's default.
 */
export function loadAppSchema(app: string): EnvSchema {
  const dir = join(ROOT, 'apps', app, 'src', 'config');
  const files = readdirSync(dir).filter((f) => f.endsWith('.config.ts'));
  const schemas = files.flatMap((f) => parseEnvSchemas(readText(`apps/${app}/src/config/${f}`)));
  if (schemas.length !== 1) {
    throw new Error(
      `${app}: expected one env schema class in apps/${app}/src/config/*.config.ts, found ${schemas.length}`,
    );
  }
  return withInherited(schemas[0]);
}

function withInherited(schema: EnvSchema): EnvSchema {
  if (!schema.extends) return schema;
  const base = withInherited(sharedSchema(schema.extends));
  const own = new Set(schema.fields.map((f) => f.name));
  return { ...schema, fields: [...base.fields.filter((f) => !own.has(f.name)), ...schema.fields] };
}

/** An env class of libs/shared, by name. */
function sharedSchema(className: string): EnvSchema {
  const libs = join(ROOT, 'libs', 'shared');
  for (const lib of readdirSync(libs)) {
    const dir = join('libs', 'shared', lib, 'src', 'lib');
    if (!existsSync(join(ROOT, dir))) continue;
    for (const f of readdirSync(join(ROOT, dir)).filter((n) => /(?<!\.spec)\.ts$/.test(n))) {
      const found = parseEnvSchemas(readText(`${dir}/${f}`)).find((s) => s.className === className);
      if (found) return found;
    }
  }
  throw new Error(`env class ${className} not found in libs/shared/*/src/lib`);
}

/** The field holding the app's HTTP port: the one `*_PORT` field that is not a `*_GRPC_PORT`. */
export function portField(schema: EnvSchema): { name: string; port: number } {
  const ports = schema.fields.filter((f) => /_PORT$/.test(f.name) && !/_GRPC_PORT$/.test(f.name));
  if (ports.length !== 1)
    throw new Error(
      `${schema.className}: expected one *_PORT field, found ${ports.map((f) => f.name).join(', ') || 'none'}`,
    );
  const d = ports[0].default;
  if (d.kind !== 'number') throw new Error(`${schema.className}.${ports[0].name} has no numeric default`);
  return { name: ports[0].name, port: d.value };
}

/** The field holding the app's gRPC port (the gateway's GATEWAY_GRPC_PORT), or undefined. */
export function grpcPortField(schema: EnvSchema): { name: string; port: number } | undefined {
  const f = schema.fields.find((x) => /_GRPC_PORT$/.test(x.name));
  if (!f) return undefined;
  if (f.default.kind !== 'number') throw new Error(`${schema.className}.${f.name} has no numeric default`);
  return { name: f.name, port: f.default.value };
}

export interface ClusterNeed {
  /** The schema's variable. */
  name: string;
  /** Setting any one of these satisfies it (NAME or its NAME_FILE). */
  anyOf: string[];
  why: 'required' | 'localhost default' | 'port';
}

const LOCAL = /(^|[/@:])(127\.0\.0\.1|localhost|0\.0\.0\.0)([:/]|$)/;

/**
 * What a cluster (or compose) must set for the app: variables without a default, defaults that
 * only work on a laptop (127.0.0.1, localhost) and the port (so it agrees with the container port).
 * A NAME_FILE whose default is a dev file (.parley/keys/...) is the file form of NAME, not a need.
 */
export function clusterNeeds(schema: EnvSchema): ClusterNeed[] {
  const names = new Set(schema.fields.map((f) => f.name));
  const needs: ClusterNeed[] = [];
  for (const f of schema.fields) {
    const fileForm = names.has(`${f.name}_FILE`) ? [`${f.name}_FILE`] : [];
    if (/_PORT$/.test(f.name)) needs.push({ name: f.name, anyOf: [f.name], why: 'port' });
    else if (f.default.kind === 'none') needs.push({ name: f.name, anyOf: [f.name, ...fileForm], why: 'required' });
    else if (f.default.kind === 'string' && LOCAL.test(f.default.value) && f.name !== 'HTTP_HOST') {
      needs.push({ name: f.name, anyOf: [f.name, ...fileForm], why: 'localhost default' });
    }
  }
  return needs;
}
