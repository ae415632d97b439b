// Views: ops that only change shape metadata (view, transpose, permute, split...). They carry shapes and move no bytes.
import { bin, num, type Dim } from '../dims';
import type { InferContext } from '../opspec';
import {
  attrDim,
  attrDims,
  flatten,
  literal,
  normalizeIndex,
  permute,
  reshape,
  simplify,
  squeeze,
  transpose,
  unsqueeze,
} from '../../shapes/infer';
import { viewEntry, type CatalogEntry } from './entry';

const same = ({ inputs }: InferContext): (readonly Dim[] | null)[] => [inputs[0] ?? null];

/** `expand(*sizes)`: -1 keeps the input's dim; new leading dims are added. */
function expand(shape: readonly Dim[] | null, sizes: readonly Dim[] | undefined): Dim[] | null {
  if (!sizes) return null;
  const offset = sizes.length - (shape?.length ?? 0);
  return sizes.map((d, i) => {
    if (literal(d) === -1) return shape?.[i - offset] ?? d;
    return d;
  });
}

/** `split(size_or_sections, dim)`: one output per piece; a symbolic piece count gives one shape that unpacks to any count. */
function split({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const x = inputs[0];
  if (!x) return [null];
  const index = normalizeIndex(attrDim(attrs.dim) ?? num(0), x.length);
  if (index === undefined) return [null];
  const whole = x[index] as Dim;
  const withDim = (d: Dim): Dim[] => x.map((old, i) => (i === index ? d : old));
  const sections = attrs.split_size_or_sections;
  if (Array.isArray(sections)) return (sections as readonly Dim[]).map(withDim);
  const size = attrDim(sections);
  if (!size) return [null];
  const count = simplify(bin('//', whole, size));
  const pieces = literal(count);
  if (pieces !== undefined && pieces > 0 && pieces <= 64) return Array.from({ length: pieces }, () => withDim(size));
  return [withDim(size)];
}

function chunk({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const x = inputs[0];
  const chunks = literal(attrDim(attrs.chunks));
  if (!x || chunks === undefined) return [null];
  const index = normalizeIndex(attrDim(attrs.dim) ?? num(0), x.length);
  if (index === undefined) return [null];
  const piece = simplify(bin('//', x[index] as Dim, num(chunks)));
  return Array.from({ length: chunks }, () => x.map((old, i) => (i === index ? piece : old)));
}

/**
 * `torch.meshgrid(a, b, indexing="ij")`: one expanded view per input, each of shape [len(a), len(b), ...]; "xy"
 * swaps the first two dims. A 0-d input counts as length 1, as PyTorch reshapes it.
 */
function meshgrid({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  if (inputs.length === 0 || inputs.some((x) => !x || x.length > 1)) return inputs.map(() => null);
  const sizes = inputs.map((x) => (x as readonly Dim[])[0] ?? num(1));
  if (attrs.indexing === 'xy' && sizes.length >= 2) [sizes[0], sizes[1]] = [sizes[1] as Dim, sizes[0] as Dim];
  return inputs.map(() => sizes);
}

function unbind({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const x = inputs[0];
  if (!x) return [null];
  const index = normalizeIndex(attrDim(attrs.dim) ?? num(0), x.length);
  if (index === undefined) return [null];
  const rest = x.filter((_, i) => i !== index);
  const count = literal(x[index]);
  return count !== undefined && count <= 64 ? Array.from({ length: count }, () => rest) : [rest];
}

/** movedim(source, destination) for single ints. */
function movedim({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] {
  const x = inputs[0];
  if (!x) return [null];
  const from = normalizeIndex(attrDim(attrs.source), x.length);
  const to = normalizeIndex(attrDim(attrs.destination), x.length);
  if (from === undefined || to === undefined) return [null];
  const out = x.filter((_, i) => i !== from);
  out.splice(to, 0, x[from] as Dim);
  return [out];
}

const viewLike = viewEntry(['input', '*shape'], ({ inputs, attrs }) => [reshape(inputs[0] ?? null, attrDims(attrs.shape))]);
const transposeEntry = viewEntry(['input', 'dim0', 'dim1'], ({ inputs, attrs }) => [transpose(inputs[0] ?? null, attrDim(attrs.dim0), attrDim(attrs.dim1))]);
const lastTwo = viewEntry(['input'], ({ inputs }) => [inputs[0] && inputs[0].length >= 2 ? transpose(inputs[0], -2, -1) : inputs[0] ?? null]);
const fullTranspose = viewEntry(['input'], ({ inputs }) => [inputs[0] ? [...inputs[0]].reverse() : null]);
const permuteEntry = viewEntry(['input', '*dims'], ({ inputs, attrs }) => [permute(inputs[0] ?? null, attrDims(attrs.dims))]);
const unsqueezeEntry = viewEntry(['input', 'dim'], ({ inputs, attrs }) => [unsqueeze(inputs[0] ?? null, attrDim(attrs.dim))]);
const squeezeEntry = viewEntry(['input', 'dim'], ({ inputs, attrs }) => [squeeze(inputs[0] ?? null, attrDim(attrs.dim))]);
const expandEntry = viewEntry(['input', '*size'], ({ inputs, attrs }) => [expand(inputs[0] ?? null, attrDims(attrs.size))]);
const asOther = viewEntry(['input', 'other'], ({ inputs }) => [inputs[1] ?? null]);
const flattenEntry = viewEntry(['input', 'start_dim', 'end_dim'], ({ inputs, attrs }) => [flatten(inputs[0] ?? null, attrDim(attrs.start_dim) ?? num(0), attrDim(attrs.end_dim) ?? num(-1))]);
const unflattenEntry = viewEntry(['input', 'dim', 'sizes'], ({ inputs, attrs }) => {
  const x = inputs[0];
  const sizes = attrDims(attrs.sizes);
  const index = x ? normalizeIndex(attrDim(attrs.dim), x.length) : undefined;
  if (!x || !sizes || index === undefined) return [null];
  const inner = reshape([x[index] as Dim], sizes);
  return inner ? [[...x.slice(0, index), ...inner, ...x.slice(index + 1)]] : [null];
});
const narrow = viewEntry(['input', 'dim', 'start', 'length'], ({ inputs, attrs }) => {
  const x = inputs[0];
  const index = x ? normalizeIndex(attrDim(attrs.dim), x.length) : undefined;
  const length = attrDim(attrs.length);
  if (!x || index === undefined || !length) return [null];
  return [x.map((d, i) => (i === index ? length : d))];
});
const select = viewEntry(['input', 'dim', 'index'], ({ inputs, attrs }) => {
  const x = inputs[0];
  const index = x ? normalizeIndex(attrDim(attrs.dim), x.length) : undefined;
  if (!x || index === undefined) return [null];
  return [x.filter((_, i) => i !== index)];
});
/** Tensor.unfold(dimension, size, step): a sliding-window view adding a trailing dim of `size`. */
const unfoldView = viewEntry(['input', 'dimension', 'size', 'step'], ({ inputs, attrs }) => {
  const x = inputs[0];
  const index = x ? normalizeIndex(attrDim(attrs.dimension), x.length) : undefined;
  const size = attrDim(attrs.size);
  const step = attrDim(attrs.step);
  if (!x || index === undefined || !size || !step) return [null];
  const windows = bin('+', bin('//', bin('-', x[index] as Dim, size), step), num(1));
  return [[...x.map((d, i) => (i === index ? windows : d)), size]];
});
/** Indexing and slicing: the frontend computes the result shape from the subscript and passes it as `shape`. */
const getitem = viewEntry(['input', 'index'], ({ attrs }) => [attrDims(attrs.shape) ?? null]);

export const VIEW_OPS: Readonly<Record<string, CatalogEntry>> = {
  'torch.Tensor.view': viewLike,
  'torch.Tensor.reshape': viewLike,
  'torch.reshape': viewLike,
  'torch.Tensor.view_as': asOther,
  'torch.Tensor.reshape_as': asOther,
  'torch.Tensor.expand_as': asOther,
  'torch.Tensor.transpose': transposeEntry,
  'torch.transpose': transposeEntry,
  'torch.Tensor.swapaxes': transposeEntry,
  'torch.Tensor.swapdims': transposeEntry,
  'torch.swapaxes': transposeEntry,
  'torch.Tensor.t': fullTranspose,
  'torch.t': fullTranspose,
  'torch.Tensor.T': fullTranspose,
  'torch.Tensor.mT': lastTwo,
  'torch.Tensor.permute': permuteEntry,
  'torch.permute': permuteEntry,
  'torch.Tensor.movedim': viewEntry(['input', 'source', 'destination'], movedim),
  'torch.movedim': viewEntry(['input', 'source', 'destination'], movedim),
  'torch.Tensor.unsqueeze': unsqueezeEntry,
  'torch.unsqueeze': unsqueezeEntry,
  'torch.Tensor.squeeze': squeezeEntry,
  'torch.squeeze': squeezeEntry,
  'torch.Tensor.expand': expandEntry,
  'torch.broadcast_to': viewEntry(['input', 'size'], ({ inputs, attrs }) => [expand(inputs[0] ?? null, attrDims(attrs.size))]),
  'torch.Tensor.flatten': flattenEntry,
  'torch.flatten': flattenEntry,
  'torch.nn.Flatten': { ...viewEntry(['input'], ({ inputs, attrs }) => [flatten(inputs[0] ?? null, attrDim(attrs.start_dim) ?? num(1), attrDim(attrs.end_dim) ?? num(-1))]), module: { init: ['start_dim', 'end_dim'] } },
  'torch.Tensor.unflatten': unflattenEntry,
  'torch.nn.Unflatten': { ...unflattenEntry, signature: ['input'], module: { init: ['dim', 'sizes'] } },
  'torch.Tensor.narrow': narrow,
  'torch.narrow': narrow,
  'torch.Tensor.select': select,
  'torch.select': select,
  'torch.Tensor.unfold': unfoldView,
  'torch.Tensor.split': viewEntry(['input', 'split_size_or_sections', 'dim'], split, { multiOutput: true }),
  'torch.split': viewEntry(['input', 'split_size_or_sections', 'dim'], split, { multiOutput: true }),
  'torch.Tensor.chunk': viewEntry(['input', 'chunks', 'dim'], chunk, { multiOutput: true }),
  'torch.chunk': viewEntry(['input', 'chunks', 'dim'], chunk, { multiOutput: true }),
  'torch.Tensor.unbind': viewEntry(['input', 'dim'], unbind, { multiOutput: true }),
  'torch.unbind': viewEntry(['input', 'dim'], unbind, { multiOutput: true }),
  'torch.meshgrid': viewEntry(['*tensors', 'indexing'], meshgrid, { multiOutput: true }),
  'torch.Tensor.detach': viewEntry(['input'], same),
  'torch.Tensor.requires_grad_': viewEntry(['input', 'requires_grad'], same),
  'torch.Tensor.__getitem__': getitem,
  'torch.nn.Identity': { ...viewEntry(['input'], same), module: { init: [] } },
  'torch.view_as_real': viewEntry(['input'], ({ inputs }) => [inputs[0] ? [...inputs[0], num(2)] : null], { dtype: 'real' }),
  'torch.view_as_complex': viewEntry(['input'], ({ inputs }) => [inputs[0] ? inputs[0].slice(0, -1) : null], { dtype: 'complex' }),
};
