// Normalizations (layer, RMS, group, batch, instance) and softmax: row-wise passes that read and write every element.
import type { Dim } from '../dims';
import type { AttrValue } from '../types';
import { attrDims } from '../../shapes/infer';
import { COMPULSORY_TEXT, perInputElement, type CatalogEntry } from './entry';
import { compulsoryBytes, elements } from './helpers';
import { dimOf } from './contraction';

/** `normalized_shape` as dims: an int is one dim, a tuple several. */
function normalizedShape(value: AttrValue | undefined): Dim[] {
  return attrDims(value) ?? [];
}

function norm(flops: number, flopsFormula: string, signature: readonly string[], extra: Partial<CatalogEntry>): CatalogEntry {
  return {
    category: 'normalization',
    unit: 'vector',
    signature,
    infer: ({ inputs }) => [inputs[0] ?? null],
    flops: perInputElement(flops),
    flopsFormula,
    bytes: compulsoryBytes,
    bytesFormula: `${COMPULSORY_TEXT}: x once (one-pass Welford), the affine weight and bias once, y once`,
    ...extra,
  };
}

/** LayerNorm: 5 FLOPs per element with the affine transform (fvcore/calflops convention; LLM-Viewer counts 7). */
export const layerNorm = norm(5, '5 per element (mean, subtract, variance, normalize, affine)', ['input', 'normalized_shape', 'weight', 'bias', 'eps'], {
  module: {
    init: ['normalized_shape', 'eps', 'elementwise_affine', 'bias', 'device', 'dtype'],
    defaults: { elementwise_affine: true, bias: true },
    params: (args) =>
      args.elementwise_affine === false
        ? []
        : [
            { name: 'weight', shape: normalizedShape(args.normalized_shape) },
            ...(args.bias === false ? [] : [{ name: 'bias', shape: normalizedShape(args.normalized_shape) }]),
          ],
  },
});

/** RMSNorm: x², mean, rsqrt, scale, γ: 4 FLOPs per element (derived). */
export const rmsNorm = norm(4, '4 per element (square, mean, scale by rsqrt, multiply by γ)', ['input', 'normalized_shape', 'weight', 'eps'], {
  module: {
    init: ['normalized_shape', 'eps', 'elementwise_affine', 'device', 'dtype'],
    params: (args) => (args.elementwise_affine === false ? [] : [{ name: 'weight', shape: normalizedShape(args.normalized_shape) }]),
  },
});

const groupNorm = norm(5, '5 per element (mean, subtract, variance, normalize, affine)', ['input', 'num_groups', 'weight', 'bias', 'eps'], {
  module: {
    init: ['num_groups', 'num_channels', 'eps', 'affine', 'device', 'dtype'],
    params: (args) =>
      args.affine === false
        ? []
        : [
            { name: 'weight', shape: [dimOf(args.num_channels)] },
            { name: 'bias', shape: [dimOf(args.num_channels)] },
          ],
  },
});

/** BatchNorm with running statistics (inference form): a scale and shift per element; foldable into a conv. */
const batchNorm = norm(2, '2 per element (scale and shift with the running statistics); training adds the batch statistics', ['input', 'running_mean', 'running_var', 'weight', 'bias', 'training', 'momentum', 'eps'], {
  module: {
    init: ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats', 'device', 'dtype'],
    params: (args) => [
      ...(args.affine === false ? [] : [
        { name: 'weight', shape: [dimOf(args.num_features)] },
        { name: 'bias', shape: [dimOf(args.num_features)] },
      ]),
      { name: 'running_mean', shape: [dimOf(args.num_features)], buffer: true },
      { name: 'running_var', shape: [dimOf(args.num_features)], buffer: true },
    ],
  },
});

const instanceNorm = norm(5, '5 per element (mean, subtract, variance, normalize, affine)', ['input', 'running_mean', 'running_var', 'weight', 'bias'], {
  module: {
    init: ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats'],
    params: (args) => (args.affine === true ? [{ name: 'weight', shape: [dimOf(args.num_features)] }, { name: 'bias', shape: [dimOf(args.num_features)] }] : []),
  },
});

/** F.normalize: x / max(‖x‖p, eps) along dim: square, sum, sqrt, divide. */
const normalize = norm(3, '3 per element (square, sum, divide)', ['input', 'p', 'dim', 'eps'], {});

/** Softmax over one dim: max, subtract, exp, sum, divide = 5 per element (LLM-Viewer); one fused pass reads and writes once. */
const softmax: CatalogEntry = {
  category: 'softmax',
  unit: 'vector',
  signature: ['input', 'dim', 'dtype'],
  infer: ({ inputs }) => [inputs[0] ?? null],
  flops: perInputElement(5),
  flopsFormula: '5 per element (max, subtract, exp, sum, divide)',
  bytes: (context) => {
    const n = elements(context.inputs[0]);
    if (n === null) return null;
    return { read: n * (context.inputElementBytes[0] ?? 0), written: n * (context.outputElementBytes[0] ?? 0) };
  },
  bytesFormula: '2n·s: one fused pass (the row stays on chip); a 3-pass kernel would move up to 4n·s',
  dtype: { attr: 'dtype' },
  module: { init: ['dim'] },
};

export const NORMALIZATION_OPS: Readonly<Record<string, CatalogEntry>> = {
  'torch.nn.LayerNorm': layerNorm,
  'torch.nn.functional.layer_norm': layerNorm,
  'torch.layer_norm': layerNorm,
  'torch.nn.RMSNorm': rmsNorm,
  'torch.nn.functional.rms_norm': rmsNorm,
  'torch.nn.GroupNorm': groupNorm,
  'torch.nn.functional.group_norm': groupNorm,
  'torch.group_norm': groupNorm,
  'torch.nn.BatchNorm1d': batchNorm,
  'torch.nn.BatchNorm2d': batchNorm,
  'torch.nn.BatchNorm3d': batchNorm,
  'torch.nn.SyncBatchNorm': batchNorm,
  'torch.nn.functional.batch_norm': batchNorm,
  'torch.batch_norm': batchNorm,
  'torch.nn.InstanceNorm1d': instanceNorm,
  'torch.nn.InstanceNorm2d': instanceNorm,
  'torch.nn.InstanceNorm3d': instanceNorm,
  'torch.nn.functional.instance_norm': instanceNorm,
  'torch.nn.functional.normalize': normalize,
  'torch.nn.Softmax': softmax,
  'torch.nn.LogSoftmax': softmax,
  'torch.nn.Softmin': softmax,
  'torch.nn.functional.softmax': softmax,
  'torch.nn.functional.log_softmax': softmax,
  'torch.nn.functional.softmin': softmax,
  'torch.softmax': softmax,
  'torch.log_softmax': softmax,
  'torch.Tensor.softmax': softmax,
  'torch.Tensor.log_softmax': softmax,
};
