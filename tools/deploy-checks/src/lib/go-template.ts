import { createHash } from 'node:crypto';
import { dump } from 'js-yaml';

/**
 * A small Go text/template engine with the Sprig/Helm functions the Parley chart uses, so the
 * chart can be rendered where no helm binary runs. It follows Go's rules where the chart relies
 * on them (trim markers, `range` over maps in key order, variable scopes, truthiness, nil field
 * access is an error, missing map keys are nil and print as nothing) and throws on anything it
 * does not implement rather than guess: a template that renders here uses only what is here.
 */

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

// ------------------------------------------------------------------ lexing

type Token = { kind: 'text'; text: string } | { kind: 'action'; src: string; trimLeft: boolean; trimRight: boolean; at: string };

function lineOf(src: string, index: number): number {
  return src.slice(0, index).split('\n').length;
}

/** Splits a template into text and `{{ }}` actions (comments dropped), applying trim markers. */
function lex(src: string, name: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      tokens.push({ kind: 'text', text: src.slice(i) });
      break;
    }
    if (open > i) tokens.push({ kind: 'text', text: src.slice(i, open) });
    let j = open + 2;
    const trimLeft = src[j] === '-' && /\s/.test(src[j + 1] ?? '');
    if (trimLeft) j += 1;
    const at = `${name}:${lineOf(src, open)}`;
    // Comment: {{/* ... */}} with optional trim markers.
    const afterSpace = trimLeft ? j + 1 : j;
    if (src.startsWith('/*', trimLeft ? afterSpace : j)) {
      const end = src.indexOf('*/', j);
      if (end < 0) throw new TemplateError(`${at}: unclosed comment`);
      let k = end + 2;
      let trimRight = false;
      if (src.startsWith(' -}}', k)) {
        trimRight = true;
        k += 4;
      } else if (src.startsWith('}}', k)) k += 2;
      else throw new TemplateError(`${at}: comment must end with */}}`);
      tokens.push({ kind: 'action', src: '', trimLeft, trimRight, at });
      i = k;
      continue;
    }
    // Find the closing }} outside string literals.
    let k = j;
    let close = -1;
    while (k < src.length) {
      const c = src[k];
      if (c === '"' || c === '`' || c === "'") {
        const q = c;
        k++;
        while (k < src.length && src[k] !== q) k += src[k] === '\\' && q !== '`' ? 2 : 1;
        k++;
        continue;
      }
      if (c === '}' && src[k + 1] === '}') {
        close = k;
        break;
      }
      k++;
    }
    if (close < 0) throw new TemplateError(`${at}: unclosed action`);
    let inner = src.slice(j, close);
    const trimRight = /\s-$/.test(inner);
    if (trimRight) inner = inner.slice(0, -1);
    tokens.push({ kind: 'action', src: inner.trim(), trimLeft, trimRight, at });
    i = close + 2;
  }
  // Trim markers eat the whitespace of the neighbouring text.
  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t];
    if (tok.kind !== 'action') continue;
    const prev = tokens[t - 1];
    const next = tokens[t + 1];
    if (tok.trimLeft && prev?.kind === 'text') prev.text = prev.text.replace(/[ \t\r\n]+$/, '');
    if (tok.trimRight && next?.kind === 'text') next.text = next.text.replace(/^[ \t\r\n]+/, '');
  }
  return tokens.filter((tok) => tok.kind === 'text' || tok.src !== '');
}

// ------------------------------------------------------------------ expressions

type Operand =
  | { t: 'lit'; v: unknown }
  | { t: 'dot'; path: string[] } // . or .a.b
  | { t: 'var'; name: string; path: string[] } // $ or $x.a.b
  | { t: 'fn'; name: string }
  | { t: 'paren'; pipe: Pipeline; path: string[] };

interface Command {
  args: Operand[];
}

interface Pipeline {
  decl?: { names: string[]; op: ':=' | '=' };
  cmds: Command[];
}

type ExprToken =
  | { k: 'str'; v: string }
  | { k: 'num'; v: number }
  | { k: 'field'; path: string[] } // .a.b (or '.' with path [])
  | { k: 'var'; name: string; path: string[] }
  | { k: 'ident'; v: string }
  | { k: 'punct'; v: '(' | ')' | '|' | ':=' | '=' | ',' }
  | { k: 'chain'; path: string[] }; // .a.b right after a ')'

function tokenizeExpr(src: string, at: string): ExprToken[] {
  const out: ExprToken[] = [];
  let i = 0;
  const fieldChain = (): string[] => {
    const path: string[] = [];
    while (src[i] === '.' && /[A-Za-z_]/.test(src[i + 1] ?? '')) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i + 1));
      if (!m) break;
      path.push(m[0]);
      i += 1 + m[0].length;
    }
    return path;
  };
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') {
          const e = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };
          if (!(e in map)) throw new TemplateError(`${at}: unsupported escape \\${e}`);
          s += map[e];
          j += 2;
        } else s += src[j++];
      }
      if (src[j] !== '"') throw new TemplateError(`${at}: unterminated string`);
      out.push({ k: 'str', v: s });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError(`${at}: unterminated raw string`);
      out.push({ k: 'str', v: src.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num && (c !== '-' || /\d/.test(src[i + 1] ?? ''))) {
      out.push({ k: 'num', v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    if (c === '.') {
      const prev = out[out.length - 1];
      const attached = i > 0 && !/\s/.test(src[i - 1]) && prev?.k === 'punct' && prev.v === ')';
      if (/[A-Za-z_]/.test(src[i + 1] ?? '')) {
        const path = fieldChain();
        out.push(attached ? { k: 'chain', path } : { k: 'field', path });
      } else {
        out.push({ k: 'field', path: [] });
        i++;
      }
      continue;
    }
    if (c === '$') {
      const m = /^\$[A-Za-z0-9_]*/.exec(src.slice(i));
      const name = m ? m[0] : '$';
      i += name.length;
      out.push({ k: 'var', name, path: fieldChain() });
      continue;
    }
    if (src.startsWith(':=', i)) {
      out.push({ k: 'punct', v: ':=' });
      i += 2;
      continue;
    }
    if ('()|=,'.includes(c)) {
      out.push({ k: 'punct', v: c as '(' | ')' | '|' | '=' | ',' });
      i++;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      out.push({ k: 'ident', v: id[0] });
      i += id[0].length;
      continue;
    }
    throw new TemplateError(`${at}: unexpected character '${c}' in "${src}"`);
  }
  return out;
}

class ExprParser {
  private pos = 0;
  constructor(
    private readonly toks: ExprToken[],
    private readonly at: string,
  ) {}

  parsePipeline(allowDecl: boolean, stopAtParen = false): Pipeline {
    const pipe: Pipeline = { cmds: [] };
    if (allowDecl) {
      // $x := ... | $k, $v := ... | $x = ...
      const names: string[] = [];
      let p = this.pos;
      while (this.toks[p]?.k === 'var' && (this.toks[p] as { path: string[] }).path.length === 0) {
        names.push((this.toks[p] as { name: string }).name);
        const next = this.toks[p + 1];
        if (next?.k === 'punct' && next.v === ',') {
          p += 2;
          continue;
        }
        if (next?.k === 'punct' && (next.v === ':=' || next.v === '=')) {
          pipe.decl = { names, op: next.v };
          this.pos = p + 2;
        }
        break;
      }
    }
    let cmd: Command = { args: [] };
    while (this.pos < this.toks.length) {
      const tok = this.toks[this.pos];
      if (tok.k === 'punct' && tok.v === ')') {
        if (!stopAtParen) throw new TemplateError(`${this.at}: unexpected )`);
        break;
      }
      if (tok.k === 'punct' && tok.v === '|') {
        if (cmd.args.length === 0) throw new TemplateError(`${this.at}: empty command before |`);
        pipe.cmds.push(cmd);
        cmd = { args: [] };
        this.pos++;
        continue;
      }
      cmd.args.push(this.parseOperand());
    }
    if (cmd.args.length === 0) throw new TemplateError(`${this.at}: missing command`);
    pipe.cmds.push(cmd);
    return pipe;
  }

  private parseOperand(): Operand {
    const tok = this.toks[this.pos++];
    switch (tok.k) {
      case 'str':
      case 'num':
        return { t: 'lit', v: tok.v };
      case 'field':
        return { t: 'dot', path: tok.path };
      case 'var':
        return { t: 'var', name: tok.name, path: tok.path };
      case 'ident':
        if (tok.v === 'true' || tok.v === 'false') return { t: 'lit', v: tok.v === 'true' };
        if (tok.v === 'nil') return { t: 'lit', v: null };
        return { t: 'fn', name: tok.v };
      case 'punct':
        if (tok.v === '(') {
          const pipe = this.parsePipeline(false, true);
          const close = this.toks[this.pos++];
          if (!close || close.k !== 'punct' || close.v !== ')') throw new TemplateError(`${this.at}: missing )`);
          const next = this.toks[this.pos];
          const path = next?.k === 'chain' ? (this.pos++, next.path) : [];
          return { t: 'paren', pipe, path };
        }
        throw new TemplateError(`${this.at}: unexpected ${tok.v}`);
      case 'chain':
        throw new TemplateError(`${this.at}: unexpected field chain`);
    }
  }

  done(): boolean {
    return this.pos >= this.toks.length;
  }
}

function parsePipelineSrc(src: string, at: string, allowDecl = true): Pipeline {
  const parser = new ExprParser(tokenizeExpr(src, at), at);
  const pipe = parser.parsePipeline(allowDecl);
  if (!parser.done()) throw new TemplateError(`${at}: trailing tokens in "${src}"`);
  return pipe;
}

// ------------------------------------------------------------------ tree

type Node =
  | { n: 'text'; text: string }
  | { n: 'action'; pipe: Pipeline; at: string }
  | { n: 'if'; branches: { cond: Pipeline; body: Node[] }[]; otherwise: Node[] | null; at: string }
  | { n: 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] | null; at: string }
  | { n: 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[] | null; at: string }
  | { n: 'template'; name: string; pipe: Pipeline | null; at: string };

type Frame =
  | { kind: 'root'; body: Node[] }
  | { kind: 'define'; name: string; body: Node[] }
  | { kind: 'if'; node: Extract<Node, { n: 'if' }>; body: Node[] }
  | { kind: 'range' | 'with'; node: Extract<Node, { n: 'range' | 'with' }>; body: Node[] };

function parseTemplate(src: string, name: string, defines: Map<string, Node[]>): Node[] {
  const root: Frame = { kind: 'root', body: [] };
  const stack: Frame[] = [root];
  const top = () => stack[stack.length - 1];
  for (const tok of lex(src, name)) {
    if (tok.kind === 'text') {
      if (tok.text) top().body.push({ n: 'text', text: tok.text });
      continue;
    }
    const { src: a, at } = tok;
    const word = /^[a-z]+/.exec(a)?.[0];
    const rest = word ? a.slice(word.length).trim() : a;
    if (word === 'define') {
      const m = /^"([^"]+)"$/.exec(rest);
      if (!m) throw new TemplateError(`${at}: define needs a quoted name`);
      stack.push({ kind: 'define', name: m[1], body: [] });
    } else if (word === 'if') {
      const node: Extract<Node, { n: 'if' }> = { n: 'if', branches: [{ cond: parsePipelineSrc(rest, at), body: [] }], otherwise: null, at };
      top().body.push(node);
      stack.push({ kind: 'if', node, body: node.branches[0].body });
    } else if (word === 'range' || word === 'with') {
      const node = { n: word, pipe: parsePipelineSrc(rest, at), body: [] as Node[], otherwise: null, at } as Extract<Node, { n: 'range' | 'with' }>;
      top().body.push(node);
      stack.push({ kind: word, node, body: node.body });
    } else if (word === 'else') {
      const frame = top();
      if (frame.kind === 'if') {
        if (frame.node.otherwise) throw new TemplateError(`${at}: else after else`);
        if (/^if\s/.test(rest)) {
          const branch = { cond: parsePipelineSrc(rest.slice(2).trim(), at), body: [] as Node[] };
          frame.node.branches.push(branch);
          frame.body = branch.body;
        } else if (rest === '') {
          frame.node.otherwise = [];
          frame.body = frame.node.otherwise;
        } else throw new TemplateError(`${at}: unsupported else form "${a}"`);
      } else if ((frame.kind === 'range' || frame.kind === 'with') && rest === '') {
        frame.node.otherwise = [];
        frame.body = frame.node.otherwise;
      } else throw new TemplateError(`${at}: else outside if/range/with`);
    } else if (word === 'end') {
      const frame = stack.pop();
      if (!frame || frame.kind === 'root') throw new TemplateError(`${at}: end without a block`);
      if (frame.kind === 'define') {
        if (defines.has(frame.name)) throw new TemplateError(`${at}: template "${frame.name}" defined twice`);
        defines.set(frame.name, frame.body);
      }
    } else if (word === 'template') {
      const m = /^"([^"]+)"\s*(.*)$/.exec(rest);
      if (!m) throw new TemplateError(`${at}: template needs a quoted name`);
      top().body.push({ n: 'template', name: m[1], pipe: m[2] ? parsePipelineSrc(m[2], at, false) : null, at });
    } else if (word === 'block' || word === 'break' || word === 'continue') {
      throw new TemplateError(`${at}: "${word}" is not supported by this renderer`);
    } else {
      top().body.push({ n: 'action', pipe: parsePipelineSrc(a, at), at });
    }
  }
  if (stack.length !== 1) throw new TemplateError(`${name}: unclosed block (missing {{ end }})`);
  return root.body;
}

// ------------------------------------------------------------------ values

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go template truthiness. */
export function truth(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isDict(v)) return Object.keys(v).length > 0;
  return true;
}

/**
 * Go's %v of a float64 (Helm's values are float64): strconv 'g' with the shortest precision,
 * which switches to an exponent from 1e6 up (the reason a chart must not print big numbers raw).
 */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  if (n === 0) return '0';
  const [mantissa, e] = n.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}

/** Go's fmt %v for the value types a chart meets. */
export function printValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`;
  if (isDict(v)) {
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${printValue(v[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (isDict(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeysDeep(v[k])]));
  return v;
}

function toYaml(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  return dump(v, { lineWidth: -1, noRefs: true, sortKeys: true }).replace(/\n$/, '');
}

function indent(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return pad + s.replace(/\n/g, `\n${pad}`);
}

function sameKind(a: unknown, b: unknown, fn: string, at: string): void {
  const kind = (x: unknown) => (x === null || x === undefined ? 'nil' : Array.isArray(x) ? 'list' : typeof x);
  if (kind(a) !== kind(b) || kind(a) === 'nil' || kind(a) === 'list' || kind(a) === 'object') {
    throw new TemplateError(`${at}: ${fn}: incompatible types for comparison (${kind(a)}, ${kind(b)})`);
  }
}

function asInt(v: unknown, fn: string, at: string): number {
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new TemplateError(`${at}: ${fn}: not a number: ${printValue(v)}`);
  return Math.trunc(n);
}

function mergeInto(dst: Dict, src: unknown): void {
  if (!isDict(src)) return;
  for (const [k, v] of Object.entries(src)) {
    if (!(k in dst) || dst[k] === null || dst[k] === undefined) dst[k] = v;
    else if (isDict(dst[k]) && isDict(v)) mergeInto(dst[k] as Dict, v);
  }
}

function sprintf(format: string, args: unknown[], at: string): string {
  let i = 0;
  return format.replace(/%([%sdvq])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    if (i >= args.length) return `%!${verb}(MISSING)`;
    const a = args[i++];
    if (verb === 'q') return JSON.stringify(printValue(a));
    if (verb === 'd') return String(asInt(a, 'printf %d', at));
    return printValue(a);
  });
}

// ------------------------------------------------------------------ execution

interface Scope {
  vars: Map<string, unknown>;
  parent: Scope | null;
}

type Fn = (args: unknown[], at: string) => unknown;

export class TemplateSet {
  private readonly defines = new Map<string, Node[]>();
  private readonly files = new Map<string, Node[]>();
  private depth = 0;

  /** Parses a template file; its defines become available to every file. */
  add(name: string, source: string): void {
    this.files.set(name, parseTemplate(source, name, this.defines));
  }

  /** Renders the file (or a define) `name` with `data` as dot and $. */
  render(name: string, data: unknown): string {
    const body = this.defines.get(name) ?? this.files.get(name);
    if (!body) throw new TemplateError(`no template "${name}"`);
    if (++this.depth > 100) throw new TemplateError(`template recursion too deep at "${name}"`);
    try {
      return this.exec(body, data, { vars: new Map([['$', data]]), parent: null });
    } finally {
      this.depth--;
    }
  }

  private readonly fns = new Map<string, Fn>(
    Object.entries({
    include: ([name, data], at) => {
      if (typeof name !== 'string') throw new TemplateError(`${at}: include needs a template name`);
      return this.render(name, data);
    },
    required: ([msg, v]) => {
      if (v === null || v === undefined || v === '') throw new TemplateError(`execution error: ${printValue(msg)}`);
      return v;
    },
    fail: ([msg]) => {
      throw new TemplateError(`execution error: ${printValue(msg)}`);
    },
    default: (args) => (args.length < 2 ? args[0] : truth(args[1]) ? args[1] : args[0]),
    empty: ([v]) => !truth(v),
    coalesce: (args) => args.find(truth) ?? null,
    ternary: ([a, b, cond]) => (truth(cond) ? a : b),
    dict: (args, at) => {
      if (args.length % 2 !== 0) throw new TemplateError(`${at}: dict needs key/value pairs`);
      const d: Dict = {};
      for (let i = 0; i < args.length; i += 2) d[printValue(args[i])] = args[i + 1];
      return d;
    },
    list: (args) => [...args],
    first: ([l]) => (Array.isArray(l) && l.length > 0 ? l[0] : null),
    has: ([needle, hay]) => Array.isArray(hay) && hay.some((x) => x === needle),
    hasKey: ([d, k]) => isDict(d) && typeof k === 'string' && k in d,
    merge: ([dst, ...srcs], at) => {
      if (!isDict(dst)) throw new TemplateError(`${at}: merge needs a dict`);
      for (const s of srcs) mergeInto(dst, s);
      return dst;
    },
    index: ([coll, ...keys], at) => {
      let v = coll;
      for (const k of keys) {
        if (Array.isArray(v)) v = v[asInt(k, 'index', at)];
        else if (isDict(v)) v = v[printValue(k)];
        else if (v === null || v === undefined) return null;
        else throw new TemplateError(`${at}: can't index item of type ${typeof v}`);
      }
      return v ?? null;
    },
    len: ([v], at) => {
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (isDict(v)) return Object.keys(v).length;
      throw new TemplateError(`${at}: len of ${printValue(v)}`);
    },
    join: ([sep, l]) => (Array.isArray(l) ? l.map(printValue).join(printValue(sep)) : printValue(l)),
    printf: ([format, ...args], at) => sprintf(printValue(format), args, at),
    // fmt.Sprint: spaces between operands when neither side is a string.
    print: (args) => args.map((a, i) => (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string' ? ' ' : '') + printValue(a)).join(''),
    quote: (args) => args.filter((a) => a !== null && a !== undefined).map((a) => JSON.stringify(printValue(a))).join(' '),
    squote: (args) => args.filter((a) => a !== null && a !== undefined).map((a) => `'${printValue(a)}'`).join(' '),
    toString: ([v]: unknown[]) => printValue(v),
    int: ([v], at) => asInt(v, 'int', at),
    toYaml: ([v]) => toYaml(v),
    toJson: ([v]) => JSON.stringify(sortKeysDeep(v) ?? null),
    indent: ([n, s], at) => indent(asInt(n, 'indent', at), printValue(s)),
    nindent: ([n, s], at) => `\n${indent(asInt(n, 'nindent', at), printValue(s))}`,
    trunc: ([n, s], at) => {
      const str = printValue(s);
      const k = asInt(n, 'trunc', at);
      return k >= 0 ? str.slice(0, k) : str.slice(Math.max(0, str.length + k));
    },
    trim: ([s]) => printValue(s).trim(),
    trimSuffix: ([suffix, s]) => {
      const str = printValue(s);
      const suf = printValue(suffix);
      return suf && str.endsWith(suf) ? str.slice(0, -suf.length) : str;
    },
    trimPrefix: ([prefix, s]) => {
      const str = printValue(s);
      const pre = printValue(prefix);
      return pre && str.startsWith(pre) ? str.slice(pre.length) : str;
    },
    replace: ([from, to, s]) => printValue(s).split(printValue(from)).join(printValue(to)),
    lower: ([s]) => printValue(s).toLowerCase(),
    upper: ([s]) => printValue(s).toUpperCase(),
    contains: ([sub, s]) => printValue(s).includes(printValue(sub)),
    hasPrefix: ([pre, s]) => printValue(s).startsWith(printValue(pre)),
    hasSuffix: ([suf, s]) => printValue(s).endsWith(printValue(suf)),
    b64enc: ([s]) => Buffer.from(printValue(s), 'utf8').toString('base64'),
    sha256sum: ([s]) => createHash('sha256').update(printValue(s)).digest('hex'),
    not: ([v]) => !truth(v),
    eq: ([a, ...bs], at) =>
      bs.some((b) => {
        sameKind(a, b, 'eq', at);
        return a === b;
      }),
    ne: ([a, b], at) => {
      sameKind(a, b, 'ne', at);
      return a !== b;
    },
    lt: ([a, b], at) => (sameKind(a, b, 'lt', at), (a as number) < (b as number)),
    le: ([a, b], at) => (sameKind(a, b, 'le', at), (a as number) <= (b as number)),
    gt: ([a, b], at) => (sameKind(a, b, 'gt', at), (a as number) > (b as number)),
    ge: ([a, b], at) => (sameKind(a, b, 'ge', at), (a as number) >= (b as number)),
    } satisfies Record<string, Fn>),
  );

  private lookupVar(scope: Scope, name: string, at: string): unknown {
    for (let s: Scope | null = scope; s; s = s.parent) if (s.vars.has(name)) return s.vars.get(name);
    throw new TemplateError(`${at}: undefined variable "${name}"`);
  }

  private field(base: unknown, path: string[], at: string, what: string): unknown {
    let v = base;
    let walked = what;
    for (const key of path) {
      if (v === null || v === undefined) throw new TemplateError(`${at}: nil pointer evaluating ${walked}.${key}`);
      if (!isDict(v)) throw new TemplateError(`${at}: can't evaluate field ${key} in ${walked} (${printValue(v)})`);
      v = v[key];
      walked += `.${key}`;
    }
    return v === undefined ? null : v;
  }

  private evalOperand(op: Operand, dot: unknown, scope: Scope, at: string): unknown {
    switch (op.t) {
      case 'lit':
        return op.v;
      case 'dot':
        return this.field(dot, op.path, at, '');
      case 'var':
        return this.field(this.lookupVar(scope, op.name, at), op.path, at, op.name);
      case 'paren':
        return this.field(this.evalPipeline(op.pipe, dot, scope, at), op.path, at, '(...)');
      case 'fn':
        return this.call(op.name, [], dot, scope, at);
    }
  }

  private call(name: string, argOps: Operand[], dot: unknown, scope: Scope, at: string, piped?: { v: unknown }): unknown {
    // and/or evaluate lazily and return the deciding operand, as in Go.
    if (name === 'and' || name === 'or') {
      const thunks = argOps.map((op) => () => this.evalOperand(op, dot, scope, at));
      if (piped) thunks.push(() => piped.v);
      if (thunks.length === 0) throw new TemplateError(`${at}: ${name} needs arguments`);
      let last: unknown = null;
      for (const th of thunks) {
        last = th();
        if (name === 'and' ? !truth(last) : truth(last)) return last;
      }
      return last;
    }
    const fn = this.fns.get(name);
    if (!fn) throw new TemplateError(`${at}: function "${name}" not defined (not implemented by this renderer)`);
    const args = argOps.map((op) => this.evalOperand(op, dot, scope, at));
    if (piped) args.push(piped.v);
    return fn(args, at);
  }

  private evalPipeline(pipe: Pipeline, dot: unknown, scope: Scope, at: string): unknown {
    let piped: { v: unknown } | undefined;
    for (const cmd of pipe.cmds) {
      const [head, ...rest] = cmd.args;
      let v: unknown;
      if (head.t === 'fn') v = this.call(head.name, rest, dot, scope, at, piped);
      else {
        if (rest.length > 0 || piped) throw new TemplateError(`${at}: can't give arguments to a non-function`);
        v = this.evalOperand(head, dot, scope, at);
      }
      piped = { v };
    }
    return piped?.v ?? null;
  }

  private declare(pipe: Pipeline, values: unknown[], scope: Scope, at: string): void {
    if (!pipe.decl) return;
    pipe.decl.names.forEach((name, i) => {
      if (pipe.decl?.op === ':=') scope.vars.set(name, values[i]);
      else {
        for (let s: Scope | null = scope; s; s = s.parent) {
          if (s.vars.has(name)) {
            s.vars.set(name, values[i]);
            return;
          }
        }
        throw new TemplateError(`${at}: undefined variable "${name}"`);
      }
    });
  }

  private exec(nodes: Node[], dot: unknown, scope: Scope): string {
    let out = '';
    for (const node of nodes) {
      switch (node.n) {
        case 'text':
          out += node.text;
          break;
        case 'action': {
          const v = this.evalPipeline(node.pipe, dot, scope, node.at);
          if (node.pipe.decl) this.declare(node.pipe, [v], scope, node.at);
          else out += printValue(v);
          break;
        }
        case 'if': {
          let done = false;
          for (const b of node.branches) {
            const inner: Scope = { vars: new Map(), parent: scope };
            const v = this.evalPipeline(b.cond, dot, inner, node.at);
            this.declare(b.cond, [v], inner, node.at);
            if (truth(v)) {
              out += this.exec(b.body, dot, inner);
              done = true;
              break;
            }
          }
          if (!done && node.otherwise) out += this.exec(node.otherwise, dot, { vars: new Map(), parent: scope });
          break;
        }
        case 'with': {
          const inner: Scope = { vars: new Map(), parent: scope };
          const v = this.evalPipeline(node.pipe, dot, inner, node.at);
          this.declare(node.pipe, [v], inner, node.at);
          if (truth(v)) out += this.exec(node.body, v, inner);
          else if (node.otherwise) out += this.exec(node.otherwise, dot, { vars: new Map(), parent: scope });
          break;
        }
        case 'range': {
          const v = this.evalPipeline(node.pipe, dot, scope, node.at);
          let items: [unknown, unknown][];
          if (v === null || v === undefined) items = [];
          else if (Array.isArray(v)) items = v.map((x, i) => [i, x]);
          else if (isDict(v)) items = Object.keys(v).sort().map((k) => [k, v[k]]);
          else throw new TemplateError(`${node.at}: range can't iterate over ${printValue(v)}`);
          const names = node.pipe.decl?.names ?? [];
          if (node.pipe.decl && node.pipe.decl.op !== ':=') throw new TemplateError(`${node.at}: range needs :=`);
          for (const [k, x] of items) {
            const inner: Scope = { vars: new Map(), parent: scope };
            if (names.length === 1) inner.vars.set(names[0], x);
            if (names.length === 2) {
              inner.vars.set(names[0], k);
              inner.vars.set(names[1], x);
            }
            out += this.exec(node.body, x, inner);
          }
          if (items.length === 0 && node.otherwise) out += this.exec(node.otherwise, dot, { vars: new Map(), parent: scope });
          break;
        }
        case 'template': {
          const data = node.pipe ? this.evalPipeline(node.pipe, dot, scope, node.at) : null;
          out += this.render(node.name, data);
          break;
        }
      }
    }
    return out;
  }
}
