// Human units for the reports: FLOPs with SI prefixes, decimal bytes, µs/ms, intensities and shares.

const PREFIXES = ['', 'K', 'M', 'G', 'T', 'P', 'E'];

/** Three significant figures at most, trailing zeros kept to one decimal so columns read evenly: `14.5`, `152`, `3.35`. */
function significant(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Scales by powers of 1000 and names the prefix: 1.45e10 → `14.5 G`. */
function withPrefix(value: number, unit: string): string {
  if (value === 0) return `0 ${unit}`.trimEnd();
  let index = 0;
  let scaled = Math.abs(value);
  while (scaled >= 999.5 && index < PREFIXES.length - 1) {
    scaled /= 1000;
    index++;
  }
  const sign = value < 0 ? '-' : '';
  return `${sign}${significant(scaled)} ${PREFIXES[index]}${unit}`.trimEnd();
}

/** `14.5 GFLOP`; `?` when the count is unknown (never 0). */
export function formatFlops(flops: number | null): string {
  return flops === null ? '?' : withPrefix(flops, 'FLOP');
}

/** Decimal bytes, as GPU datasheets count them (`100.7 MB` is 100.7·10⁶ bytes), in the rules' message style. */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '?';
  const units: readonly [number, string][] = [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  for (const [size, unit] of units) if (Math.abs(bytes) >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  return `${Math.round(bytes)} B`;
}

/** Microseconds in, the unit a reader expects out, as rule messages write it: `3.6 µs`, `34 µs`, `1.92 ms`, `2.41 s`. */
export function formatTime(microseconds: number | null): string {
  if (microseconds === null) return '?';
  const magnitude = Math.abs(microseconds);
  if (magnitude < 10) return `${microseconds.toFixed(1)} µs`;
  if (magnitude < 1000) return `${Math.round(microseconds)} µs`;
  if (magnitude < 1e6) return `${(microseconds / 1000).toFixed(2)} ms`;
  return `${(microseconds / 1e6).toFixed(2)} s`;
}

/** FLOP per byte: two decimals below 1, one below 100, whole numbers above. */
export function formatIntensity(intensity: number | null): string {
  if (intensity === null) return '?';
  if (intensity < 1) return intensity.toFixed(2);
  if (intensity < 100) return intensity.toFixed(1);
  return intensity.toFixed(0);
}

/** A fraction as a percentage with one decimal (`0.2%`, `61.0%`), which keeps the small normalization shares visible. */
export function formatShare(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** A fraction as a whole percentage, `<1%` for a share that is small but not zero. */
export function formatPercent(fraction: number): string {
  if (fraction > 0 && fraction < 0.005) return '<1%';
  return `${Math.round(fraction * 100)}%`;
}

/** FLOP/s with prefix: `989 TFLOP/s`. */
export function formatRate(flopsPerSecond: number): string {
  return `${withPrefix(flopsPerSecond, 'FLOP/s')}`;
}

/** Bytes/s with prefix: `3.35 TB/s`. */
export function formatBandwidth(bytesPerSecond: number): string {
  return `${withPrefix(bytesPerSecond, 'B/s')}`;
}
