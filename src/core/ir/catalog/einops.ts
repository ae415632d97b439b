// einops.rearrange / repeat / reduce: shapes read from the pattern string and the axis sizes given as keywords.
import { bin, num, product, unknownDim, type Dim } from '../dims';
import type { InferContext } from '../opspec';
import { attrDim, simplify } from '../../shapes/infer';
import { COMPULSORY_TEXT, copyEntry, perInputElement, viewEntry, type CatalogEntry } from './entry';
import { compulsoryBytes } from './helpers';

/** One side of a pattern: groups of axis names; `...` stands for the dims no group names. */
type Side = string[][];

function parseSide(text: string): Side | undefined {
  const groups: Side = [];
  let open: string[] | undefined;
  for (const token of text.match(/\.\.\.|[A-Za-z_][A-Za-z0-9_]*|\d+|[()]/g) ?? []) {
    if (token === '(') {
      if (open) return undefined;
      open = [];
    } else if (token === ')') {
      if (!open) return undefined;
      // `(...)` merges the dims the ellipsis stands for into one.
      groups.push(open.length === 1 && open[0] === '...' ? ['(...)'] : open);
      open = undefined;
    } else if (open) open.push(token);
    else groups.push([token]);
  }
  return open ? undefined : groups;
}

export function parsePattern(pattern: string): { left: Side; right: Side } | undefined {
  const [lhs, rhs] = pattern.split('->');
  if (lhs === undefined || rhs === undefined) return undefined;
  const left = parseSide(lhs);
  const right = parseSide(rhs);
  return left && right ? { left, right } : undefined;
}

/** Output shape: axis sizes come from the input (a group's one unnamed axis is what the others leave) and keywords. */
function einopsInfer({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const pattern = typeof attrs.pattern === 'string' ? parsePattern(attrs.pattern) : undefined;
  const x = inputs[0];
  if (!pattern || !x) return [null];
  const sizes = new Map<string, Dim>();
  let ellipsis: Dim[] = [];
  const named = pattern.left.filter((g) => !(g.length === 1 && g[0] === '...')).length;
  if (pattern.left.length - named > 0 ? x.length < named : x.length !== named) return [null];
  let position = 0;
  for (const group of pattern.left) {
    if (group.length === 1 && group[0] === '...') {
      const count = x.length - named;
      ellipsis = x.slice(position, position + count);
      position += count;
      continue;
    }
    const dim = x[position++] as Dim;
    const unknown = group.filter((axis) => !/^\d+$/.test(axis) && attrDim(attrs[axis]) === undefined);
    if (group.length === 1 && unknown.length === 1) {
      sizes.set(group[0] as string, dim);
      continue;
    }
    const known = group.filter((axis) => !unknown.includes(axis)).map((axis) => (/^\d+$/.test(axis) ? num(Number(axis)) : (attrDim(attrs[axis]) as Dim)));
    for (const axis of group) if (!unknown.includes(axis) && !/^\d+$/.test(axis)) sizes.set(axis, attrDim(attrs[axis]) as Dim);
    if (unknown.length === 1) sizes.set(unknown[0] as string, simplify(bin('//', dim, product(known))));
    else if (unknown.length > 1) return [null];
  }
  const out: Dim[] = [];
  for (const group of pattern.right) {
    if (group.length === 1 && group[0] === '...') {
      out.push(...ellipsis);
      continue;
    }
    if (group.length === 1 && group[0] === '(...)') {
      out.push(simplify(product(ellipsis)));
      continue;
    }
    out.push(simplify(product(group.map((axis) => (/^\d+$/.test(axis) ? num(Number(axis)) : sizes.get(axis) ?? attrDim(attrs[axis]) ?? unknownDim(`einops axis ${axis}`))))));
  }
  return [out];
}

/**
 * Whether a rearrange must copy: it does when an output group merges axes that are not adjacent and in order in
 * the input (a transpose followed by a merge), the same rule as torch's reshape of a permuted tensor.
 */
export function rearrangeCopies(pattern: string): boolean {
  const parsed = parsePattern(pattern);
  if (!parsed) return false;
  const order = parsed.left.flat().filter((axis) => !/^\d+$/.test(axis));
  for (const group of parsed.right) {
    const positions = group.filter((axis) => !/^\d+$/.test(axis)).map((axis) => order.indexOf(axis));
    for (let i = 1; i < positions.length; i++) if ((positions[i] as number) !== (positions[i - 1] as number) + 1) return true;
  }
  return false;
}

export const EINOPS_OPS: Readonly<Record<string, CatalogEntry>> = {
  'einops.rearrange': viewEntry(['tensor', 'pattern'], einopsInfer),
  'einops.repeat': copyEntry(['tensor', 'pattern'], einopsInfer),
  'einops.reduce': {
    category: 'reduction',
    unit: 'vector',
    signature: ['tensor', 'pattern', 'reduction'],
    infer: einopsInfer,
    flops: perInputElement(1),
    flopsFormula: '1 per input element',
    bytes: compulsoryBytes,
    bytesFormula: COMPULSORY_TEXT,
  },
};
