// Convolutions (tensor cores) and pooling (vector unit): shapes by PyTorch's output-size arithmetic.
import { bin, num, unknownDim, type Dim } from '../dims';
import type { AttrValue } from '../types';
import type { CostContext, InferContext } from '../opspec';
import { attrDim, attrDims, convOutputSize, convShape, convTransposeOutputSize } from '../../shapes/infer';
import { COMPULSORY_TEXT, type CatalogEntry } from './entry';
import { compulsoryBytes, elements } from './helpers';
import { dimOf } from './contraction';

/** `padding='same'` keeps the size at stride 1: (d·(k−1))/2 each side; 'valid' is 0. */
function paddingDims(value: AttrValue | undefined, kernel: readonly Dim[], dilation: readonly Dim[], spatial: number): Dim[] {
  if (value === 'valid') return Array.from({ length: spatial }, () => num(0));
  if (value === 'same') return kernel.map((k, i) => bin('//', bin('*', dilation[i] ?? num(1), bin('-', k, num(1))), num(2)));
  return attrDims(value, spatial) ?? Array.from({ length: spatial }, () => num(0));
}

/** Conv of `spatial` dims: the kernel size comes from the weight (inputs[1] = [C_out, C_in/g, *k]). */
function convInfer(spatial: number) {
  return ({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] => {
    const [x, weight] = inputs;
    if (!x || !weight) return [null];
    const kernel = weight.slice(2);
    const dilation = attrDims(attrs.dilation, spatial) ?? Array.from({ length: spatial }, () => num(1));
    const stride = attrDims(attrs.stride, spatial) ?? Array.from({ length: spatial }, () => num(1));
    const padding = paddingDims(attrs.padding, kernel, dilation, spatial);
    return [convShape(x, weight[0], spatial, kernel, stride, padding, dilation)];
  };
}

function convTransposeInfer(spatial: number) {
  return ({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] => {
    const [x, weight] = inputs;
    if (!x || !weight || x.length < spatial + 1) return [null];
    const groups = attrDim(attrs.groups) ?? num(1);
    const kernel = weight.slice(2);
    const stride = attrDims(attrs.stride, spatial) ?? Array.from({ length: spatial }, () => num(1));
    const padding = attrDims(attrs.padding, spatial) ?? Array.from({ length: spatial }, () => num(0));
    const dilation = attrDims(attrs.dilation, spatial) ?? Array.from({ length: spatial }, () => num(1));
    const outputPadding = attrDims(attrs.output_padding, spatial) ?? Array.from({ length: spatial }, () => num(0));
    const sizes = x.slice(x.length - spatial).map((size, i) =>
      convTransposeOutputSize(size, kernel[i] ?? unknownDim('kernel'), stride[i] as Dim, padding[i] as Dim, dilation[i] as Dim, outputPadding[i] as Dim),
    );
    return [[...x.slice(0, x.length - spatial - 1), bin('*', weight[1] as Dim, groups), ...sizes]];
  };
}

/** 2·numel(out)·(C_in/g)·∏k (+numel(out) for the bias): each output is a dot product over one weight filter. */
function convFlops(context: CostContext): number | null {
  const out = elements(context.outputs[0]);
  const weight = context.inputs[1];
  if (out === null || !weight) return null;
  const perOutput = weight.slice(1).reduce((a, b) => a * b, 1);
  return 2 * out * perOutput + (context.inputs[2] ? out : 0);
}

/** Transposed conv: each input element scatters into (C_out/g)·∏k outputs. */
function convTransposeFlops(context: CostContext): number | null {
  const input = elements(context.inputs[0]);
  const weight = context.inputs[1];
  const out = elements(context.outputs[0]);
  if (input === null || !weight || out === null) return null;
  return 2 * input * weight.slice(1).reduce((a, b) => a * b, 1) + (context.inputs[2] ? out : 0);
}

function convModule(spatial: number, transposed: boolean): CatalogEntry['module'] {
  return {
    init: transposed
      ? ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'output_padding', 'groups', 'bias', 'dilation', 'padding_mode']
      : ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode'],
    defaults: { bias: true, groups: 1 },
    params: (args) => {
      const kernel = attrDims(args.kernel_size, spatial) ?? [unknownDim('kernel size')];
      const groups = attrDim(args.groups) ?? num(1);
      const inChannels = dimOf(args.in_channels);
      const outChannels = dimOf(args.out_channels);
      const weight = transposed
        ? [inChannels, bin('//', outChannels, groups), ...kernel]
        : [outChannels, bin('//', inChannels, groups), ...kernel];
      return [{ name: 'weight', shape: weight }, ...(args.bias === false ? [] : [{ name: 'bias', shape: [outChannels] }])];
    },
  };
}

function conv(spatial: number): CatalogEntry {
  return {
    category: 'conv',
    unit: 'tensor',
    signature: ['input', 'weight', 'bias', 'stride', 'padding', 'dilation', 'groups'],
    infer: convInfer(spatial),
    flops: convFlops,
    flopsFormula: '2·N·C_out·∏out·(C_in/g)·∏k (+N·C_out·∏out bias)',
    bytes: compulsoryBytes,
    bytesFormula: `${COMPULSORY_TEXT}: input, weight (+bias), output`,
    module: convModule(spatial, false),
  };
}

function convTranspose(spatial: number): CatalogEntry {
  return {
    category: 'conv',
    unit: 'tensor',
    signature: ['input', 'weight', 'bias', 'stride', 'padding', 'output_padding', 'groups', 'dilation'],
    infer: convTransposeInfer(spatial),
    flops: convTransposeFlops,
    flopsFormula: '2·numel(input)·(C_out/g)·∏k (+numel(out) bias)',
    bytes: compulsoryBytes,
    bytesFormula: `${COMPULSORY_TEXT}: input, weight (+bias), output`,
    module: convModule(spatial, true),
  };
}

/** Pooling: kernel and stride from attributes (stride defaults to the kernel). */
function poolInfer(spatial: number) {
  return ({ inputs, attrs }: InferContext): (readonly Dim[] | null)[] => {
    const x = inputs[0];
    const kernel = attrDims(attrs.kernel_size, spatial);
    if (!x || !kernel) return [null];
    const stride = attrs.stride === null || attrs.stride === undefined ? kernel : attrDims(attrs.stride, spatial) ?? kernel;
    const padding = attrDims(attrs.padding, spatial) ?? Array.from({ length: spatial }, () => num(0));
    const dilation = attrDims(attrs.dilation, spatial) ?? Array.from({ length: spatial }, () => num(1));
    const lead = x.slice(0, x.length - spatial);
    const sizes = x.slice(x.length - spatial).map((size, i) => convOutputSize(size, kernel[i] as Dim, stride[i] as Dim, padding[i] as Dim, dilation[i] as Dim, attrs.ceil_mode === true));
    return [[...lead, ...sizes]];
  };
}

function pool(spatial: number, kind: 'max' | 'avg'): CatalogEntry {
  return {
    category: 'reduction',
    unit: 'vector',
    signature: kind === 'max' ? ['input', 'kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode'] : ['input', 'kernel_size', 'stride', 'padding', 'ceil_mode'],
    infer: poolInfer(spatial),
    flops: (context) => {
      const out = elements(context.outputs[0]);
      const kernel = context.attrs.kernel_size;
      const window = Array.isArray(kernel) ? kernel.reduce<number>((a, b) => a * (b ?? 0), 1) : typeof kernel === 'number' ? kernel ** spatial : null;
      return out === null || window === null ? null : out * window;
    },
    flopsFormula: `numel(out)·∏kernel (one ${kind === 'max' ? 'compare' : 'add'} per window element)`,
    bytes: compulsoryBytes,
    bytesFormula: COMPULSORY_TEXT,
    module: { init: kind === 'max' ? ['kernel_size', 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode'] : ['kernel_size', 'stride', 'padding', 'ceil_mode'] },
  };
}

function adaptivePool(spatial: number): CatalogEntry {
  return {
    category: 'reduction',
    unit: 'vector',
    signature: ['input', 'output_size'],
    infer: ({ inputs, attrs }) => {
      const x = inputs[0];
      const size = attrDims(attrs.output_size, spatial);
      if (!x || !size) return [null];
      return [[...x.slice(0, x.length - spatial), ...size]];
    },
    flops: (context) => elements(context.inputs[0]),
    flopsFormula: '1 per input element',
    bytes: compulsoryBytes,
    bytesFormula: COMPULSORY_TEXT,
    module: { init: ['output_size'] },
  };
}

export const CONV_OPS: Readonly<Record<string, CatalogEntry>> = {
  'torch.nn.Conv1d': conv(1),
  'torch.nn.Conv2d': conv(2),
  'torch.nn.Conv3d': conv(3),
  'torch.nn.functional.conv1d': conv(1),
  'torch.nn.functional.conv2d': conv(2),
  'torch.nn.functional.conv3d': conv(3),
  'torch.conv1d': conv(1),
  'torch.conv2d': conv(2),
  'torch.nn.ConvTranspose1d': convTranspose(1),
  'torch.nn.ConvTranspose2d': convTranspose(2),
  'torch.nn.ConvTranspose3d': convTranspose(3),
  'torch.nn.functional.conv_transpose1d': convTranspose(1),
  'torch.nn.functional.conv_transpose2d': convTranspose(2),
  'torch.nn.functional.conv_transpose3d': convTranspose(3),
  'torch.nn.MaxPool1d': pool(1, 'max'),
  'torch.nn.MaxPool2d': pool(2, 'max'),
  'torch.nn.MaxPool3d': pool(3, 'max'),
  'torch.nn.AvgPool1d': pool(1, 'avg'),
  'torch.nn.AvgPool2d': pool(2, 'avg'),
  'torch.nn.AvgPool3d': pool(3, 'avg'),
  'torch.nn.functional.max_pool1d': pool(1, 'max'),
  'torch.nn.functional.max_pool2d': pool(2, 'max'),
  'torch.nn.functional.max_pool3d': pool(3, 'max'),
  'torch.nn.functional.avg_pool1d': pool(1, 'avg'),
  'torch.nn.functional.avg_pool2d': pool(2, 'avg'),
  'torch.nn.functional.avg_pool3d': pool(3, 'avg'),
  'torch.nn.AdaptiveAvgPool1d': adaptivePool(1),
  'torch.nn.AdaptiveAvgPool2d': adaptivePool(2),
  'torch.nn.AdaptiveAvgPool3d': adaptivePool(3),
  'torch.nn.AdaptiveMaxPool2d': adaptivePool(2),
  'torch.nn.functional.adaptive_avg_pool1d': adaptivePool(1),
  'torch.nn.functional.adaptive_avg_pool2d': adaptivePool(2),
  'torch.nn.functional.adaptive_max_pool2d': adaptivePool(2),
};
