// The GPU database: one JSON per GPU under hardware/, user overrides and additions, and lookup by id.
import type { DType, Hardware, SourcedNumber } from '../ir/types';
import a10 from './hardware/a10.json';
import a100_40gb_pcie from './hardware/a100-40gb-pcie.json';
import a100_80gb_sxm from './hardware/a100-80gb-sxm.json';
import b200 from './hardware/b200.json';
import h100_pcie from './hardware/h100-pcie.json';
import h100_sxm from './hardware/h100-sxm.json';
import h200 from './hardware/h200.json';
import l4 from './hardware/l4.json';
import l40s from './hardware/l40s.json';
import mi250x from './hardware/mi250x.json';
import mi300x from './hardware/mi300x.json';
import rtx_3090 from './hardware/rtx-3090.json';
import rtx_4090 from './hardware/rtx-4090.json';
import t4 from './hardware/t4.json';
import v100_sxm2 from './hardware/v100-sxm2.json';

/**
 * The built-in GPUs, newest data-centre parts first. Units are SI: FLOP/s, bytes/s, bytes, seconds.
 * Every peak is DENSE (no 2:4 sparsity); test/cost/hardware.test.ts guards that.
 */
const BUILT_IN: readonly Hardware[] = [
  b200, h200, h100_sxm, h100_pcie, a100_80gb_sxm, a100_40gb_pcie, l40s, l4, a10, rtx_4090, rtx_3090, v100_sxm2, t4,
  mi300x, mi250x,
].map((json) => checkHardware(json as unknown as Hardware, `built-in ${(json as { id: string }).id}.json`));

/** A figure as a user writes it in settings: a bare number (SI units) or a number with its source. */
export type CustomNumber = number | { readonly value: number; readonly source?: string; readonly verified?: boolean };

/**
 * A GPU from settings (`memwall.customGpus`) or `[tool.memwall]`: overrides fields of a known GPU with the same id,
 * or defines a new one. A new id starts from `base` when given; otherwise it must give `bandwidth` and at least one
 * peak (`vectorPeak.fp32` or a `tensorPeak`). Units are SI: FLOP/s, bytes/s, bytes, seconds.
 */
export interface CustomGpu {
  readonly id: string;
  readonly name?: string;
  /** A known GPU id to start from (for a new id). */
  readonly base?: string;
  readonly vendor?: Hardware['vendor'];
  readonly tensorPeak?: Readonly<Partial<Record<DType, CustomNumber>>>;
  readonly vectorPeak?: Readonly<Partial<Record<DType, CustomNumber>>>;
  readonly bandwidth?: CustomNumber;
  readonly memoryBytes?: CustomNumber;
  readonly l2Bytes?: CustomNumber;
  readonly lastLevelCacheBytes?: CustomNumber;
  readonly smCount?: CustomNumber;
  readonly launchOverhead?: CustomNumber;
  readonly memoryEfficiency?: CustomNumber;
  readonly computeEfficiency?: CustomNumber;
  /** Where the entry came from, shown as the source of its figures: `setting memwall.customGpus`. */
  readonly source?: string;
}

/** Figures a new custom GPU may leave out, with defaults that say they are defaults. */
const CUSTOM_DEFAULTS = {
  launchOverhead: 4e-6,
  memoryEfficiency: 0.85,
  computeEfficiency: 0.75,
} as const;

/** The built-in GPUs (and any custom ones), for `memwall gpus` and the GPU picker. */
export function listHardware(customGpus: readonly CustomGpu[] = []): Hardware[] {
  const byId = new Map(BUILT_IN.map((h) => [h.id, h] as const));
  for (const custom of customGpus) byId.set(custom.id, resolveHardware(custom.id, customGpus));
  return [...byId.values()];
}

/** The GPU with this id, user overrides merged; throws an Error naming the known ids when the id is unknown. */
export function resolveHardware(id: string, customGpus: readonly CustomGpu[] = []): Hardware {
  const wanted = id.trim().toLowerCase();
  const custom = [...customGpus].reverse().find((g) => g.id.trim().toLowerCase() === wanted);
  const builtIn = BUILT_IN.find((h) => h.id === wanted);
  if (!custom) {
    if (builtIn) return builtIn;
    const known = [...BUILT_IN.map((h) => h.id), ...customGpus.map((g) => g.id)];
    throw new Error(`unknown GPU "${id}"; known: ${known.join(', ')}`);
  }
  const label = custom.source ?? 'custom GPU (settings)';
  let start = builtIn;
  if (!start && custom.base !== undefined) {
    const baseId = custom.base.trim().toLowerCase();
    start = BUILT_IN.find((h) => h.id === baseId);
    if (!start) {
      throw new Error(`custom GPU "${custom.id}": unknown base GPU "${custom.base}"; known: ${BUILT_IN.map((h) => h.id).join(', ')}`);
    }
  }
  if (!start) return newCustomHardware(custom, label);
  return checkHardware(mergeOver(start, custom, label), label);
}

function sourced(value: CustomNumber, label: string): SourcedNumber {
  return typeof value === 'number'
    ? { value, source: label, verified: false }
    : { value: value.value, source: value.source ?? label, verified: value.verified ?? false };
}

function sourcedMap(
  values: Readonly<Partial<Record<DType, CustomNumber>>> | undefined,
  label: string,
): Partial<Record<DType, SourcedNumber>> {
  const out: Partial<Record<DType, SourcedNumber>> = {};
  for (const [dtype, value] of Object.entries(values ?? {})) {
    if (value !== undefined) out[dtype as DType] = sourced(value, label);
  }
  return out;
}

const SCALAR_FIELDS = [
  'bandwidth', 'memoryBytes', 'l2Bytes', 'lastLevelCacheBytes', 'smCount', 'launchOverhead', 'memoryEfficiency',
  'computeEfficiency',
] as const;

function mergeOver(start: Hardware, custom: CustomGpu, label: string): Hardware {
  const merged: Record<string, unknown> = {
    ...start,
    id: custom.id.trim().toLowerCase(),
    name: custom.name ?? (custom.id.trim().toLowerCase() === start.id ? start.name : `${custom.id} (from ${start.name})`),
    vendor: custom.vendor ?? start.vendor,
    tensorPeak: { ...start.tensorPeak, ...sourcedMap(custom.tensorPeak, label) },
    vectorPeak: { ...start.vectorPeak, ...sourcedMap(custom.vectorPeak, label) },
  };
  for (const field of SCALAR_FIELDS) {
    const value = custom[field];
    if (value !== undefined) merged[field] = sourced(value, label);
  }
  return merged as unknown as Hardware;
}

function newCustomHardware(custom: CustomGpu, label: string): Hardware {
  const tensorPeak = sourcedMap(custom.tensorPeak, label);
  const vectorPeak = sourcedMap(custom.vectorPeak, label);
  const missing: string[] = [];
  if (custom.bandwidth === undefined) missing.push('bandwidth (bytes/s)');
  if (vectorPeak.fp32 === undefined && Object.keys(tensorPeak).length === 0) missing.push('vectorPeak.fp32 or a tensorPeak (FLOP/s)');
  if (missing.length > 0) {
    throw new Error(
      `custom GPU "${custom.id}" is new, so it needs ${missing.join(' and ')}, or "base": a known GPU id to start from`,
    );
  }
  const defaulted = (value: CustomNumber | undefined, fallback: number, what: string): SourcedNumber =>
    value === undefined ? { value: fallback, source: `not given; ${what}`, verified: false } : sourced(value, label);
  const hardware: Hardware = {
    id: custom.id.trim().toLowerCase(),
    name: custom.name ?? custom.id,
    vendor: custom.vendor ?? 'other',
    tensorPeak,
    vectorPeak,
    bandwidth: sourced(custom.bandwidth as CustomNumber, label),
    memoryBytes: defaulted(custom.memoryBytes, 0, 'capacity unknown'),
    l2Bytes: defaulted(custom.l2Bytes, 0, 'L2 size unknown (no L2 notes)'),
    ...(custom.lastLevelCacheBytes !== undefined ? { lastLevelCacheBytes: sourced(custom.lastLevelCacheBytes, label) } : {}),
    smCount: defaulted(custom.smCount, 0, 'SM count unknown (no wave-quantization term)'),
    launchOverhead: defaulted(custom.launchOverhead, CUSTOM_DEFAULTS.launchOverhead, 'the built-in GPUs\' 4 µs launch overhead'),
    memoryEfficiency: defaulted(custom.memoryEfficiency, CUSTOM_DEFAULTS.memoryEfficiency, 'assumed HBM streaming fraction'),
    computeEfficiency: defaulted(custom.computeEfficiency, CUSTOM_DEFAULTS.computeEfficiency, 'assumed large-GEMM fraction'),
  };
  return checkHardware(hardware, label);
}

/** Rejects figures that would make prices meaningless (zero or negative bandwidth, η outside (0, 1]). */
function checkHardware(hardware: Hardware, where: string): Hardware {
  const problems: string[] = [];
  const positive = (name: string, n: SourcedNumber | undefined) => {
    if (n !== undefined && !(Number.isFinite(n.value) && n.value > 0)) problems.push(`${name} must be a positive number`);
  };
  const nonNegative = (name: string, n: SourcedNumber | undefined) => {
    if (n !== undefined && !(Number.isFinite(n.value) && n.value >= 0)) problems.push(`${name} must be a number ≥ 0`);
  };
  positive('bandwidth', hardware.bandwidth);
  for (const [dtype, peak] of Object.entries(hardware.tensorPeak)) positive(`tensorPeak.${dtype}`, peak);
  for (const [dtype, peak] of Object.entries(hardware.vectorPeak)) positive(`vectorPeak.${dtype}`, peak);
  nonNegative('memoryBytes', hardware.memoryBytes);
  nonNegative('l2Bytes', hardware.l2Bytes);
  nonNegative('smCount', hardware.smCount);
  nonNegative('launchOverhead', hardware.launchOverhead);
  for (const name of ['memoryEfficiency', 'computeEfficiency'] as const) {
    const eta = hardware[name].value;
    if (!(Number.isFinite(eta) && eta > 0 && eta <= 1)) problems.push(`${name} must be in (0, 1]`);
  }
  if (problems.length > 0) throw new Error(`GPU "${hardware.id}" (${where}): ${problems.join('; ')}`);
  return hardware;
}
