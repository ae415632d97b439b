// The two spellings reports use beyond core/format: an exact zero of FLOPs, and shares with one decimal for tables.
import { formatFlops as formatFlopsShared } from '../format';

/** FLOPs in the shared spelling, with an exact zero written `0` (a copy does no arithmetic; `0.00 FLOP` reads as rounding). */
export function formatFlops(flops: number | null): string {
  return flops === 0 ? '0' : formatFlopsShared(flops);
}

/** A fraction as a percentage with one decimal (`0.2%`, `61.0%`), which keeps the small normalization shares visible. */
export function formatShare(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
