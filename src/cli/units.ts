// Human units for the reports: the shared spelling from core/chart/format (hovers, chart, panel), plus table shares.
export { formatBandwidth, formatBytes, formatFlops, formatIntensity, formatPercent, formatRate, formatTime } from '../core/chart/format';

/** A fraction as a percentage with one decimal (`0.2%`, `61.0%`), which keeps the small normalization shares visible. */
export function formatShare(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
