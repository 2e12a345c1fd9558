/** A V8 CPU profile as the inspector's Profiler.stop returns it (a .cpuprofile file). */
export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** µs */
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface CallFrame {
  functionName: string;
  /** file:///..., node:..., or '' (V8 builtins, Node's C++ bindings, V8's own pseudo-frames). */
  url: string;
  /** 0-based, -1 when unknown. */
  lineNumber: number;
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  /** Samples taken while this node was on top of the stack. */
  hitCount?: number;
  children?: number[];
}

/**
 * Whose code a frame runs. Our apps' webpack bundles keep node_modules outside them
 * (required at run time), so a file URL outside node_modules is our code (apps/, libs/).
 */
export type FrameCategory = 'app' | 'dependency' | 'node' | 'native' | 'gc' | 'program' | 'root';

/** What each category is, in the graph's legend and the report's tables. */
export const CATEGORY_LABELS: Record<FrameCategory, string> = {
  app: 'our code (apps/, libs/)',
  dependency: 'node_modules',
  node: 'Node internals (node:)',
  native: 'V8 builtins and C++ bindings',
  gc: 'garbage collector',
  program: '(program): V8 outside JavaScript',
  root: 'all',
};

/** Where a frame's code is, as a reader looks it up: a path in the repository (or node:...) and a 1-based line. */
export interface Location {
  file: string;
  line: number;
}

/** Turns a call frame into the place a reader can open (through source maps, for instance). */
export type Locate = (frame: CallFrame) => Location | undefined;

/** One frame of the merged call tree: every sample whose stack passed along the same path. */
export interface Frame {
  name: string;
  location?: Location;
  category: FrameCategory;
  /** Samples with this frame on top, and with it anywhere on the stack below its children. */
  self: number;
  total: number;
  children: Frame[];
}

/** A profile merged into one call tree, idle left out (its share kept). */
export interface FlameProfile {
  /** 'all': its total is every sample but the idle ones. */
  root: Frame;
  /** Every sample, idle included. */
  samples: number;
  idleSamples: number;
  durationS: number;
}

/** Samples spent in one function itself (wherever it was called from). */
export interface SelfTime {
  function: string;
  /** file:line, absent for V8's pseudo-frames and native code. */
  where?: string;
  category: FrameCategory;
  samples: number;
  /** Of the samples that were not idle, 0..1. */
  share: number;
}

const IDLE = '(idle)';

/** The URL as it is: file:// dropped, 1-based line (what a reader sees without source maps). */
export const plainLocation: Locate = (f) =>
  f.url ? { file: f.url.replace(/^file:\/\//, ''), line: f.lineNumber + 1 } : undefined;

export function categoryOf(f: CallFrame): FrameCategory {
  if (f.functionName === '(root)') return 'root';
  if (f.functionName === '(garbage collector)') return 'gc';
  if (f.functionName === '(program)') return 'program';
  if (!f.url) return 'native';
  if (f.url.startsWith('node:')) return 'node';
  if (f.url.includes('/node_modules/')) return 'dependency';
  return 'app';
}

/** Merges the profile's nodes into one tree by stack path (function, file and line at each level). */
export function flameProfile(profile: CpuProfile, locate: Locate = plainLocation): FlameProfile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const rootNode = profile.nodes.find((n) => n.callFrame.functionName === '(root)') ?? profile.nodes[0];
  let samples = 0;
  let idleSamples = 0;
  for (const n of profile.nodes) {
    samples += n.hitCount ?? 0;
    if (n.callFrame.functionName === IDLE) idleSamples += n.hitCount ?? 0;
  }
  const root: Frame = { name: 'all', category: 'root', self: 0, total: 0, children: [] };
  // Frames by parent and merge key, so nodes that differ only by column (or script) become one.
  const keyed = new Map<Frame, Map<string, Frame>>();
  const add = (node: CpuProfileNode, into: Frame): void => {
    const f = node.callFrame;
    if (f.functionName === IDLE) return;
    const key = `${f.functionName}\0${f.url}\0${f.lineNumber}`;
    let siblings = keyed.get(into);
    if (!siblings) keyed.set(into, (siblings = new Map()));
    let frame = siblings.get(key);
    if (!frame) {
      frame = {
        name: f.functionName || '(anonymous)',
        location: locate(f),
        category: categoryOf(f),
        self: 0,
        total: 0,
        children: [],
      };
      siblings.set(key, frame);
      into.children.push(frame);
    }
    frame.self += node.hitCount ?? 0;
    for (const id of node.children ?? []) {
      const child = byId.get(id);
      if (child) add(child, frame);
    }
  };
  for (const id of rootNode.children ?? []) {
    const child = byId.get(id);
    if (child) add(child, root);
  }
  root.self = rootNode.hitCount ?? 0;
  sumTotals(root);
  return { root, samples, idleSamples, durationS: (profile.endTime - profile.startTime) / 1e6 };
}

function sumTotals(frame: Frame): number {
  frame.total = frame.self + frame.children.reduce((n, c) => n + sumTotals(c), 0);
  return frame.total;
}

export const whereOf = (l: Location | undefined) => (l ? `${l.file}:${l.line}` : undefined);

/** The functions with the most samples of their own, summed over every path that called them. */
export function topSelfTime(profile: FlameProfile, count = 15): SelfTime[] {
  const byFunction = new Map<string, SelfTime>();
  const busy = Math.max(1, profile.root.total);
  const visit = (frame: Frame): void => {
    if (frame.self > 0 && frame !== profile.root) {
      const where = whereOf(frame.location);
      const key = `${frame.name}\0${where}`;
      const entry = byFunction.get(key) ?? {
        function: frame.name,
        where,
        category: frame.category,
        samples: 0,
        share: 0,
      };
      entry.samples += frame.self;
      entry.share = entry.samples / busy;
      byFunction.set(key, entry);
    }
    frame.children.forEach(visit);
  };
  visit(profile.root);
  return [...byFunction.values()].sort((a, b) => b.samples - a.samples).slice(0, count);
}
