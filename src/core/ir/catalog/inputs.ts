// What a layer says about the tensor it is called on: the input templates the shape learner reads (shapes/learn.ts).
import { bin, formatDim, num, product, sameDim, type Dim } from '../dims';
import { parsePattern } from './einops';
import type { InferContext } from '../opspec';
import type { AttrValue, DType } from '../types';
import { attrDim, attrDims, simplify } from '../../shapes/infer';

/**
 * What a dim of an input stands for when the layer does not fix its size. A role names the dim and gives it a default
 * size (shapes/learn.ts ROLE_SYMBOLS); `channels` has no default: a pooling layer does not say how many there are.
 */
export type DimRole = 'batch' | 'sequence' | 'channels' | 'height' | 'width' | 'depth' | 'length';

/** The shape a layer expects of its first input: a size it fixes, or a role, per dim. */
export interface InputTemplate {
  readonly dims: readonly (Dim | DimRole)[];
  /** The layer takes any number of leading dims (Linear, LayerNorm): the template's rank is a default, not a fact. */
  readonly leading?: boolean;
  readonly dtype?: DType;
  /** What fixed the sizes, for the user: `in_channels=3`. */
  readonly why: string;
}

/** From the constructor's arguments (in `attrs` for a layer) or the weight's shape (a functional call): a template. */
export type InputShape = (context: InferContext) => InputTemplate | null;

const SPATIAL: Readonly<Record<number, readonly DimRole[]>> = {
  1: ['length'],
  2: ['height', 'width'],
  3: ['depth', 'height', 'width'],
};

/** A dim with the words that say where it came from. */
interface Sized {
  readonly dim: Dim;
  readonly why: string;
}

/** A constructor argument read as a size: `in_channels=3`. */
function argument(name: string): (context: InferContext) => Sized | null {
  return ({ attrs }) => {
    const dim = attrDim(attrs[name]);
    return dim ? { dim: simplify(dim), why: `${name}=${formatDim(dim)}` } : null;
  };
}

/** A dim of another input's shape (the weight of a functional call): `weight[1]`. */
function weightDim(input: number, index: number, name: string, times?: AttrValue): (context: InferContext) => Sized | null {
  return ({ inputs }) => {
    const weight = inputs[input];
    const dim = weight?.[index < 0 ? weight.length + index : index];
    if (!dim) return null;
    const groups = attrDim(times);
    const size = groups ? simplify(bin('*', dim, groups)) : dim;
    return { dim: size, why: `${name}=${formatDim(size)} from the weight` };
  };
}

/** The first of several readers that gives an answer. */
function either(...readers: ((context: InferContext) => Sized | null)[]): (context: InferContext) => Sized | null {
  return (context) => {
    for (const read of readers) {
      const sized = read(context);
      if (sized) return sized;
    }
    return null;
  };
}

/** `[batch, C, *spatial]`: convolutions, batch/instance/group norms. */
function channelsFirst(spatial: number, channels: (context: InferContext) => Sized | null): InputShape {
  return (context) => {
    const sized = channels(context);
    return sized ? { dims: ['batch', sized.dim, ...(SPATIAL[spatial] ?? [])], why: sized.why } : null;
  };
}

/** `[batch, channels, *spatial]` with the channels unknown: pooling fixes only the rank. */
function spatialOnly(spatial: number): InputShape {
  return () => ({ dims: ['batch', 'channels', ...(SPATIAL[spatial] ?? [])], why: `${spatial}-d pooling` });
}

/** `[batch, sequence, *features]` with any leading dims: Linear, LayerNorm, RNNs with batch_first. */
function features(read: (context: InferContext) => { dims: readonly Dim[]; why: string } | null): InputShape {
  return (context) => {
    const sized = read(context);
    return sized ? { dims: ['batch', 'sequence', ...sized.dims], leading: true, why: sized.why } : null;
  };
}

/** One feature dim as a list, for features(). */
function one(reader: (context: InferContext) => Sized | null): (context: InferContext) => { dims: readonly Dim[]; why: string } | null {
  return (context) => {
    const sized = reader(context);
    return sized ? { dims: [sized.dim], why: sized.why } : null;
  };
}

/** LayerNorm's `normalized_shape`: an int or a tuple, the trailing dims of the input. */
const normalizedShape = (context: InferContext): { dims: readonly Dim[]; why: string } | null => {
  const dims = attrDims(context.attrs.normalized_shape);
  if (!dims || dims.length === 0) return null;
  return { dims: dims.map(simplify), why: `normalized_shape=${dims.length === 1 ? formatDim(dims[0] as Dim) : `(${dims.map((d) => formatDim(d)).join(', ')})`}` };
};

/** `[seq, batch, E]`, or `[batch, seq, E]` with batch_first: MultiheadAttention's query, RNN inputs. */
function sequenceFirst(read: (context: InferContext) => Sized | null): InputShape {
  return (context) => {
    const sized = read(context);
    if (!sized) return null;
    const batchFirst = context.attrs.batch_first === true;
    return {
      dims: batchFirst ? ['batch', 'sequence', sized.dim] : ['sequence', 'batch', sized.dim],
      why: `${sized.why}${batchFirst ? ', batch_first=True' : ' (sequence first: batch_first=False)'}`,
    };
  };
}

/** Token indices of any shape, integers: `[batch, sequence]`. */
const indices: InputShape = () => ({ dims: ['batch', 'sequence'], dtype: 'int64', why: 'token indices' });

/**
 * `cos.view(S, D // 2)` on an input nothing else describes: the input most likely has that shape (a view keeps the
 * element count; a -1 leaves a dim to the input, so it teaches nothing).
 */
const viewedAs: InputShape = ({ attrs }) => {
  const dims = attrDims(attrs.shape);
  if (!dims || dims.length === 0 || dims.some((dim) => dim.kind === 'unknown' || (dim.kind === 'num' && dim.value < 1))) return null;
  return { dims: dims.map(simplify), leading: true, why: `viewed as (${dims.map((dim) => formatDim(dim)).join(', ')})` };
};

/** What an einops axis name stands for, where the name says: `b c (h p1) (w p2)` is an image batch. */
const EINOPS_AXIS_ROLES: Readonly<Record<string, DimRole>> = {
  b: 'batch',
  batch: 'batch',
  c: 'channels',
  ch: 'channels',
  channels: 'channels',
  h: 'height',
  w: 'width',
  f: 'depth',
  frames: 'depth',
  t: 'sequence',
  seq: 'sequence',
};

/**
 * `rearrange(img, 'b c (h p1) (w p2) -> ...', p1=16, p2=16)` on an input nothing else describes: the pattern's left
 * side is its shape, read group by group: a group of sizes given (numbers, keywords) is their product, and a group
 * with one axis of unknown length takes that axis's role by its name (`b` batch, `c` channels, `h` height, `w` width).
 * A pattern with `...`, or with an axis whose name says nothing, teaches nothing.
 */
const einopsPattern: InputShape = ({ attrs }) => {
  const pattern = typeof attrs.pattern === 'string' ? parsePattern(attrs.pattern) : undefined;
  if (!pattern || pattern.left.some((group) => group.includes('...') || group.includes('(...)'))) return null;
  const dims: (Dim | DimRole)[] = [];
  for (const group of pattern.left) {
    const unknown = group.filter((axis) => !/^\d+$/.test(axis) && attrDim(attrs[axis]) === undefined);
    if (unknown.length === 0) {
      dims.push(simplify(product(group.map((axis) => (/^\d+$/.test(axis) ? num(Number(axis)) : (attrDim(attrs[axis]) as Dim))))));
      continue;
    }
    const role = unknown.length === 1 ? EINOPS_AXIS_ROLES[unknown[0] as string] : undefined;
    if (!role) return null;
    dims.push(role);
  }
  return { dims, why: `pattern '${(attrs.pattern as string).split('->')[0]?.trim()}'` };
};

/** The factors of a product: `channels*patch*patch` → channels, patch, patch. */
function factors(dim: Dim): Dim[] {
  return dim.kind === 'bin' && dim.op === '*' ? [...factors(dim.left), ...factors(dim.right)] : [dim];
}

/** `dim // product(divisors)`, cancelling the divisors that are factors of dim (`channels*p*p // (p*p)` → channels). */
function quotient(dim: Dim, divisors: readonly Dim[]): Dim {
  const remaining = factors(simplify(dim));
  const left: Dim[] = [];
  for (const divisor of divisors) {
    const index = remaining.findIndex((factor) => sameDim(factor, simplify(divisor)));
    if (index >= 0) remaining.splice(index, 1);
    else left.push(divisor);
  }
  const kept = remaining.length > 0 ? simplify(product(remaining)) : num(1);
  return left.length > 0 ? simplify(bin('//', kept, product(left))) : kept;
}

/**
 * A fact about an einops op's output, read back as a template of its input: `b c (h p1) (w p2) -> b (h w) (p1 p2 c)`
 * then `LayerNorm(patch_dim)` on the output says p1·p2·c = patch_dim, so the input's c is patch_dim // (p1·p2). Each
 * output group with one axis of unknown length that the fact sizes gives that axis; nothing else is inferred.
 */
export function einopsInputFromOutput(attrs: Record<string, AttrValue>): (template: InputTemplate) => InputTemplate | null {
  return (template) => {
    const pattern = typeof attrs.pattern === 'string' ? parsePattern(attrs.pattern) : undefined;
    if (!pattern || pattern.right.some((group) => group.includes('...') || group.includes('(...)'))) return null;
    if (!template.leading && template.dims.length !== pattern.right.length) return null;
    const sized: Record<string, AttrValue> = { ...attrs };
    const taught: string[] = [];
    for (let k = 1; k <= Math.min(pattern.right.length, template.dims.length); k++) {
      const group = pattern.right[pattern.right.length - k] as string[];
      const dim = template.dims[template.dims.length - k];
      if (dim === undefined || typeof dim === 'string') continue;
      const unknown = group.filter((axis) => !/^\d+$/.test(axis) && attrDim(sized[axis]) === undefined);
      if (unknown.length !== 1) continue;
      const known = group.filter((axis) => axis !== unknown[0]).map((axis) => (/^\d+$/.test(axis) ? num(Number(axis)) : (attrDim(sized[axis]) as Dim)));
      const axis = unknown[0] as string;
      sized[axis] = known.length > 0 ? quotient(dim, known) : dim;
      taught.push(`${axis}=${formatDim(sized[axis] as Dim)}`);
    }
    if (taught.length === 0) return null;
    const input = einopsPattern({ inputs: [], attrs: sized });
    return input ? { ...input, why: `${template.why}, through pattern '${attrs.pattern as string}': ${taught.join(', ')}` } : null;
  };
}

const convChannels = either(argument('in_channels'), ({ inputs, attrs }) => weightDim(1, 1, 'in_channels', attrs.groups ?? num(1))({ inputs, attrs }));
const transposedChannels = either(argument('in_channels'), weightDim(1, 0, 'in_channels'));
const numFeatures = argument('num_features');
const linearFeatures = either(argument('in_features'), weightDim(1, 1, 'in_features'));

/** The input template of each layer and functional form that has one, by qualified op name. */
export const INPUT_SHAPES: Readonly<Record<string, InputShape>> = {
  'torch.nn.Linear': features(one(linearFeatures)),
  'torch.nn.functional.linear': features(one(linearFeatures)),
  'torch.nn.Conv1d': channelsFirst(1, convChannels),
  'torch.nn.Conv2d': channelsFirst(2, convChannels),
  'torch.nn.Conv3d': channelsFirst(3, convChannels),
  'torch.nn.functional.conv1d': channelsFirst(1, convChannels),
  'torch.nn.functional.conv2d': channelsFirst(2, convChannels),
  'torch.nn.functional.conv3d': channelsFirst(3, convChannels),
  'torch.conv1d': channelsFirst(1, convChannels),
  'torch.conv2d': channelsFirst(2, convChannels),
  'torch.nn.ConvTranspose1d': channelsFirst(1, transposedChannels),
  'torch.nn.ConvTranspose2d': channelsFirst(2, transposedChannels),
  'torch.nn.ConvTranspose3d': channelsFirst(3, transposedChannels),
  'torch.nn.functional.conv_transpose1d': channelsFirst(1, transposedChannels),
  'torch.nn.functional.conv_transpose2d': channelsFirst(2, transposedChannels),
  'torch.nn.functional.conv_transpose3d': channelsFirst(3, transposedChannels),
  'torch.nn.BatchNorm1d': channelsFirst(0, numFeatures),
  'torch.nn.BatchNorm2d': channelsFirst(2, numFeatures),
  'torch.nn.BatchNorm3d': channelsFirst(3, numFeatures),
  'torch.nn.SyncBatchNorm': channelsFirst(2, numFeatures),
  'torch.nn.InstanceNorm1d': channelsFirst(1, numFeatures),
  'torch.nn.InstanceNorm2d': channelsFirst(2, numFeatures),
  'torch.nn.InstanceNorm3d': channelsFirst(3, numFeatures),
  'torch.nn.GroupNorm': channelsFirst(2, argument('num_channels')),
  'torch.nn.LayerNorm': features(normalizedShape),
  'torch.nn.RMSNorm': features(normalizedShape),
  'torch.nn.functional.layer_norm': features(normalizedShape),
  'torch.nn.functional.rms_norm': features(normalizedShape),
  'torch.nn.Embedding': indices,
  'torch.nn.functional.embedding': indices,
  'torch.embedding': indices,
  'torch.nn.MultiheadAttention': sequenceFirst(argument('embed_dim')),
  'torch.nn.LSTM': sequenceFirst(argument('input_size')),
  'torch.nn.GRU': sequenceFirst(argument('input_size')),
  'torch.nn.RNN': sequenceFirst(argument('input_size')),
  'torch.nn.MaxPool1d': spatialOnly(1),
  'torch.nn.MaxPool2d': spatialOnly(2),
  'torch.nn.MaxPool3d': spatialOnly(3),
  'torch.nn.AvgPool1d': spatialOnly(1),
  'torch.nn.AvgPool2d': spatialOnly(2),
  'torch.nn.AvgPool3d': spatialOnly(3),
  'torch.nn.AdaptiveAvgPool1d': spatialOnly(1),
  'torch.nn.AdaptiveAvgPool2d': spatialOnly(2),
  'torch.nn.AdaptiveAvgPool3d': spatialOnly(3),
  'torch.nn.AdaptiveMaxPool2d': spatialOnly(2),
  'torch.nn.functional.max_pool2d': spatialOnly(2),
  'torch.nn.functional.avg_pool2d': spatialOnly(2),
  'torch.nn.functional.adaptive_avg_pool2d': spatialOnly(2),
  'einops.rearrange': einopsPattern,
  'einops.reduce': einopsPattern,
  'einops.repeat': einopsPattern,
  'torch.Tensor.view': viewedAs,
  'torch.Tensor.reshape': viewedAs,
  'torch.reshape': viewedAs,
};
