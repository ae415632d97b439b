// Data movement (cat, stack, clone, gather, repeat, pad, interpolate), embeddings and creation ops.
import { bin, num, unknownDim, type Dim } from '../dims';
import type { ByteCount, CostContext, InferContext } from '../opspec';
import { attrDim, attrDims, literal, normalizeIndex, simplify } from '../../shapes/infer';
import { copyEntry, type CatalogEntry, writeOnlyBytes, zeroFlops } from './entry';
import { elements } from './helpers';
import { dimOf } from './contraction';

/** cat along `dim`: that dim is the sum of the inputs' dims. */
function cat({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  if (inputs.length === 0 || inputs.some((s) => s === null)) return [null];
  const first = inputs[0] as readonly Dim[];
  const index = normalizeIndex(attrDim(attrs.dim) ?? num(0), first.length);
  if (index === undefined) return [null];
  const total = simplify(inputs.slice(1).reduce<Dim>((acc, s) => bin('+', acc, (s as readonly Dim[])[index] as Dim), first[index] as Dim));
  return [first.map((d, i) => (i === index ? collapseSum(total) : d))];
}

/** `x + x + x` → `3*x`, so that cat of equal pieces reads naturally. */
function collapseSum(dim: Dim): Dim {
  const terms: Dim[] = [];
  const visit = (d: Dim): boolean => {
    if (d.kind === 'bin' && d.op === '+') return visit(d.left) && visit(d.right);
    terms.push(d);
    return true;
  };
  visit(dim);
  const first = terms[0];
  if (first && terms.length > 1 && terms.every((t) => JSON.stringify(t) === JSON.stringify(first))) return bin('*', num(terms.length), first);
  return dim;
}

function stack({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const first = inputs[0];
  if (!first || inputs.some((s) => s === null)) return [null];
  const index = normalizeIndex(attrDim(attrs.dim) ?? num(0), first.length + 1);
  if (index === undefined) return [null];
  return [[...first.slice(0, index), num(inputs.length), ...first.slice(index)]];
}

/** repeat(*sizes): each dim multiplied; extra leading sizes add dims. */
function repeat({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const x = inputs[0];
  const sizes = attrDims(attrs.sizes);
  if (!x || !sizes) return [null];
  const offset = sizes.length - x.length;
  return [sizes.map((s, i) => (i < offset ? s : bin('*', x[i - offset] as Dim, s)))];
}

function repeatInterleave({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const x = inputs[0];
  const repeats = attrDim(attrs.repeats);
  if (!x || !repeats) return [null];
  if (attrs.dim === undefined || attrs.dim === null) return [[bin('*', x.reduce<Dim>((a, d) => bin('*', a, d), num(1)), repeats)]];
  const index = normalizeIndex(attrDim(attrs.dim), x.length);
  if (index === undefined) return [null];
  return [x.map((d, i) => (i === index ? bin('*', d, repeats) : d))];
}

/** index_select(input, dim, index): `dim` takes the index's length. */
function indexSelect({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const [x, index] = inputs;
  if (!x || !index) return [null];
  const position = normalizeIndex(attrDim(attrs.dim), x.length);
  if (position === undefined) return [null];
  return [x.map((d, i) => (i === position ? (index[0] ?? num(1)) : d))];
}

/** F.pad(input, pad): pairs of (before, after) from the last dim backwards. */
function pad({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const x = inputs[0];
  const amounts = attrDims(attrs.pad);
  if (!x || !amounts) return [null];
  const out = [...x];
  for (let pair = 0; pair * 2 < amounts.length; pair++) {
    const position = x.length - 1 - pair;
    if (position < 0) return [null];
    out[position] = bin('+', bin('+', out[position] as Dim, amounts[pair * 2] as Dim), amounts[pair * 2 + 1] ?? num(0));
  }
  return [out];
}

/** interpolate/Upsample: `size` wins over `scale_factor`; spatial dims follow the batch and channel dims. */
function interpolate({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const x = inputs[0];
  if (!x || x.length < 3) return [null];
  const spatial = x.length - 2;
  const size = attrDims(attrs.size, spatial);
  if (size) return [[...x.slice(0, 2), ...size]];
  const scale = attrs.scale_factor;
  const factors = Array.isArray(scale) ? (scale as readonly Dim[]) : typeof scale === 'number' ? Array.from({ length: spatial }, () => scale) : undefined;
  if (!factors) return [null];
  return [[...x.slice(0, 2), ...x.slice(2).map((d, i) => {
    const factor = factors[i];
    if (typeof factor === 'number') return Number.isInteger(factor) ? bin('*', d, num(factor)) : unknownDim('non-integer scale factor');
    return factor ? bin('*', d, factor) : unknownDim('scale factor');
  })]];
}

/** Embedding lookup: reads the indices and only the gathered rows of the table, writes the rows. */
function embeddingBytes(context: CostContext): ByteCount | null {
  const indices = elements(context.inputs[0]);
  const table = context.inputs[1];
  if (indices === null || !table) return null;
  const width = table[table.length - 1] as number;
  const rows = indices * width * (context.inputElementBytes[1] ?? 0);
  return { read: indices * (context.inputElementBytes[0] ?? 8) + rows, written: indices * width * (context.outputElementBytes[0] ?? 0) };
}

export const embedding: CatalogEntry = {
  category: 'embedding',
  unit: 'vector',
  signature: ['input', 'weight', 'padding_idx'],
  infer: ({ inputs }) => {
    const [indices, table] = inputs;
    if (!indices || !table) return [null];
    return [[...indices, table[table.length - 1] as Dim]];
  },
  flops: zeroFlops,
  flopsFormula: '0 (a gather)',
  bytes: embeddingBytes,
  bytesFormula: 'indices read once + only the gathered rows of the table (n·D·s) + output written once; not the whole table',
  dtype: { fromInput: 1 },
  module: {
    init: ['num_embeddings', 'embedding_dim', 'padding_idx', 'max_norm'],
    params: (args) => [{ name: 'weight', shape: [dimOf(args.num_embeddings), dimOf(args.embedding_dim)] }],
  },
};

/** gather-like ops read only what they gather: the index and as many source elements as the output holds. */
function gatherBytes(context: CostContext): ByteCount | null {
  const out = elements(context.outputs[0]);
  const index = elements(context.inputs[1]);
  if (out === null || index === null) return null;
  const size = context.inputElementBytes[0] ?? 0;
  return { read: out * size + index * (context.inputElementBytes[1] ?? 8), written: out * (context.outputElementBytes[0] ?? size) };
}

/**
 * Advanced indexing reads what it gathers and its indices: each index tensor (inputs after the source), and the
 * integers of list indices, which PyTorch copies to the device as int64 (`listIndexElements`).
 */
function advancedIndexBytes(context: CostContext): ByteCount | null {
  const out = elements(context.outputs[0]);
  if (out === null) return null;
  let indexBytes = 8 * (typeof context.attrs.listIndexElements === 'number' ? context.attrs.listIndexElements : 0);
  for (let i = 1; i < context.inputs.length; i++) {
    const index = elements(context.inputs[i] ?? null);
    if (index === null) return null;
    indexBytes += index * (context.inputElementBytes[i] ?? 8);
  }
  const size = context.inputElementBytes[0] ?? 0;
  return { read: out * size + indexBytes, written: out * (context.outputElementBytes[0] ?? size) };
}

/**
 * scatter/scatter_add/index_add touch only the destination elements the source addresses: the index and the source
 * are read, and each touched element is written (and read first when it accumulates). An out-of-place scatter also
 * copies the whole input into its fresh output. Inputs are [destination, index, source].
 */
function scatterBytes(accumulate: boolean, inPlace: boolean): (context: CostContext) => ByteCount | null {
  return (context) => {
    const destination = elements(context.inputs[0]);
    const index = elements(context.inputs[1]);
    const source = elements(context.inputs[2]);
    if (destination === null || index === null || source === null) return null;
    const size = context.inputElementBytes[0] ?? 0;
    const touched = source * size;
    const copy = inPlace ? 0 : destination * size;
    return {
      read: index * (context.inputElementBytes[1] ?? 8) + source * (context.inputElementBytes[2] ?? size) + (accumulate ? touched : 0) + copy,
      written: touched + copy,
    };
  };
}

function scatterEntry(signature: readonly string[], accumulate: boolean, inPlace: boolean): CatalogEntry {
  return copyEntry(signature, ({ inputs }) => [inputs[0] ?? null], {
    ...(accumulate ? { flops: (context: CostContext) => elements(context.inputs[2]), flopsFormula: '1 add per source element' } : {}),
    bytes: scatterBytes(accumulate, inPlace),
    bytesFormula: `the index and the source read${accumulate ? ', each touched destination element read and written' : ', each touched destination element written'}${inPlace ? '' : ', plus a full copy of the input into the new output'}`,
  });
}

/** Creation ops: the size arrives as `size` (the frontend folds `randn(B, T)` and `randn((B, T))` into it). */
function creation(signature: readonly string[], infer: CatalogEntry['infer'], extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    category: 'creation',
    unit: 'vector',
    signature,
    infer,
    flops: zeroFlops,
    flopsFormula: '0 (fills memory)',
    bytes: writeOnlyBytes,
    bytesFormula: 'writes n·s, reads nothing',
    dtype: { attr: 'dtype' },
    ...extra,
  };
}

const sized = creation(['*size', 'dtype', 'device', 'requires_grad'], ({ attrs }) => [attrDims(attrs.size) ?? null]);
const likeInput = creation(['input', 'dtype'], ({ inputs }) => [inputs[0] ?? null], { bytes: writeOnlyBytes, dtype: { attr: 'dtype' } });
const newSized = creation(['input', '*size', 'dtype'], ({ attrs }) => [attrDims(attrs.size) ?? null]);
const empty = (entry: CatalogEntry): CatalogEntry => ({ ...entry, bytes: () => ({ read: 0, written: 0 }), bytesFormula: 'none (allocates without writing)' });

/** arange(end) / arange(start, end[, step]): ⌈(end − start)/step⌉ elements. */
const arange = creation(['start', 'end', 'step', 'dtype', 'device'], ({ inputs, attrs }) => {
  // A bound given as a tensor (a 0-d `n`) is an input, not an attribute: its value, and so the length, is unknown
  // (read as attributes, `torch.arange(0, n)` would be arange(0): no elements).
  if (inputs.length > 0) return [[unknownDim('the length of torch.arange with a tensor bound')]];
  const start = attrDim(attrs.start);
  const end = attrDim(attrs.end);
  const step = attrDim(attrs.step);
  if (!start) return [null];
  if (!end) return [[start]];
  const length = bin('-', end, start);
  if (!step || literal(step) === 1) return [[length]];
  return [[bin('//', bin('-', bin('+', length, step), num(1)), step)]];
});

/** randint(high, size) or randint(low, high, size): the size is the tuple argument. */
const randint = creation(['low', 'high', 'size', 'dtype', 'device'], ({ attrs }) => {
  const size = attrDims(Array.isArray(attrs.size) ? attrs.size : Array.isArray(attrs.high) ? attrs.high : undefined);
  return [size ?? null];
}, { dtype: { fixed: 'int64' } });

const full = creation(['size', 'fill_value', 'dtype', 'device'], ({ attrs }) => [attrDims(attrs.size) ?? null]);

export const COPY_OPS: Readonly<Record<string, CatalogEntry>> = {
  'torch.cat': copyEntry(['tensors', 'dim'], cat),
  'torch.concat': copyEntry(['tensors', 'dim'], cat),
  'torch.concatenate': copyEntry(['tensors', 'dim'], cat),
  'torch.stack': copyEntry(['tensors', 'dim'], stack),
  'torch.hstack': copyEntry(['tensors'], ({ inputs, attrs }) => cat({ inputs, attrs: { ...attrs, dim: inputs[0] && inputs[0].length === 1 ? 0 : 1 } })),
  'torch.vstack': copyEntry(['tensors'], ({ inputs, attrs }) => cat({ inputs, attrs: { ...attrs, dim: 0 } })),
  'torch.clone': copyEntry(['input'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.Tensor.clone': copyEntry(['input'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.Tensor.contiguous': copyEntry(['input'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.Tensor.copy_': copyEntry(['input', 'src'], ({ inputs }) => [inputs[0] ?? null], {
    bytes: (context) => {
      const n = elements(context.inputs[1] ?? context.inputs[0]);
      return n === null ? null : { read: n * (context.inputElementBytes[1] ?? context.inputElementBytes[0] ?? 0), written: n * (context.outputElementBytes[0] ?? 0) };
    },
    bytesFormula: 'reads the source once, writes the destination once',
  }),
  'torch.Tensor.repeat': copyEntry(['input', '*sizes'], repeat),
  'torch.tile': copyEntry(['input', 'dims'], ({ inputs, attrs }) => repeat({ inputs, attrs: { sizes: attrs.dims ?? null } })),
  'torch.repeat_interleave': copyEntry(['input', 'repeats', 'dim'], repeatInterleave),
  'torch.Tensor.repeat_interleave': copyEntry(['input', 'repeats', 'dim'], repeatInterleave),
  'torch.gather': copyEntry(['input', 'dim', 'index'], ({ inputs }) => [inputs[1] ?? null], { bytes: gatherBytes, bytesFormula: 'the index and the gathered elements read, the output written' }),
  'torch.Tensor.gather': copyEntry(['input', 'dim', 'index'], ({ inputs }) => [inputs[1] ?? null], { bytes: gatherBytes, bytesFormula: 'the index and the gathered elements read, the output written' }),
  'torch.index_select': copyEntry(['input', 'dim', 'index'], indexSelect, { bytes: gatherBytes, bytesFormula: 'the index and the selected elements read, the output written' }),
  'torch.Tensor.index_select': copyEntry(['input', 'dim', 'index'], indexSelect, { bytes: gatherBytes, bytesFormula: 'the index and the selected elements read, the output written' }),
  /** Advanced indexing (`x[idx]`, `x[:, [-1], :]`): a gather; the frontend passes the result shape. */
  'torch.Tensor.index': copyEntry(['input', 'index'], ({ attrs }) => [attrDims(attrs.shape) ?? null], {
    bytes: advancedIndexBytes,
    bytesFormula: 'the gathered elements and the indices (int64 for a list) read, the output written',
  }),
  /** `x[...] = y`: writes the selected region from y. */
  'torch.Tensor.__setitem__': copyEntry(['input', 'index', 'value'], ({ inputs }) => [inputs[0] ?? null], {
    bytes: (context) => {
      // A tensor value: that many elements are read and written. A Python scalar arrives with no value tensor,
      // and the size of the selected region is not known here: unknown, never free.
      const n = elements(context.inputs[1] ?? null);
      if (n === null) return null;
      return { read: n * (context.inputElementBytes[1] ?? 0), written: n * (context.outputElementBytes[0] ?? 0) };
    },
    bytesFormula: 'reads the assigned value once and writes that many elements',
  }),
  'torch.scatter': scatterEntry(['input', 'dim', 'index', 'src'], false, false),
  'torch.Tensor.scatter': scatterEntry(['input', 'dim', 'index', 'src'], false, false),
  'torch.Tensor.scatter_': scatterEntry(['input', 'dim', 'index', 'src'], false, true),
  'torch.Tensor.scatter_add_': scatterEntry(['input', 'dim', 'index', 'src'], true, true),
  'torch.Tensor.index_add_': scatterEntry(['input', 'dim', 'index', 'source'], true, true),
  'torch.index_copy': scatterEntry(['input', 'dim', 'index', 'source'], false, false),
  'torch.Tensor.index_copy': scatterEntry(['input', 'dim', 'index', 'source'], false, false),
  'torch.Tensor.index_copy_': scatterEntry(['input', 'dim', 'index', 'source'], false, true),
  'torch.roll': copyEntry(['input', 'shifts', 'dims'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.Tensor.roll': copyEntry(['input', 'shifts', 'dims'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.flip': copyEntry(['input', 'dims'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.Tensor.flip': copyEntry(['input', 'dims'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.tril': copyEntry(['input', 'diagonal'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.triu': copyEntry(['input', 'diagonal'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.Tensor.tril': copyEntry(['input', 'diagonal'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.Tensor.triu': copyEntry(['input', 'diagonal'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.Tensor.tril_': copyEntry(['input', 'diagonal'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.Tensor.triu_': copyEntry(['input', 'diagonal'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.nn.functional.pad': copyEntry(['input', 'pad', 'mode', 'value'], pad),
  'torch.nn.functional.interpolate': copyEntry(['input', 'size', 'scale_factor', 'mode', 'align_corners'], interpolate, {
    flops: (context) => {
      const n = elements(context.outputs[0]);
      return n === null ? null : (context.attrs.mode === 'nearest' || context.attrs.mode === undefined ? 0 : 4 * n);
    },
    flopsFormula: '0 for nearest, 4 per output element for (bi)linear (fvcore)',
  }),
  'torch.nn.Upsample': {
    ...copyEntry(['input'], interpolate, {
      flops: (context) => {
        const n = elements(context.outputs[0]);
        return n === null ? null : (context.attrs.mode === 'nearest' || context.attrs.mode === undefined ? 0 : 4 * n);
      },
      flopsFormula: '0 for nearest, 4 per output element for (bi)linear (fvcore)',
    }),
    module: { init: ['size', 'scale_factor', 'mode', 'align_corners'] },
  },
  'torch.nn.functional.pixel_shuffle': copyEntry(['input', 'upscale_factor'], ({ inputs, attrs }) => {
    const x = inputs[0];
    const r = attrDim(attrs.upscale_factor);
    if (!x || !r || x.length < 3) return [null];
    const [c, h, w] = x.slice(-3) as [Dim, Dim, Dim];
    return [[...x.slice(0, -3), simplify(bin('//', c, bin('*', r, r))), bin('*', h, r), bin('*', w, r)]];
  }),
  'torch.nn.functional.one_hot': copyEntry(['input', 'num_classes'], ({ inputs, attrs }) => {
    const n = attrDim(attrs.num_classes);
    return [inputs[0] && n ? [...inputs[0], n] : null];
  }, { dtype: 'int64' }),
  'torch.nn.functional.embedding': embedding,
  'torch.nn.Embedding': embedding,
  'torch.embedding': embedding,

  // A tensor from host data (`torch.tensor(1.0)`, `torch.tensor([...])`): the interpreter gives its shape from the
  // literal; the copy to the device writes it once.
  'torch.tensor': creation(['data', 'dtype', 'device', 'requires_grad'], () => [null], { bytesFormula: 'writes n·s (copied from the host), reads nothing' }),
  'torch.randn': sized,
  'torch.rand': sized,
  'torch.zeros': sized,
  'torch.ones': sized,
  'torch.empty': empty(sized),
  'torch.full': full,
  'torch.randint': randint,
  'torch.arange': { ...arange, dtype: { attr: 'dtype', otherwise: 'int64' } },
  'torch.linspace': creation(['start', 'end', 'steps', 'dtype'], ({ attrs }) => [attrDim(attrs.steps) ? [attrDim(attrs.steps) as Dim] : null]),
  'torch.eye': creation(['n', 'm', 'dtype'], ({ attrs }) => {
    const n = attrDim(attrs.n);
    return [n ? [n, attrDim(attrs.m) ?? n] : null];
  }),
  'torch.zeros_like': likeInput,
  'torch.ones_like': likeInput,
  'torch.randn_like': likeInput,
  'torch.rand_like': likeInput,
  'torch.full_like': creation(['input', 'fill_value', 'dtype'], ({ inputs }) => [inputs[0] ?? null]),
  'torch.empty_like': empty(likeInput),
  'torch.Tensor.new_zeros': newSized,
  'torch.Tensor.new_ones': newSized,
  'torch.Tensor.new_empty': empty(newSized),
  'torch.Tensor.new_full': creation(['input', 'size', 'fill_value', 'dtype'], ({ attrs }) => [attrDims(attrs.size) ?? null]),
};
