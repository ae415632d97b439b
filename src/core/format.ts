// Number formatting shared by hovers, the chart, the panel, reports, rule messages and the cost model's explanations: one spelling of every unit everywhere.

const SI_PREFIXES: readonly [number, string][] = [
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** Three significant digits at most, no trailing zeros beyond one decimal: 3.35, 100.7, 989, 0.20. */
function significant(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(magnitude >= 1000 ? 0 : 1).replace(/\.0$/, '');
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** `1.61 G`, `100.7 M`, `512` — decimal SI prefixes (bytes are 10^6 per MB, as datasheets count them). */
export function formatSi(value: number, unit = ''): string {
  if (!Number.isFinite(value)) return `? ${unit}`.trim();
  if (value === 0) return `0 ${unit}`.trim();
  const magnitude = Math.abs(value);
  for (const [scale, prefix] of SI_PREFIXES) {
    if (magnitude >= scale) return `${significant(value / scale)} ${prefix}${unit}`;
  }
  return `${significant(value)} ${unit}`.trim();
}

/** Axis ticks: `0.1`, `10`, `1k`, `100 T` — no trailing zeros. */
export function formatTick(value: number): string {
  for (const [scale, prefix] of SI_PREFIXES) {
    if (Math.abs(value) >= scale) return `${Number((value / scale).toPrecision(3))} ${prefix}`;
  }
  return String(Number(value.toPrecision(3)));
}

/** `B=8 from magic comment (line 3)`: a size with where it came from. */
export function formatAssumption(assumption: { readonly symbol: string; readonly value: number | string; readonly source: string }): string {
  return `${assumption.symbol}=${assumption.value} from ${assumption.source}`;
}

export const formatFlops = (flops: number | null): string => (flops === null ? 'unknown' : formatSi(flops, 'FLOP'));
export const formatBytes = (bytes: number | null): string => (bytes === null ? 'unknown' : formatSi(bytes, 'B'));
export const formatRate = (flopsPerSecond: number): string => formatSi(flopsPerSecond, 'FLOP/s');
export const formatBandwidth = (bytesPerSecond: number): string => formatSi(bytesPerSecond, 'B/s');

/** Intensity in FLOP/byte: `2.0`, `295`, `0.17`. */
export function formatIntensity(intensity: number | null): string {
  if (intensity === null || !Number.isFinite(intensity)) return 'unknown';
  if (intensity === 0) return '0';
  if (intensity >= 100) return intensity.toFixed(0);
  if (intensity >= 1) return intensity.toFixed(1);
  return intensity.toPrecision(2);
}

/** Microseconds as `34 µs`, `4.0 µs`, `0.40 µs`, `1.90 ms`, `2.10 s`. */
export function formatTime(timeUs: number | null): string {
  if (timeUs === null || !Number.isFinite(timeUs)) return 'unknown';
  if (timeUs >= 1e6) return `${significant(timeUs / 1e6)} s`;
  if (timeUs >= 1e3) return `${significant(timeUs / 1e3)} ms`;
  if (timeUs >= 10) return `${timeUs.toFixed(0)} µs`;
  if (timeUs >= 1) return `${timeUs.toFixed(1)} µs`;
  if (timeUs === 0) return '0 µs';
  return `${timeUs.toFixed(2)} µs`;
}

export function formatPercent(fraction: number): string {
  if (!Number.isFinite(fraction)) return '?%';
  const percent = fraction * 100;
  if (percent > 0 && percent < 1) return '<1%';
  return `${percent.toFixed(0)}%`;
}

/** Short names of bounds, for inlay hints and table cells. */
export const BOUND_SHORT: Readonly<Record<string, string>> = {
  memory: 'mem',
  compute: 'compute',
  overhead: 'overhead',
  unknown: '?',
};

/** A numeric shape with its dtype: `[8, 1024, 3072] bf16`; `[?]` when unknown. */
export function formatTensor(shape: readonly number[] | null, dtype: string | null): string {
  return `${shape ? `[${shape.join(', ')}]` : '[?]'}${dtype ? ` ${dtype}` : ''}`;
}

/** Binary units, as vendors quote cache sizes (NVIDIA's "50 MB L2" is 50 MiB): `50 MiB`. */
export function formatBinaryBytes(bytes: number): string {
  const units: readonly [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [scale, unit] of units) if (bytes >= scale) return `${significant(bytes / scale)} ${unit}`;
  return `${bytes} B`;
}
