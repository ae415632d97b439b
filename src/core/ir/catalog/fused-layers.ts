// Fused layers of apex and NVIDIA TransformerEngine, priced as one op each: apex's fused norms are one kernel, and
// TransformerEngine's LayerNormLinear and LayerNormMLP are fused units whose intermediates the byte formulas count.
import { num, type Dim } from '../dims';
import type { ByteCount, CostContext } from '../opspec';
import type { AttrValue } from '../types';
import { attrDims } from '../../shapes/infer';
import { dimOf, linear } from './contraction';
import type { CatalogEntry } from './entry';
import { compulsoryBytes, elements } from './helpers';
import { layerNorm, rmsNorm } from './normalization';

/** `normalized_shape` as dims: an int is one dim, a tuple several. */
function normalizedShape(value: AttrValue | undefined): Dim[] {
  return attrDims(value) ?? [];
}

/** apex.normalization.FusedLayerNorm(normalized_shape, eps, elementwise_affine): one kernel, like nn.LayerNorm. */
const apexLayerNorm: CatalogEntry = {
  ...layerNorm,
  module: {
    init: ['normalized_shape', 'eps', 'elementwise_affine', 'memory_efficient'],
    defaults: { elementwise_affine: true },
    params: (args) =>
      args.elementwise_affine === false
        ? []
        : [
            { name: 'weight', shape: normalizedShape(args.normalized_shape) },
            { name: 'bias', shape: normalizedShape(args.normalized_shape) },
          ],
  },
};

const apexRmsNorm: CatalogEntry = {
  ...rmsNorm,
  module: {
    init: ['normalized_shape', 'eps', 'elementwise_affine', 'memory_efficient'],
    defaults: { elementwise_affine: true },
    params: (args) => (args.elementwise_affine === false ? [] : [{ name: 'weight', shape: normalizedShape(args.normalized_shape) }]),
  },
};

/** apex's functional forms put the weight (and bias) before normalized_shape. */
const APEX_FUNCTIONS: Readonly<Record<string, CatalogEntry>> = {
  fused_layer_norm_affine: { ...layerNorm, signature: ['input', 'weight', 'bias', 'normalized_shape', 'eps', 'memory_efficient'] },
  mixed_dtype_fused_layer_norm_affine: { ...layerNorm, signature: ['input', 'weight', 'bias', 'normalized_shape', 'eps', 'memory_efficient'] },
  fused_layer_norm: { ...layerNorm, signature: ['input', 'normalized_shape', 'eps', 'memory_efficient'] },
  fused_rms_norm_affine: { ...rmsNorm, signature: ['input', 'weight', 'normalized_shape', 'eps', 'memory_efficient'] },
  mixed_dtype_fused_rms_norm_affine: { ...rmsNorm, signature: ['input', 'weight', 'normalized_shape', 'eps', 'memory_efficient'] },
  fused_rms_norm: { ...rmsNorm, signature: ['input', 'normalized_shape', 'eps', 'memory_efficient'] },
};

/** TransformerEngine's norms normalise the last dim, of size hidden_size. */
function teNorm(base: CatalogEntry, withBias: boolean): CatalogEntry {
  return {
    ...base,
    module: {
      init: ['hidden_size', 'eps', 'sequence_parallel', 'params_dtype', 'zero_centered_gamma', 'device'],
      params: (args) => [
        { name: 'weight', shape: [dimOf(args.hidden_size)] },
        ...(withBias ? [{ name: 'bias', shape: [dimOf(args.hidden_size)] }] : []),
      ],
    },
  };
}

/** The arguments TransformerEngine's linears share after their sizes, in its order. */
const TE_LINEAR_INIT = ['sequence_parallel', 'fuse_wgrad_accumulation', 'tp_group', 'tp_size', 'get_rng_state_tracker', 'rng_tracker_name', 'init_method', 'bias', 'return_bias', 'params_dtype', 'parallel_mode'];

/** te.Linear(in_features, out_features, ...): the bias rides in the GEMM, or is handed back with return_bias=True. */
const teLinear: CatalogEntry = {
  ...linear,
  module: {
    init: ['in_features', 'out_features', ...TE_LINEAR_INIT],
    forward: ['inp', 'is_first_microbatch', 'fp8_output'],
    defaults: { bias: true, return_bias: false },
    params: (args) => [
      { name: 'weight', shape: [dimOf(args.out_features), dimOf(args.in_features)] },
      ...(args.bias === false ? [] : [{ name: 'bias', shape: [dimOf(args.out_features)] }]),
    ],
    bias: { skip: 'return_bias', tuple: 'when-skipped' },
  },
};

/** FLOPs per element of the normalisation TE runs: LayerNorm 5, RMSNorm 4 (as the catalog's own norms). */
function normFlops(attrs: CostContext['attrs']): number {
  return attrs.normalization === 'RMSNorm' ? 4 : 5;
}

/** The inputs of a fused TE op after the activation x: the 2-D ones are weights, the 1-D ones norm params and biases. */
function splitInputs(context: CostContext): { x: readonly number[]; matrices: (readonly number[])[]; vectors: number } | null {
  const x = context.inputs[0];
  if (!x) return null;
  const matrices: (readonly number[])[] = [];
  let vectors = 0;
  for (let i = 1; i < context.inputs.length; i++) {
    const shape = context.inputs[i];
    if (!shape) return null;
    if (shape.length === 2) matrices.push(shape);
    else if (shape.length === 1) vectors += 1;
  }
  return { x, matrices, vectors };
}

/** Every input read once and the output written once, plus intermediates each written once and read back once. */
function withIntermediates(context: CostContext, intermediates: number): ByteCount | null {
  const base = compulsoryBytes(context);
  if (!base) return null;
  const size = context.inputElementBytes[0] ?? 0;
  return { read: base.read + intermediates * size, written: base.written + intermediates * size };
}

/**
 * te.LayerNormLinear(in_features, out_features, eps, ..., normalization='LayerNorm'): the norm, then the GEMM on its
 * output. One op (TE fuses the cast for the GEMM into the norm), but two kernels: the normalised [M, K] is written and
 * read back once, and the byte formula counts it.
 */
const teLayerNormLinear: CatalogEntry = {
  category: 'matmul',
  unit: 'tensor',
  signature: ['inp', 'is_first_microbatch'],
  infer: ({ inputs }) => {
    const x = inputs[0];
    const weight = inputs.slice(1).find((shape) => shape?.length === 2);
    if (!x || !weight) return [null];
    return [[...x.slice(0, -1), weight[0] as Dim]];
  },
  flops: (context) => {
    const parts = splitInputs(context);
    const weight = parts?.matrices[0];
    if (!parts || !weight) return null;
    const m = elements(parts.x.slice(0, -1)) as number;
    const [n, k] = weight as [number, number];
    const bias = context.attrs.bias !== false && context.attrs.return_bias !== true ? m * n : 0;
    return normFlops(context.attrs) * m * k + 2 * m * n * k + bias;
  },
  flopsFormula: '5·M·K for the LayerNorm (4·M·K for RMSNorm) + 2·M·N·K for the GEMM (+M·N for the bias)',
  bytes: (context) => {
    const m = elements(context.inputs[0]?.slice(0, -1));
    const k = context.inputs[0]?.[context.inputs[0].length - 1];
    return m === null || k === undefined ? null : withIntermediates(context, m * k);
  },
  bytesFormula: 'input, norm parameters, weight and bias read once, output written once, and the normalised M×K written by the norm kernel and read by the GEMM',
  module: {
    init: ['in_features', 'out_features', 'eps', 'sequence_parallel', 'fuse_wgrad_accumulation', 'tp_group', 'tp_size', 'get_rng_state_tracker', 'init_method', 'bias', 'normalization', 'return_bias', 'params_dtype', 'parallel_mode', 'return_layernorm_output'],
    forward: ['inp', 'is_first_microbatch'],
    defaults: { bias: true, return_bias: false, normalization: 'LayerNorm' },
    params: (args) => [
      { name: 'layer_norm_weight', shape: [dimOf(args.in_features)] },
      ...(args.normalization === 'RMSNorm' ? [] : [{ name: 'layer_norm_bias', shape: [dimOf(args.in_features)] }]),
      { name: 'weight', shape: [dimOf(args.out_features), dimOf(args.in_features)] },
      ...(args.bias === false ? [] : [{ name: 'bias', shape: [dimOf(args.out_features)] }]),
    ],
    bias: { skip: 'return_bias', tuple: 'when-skipped' },
  },
};

/**
 * TE's activations: FLOPs per element of the activation's output, and whether it is gated (fc1 then produces twice
 * the width and the activation halves it). GELU is TE's tanh form; the counts follow the catalog's own activations.
 */
const TE_ACTIVATIONS: Readonly<Record<string, { readonly flops: number; readonly gated: boolean }>> = {
  gelu: { flops: 9, gated: false },
  relu: { flops: 1, gated: false },
  silu: { flops: 5, gated: false },
  qgelu: { flops: 6, gated: false },
  srelu: { flops: 2, gated: false },
  geglu: { flops: 10, gated: true },
  reglu: { flops: 2, gated: true },
  swiglu: { flops: 6, gated: true },
  qgeglu: { flops: 7, gated: true },
  sreglu: { flops: 3, gated: true },
};

function activationOf(attrs: CostContext['attrs'] | Readonly<Record<string, AttrValue>>): { flops: number; gated: boolean } | undefined {
  const name = typeof attrs.activation === 'string' ? attrs.activation : 'gelu';
  return Object.hasOwn(TE_ACTIVATIONS, name) ? TE_ACTIVATIONS[name] : undefined;
}

/**
 * te.LayerNormMLP(hidden_size, ffn_hidden_size, ..., activation='gelu'): norm, fc1, activation, fc2 as one op. Its
 * kernels pass three intermediates through memory: the normalised input [M, H], the fc1 output [M, g·F] (not for
 * 'gelu', which TE applies in fc1's GEMM epilogue) and the activation output [M, F]; each is written once and read
 * once. Gated activations (swiglu, geglu, reglu…) make fc1 2·F wide.
 */
const teLayerNormMlp: CatalogEntry = {
  category: 'matmul',
  unit: 'tensor',
  signature: ['inp', 'is_first_microbatch'],
  infer: ({ inputs }) => [inputs[0] ?? null],
  flops: (context) => {
    const parts = splitInputs(context);
    const activation = activationOf(context.attrs);
    const [fc1, fc2] = parts?.matrices ?? [];
    if (!parts || !fc1 || !fc2 || !activation) return null;
    const m = elements(parts.x.slice(0, -1)) as number;
    const h = parts.x[parts.x.length - 1] as number;
    const wide = fc1[0] as number;
    const f = fc2[1] as number;
    const biases = context.attrs.bias !== false ? m * wide + (context.attrs.return_bias === true ? 0 : m * h) : 0;
    return normFlops(context.attrs) * m * h + 2 * m * wide * h + activation.flops * m * f + 2 * m * h * f + biases;
  },
  flopsFormula: '5·M·H LayerNorm (4·M·H RMSNorm) + 2·M·(g·F)·H fc1 + activation per element of [M, F] (gelu 9, swiglu 6, relu 1…) + 2·M·H·F fc2 (+ biases); g = 2 for gated activations',
  bytes: (context) => {
    const parts = splitInputs(context);
    const activation = activationOf(context.attrs);
    const [fc1, fc2] = parts?.matrices ?? [];
    if (!parts || !fc1 || !fc2 || !activation) return null;
    const m = elements(parts.x.slice(0, -1)) as number;
    const h = parts.x[parts.x.length - 1] as number;
    const fc1Output = context.attrs.activation === undefined || context.attrs.activation === 'gelu' ? 0 : m * (fc1[0] as number);
    return withIntermediates(context, m * h + fc1Output + m * (fc2[1] as number));
  },
  bytesFormula: "input, norm parameters, both weights and biases read once, output written once, and the intermediates written and read once each: the normalised M×H, the fc1 output (except for 'gelu', applied in fc1's epilogue) and the activation's M×F",
  module: {
    init: ['hidden_size', 'ffn_hidden_size', 'eps', 'sequence_parallel', 'return_bias', 'get_rng_state_tracker', 'tp_group', 'tp_size', 'init_method', 'bias', 'normalization', 'activation'],
    forward: ['inp', 'is_first_microbatch'],
    defaults: { bias: true, return_bias: false, normalization: 'LayerNorm', activation: 'gelu' },
    params: (args) => {
      const hidden = dimOf(args.hidden_size);
      const ffn = dimOf(args.ffn_hidden_size);
      const gated = activationOf(args)?.gated === true;
      const wide: Dim = gated ? { kind: 'bin', op: '*', left: num(2), right: ffn } : ffn;
      return [
        { name: 'layer_norm_weight', shape: [hidden] },
        ...(args.normalization === 'RMSNorm' ? [] : [{ name: 'layer_norm_bias', shape: [hidden] }]),
        { name: 'fc1_weight', shape: [wide, hidden] },
        ...(args.bias === false ? [] : [{ name: 'fc1_bias', shape: [wide] }]),
        { name: 'fc2_weight', shape: [hidden, ffn] },
        ...(args.bias === false ? [] : [{ name: 'fc2_bias', shape: [hidden] }]),
      ];
    },
    bias: { name: 'fc2_bias', skip: 'return_bias', tuple: 'when-skipped' },
  },
};

/** The modules apex exports its norms from. */
const APEX_MODULES = ['apex.normalization', 'apex.normalization.fused_layer_norm'];

/** TransformerEngine's PyTorch API: the package, its `module` subpackage and each layer's own file. */
const TE_LAYERS: Readonly<Record<string, readonly [CatalogEntry, string]>> = {
  Linear: [teLinear, 'linear'],
  LayerNorm: [teNorm(layerNorm, true), 'layernorm'],
  RMSNorm: [teNorm(rmsNorm, false), 'rmsnorm'],
  LayerNormLinear: [teLayerNormLinear, 'layernorm_linear'],
  LayerNormMLP: [teLayerNormMlp, 'layernorm_mlp'],
};

function familyOf(): Record<string, CatalogEntry> {
  const ops: Record<string, CatalogEntry> = {};
  for (const module of APEX_MODULES) {
    ops[`${module}.FusedLayerNorm`] = apexLayerNorm;
    ops[`${module}.MixedFusedLayerNorm`] = apexLayerNorm;
    ops[`${module}.FusedRMSNorm`] = apexRmsNorm;
    ops[`${module}.MixedFusedRMSNorm`] = apexRmsNorm;
  }
  for (const [name, entry] of Object.entries(APEX_FUNCTIONS)) ops[`apex.normalization.fused_layer_norm.${name}`] = entry;
  for (const [name, [entry, file]] of Object.entries(TE_LAYERS)) {
    for (const module of ['transformer_engine.pytorch', 'transformer_engine.pytorch.module', `transformer_engine.pytorch.module.${file}`]) ops[`${module}.${name}`] = entry;
  }
  return ops;
}

export const FUSED_LAYER_OPS: Readonly<Record<string, CatalogEntry>> = familyOf();
