// Wording helpers shared by rule messages: bytes, microseconds, shares and repeats, in one style.
import type { OpNode } from '../ir/types';
import { formatBytes, formatTime as formatMicroseconds } from '../format';
import type { GraphIndex, Saving } from './graph-index';

/**
 * A fusion or copy finding whose largest tensor is smaller than this is a hint: at a few hundred kB a kernel's time is
 * its launch, and the advice rarely pays (a `[B, 512]` chain, scalars).
 */
export const SIZE_FLOOR_BYTES = 250_000;

/** Bytes and times in the one spelling of units that hovers, reports and the chart share. */
export { formatBytes, formatMicroseconds };

export function formatShare(share: number): string {
  const percent = share * 100;
  return percent >= 10 ? `${Math.round(percent)}%` : `${percent.toFixed(1)}%`;
}

/** `F.gelu (line 12)`: how a message names an op; lines are shown 1-based. */
export function opName(op: OpNode): string {
  return `${op.label} (line ${op.span.startLine + 1})`;
}

/** `F.gelu → x * 0.5 → dropout`: the labels of a chain. */
export function opChain(ops: readonly OpNode[]): string {
  return ops.map((op) => op.label).join(' → ');
}

/** ` ×12` when the ops run more than once per call (a loop over layers), else empty. */
export function repeatSuffix(index: GraphIndex, opId: number): string {
  const repeat = index.repeat(opId);
  return repeat > 1 ? ` (×${repeat} per forward)` : '';
}

/**
 * `3.1% of the forward`, or `59% of the priced forward (40 ops unpriced)` while some of its ops have no price: a
 * share of a partly priced forward overstates, and says so.
 */
export function shareOfForward(index: GraphIndex, share: number, anchorId: number, given?: string): string {
  const unpriced = index.forwardUnpricedOps(anchorId);
  const forward = given === undefined ? 'forward' : `forward with ${given}`;
  if (unpriced === 0) return `${formatShare(share)} of the ${forward}`;
  return `${formatShare(share)} of the priced ${forward} (${unpriced} op${unpriced > 1 ? 's' : ''} unpriced)`;
}

/**
 * `saves 100.7 MB and ≈ 30 µs per forward (×12, 3.1% of the forward)`, or a plain note when sizes are unknown.
 * The share is of the estimated time of the forward that holds the anchor op; `given` names the optional input its
 * ops need (`labels`), and the share is then of the forward with it (`of the forward with labels`).
 */
export function describeSaving(index: GraphIndex, saving: Saving, anchorId: number, given?: string, times?: number): string {
  if (saving.bytesSaved === null || saving.timeSavedUs === null) {
    return 'saves traffic that cannot be priced until every shape is known';
  }
  const parts: string[] = [];
  // `times` when the saving is counted fewer times than the anchor runs (one layer's sum read by the next: n − 1).
  const repeat = times ?? index.repeat(anchorId);
  if (repeat > 1) parts.push(`×${repeat}`);
  // A saving on a branch that runs only with an optional input (the loss with labels) is a share of that forward.
  const forward = index.forwardTimeUs(anchorId, given !== undefined);
  if (forward > 0) parts.push(shareOfForward(index, saving.timeSavedUs / forward, anchorId, given));
  const tail = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  return `saves ${formatBytes(saving.bytesSaved)} and ≈ ${formatMicroseconds(saving.timeSavedUs)} per forward${tail}`;
}
