// Human-readable figures for hovers and reports: FLOPs, bytes, rates and times with SI prefixes.

const PREFIXES: readonly [number, string][] = [
  [1e15, 'P'],
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** Three significant figures at most, no trailing zeros: 100.7, 2.4, 0.201. */
function significant(value: number): string {
  if (value === 0) return '0';
  const digits = Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return String(Number(value.toFixed(digits)));
}

function withPrefix(value: number, unit: string): string {
  for (const [scale, prefix] of PREFIXES) {
    if (Math.abs(value) >= scale) return `${significant(value / scale)} ${prefix}${unit}`;
  }
  return `${significant(value)} ${unit}`;
}

/** `2.42 GFLOP`. */
export function formatFlops(flops: number): string {
  return withPrefix(flops, 'FLOP');
}

/** Decimal bytes, as vendors quote bandwidth: `100.7 MB`. */
export function formatBytes(bytes: number): string {
  return withPrefix(bytes, 'B');
}

/** Binary units, as vendors quote cache sizes (NVIDIA's "50 MB L2" is 50 MiB): `50 MiB`. */
export function formatBinaryBytes(bytes: number): string {
  const units: readonly [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [scale, unit] of units) if (bytes >= scale) return `${significant(bytes / scale)} ${unit}`;
  return `${bytes} B`;
}

/** `989.4 TFLOP/s`. */
export function formatFlopRate(flopsPerSecond: number): string {
  return `${withPrefix(flopsPerSecond, 'FLOP')}/s`;
}

/** `3.35 TB/s`. */
export function formatBandwidth(bytesPerSecond: number): string {
  return `${withPrefix(bytesPerSecond, 'B')}/s`;
}

/** Microseconds in, `34 µs` / `1.9 ms` / `0.42 µs` out. */
export function formatTimeUs(us: number): string {
  if (us >= 1e6) return `${significant(us / 1e6)} s`;
  if (us >= 1e3) return `${significant(us / 1e3)} ms`;
  return `${significant(us)} µs`;
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
