// Memory layout of tensors, tracked just enough to know when `.contiguous()` and `.reshape()` really copy.
import type { Dim } from '../../ir/dims';
import { formatDim } from '../../ir/dims';

/**
 * Undefined means contiguous. `permuted`: the dims of a contiguous tensor reordered (transpose, permute), with
 * `order[i]` the memory rank of logical dim i (0 outermost), and `detached` the logical dims that a gap separates
 * from the dim just outside them in memory (a split, chunk or narrow shortened them, or a select removed a dim between
 * them): a reshape may merge such a dim with the dims inside it, never with the one outside. `strided`: gaps or
 * repeats that MemWall does not follow (expand, unfold, an unknown permutation), which no reshape that merges dims
 * can view.
 */
export type Layout =
  | { readonly kind: 'permuted'; readonly order: readonly number[]; readonly detached?: readonly number[] }
  | { readonly kind: 'strided' };

export type SizeOf = (dim: Dim) => number | undefined;

const identity = (rank: number): number[] => Array.from({ length: rank }, (_, i) => i);

function orderOf(layout: Layout | undefined, rank: number): number[] | undefined {
  if (!layout) return identity(rank);
  return layout.kind === 'permuted' && layout.order.length === rank ? [...layout.order] : undefined;
}

/**
 * The layout of an order and its detached dims, or undefined when that is contiguous: the order is the identity over
 * the dims that are not of size 1, and no such dim but the outermost is detached (the outermost has nothing outside
 * it to be separated from).
 */
function normalize(order: number[], shape: readonly Dim[], sizeOf: SizeOf, detached: readonly number[] = []): Layout | undefined {
  const kept = order.map((rank, index) => ({ rank, index })).filter(({ index }) => sizeOf(shape[index] as Dim) !== 1);
  const sorted = kept.every((entry, i) => i === 0 || entry.rank > (kept[i - 1] as { rank: number }).rank);
  const outermost = kept.reduce<{ rank: number; index: number } | undefined>((best, entry) => (best === undefined || entry.rank < best.rank ? entry : best), undefined);
  const gaps = [...new Set(detached)].filter((index) => index !== outermost?.index && kept.some((entry) => entry.index === index)).sort((a, b) => a - b);
  if (sorted && gaps.length === 0) return undefined;
  return gaps.length > 0 ? { kind: 'permuted', order, detached: gaps } : { kind: 'permuted', order };
}

/** Layout after a dim permutation: `perm[j]` is the input dim that output dim j reads. */
export function permuteLayout(layout: Layout | undefined, perm: readonly number[], outShape: readonly Dim[], sizeOf: SizeOf): Layout | undefined {
  const order = orderOf(layout, perm.length);
  if (!order) return { kind: 'strided' };
  const detached = layout?.kind === 'permuted' ? (layout.detached ?? []) : [];
  const moved = perm.flatMap((input, output) => (detached.includes(input) ? [output] : []));
  return normalize(perm.map((p) => order[p] as number), outShape, sizeOf, moved);
}

/**
 * Layout of the pieces of a split, chunk or narrow along `dim` (`removes` false: the dim is shortened) or of a select
 * or unbind (`removes` true: the dim is gone). A shortened dim is detached from the dim outside it; a removed dim
 * leaves a gap between the dims on either side of it, so the one inside it is detached. `shape` is the input's.
 */
export function pieceLayout(layout: Layout | undefined, shape: readonly Dim[], outShape: readonly Dim[], dim: number, removes: boolean, sizeOf: SizeOf): Layout | undefined {
  const order = orderOf(layout, shape.length);
  if (!order || dim < 0 || dim >= shape.length) return { kind: 'strided' };
  const detached = layout?.kind === 'permuted' ? (layout.detached ?? []) : [];
  if (!removes) return normalize(order, outShape, sizeOf, [...detached, dim]);
  // The dim just inside the removed one in memory (the next rank among dims not of size 1).
  const rank = order[dim] as number;
  const inside = order
    .map((r, index) => ({ r, index }))
    .filter(({ r, index }) => r > rank && sizeOf(shape[index] as Dim) !== 1)
    .sort((a, b) => a.r - b.r)[0];
  // Selecting along the innermost dim leaves a stride other than 1 inside: not contiguous, and not followed further.
  if (!inside) return { kind: 'strided' };
  const shift = (index: number): number => (index > dim ? index - 1 : index);
  const remaining = order.filter((_, index) => index !== dim);
  const reranked = remaining.map((r) => remaining.filter((other) => other < r).length);
  const kept = [...detached, inside.index].filter((index) => index !== dim).map(shift);
  return normalize(reranked, outShape, sizeOf, kept);
}

/**
 * A dim as a product of factors: the literal part and the symbols (or other terms, by their text) it multiplies.
 * Dims whose value is known count by value; undefined when a factor is not known at all.
 */
interface Factors {
  readonly literal: number;
  readonly symbols: readonly string[];
}

function factorsOf(dim: Dim, sizeOf: SizeOf): Factors | undefined {
  const value = sizeOf(dim);
  if (value !== undefined) return { literal: value, symbols: [] };
  if (dim.kind === 'unknown') return undefined;
  if (dim.kind === 'bin' && dim.op === '*') {
    const left = factorsOf(dim.left, sizeOf);
    const right = factorsOf(dim.right, sizeOf);
    return left && right ? times(left, right) : undefined;
  }
  return { literal: 1, symbols: [formatDim(dim)] };
}

function times(a: Factors, b: Factors): Factors {
  return { literal: a.literal * b.literal, symbols: [...a.symbols, ...b.symbols].sort() };
}

/** Whether `part` divides `whole` as products: its literal divides, and its symbols are among whole's. */
function divides(part: Factors, whole: Factors): boolean {
  if (part.literal === 0 || whole.literal % part.literal !== 0) return false;
  const left = [...whole.symbols];
  for (const symbol of part.symbols) {
    const at = left.indexOf(symbol);
    if (at < 0) return false;
    left.splice(at, 1);
  }
  return true;
}

function same(a: Factors, b: Factors): boolean {
  return a.literal === b.literal && a.symbols.length === b.symbols.length && a.symbols.every((symbol, i) => symbol === b.symbols[i]);
}

/**
 * Whether reshaping `input` (with `layout`) to `output` can be a view, and the result's layout. Dims are grouped by
 * matching products, over numbers where they are known and over symbols where they are not (`[B, T, H, D]` to
 * `[B, T, H*D]` groups H and D whatever B and T are); a group that merges several input dims is a view only when
 * those dims are adjacent and in order in memory and no gap separates them. Products that cannot be matched (a size
 * nothing says) count as a copy.
 */
export function reshapeLayout(
  layout: Layout | undefined,
  input: readonly Dim[],
  output: readonly Dim[],
  sizeOf: SizeOf,
): { copies: boolean; layout: Layout | undefined } {
  if (!layout) return { copies: false, layout: undefined };
  const inFactors = input.map((d) => factorsOf(d, sizeOf));
  const outFactors = output.map((d) => factorsOf(d, sizeOf));
  if (inFactors.some((f) => f === undefined) || outFactors.some((f) => f === undefined)) return { copies: true, layout: undefined };
  const isOne = (f: Factors | undefined): boolean => (f as Factors).literal === 1 && (f as Factors).symbols.length === 0;
  const inDims = inFactors.map((f, index) => ({ factors: f as Factors, index })).filter((d) => !isOne(d.factors));
  const outDims = outFactors.map((f, index) => ({ factors: f as Factors, index })).filter((d) => !isOne(d.factors));
  const groups: { inputs: number[]; outputs: number[] }[] = [];
  let i = 0;
  let j = 0;
  while (i < inDims.length && j < outDims.length) {
    const group = { inputs: [(inDims[i] as { index: number }).index], outputs: [(outDims[j] as { index: number }).index] };
    let inProduct = (inDims[i] as { factors: Factors }).factors;
    let outProduct = (outDims[j] as { factors: Factors }).factors;
    while (!same(inProduct, outProduct)) {
      // Numbers alone compare by size; with symbols, the smaller side is the one that divides the other.
      const numeric = inProduct.symbols.length === 0 && outProduct.symbols.length === 0;
      const growInput = numeric ? inProduct.literal < outProduct.literal : divides(inProduct, outProduct);
      const growOutput = numeric ? !growInput : divides(outProduct, inProduct);
      if (growInput) {
        i++;
        if (i >= inDims.length) return { copies: true, layout: undefined };
        inProduct = times(inProduct, (inDims[i] as { factors: Factors }).factors);
        group.inputs.push((inDims[i] as { index: number }).index);
      } else if (growOutput) {
        j++;
        if (j >= outDims.length) return { copies: true, layout: undefined };
        outProduct = times(outProduct, (outDims[j] as { factors: Factors }).factors);
        group.outputs.push((outDims[j] as { index: number }).index);
      } else return { copies: true, layout: undefined };
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
  const detached = new Set(layout.detached ?? []);
  for (const group of groups) {
    for (let k = 1; k < group.inputs.length; k++) {
      const inner = group.inputs[k] as number;
      if ((rankOf.get(inner) as number) !== (rankOf.get(group.inputs[k - 1] as number) as number) + 1 || detached.has(inner)) {
        return { copies: true, layout: undefined };
      }
    }
  }
  // A view: each output dim takes its group's memory position, split dims keep their order within it; the first
  // output of a group is detached when the group's outermost input was.
  const keys = new Map<number, number>();
  const outDetached: number[] = [];
  for (const group of groups) {
    const base = rankOf.get(group.inputs[0] as number) as number;
    group.outputs.forEach((out, k) => keys.set(out, base * 1024 + k));
    if (detached.has(group.inputs[0] as number)) outDetached.push(group.outputs[0] as number);
  }
  const order = output.map((_, index) => keys.get(index) ?? -1);
  const ranked = [...order].map((key, index) => ({ key, index })).sort((a, b) => a.key - b.key);
  const finalOrder = new Array<number>(output.length);
  ranked.forEach((entry, rank) => {
    finalOrder[entry.index] = rank;
  });
  return { copies: false, layout: normalize(finalOrder, output, sizeOf, outDetached) };
}
