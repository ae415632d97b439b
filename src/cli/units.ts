// Human units for the reports: the shared spelling from core/format (hovers, chart, panel), plus table shares.
import { formatFlops as formatFlopsShared } from '../core/format';

export { formatBandwidth, formatBytes, formatIntensity, formatPercent, formatRate, formatTime } from '../core/format';

/** FLOPs in the shared spelling, with an exact zero written `0` (a copy does no arithmetic; `0.00 FLOP` reads as rounding). */
export function formatFlops(flops: number | null): string {
  return flops === 0 ? '0' : formatFlopsShared(flops);
}

/** A fraction as a percentage with one decimal (`0.2%`, `61.0%`), which keeps the small normalization shares visible. */
export function formatShare(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
