import type { BenchResults, Step } from '../results';

/** One configuration of the scale-out comparison at its maximum passing rate. */
export interface ScaleConfig {
  max: Step;
  /** Process names of its gateways and of its message-stores, as in max.cpuSeconds. */
  gateways: string[];
  stores: string[];
  /** Delivered messages per second of server CPU: 1e6 / CPU µs per message of every server process. */
  msgsPerCpuSecond: number;
  /** Cores the server processes (not the load generator) used at the max rate. */
  cores: number;
}

/** One gateway and one store (phase parley) against two of each (phase scaleout), and 2+2 over 1+1. */
export interface ScaleOutFigures {
  one?: ScaleConfig;
  /** 2+2 with every pair straddling the gateways: the target's figure. */
  two?: ScaleConfig;
  /** (2+2 messages per CPU-second) / (1+1 messages per CPU-second); undefined when either ramp is missing. */
  ratio?: number;
  /** 2+2 with each chat's members on one gateway, when that ramp ran. */
  sameGateway?: ScaleConfig;
  /** Its messages per CPU-second over 1+1's. */
  sameGatewayRatio?: number;
  /** The configurations at one offered rate: each max rate batches differently, so CPU per message differs with it. */
  sameRate?: SameRate;
}

/** The highest ramp rate every configuration ran (passing or not), and 2+2's messages per CPU-second there over 1+1's. */
export interface SameRate {
  rate: number;
  one: Step;
  two: Step;
  sameGateway?: Step;
  ratio: number;
  sameGatewayRatio?: number;
}

export function scaleOutFigures(results: BenchResults): ScaleOutFigures {
  const one = configAt(results.parley?.max, ['chat-gateway'], ['message-store']);
  const s = results.scaleOut;
  const two = s ? configAt(s.run.max, s.gateways, s.stores) : undefined;
  const sameGateway = s?.sameGateway ? configAt(s.sameGateway.max, s.gateways, s.stores) : undefined;
  const sameRate = sameRateFigures(results);
  return { one, two, ratio: over(two, one), sameGateway, sameGatewayRatio: over(sameGateway, one), sameRate };
}

function sameRateFigures(results: BenchResults): SameRate | undefined {
  const s = results.scaleOut;
  const ramps = [results.parley?.steps, s?.run.steps, s?.sameGateway?.steps];
  if (!ramps[0] || !ramps[1]) return undefined;
  const present = ramps.filter((steps): steps is Step[] => !!steps);
  const rampRates = (steps: Step[]) => steps.filter((x) => x.phase === 'ramp').map((x) => x.offeredRate);
  const rate = Math.max(...rampRates(present[0]).filter((r) => present.every((steps) => rampRates(steps).includes(r))));
  if (!Number.isFinite(rate)) return undefined;
  const at = (steps: Step[] | undefined) => steps?.find((x) => x.phase === 'ramp' && x.offeredRate === rate);
  const [one, two, sameGateway] = ramps.map(at);
  if (!one || !two || !(one.cpuUsPerMessage > 0) || !(two.cpuUsPerMessage > 0)) return undefined;
  const per = (step: Step | undefined) =>
    step && step.cpuUsPerMessage > 0 ? one.cpuUsPerMessage / step.cpuUsPerMessage : undefined;
  return {
    rate,
    one,
    two,
    sameGateway,
    ratio: one.cpuUsPerMessage / two.cpuUsPerMessage,
    sameGatewayRatio: per(sameGateway),
  };
}

/** Messages per CPU-second of one configuration over another's; undefined when either is missing. */
const over = (a: ScaleConfig | undefined, b: ScaleConfig | undefined): number | undefined =>
  a && b ? a.msgsPerCpuSecond / b.msgsPerCpuSecond : undefined;

function configAt(max: Step | undefined, gateways: string[], stores: string[]): ScaleConfig | undefined {
  if (!max || !(max.cpuUsPerMessage > 0)) return undefined;
  const serverSeconds = Object.entries(max.cpuSeconds).reduce((n, [name, s]) => (name === 'loadgen' ? n : n + s), 0);
  return {
    max,
    gateways,
    stores,
    msgsPerCpuSecond: 1e6 / max.cpuUsPerMessage,
    cores: serverSeconds / max.durationS,
  };
}

/** Cores a process used during a step. */
export const processCores = (step: Step, name: string): number => (step.cpuSeconds[name] ?? 0) / step.durationS;

/** µs of CPU per acked message of the named processes together. */
export const usPerMessage = (step: Step, names: string[]): number =>
  (names.reduce((n, name) => n + (step.cpuSeconds[name] ?? 0), 0) * 1e6) / Math.max(1, step.acked);
