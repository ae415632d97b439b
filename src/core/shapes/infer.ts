// Symbolic shape arithmetic the op catalog shares: broadcasting, reshapes with -1, transposes, reductions, conv sizes.
import { bin, num, product, sameDim, unknownDim, type Dim } from '../ir/dims';
import type { AttrValue } from '../ir/types';

export type Shape = readonly Dim[];

/** An attribute as a dim: numbers become literal dims, dims stay, anything else is undefined. */
export function attrDim(value: AttrValue | undefined): Dim | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? num(value) : undefined;
  if (typeof value === 'boolean') return num(value ? 1 : 0);
  if (value && typeof value === 'object' && !Array.isArray(value) && 'kind' in (value as object)) return value as Dim;
  return undefined;
}

/** An attribute as a list of dims: a single int is repeated `count` times (PyTorch's `_pair`, `_triple`). */
export function attrDims(value: AttrValue | undefined, count?: number): Dim[] | undefined {
  if (Array.isArray(value)) return (value as readonly Dim[]).map((d) => d);
  const single = attrDim(value);
  if (single === undefined) return undefined;
  return Array.from({ length: count ?? 1 }, () => single);
}

/** The literal value of a dim, or undefined when it is symbolic. */
export function literal(dim: Dim | undefined): number | undefined {
  return dim?.kind === 'num' ? dim.value : undefined;
}

/**
 * Simplifies what shape code produces most: `(3*C)//C` → 3, `(a*b)//b` → a, `x//1` → x, `(x*k)//k` → x.
 * Division is only cancelled when a factor matches exactly, which is always valid for integer products.
 */
export function simplify(dim: Dim): Dim {
  if (dim.kind !== 'bin') return dim;
  // Dims are immutable and shared between shapes, so each one is simplified once.
  const cached = SIMPLIFIED.get(dim);
  if (cached) return cached;
  const result = simplifyBin(dim);
  SIMPLIFIED.set(dim, result);
  if (result !== dim) SIMPLIFIED.set(result, result);
  return result;
}

const SIMPLIFIED = new WeakMap<Dim, Dim>();

function simplifyBin(dim: Extract<Dim, { kind: 'bin' }>): Dim {
  const left = simplify(dim.left);
  const right = simplify(dim.right);
  if ((dim.op === '//' || dim.op === '/') && left.kind === 'bin' && left.op === '*') {
    if (sameDim(left.right, right)) return left.left;
    if (sameDim(left.left, right)) return left.right;
  }
  if ((dim.op === '//' || dim.op === '/') && sameDim(left, right)) return num(1);
  // a * (b // a) is b only when a divides b: accept it when a is one of b's factors, never in general.
  if (dim.op === '*' && right.kind === 'bin' && right.op === '//' && sameDim(right.right, left) && flattenFactors([right.left]).some((f) => sameDim(f, left))) {
    return right.left;
  }
  if (dim.op === '+' || dim.op === '-') return simplifySum(bin(dim.op, left, right));
  const rebuilt = bin(dim.op, left, right);
  // Nothing changed: the dim itself is its simplest form (one cache entry instead of two).
  return rebuilt.kind === 'bin' && rebuilt.left === dim.left && rebuilt.right === dim.right ? dim : rebuilt;
}

/** `a + 2 - 1` → `a + 1`, `(i + 1) - i` → `1`: literal terms folded, equal terms of opposite sign cancelled. */
function simplifySum(dim: Dim): Dim {
  if (dim.kind !== 'bin') return dim;
  const terms: { sign: number; term: Dim }[] = [];
  let constant = 0;
  const visit = (d: Dim, sign: number): void => {
    if (d.kind === 'bin' && (d.op === '+' || d.op === '-')) {
      visit(d.left, sign);
      visit(d.right, d.op === '+' ? sign : -sign);
    } else if (d.kind === 'num') constant += sign * d.value;
    else terms.push({ sign, term: d });
  };
  visit(dim, 1);
  for (let i = 0; i < terms.length; i++) {
    const a = terms[i] as { sign: number; term: Dim };
    const j = terms.findIndex((b, k) => k > i && b.sign === -a.sign && sameDim(b.term, a.term));
    if (j >= 0) {
      terms.splice(j, 1);
      terms.splice(i, 1);
      i--;
    }
  }
  if (terms.length === 0) return num(constant);
  let result: Dim = (terms[0] as { sign: number }).sign > 0 ? (terms[0] as { term: Dim }).term : bin('-', num(0), (terms[0] as { term: Dim }).term);
  for (const { sign, term } of terms.slice(1)) result = bin(sign > 0 ? '+' : '-', result, term);
  if (constant > 0) result = bin('+', result, num(constant));
  if (constant < 0) result = bin('-', result, num(-constant));
  return result;
}

/** Index `index` (may be negative) into a rank; undefined when out of range or not a literal. */
export function normalizeIndex(index: Dim | number | undefined, rank: number): number | undefined {
  const value = typeof index === 'number' ? index : literal(index);
  if (value === undefined) return undefined;
  const normalized = value < 0 ? value + rank : value;
  return normalized >= 0 && normalized < rank ? normalized : undefined;
}

function isOne(dim: Dim | undefined): boolean {
  return dim?.kind === 'num' && dim.value === 1;
}

/** NumPy broadcasting over symbolic shapes; a dim of 1 yields to the other, unequal symbols keep the first seen. */
export function broadcast(shapes: readonly (Shape | null)[]): Dim[] | null {
  if (shapes.length === 0 || shapes.some((s) => s === null)) return null;
  const present = shapes as readonly Shape[];
  const rank = Math.max(...present.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim | undefined;
    for (const shape of present) {
      const d = shape[shape.length - rank + i];
      if (d === undefined) continue;
      if (dim === undefined || isOne(dim)) dim = d;
    }
    out.push(dim ?? num(1));
  }
  return out;
}

/** Swaps two dims; undefined indices leave the shape unknown. */
export function transpose(shape: Shape | null, first: Dim | number | undefined, second: Dim | number | undefined): Dim[] | null {
  if (!shape) return null;
  const a = normalizeIndex(first, shape.length);
  const b = normalizeIndex(second, shape.length);
  if (a === undefined || b === undefined) return null;
  const out = [...shape];
  [out[a], out[b]] = [shape[b] as Dim, shape[a] as Dim];
  return out;
}

export function permute(shape: Shape | null, order: readonly Dim[] | undefined): Dim[] | null {
  if (!shape || !order || order.length !== shape.length) return null;
  const out: Dim[] = [];
  for (const d of order) {
    const index = normalizeIndex(d, shape.length);
    if (index === undefined) return null;
    out.push(shape[index] as Dim);
  }
  return out;
}

/**
 * `view`/`reshape`: a -1 takes what is left of the element count. The leftover is simplified by cancelling factors
 * the input and the known target dims share, so `[B, T, C]` → `(B*T, -1)` gives `[B*T, C]`.
 */
export function reshape(shape: Shape | null, target: readonly Dim[] | undefined): Dim[] | null {
  if (!target) return null;
  const inferred = target.findIndex((d) => d.kind === 'num' && d.value === -1);
  if (inferred < 0) return [...target];
  if (!shape) return null;
  const known = target.filter((_, i) => i !== inferred);
  const remaining = cancel(flattenFactors(shape), known.flatMap((d) => flattenFactors([d])));
  const out = [...target];
  out[inferred] = remaining;
  return out;
}

/** The multiplicative factors of a product of dims: `[B*T, C]` → B, T, C. */
function flattenFactors(dims: readonly Dim[]): Dim[] {
  const out: Dim[] = [];
  const visit = (dim: Dim): void => {
    if (dim.kind === 'bin' && dim.op === '*') {
      visit(dim.left);
      visit(dim.right);
    } else out.push(dim);
  };
  dims.forEach(visit);
  return out;
}

/** numerator / denominator with common factors removed; literals are folded, anything left is divided out. */
function cancel(numerator: Dim[], denominator: Dim[]): Dim {
  const top = [...numerator];
  const rest: Dim[] = [];
  for (const factor of denominator) {
    const index = top.findIndex((d) => sameDim(d, factor));
    if (index >= 0) top.splice(index, 1);
    else rest.push(factor);
  }
  let topLiteral = 1;
  const topSymbols: Dim[] = [];
  for (const d of top) {
    if (d.kind === 'num') topLiteral *= d.value;
    else topSymbols.push(d);
  }
  let bottomLiteral = 1;
  const bottomSymbols: Dim[] = [];
  for (const d of rest) {
    if (d.kind === 'num') bottomLiteral *= d.value;
    else bottomSymbols.push(d);
  }
  if (bottomLiteral !== 1 && topLiteral % bottomLiteral === 0) {
    topLiteral /= bottomLiteral;
    bottomLiteral = 1;
  }
  let result = bin('*', num(topLiteral), product(topSymbols));
  if (bottomLiteral !== 1) result = bin('//', result, num(bottomLiteral));
  if (bottomSymbols.length > 0) result = simplify(bin('//', result, product(bottomSymbols)));
  return result;
}

/** `flatten(start_dim, end_dim)`. */
export function flatten(shape: Shape | null, start: Dim | number | undefined, end: Dim | number | undefined): Dim[] | null {
  if (!shape) return null;
  if (shape.length === 0) return [num(1)];
  const a = normalizeIndex(start ?? 0, shape.length);
  const b = normalizeIndex(end ?? -1, shape.length);
  if (a === undefined || b === undefined || b < a) return null;
  return [...shape.slice(0, a), product(shape.slice(a, b + 1)), ...shape.slice(b + 1)];
}

export function unsqueeze(shape: Shape | null, dim: Dim | number | undefined): Dim[] | null {
  if (!shape) return null;
  const index = normalizeIndex(dim, shape.length + 1);
  if (index === undefined) return null;
  return [...shape.slice(0, index), num(1), ...shape.slice(index)];
}

export function squeeze(shape: Shape | null, dim: Dim | number | undefined): Dim[] | null {
  if (!shape) return null;
  if (dim === undefined) return shape.filter((d) => !isOne(d));
  const index = normalizeIndex(dim, shape.length);
  if (index === undefined) return null;
  return isOne(shape[index]) ? [...shape.slice(0, index), ...shape.slice(index + 1)] : [...shape];
}

/** Reduces over `dims` (all when undefined), keeping size-1 dims when keepdim. */
export function reduce(shape: Shape | null, dims: readonly Dim[] | undefined, keepdim: boolean): Dim[] | null {
  if (!shape) return null;
  if (dims === undefined || dims.length === 0) return keepdim ? shape.map(() => num(1)) : [];
  const indices = new Set<number>();
  for (const d of dims) {
    const index = normalizeIndex(d, shape.length);
    if (index === undefined) return null;
    indices.add(index);
  }
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (!indices.has(i)) out.push(d);
    else if (keepdim) out.push(num(1));
  });
  return out;
}

/** torch.matmul's shape rules, with batch broadcasting and the 1-D cases. */
export function matmul(a: Shape | null, b: Shape | null): Dim[] | null {
  if (!a || !b || a.length === 0 || b.length === 0) return null;
  if (a.length === 1 && b.length === 1) return [];
  if (a.length === 1) return [...b.slice(0, -2), b[b.length - 1] as Dim];
  if (b.length === 1) return [...a.slice(0, -1)];
  const batch = broadcast([a.slice(0, -2), b.slice(0, -2)]) ?? [];
  return [...batch, a[a.length - 2] as Dim, b[b.length - 1] as Dim];
}

/** One spatial output size of a convolution or pooling: ⌊(in + 2p − d(k−1) − 1)/s⌋ + 1. */
export function convOutputSize(size: Dim, kernel: Dim, stride: Dim, padding: Dim, dilation: Dim, ceilMode = false): Dim {
  const span = bin('*', dilation, bin('-', kernel, num(1)));
  const numerator = bin('-', bin('-', bin('+', size, bin('*', num(2), padding)), span), num(1));
  // The common "same" and stride-1 cases fold to the input size, so shapes stay readable.
  if (literal(stride) === 1) return simplifyLinear(bin('+', numerator, num(1)), size);
  if (!ceilMode) return bin('+', bin('//', numerator, stride), num(1));
  // Pooling with ceil_mode=True rounds up (squeezenet's MaxPool2d(3, 2, ceil_mode=True): 54 → 27, not 26), except that
  // PyTorch drops a last window that would start past the input and its left padding (pooling_output_shape).
  const rounded = bin('+', bin('//', bin('+', numerator, bin('-', stride, num(1))), stride), num(1));
  const [out, step, length, pad] = [literal(rounded), literal(stride), literal(size), literal(padding)];
  if (out !== undefined && step !== undefined && length !== undefined && pad !== undefined && (out - 1) * step >= length + pad) return num(out - 1);
  return rounded;
}

/** Transposed convolution: (in − 1)s − 2p + d(k−1) + output_padding + 1. */
export function convTransposeOutputSize(size: Dim, kernel: Dim, stride: Dim, padding: Dim, dilation: Dim, outputPadding: Dim): Dim {
  const grown = bin('*', bin('-', size, num(1)), stride);
  return bin('+', bin('+', bin('+', bin('-', grown, bin('*', num(2), padding)), bin('*', dilation, bin('-', kernel, num(1)))), outputPadding), num(1));
}

/** When `expression` is `size + c` for a literal c, returns `size + c` folded (`size` itself when c is 0). */
function simplifyLinear(expression: Dim, size: Dim): Dim {
  const offset = linearOffset(expression, size);
  if (offset === undefined) return expression;
  return offset === 0 ? size : offset > 0 ? bin('+', size, num(offset)) : bin('-', size, num(-offset));
}

/** If `dim` is `base ± literals`, the total literal offset. */
function linearOffset(dim: Dim, base: Dim): number | undefined {
  if (sameDim(dim, base)) return 0;
  if (dim.kind === 'num' && base.kind === 'num') return dim.value - base.value;
  if (dim.kind !== 'bin' || (dim.op !== '+' && dim.op !== '-')) return undefined;
  const inner = linearOffset(dim.left, base);
  if (inner === undefined || dim.right.kind !== 'num') return undefined;
  return dim.op === '+' ? inner + dim.right.value : inner - dim.right.value;
}

/** The spatial dims of a conv-like op with `spatial` dims: input [N, C, *spatial] (or unbatched [C, *spatial]). */
export function convShape(
  input: Shape | null,
  outChannels: Dim | undefined,
  spatial: number,
  kernel: readonly Dim[] | undefined,
  stride: readonly Dim[] | undefined,
  padding: readonly Dim[] | undefined,
  dilation: readonly Dim[] | undefined,
): Dim[] | null {
  if (!input || !kernel || input.length < spatial + 1) return null;
  const lead = input.slice(0, input.length - spatial - 1);
  const sizes = input.slice(input.length - spatial);
  const out = sizes.map((size, i) =>
    convOutputSize(size, kernel[i] ?? unknownDim('kernel'), stride?.[i] ?? num(1), padding?.[i] ?? num(0), dilation?.[i] ?? num(1)),
  );
  return [...lead, outChannels ?? (input[input.length - spatial - 1] as Dim), ...out];
}
