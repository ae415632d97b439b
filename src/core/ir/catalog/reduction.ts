// Reductions (sum, mean, max, norms), scans (cumsum) and selections (topk, sort): read everything, write little.
import { bin, num, type Dim } from '../dims';
import type { InferContext } from '../opspec';
import { attrDim, attrDims, normalizeIndex, reduce } from '../../shapes/infer';
import { COMPULSORY_TEXT, perInputElement, type CatalogEntry } from './entry';
import { compulsoryBytes, elements } from './helpers';

/** Reduced shape from `dim` (int or tuple; absent = all dims) and `keepdim`. */
function reducedShape({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const dims = attrs.dim === undefined || attrs.dim === null ? undefined : attrDims(attrs.dim);
  return [reduce(inputs[0] ?? null, dims, attrs.keepdim === true)];
}

function reduction(flopsPerElement: number, text: string, extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    category: 'reduction',
    unit: 'vector',
    signature: ['input', 'dim', 'keepdim', 'dtype'],
    infer: reducedShape,
    flops: perInputElement(flopsPerElement),
    flopsFormula: text,
    bytes: compulsoryBytes,
    bytesFormula: `${COMPULSORY_TEXT}: the input once, the (smaller) result once`,
    ...extra,
  };
}

/** max/min with a dim return (values, indices); without one, a single value. */
const valuesAndIndices: CatalogEntry = reduction(1, '1 compare per input element', {
  multiOutput: true,
  infer: (context) => {
    const [shape] = reducedShape(context);
    const hasDim = context.attrs.dim !== undefined && context.attrs.dim !== null;
    return hasDim ? [shape ?? null, shape ?? null] : [shape ?? null];
  },
});

/**
 * nonzero: the indices of the input's nonzero elements, [count, rank] int64 (argwhere too), or with as_tuple=True (and
 * `torch.where(mask)` with one argument) one [count] int64 tensor per dim. The count depends on the data: the frontend
 * gives it where the code makes it known (a one-hot mask), else the output's size stays unknown. One compare per input
 * element; the input read once and the indices written once (CUDA's nonzero also copies the count to the host: a sync).
 */
export const nonzero: CatalogEntry = {
  category: 'reduction',
  unit: 'vector',
  signature: ['input', 'as_tuple'],
  infer: () => [null],
  dtype: 'int64',
  flops: perInputElement(1),
  flopsFormula: '1 compare with zero per input element',
  bytes: compulsoryBytes,
  bytesFormula: `${COMPULSORY_TEXT}: the input once, the indices (int64) once`,
};

/** `nonzero(as_tuple=True)` and `torch.where(mask)`: one [count] int64 index tensor per dim of the input. */
export const nonzeroTuple: CatalogEntry = { ...nonzero, multiOutput: true };

/** topk(k, dim=-1) → (values, indices) with `dim` replaced by k. */
const topk: CatalogEntry = {
  category: 'reduction',
  unit: 'vector',
  signature: ['input', 'k', 'dim', 'largest', 'sorted'],
  multiOutput: true,
  infer: ({ inputs, attrs }) => {
    const x = inputs[0];
    const k = attrDim(attrs.k);
    if (!x || !k) return [null, null];
    const index = normalizeIndex(attrDim(attrs.dim) ?? num(-1), x.length);
    if (index === undefined) return [null, null];
    const out = [...x];
    out[index] = k;
    return [out, out];
  },
  flops: (context) => {
    const n = elements(context.inputs[0]);
    const k = typeof context.attrs.k === 'number' ? context.attrs.k : null;
    return n === null || k === null ? null : n * Math.max(1, Math.ceil(Math.log2(k + 1)));
  },
  flopsFormula: 'n·⌈log2(k+1)⌉ compares (a k-heap per row)',
  bytes: compulsoryBytes,
  bytesFormula: COMPULSORY_TEXT,
};

/**
 * multinomial(input, num_samples, replacement=False) → int64 [..., num_samples] from rows of K weights. Without
 * replacement, or for one sample, ATen draws q ~ Exp(1) (`exponential_`), divides the weights by it and takes the
 * argmax (one sample) or topk (several) of each row: three eager kernels, each priced at its own traffic. With
 * replacement and several samples it runs another kernel (a cumulative distribution searched per sample), which is
 * not priced.
 */
const multinomial: CatalogEntry = {
  category: 'reduction',
  unit: 'vector',
  signature: ['input', 'num_samples', 'replacement', 'generator'],
  dtype: 'int64',
  infer: ({ inputs, attrs }) => {
    const x = inputs[0];
    const samples = attrDim(attrs.num_samples);
    if (!x || x.length === 0 || !samples) return [null];
    return [[...x.slice(0, -1), samples]];
  },
  flops: (context) => {
    const n = elements(context.inputs[0]);
    const k = typeof context.attrs.num_samples === 'number' ? context.attrs.num_samples : null;
    if (n === null || k === null || (context.attrs.replacement === true && k > 1)) return null;
    return n * (3 + Math.max(1, Math.ceil(Math.log2(k + 1))));
  },
  flopsFormula: 'n·(2 + 1 + ⌈log2(k+1)⌉): an Exp(1) draw (2), a divide (1), then argmax or topk compares per weight',
  bytes: (context) => {
    const x = context.inputs[0];
    const n = elements(x);
    const out = elements(context.outputs[0]);
    const k = typeof context.attrs.num_samples === 'number' ? context.attrs.num_samples : null;
    if (!x || n === null || out === null || k === null || (context.attrs.replacement === true && k > 1)) return null;
    const s = context.inputElementBytes[0] ?? 0;
    // topk (k > 1) also writes the selected values beside the indices.
    const values = k > 1 ? out * s : 0;
    return { read: 3 * n * s, written: 2 * n * s + out * 8 + values };
  },
  bytesFormula: 'the draws written (n·s); weights and draws read, quotients written (2n·s read, n·s written); quotients read, int64 samples written (n·s read, 8 B per sample)',
};

const sort: CatalogEntry = {
  category: 'reduction',
  unit: 'vector',
  signature: ['input', 'dim', 'descending', 'stable'],
  multiOutput: true,
  infer: ({ inputs }) => [inputs[0] ?? null, inputs[0] ?? null],
  flops: (context) => {
    const x = context.inputs[0];
    const n = elements(x);
    if (!x || n === null) return null;
    const index = typeof context.attrs.dim === 'number' ? context.attrs.dim : -1;
    const length = x[index < 0 ? x.length + index : index] ?? 1;
    return n * Math.max(1, Math.ceil(Math.log2(length)));
  },
  flopsFormula: 'n·⌈log2 L⌉ compares, L the sorted dim',
  bytes: compulsoryBytes,
  bytesFormula: COMPULSORY_TEXT,
};

/** Scans keep the shape: one add (or multiply) per element. */
const scan: CatalogEntry = reduction(1, '1 per element', { infer: ({ inputs }) => [inputs[0] ?? null], signature: ['input', 'dim', 'dtype'] });

/**
 * diff(input, n=1, dim=-1): the n-th forward difference along dim, which is n shorter. Pass k subtracts L − k pairs,
 * so the FLOPs are (elements ÷ L)·Σₖ₌₁ⁿ (L − k).
 */
const diff: CatalogEntry = {
  category: 'reduction',
  unit: 'vector',
  signature: ['input', 'n', 'dim', 'prepend', 'append'],
  infer: ({ inputs, attrs }) => {
    const x = inputs[0];
    if (!x) return [null];
    const index = normalizeIndex(attrDim(attrs.dim) ?? num(-1), x.length);
    if (index === undefined) return [null];
    const out = [...x];
    out[index] = bin('-', x[index] as Dim, attrDim(attrs.n) ?? num(1));
    return [out];
  },
  flops: ({ inputs, attrs }) => {
    const x = inputs[0];
    const n = elements(x);
    const order = typeof attrs.n === 'number' ? attrs.n : 1;
    if (!x || n === null || x.length === 0) return null;
    const index = typeof attrs.dim === 'number' ? (attrs.dim < 0 ? x.length + attrs.dim : attrs.dim) : x.length - 1;
    const length = x[index];
    if (length === undefined || length === 0) return null;
    let subtractions = 0;
    for (let k = 1; k <= Math.min(order, length); k++) subtractions += length - k;
    return (n / length) * subtractions;
  },
  flopsFormula: '(elements ÷ L)·Σₖ₌₁ⁿ (L − k) subtractions, L the differenced dim',
  bytes: compulsoryBytes,
  bytesFormula: COMPULSORY_TEXT,
};

function build(): Record<string, CatalogEntry> {
  const ops: Record<string, CatalogEntry> = {};
  const simple: Record<string, CatalogEntry> = {
    sum: reduction(1, '1 add per input element'),
    nansum: reduction(1, '1 add per input element'),
    mean: reduction(1, '1 add per input element (the one divide per output is not counted)'),
    nanmean: reduction(1, '1 add per input element'),
    prod: reduction(1, '1 multiply per input element'),
    amax: reduction(1, '1 compare per input element'),
    amin: reduction(1, '1 compare per input element'),
    argmax: reduction(1, '1 compare per input element', { dtype: 'int64' }),
    argmin: reduction(1, '1 compare per input element', { dtype: 'int64' }),
    all: reduction(1, '1 per input element', { dtype: 'bool' }),
    any: reduction(1, '1 per input element', { dtype: 'bool' }),
    count_nonzero: reduction(1, '1 per input element', { dtype: 'int64' }),
    std: reduction(3, '3 per input element (subtract the mean, square, add)', { signature: ['input', 'dim', 'unbiased', 'keepdim'] }),
    var: reduction(3, '3 per input element (subtract the mean, square, add)', { signature: ['input', 'dim', 'unbiased', 'keepdim'] }),
    norm: reduction(2, '2 per input element (square, add)', { signature: ['input', 'p', 'dim', 'keepdim', 'dtype'] }),
    logsumexp: reduction(3, '3 per input element (subtract the max, exp, add)'),
    max: valuesAndIndices,
    min: valuesAndIndices,
    median: valuesAndIndices,
    mode: valuesAndIndices,
    topk,
    sort,
    cumsum: scan,
    cumprod: scan,
    cummax: scan,
    logcumsumexp: scan,
    diff,
  };
  for (const [name, spec] of Object.entries(simple)) {
    ops[`torch.${name}`] = spec;
    ops[`torch.Tensor.${name}`] = spec;
  }
  ops['torch.argsort'] = { ...sort, multiOutput: false, infer: ({ inputs }) => [inputs[0] ?? null], dtype: 'int64' };
  ops['torch.Tensor.argsort'] = ops['torch.argsort'] as CatalogEntry;
  ops['torch.Tensor.cumsum_'] = scan;
  ops['torch.nonzero'] = nonzero;
  ops['torch.Tensor.nonzero'] = nonzero;
  ops['torch.argwhere'] = nonzero;
  ops['torch.Tensor.argwhere'] = nonzero;
  ops['torch.multinomial'] = multinomial;
  ops['torch.Tensor.multinomial'] = multinomial;
  return ops;
}

export const REDUCTION_OPS: Readonly<Record<string, CatalogEntry>> = build();
