/** A Dockerfile read into stages and instructions (continuations joined, comments dropped). */

export interface Instruction {
  keyword: string; // upper case
  args: string; // the rest, continuations joined with a space
  line: number;
}

export interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM (usable in FROM lines). */
  globalArgs: Instruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split(/\r?\n/);
  const instructions: Instruction[] = [];
  let buf = '';
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (!buf && /^\s*#/.test(raw)) continue; // comment (parser directives included)
    if (buf && /^\s*#/.test(raw)) continue; // comment lines inside a continuation are skipped
    if (!buf) start = i + 1;
    const continued = /\\\s*$/.test(raw);
    buf += (buf ? ' ' : '') + raw.replace(/\\\s*$/, '').trim();
    if (continued) continue;
    if (buf.trim()) {
      const m = /^(\w+)\s*(.*)$/.exec(buf.trim());
      if (!m) throw new Error(`line ${start}: cannot parse "${buf}"`);
      instructions.push({ keyword: m[1].toUpperCase(), args: m[2], line: start });
    }
    buf = '';
  }
  const df: Dockerfile = { globalArgs: [], stages: [] };
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: bad FROM "${ins.args}"`);
      df.stages.push({ from: m[1], name: m[2] ?? null, instructions: [] });
    } else if (df.stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
      df.globalArgs.push(ins);
    } else df.stages[df.stages.length - 1].instructions.push(ins);
  }
  return df;
}

/** The instructions of a stage, following FROM <earlier stage> back to the base image. */
export function effectiveInstructions(df: Dockerfile, stage: Stage): Instruction[] {
  const parent = df.stages.find((s) => s.name === stage.from);
  return parent ? [...effectiveInstructions(df, parent), ...stage.instructions] : stage.instructions;
}

/** `KEY=value KEY2="v 2"` of an ENV or LABEL instruction. */
export function parseAssignments(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(args)) !== null) out[m[1]] = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
  return out;
}

/** The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD, or null for the shell form. */
export function execForm(args: string): string[] | null {
  const t = args.trim();
  if (!t.startsWith('[')) return null;
  const v = JSON.parse(t) as unknown;
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
}
