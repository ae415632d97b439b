// Memory layout of tensors, tracked just enough to know when `.contiguous()` and `.reshape()` really copy.
import type { Dim } from '../../ir/dims';

/**
 * Undefined means contiguous. `permuted`: the dims of a contiguous tensor reordered (transpose, permute), with
 * `order[i]` the memory rank of logical dim i (0 outermost). `strided`: gaps or repeats in memory (slices of inner
 * dims, expand, pieces of a split along an inner dim), which no reshape that merges dims can view.
 */
export type Layout = { readonly kind: 'permuted'; readonly order: readonly number[] } | { readonly kind: 'strided' };

export type SizeOf = (dim: Dim) => number | undefined;

const identity = (rank: number): number[] => Array.from({ length: rank }, (_, i) => i);

function orderOf(layout: Layout | undefined, rank: number): number[] | undefined {
  if (!layout) return identity(rank);
  return layout.kind === 'permuted' && layout.order.length === rank ? [...layout.order] : undefined;
}

/** A permutation order, or undefined when it is the identity over the dims that are not of size 1. */
function normalize(order: number[], shape: readonly Dim[], sizeOf: SizeOf): Layout | undefined {
  const ranks = order.filter((_, i) => sizeOf(shape[i] as Dim) !== 1);
  const sorted = ranks.every((r, i) => i === 0 || r > (ranks[i - 1] as number));
  return sorted ? undefined : { kind: 'permuted', order };
}

/** Layout after a dim permutation: `perm[j]` is the input dim that output dim j reads. */
export function permuteLayout(layout: Layout | undefined, perm: readonly number[], outShape: readonly Dim[], sizeOf: SizeOf): Layout | undefined {
  const order = orderOf(layout, perm.length);
  if (!order) return { kind: 'strided' };
  return normalize(perm.map((p) => order[p] as number), outShape, sizeOf);
}

/**
 * Whether reshaping `input` (with `layout`) to `output` can be a view, and the result's layout. Dims are grouped by
 * matching products; a group that merges several input dims is a view only when those dims are adjacent and in
 * order in memory. Sizes that cannot be evaluated count as a copy (the common transpose-then-reshape case).
 */
export function reshapeLayout(
  layout: Layout | undefined,
  input: readonly Dim[],
  output: readonly Dim[],
  sizeOf: SizeOf,
): { copies: boolean; layout: Layout | undefined } {
  if (!layout) return { copies: false, layout: undefined };
  const inSizes = input.map(sizeOf);
  const outSizes = output.map(sizeOf);
  if (inSizes.some((s) => s === undefined) || outSizes.some((s) => s === undefined)) return { copies: true, layout: undefined };
  const inDims = inSizes.map((s, i) => ({ size: s as number, index: i })).filter((d) => d.size !== 1);
  const outDims = outSizes.map((s, i) => ({ size: s as number, index: i })).filter((d) => d.size !== 1);
  const groups: { inputs: number[]; outputs: number[] }[] = [];
  let i = 0;
  let j = 0;
  while (i < inDims.length && j < outDims.length) {
    const group = { inputs: [(inDims[i] as { index: number }).index], outputs: [(outDims[j] as { index: number }).index] };
    let inProduct = (inDims[i] as { size: number }).size;
    let outProduct = (outDims[j] as { size: number }).size;
    while (inProduct !== outProduct) {
      if (inProduct < outProduct) {
        i++;
        if (i >= inDims.length) return { copies: true, layout: undefined };
        inProduct *= (inDims[i] as { size: number }).size;
        group.inputs.push((inDims[i] as { index: number }).index);
      } else {
        j++;
        if (j >= outDims.length) return { copies: true, layout: undefined };
        outProduct *= (outDims[j] as { size: number }).size;
        group.outputs.push((outDims[j] as { index: number }).index);
      }
    }
    groups.push(group);
    i++;
    j++;
  }
  const merges = groups.some((g) => g.inputs.length > 1);
  if (layout.kind === 'strided') return { copies: merges, layout: merges ? undefined : layout };
  // Memory ranks of the dims that matter, re-ranked without the size-1 dims.
  const kept = inDims.map((d) => d.index);
  const rankOf = new Map<number, number>();
  [...kept].sort((a, b) => (layout.order[a] as number) - (layout.order[b] as number)).forEach((index, rank) => rankOf.set(index, rank));
  for (const group of groups) {
    for (let k = 1; k < group.inputs.length; k++) {
      if ((rankOf.get(group.inputs[k] as number) as number) !== (rankOf.get(group.inputs[k - 1] as number) as number) + 1) {
        return { copies: true, layout: undefined };
      }
    }
  }
  // A view: each output dim takes its group's memory position, split dims keep their order within it.
  const keys = new Map<number, number>();
  for (const group of groups) {
    const base = rankOf.get(group.inputs[0] as number) as number;
    group.outputs.forEach((out, k) => keys.set(out, base * 1024 + k));
  }
  const order = output.map((_, index) => keys.get(index) ?? -1);
  const ranked = [...order].map((key, index) => ({ key, index })).sort((a, b) => a.key - b.key);
  const finalOrder = new Array<number>(output.length);
  ranked.forEach((entry, rank) => {
    finalOrder[entry.index] = rank;
  });
  return { copies: false, layout: normalize(finalOrder, output, sizeOf) };
}
