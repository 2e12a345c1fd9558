import {
  DockerfileParser,
  type Env,
  type Instruction as AstInstruction,
  JSONInstruction,
  ModifiableInstruction,
} from 'dockerfile-ast';

/** A Dockerfile read into stages and instructions by dockerfile-ast (the parser of VS Code's Docker language server). */

export interface Instruction {
  keyword: string; // upper case
  args: string; // the arguments, continuations joined
  line: number; // 1-based
  /** ENV: the variables it sets. */
  env?: Record<string, string>;
  /** CMD/ENTRYPOINT in exec (JSON) form: its strings; null in shell form. */
  exec?: string[] | null;
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

/** Continuation lines joined by one space (comment lines within them dropped), as `docker build` reads them. */
function joinLines(raw: string): string {
  return raw
    .split(/\r?\n/)
    .filter((l) => !/^\s*#/.test(l))
    .map((l) => l.replace(/\\\s*$/, '').trim())
    .filter(Boolean)
    .join(' ');
}

function toInstruction(i: AstInstruction): Instruction {
  const keyword = i.getKeyword().toUpperCase();
  // Flags (--from=, --mount=, HEALTHCHECK's --interval=) come first, as written.
  const flags =
    i instanceof ModifiableInstruction
      ? i.getFlags().map((f) => (f.getValue() === null ? `--${f.getName()}` : `--${f.getName()}=${f.getValue()}`))
      : [];
  const out: Instruction = {
    keyword,
    args: [...flags, joinLines(i.getRawArgumentsContent() ?? '')].join(' '),
    line: i.getRange().start.line + 1,
  };
  if (keyword === 'ENV')
    out.env = Object.fromEntries((i as Env).getProperties().map((p) => [p.getName(), p.getValue() ?? '']));
  if (i instanceof JSONInstruction) {
    const open = i.getOpeningBracket();
    out.exec = open ? i.getJSONStrings().map((s) => s.getJSONValue()) : null;
  }
  return out;
}

export function parseDockerfile(text: string): Dockerfile {
  const ast = DockerfileParser.parse(text);
  const df: Dockerfile = { globalArgs: ast.getInitialARGs().map(toInstruction), stages: [] };
  let current: Stage | null = null;
  for (const i of ast.getInstructions()) {
    if (i.getKeyword().toUpperCase() === 'FROM') {
      const from = i as unknown as { getImage(): string | null; getBuildStage(): string | null };
      current = { from: from.getImage() ?? '', name: from.getBuildStage(), instructions: [] };
      df.stages.push(current);
    } else if (current) current.instructions.push(toInstruction(i));
  }
  return df;
}

/** The instructions of a stage, following FROM <earlier stage> back to the base image. */
export function effectiveInstructions(df: Dockerfile, stage: Stage): Instruction[] {
  const parent = df.stages.find((s) => s.name === stage.from);
  return parent ? [...effectiveInstructions(df, parent), ...stage.instructions] : stage.instructions;
}

/** The JSON (exec) form of a command (HEALTHCHECK's CMD part), or null for the shell form. */
export function execForm(args: string): string[] | null {
  const t = args.trim();
  if (!t.startsWith('[')) return null;
  const v = JSON.parse(t) as unknown;
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
}
