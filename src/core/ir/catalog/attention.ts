// Attention (fused SDPA, nn.MultiheadAttention), losses and recurrent layers: composite ops priced as one kernel each.
import { num, type Dim } from '../dims';
import type { ByteCount, CostContext } from '../opspec';
import { attrDim, reduce } from '../../shapes/infer';
import { COMPULSORY_TEXT, type CatalogEntry } from './entry';
import { compulsoryBytes, elements } from './helpers';
import { dimOf } from './contraction';

/**
 * scaled_dot_product_attention(q [.., L, E], k [.., S, E], v [.., S, Ev]): QKᵀ and PV are 2·L·S·E and 2·L·S·Ev per
 * batch-head; a causal mask lets fused kernels (FlashAttention) skip half the blocks, so causal counts half.
 */
const sdpa: CatalogEntry = {
  category: 'attention',
  unit: 'tensor',
  signature: ['query', 'key', 'value', 'attn_mask', 'dropout_p', 'is_causal', 'scale', 'enable_gqa'],
  infer: ({ inputs }) => {
    const [q, , v] = inputs;
    if (!q || !v) return [null];
    return [[...q.slice(0, -1), v[v.length - 1] as Dim]];
  },
  flops: (context) => {
    const [q, k, v] = context.inputs;
    if (!q || !k || !v) return null;
    const batchHeads = q.slice(0, -2).reduce((a, b) => a * b, 1);
    const l = q[q.length - 2] as number;
    const e = q[q.length - 1] as number;
    const s = k[k.length - 2] as number;
    const ev = v[v.length - 1] as number;
    const full = 2 * batchHeads * l * s * (e + ev) + 5 * batchHeads * l * s;
    return context.attrs.is_causal === true ? full / 2 : full;
  },
  flopsFormula: '2·B·H·L·S·(E + Ev) for QKᵀ and PV + 5·B·H·L·S softmax; halved when is_causal (masked blocks skipped)',
  bytes: compulsoryBytes,
  bytesFormula: 'Q, K, V (and a mask if given) read once, O written once: the fused kernel keeps the L×S scores on chip',
};

/**
 * nn.MultiheadAttention: in-projections, attention and out-projection as one op. Inputs: query, key, value, then
 * in_proj_weight [3E, E], in_proj_bias [3E], out_proj weight [E, E] and bias [E].
 */
const multiheadAttention: CatalogEntry = {
  category: 'attention',
  unit: 'tensor',
  signature: ['query', 'key', 'value', 'key_padding_mask', 'need_weights', 'attn_mask'],
  multiOutput: true,
  infer: ({ inputs, attrs }) => {
    const [q, k] = inputs;
    if (!q || !k) return [null, null];
    const batchFirst = attrs.batch_first === true;
    const l = q[batchFirst ? 1 : 0] as Dim;
    const s = k[batchFirst ? 1 : 0] as Dim;
    const batch = q.length === 3 ? [q[batchFirst ? 0 : 1] as Dim] : [];
    // With need_weights=False the module returns (output, None): one tensor.
    return attrs.need_weights === false ? [q] : [q, [...batch, l, s]];
  },
  flops: (context) => {
    const [q, k] = context.inputs;
    if (!q || !k) return null;
    const e = q[q.length - 1] as number;
    const tokensQ = elements(q.slice(0, -1)) as number;
    const tokensK = elements(k.slice(0, -1)) as number;
    const batchFirst = context.attrs.batch_first === true;
    const l = q[batchFirst ? 1 : 0] as number;
    const s = k[batchFirst ? 1 : 0] as number;
    const batch = tokensQ / l;
    const projections = 2 * tokensQ * e * e + 2 * 2 * tokensK * e * e + 2 * tokensQ * e * e;
    return projections + 4 * batch * l * s * e + 5 * batch * (typeof context.attrs.num_heads === 'number' ? context.attrs.num_heads : 1) * l * s;
  },
  flopsFormula: '2·L·E² (Q) + 4·S·E² (K, V) + 2·L·E² (out) per batch + 4·B·L·S·E attention + 5·B·H·L·S softmax',
  bytes: compulsoryBytes,
  bytesFormula: `${COMPULSORY_TEXT} (inputs, projection weights, output); the unfused path also writes the B·H·L·S scores`,
  module: {
    init: ['embed_dim', 'num_heads', 'dropout', 'bias', 'add_bias_kv', 'add_zero_attn', 'kdim', 'vdim', 'batch_first'],
    forward: ['query', 'key', 'value', 'key_padding_mask', 'need_weights', 'attn_mask'],
    defaults: { batch_first: false },
    params: (args) => {
      const e = dimOf(args.embed_dim);
      return [
        { name: 'in_proj_weight', shape: [mul3(e), e] },
        { name: 'in_proj_bias', shape: [mul3(e)] },
        { name: 'out_proj.weight', shape: [e, e] },
        { name: 'out_proj.bias', shape: [e] },
      ];
    },
  },
};

function mul3(e: Dim): Dim {
  return { kind: 'bin', op: '*', left: num(3), right: e };
}

/** Losses reduce to a scalar by default (`reduction='mean'`); `'none'` keeps the per-element shape. */
function loss(flopsPerElement: number, text: string, extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    category: 'reduction',
    unit: 'vector',
    signature: ['input', 'target', 'weight', 'size_average', 'ignore_index', 'reduce', 'reduction'],
    infer: ({ inputs, attrs }) => [attrs.reduction === 'none' ? inputs[0] ?? null : []],
    flops: (context) => {
      const n = elements(context.inputs[0]);
      return n === null ? null : flopsPerElement * n;
    },
    flopsFormula: text,
    bytes: compulsoryBytes,
    bytesFormula: COMPULSORY_TEXT,
    ...extra,
  };
}

/** Eager cross-entropy: log_softmax writes the log-probabilities, nll_loss gathers one per row. */
function crossEntropyBytes(context: CostContext): ByteCount | null {
  const logits = context.inputs[0];
  const n = elements(logits);
  const targets = elements(context.inputs[1]);
  if (n === null || targets === null || !logits) return null;
  const size = context.inputElementBytes[0] ?? 0;
  const rows = logits.length > 1 ? n / (logits[1] as number) : 1;
  return {
    read: n * size + targets * (context.inputElementBytes[1] ?? 8) + rows * size,
    written: n * size + (elements(context.outputs[0]) ?? 1) * (context.outputElementBytes[0] ?? size),
  };
}

const crossEntropy = loss(6, '6 per logit (log-softmax 5, gather and mean 1)', {
  category: 'softmax',
  signature: ['input', 'target', 'weight', 'size_average', 'ignore_index', 'reduce', 'reduction', 'label_smoothing'],
  infer: ({ inputs, attrs }) => {
    const x = inputs[0];
    if (attrs.reduction !== 'none') return [[]];
    return [x ? reduce(x, [num(x.length > 1 ? 1 : 0)], false) : null];
  },
  bytes: crossEntropyBytes,
  bytesFormula: 'logits read, log-probabilities written (eager log_softmax), one per row gathered back, targets read',
});

/**
 * LSTM/GRU/RNN (cuDNN runs them as fused kernels): per step and layer, 2·gates·H·(I + H) FLOPs for the input and
 * recurrent GEMMs. Output: [B, T, D·H] (batch_first) or [T, B, D·H], then the final states.
 */
function recurrent(gates: number, name: string): CatalogEntry {
  return {
    category: 'matmul',
    unit: 'tensor',
    signature: ['input', 'hx'],
    multiOutput: true,
    infer: ({ inputs, attrs }) => {
      const x = inputs[0];
      const hidden = attrDim(attrs.hidden_size);
      if (!x || !hidden) return [null, null];
      const directions = attrs.bidirectional === true ? 2 : 1;
      const layers = attrDim(attrs.num_layers) ?? num(1);
      const out: Dim = directions === 2 ? { kind: 'bin', op: '*', left: num(2), right: hidden } : hidden;
      const batchFirst = attrs.batch_first === true;
      const batch = x.length === 3 ? [x[batchFirst ? 0 : 1] as Dim] : [];
      const states: Dim = directions === 2 ? { kind: 'bin', op: '*', left: num(2), right: layers } : layers;
      return [[...x.slice(0, -1), out], [states, ...batch, hidden]];
    },
    flops: (context) => {
      const x = context.inputs[0];
      const hidden = typeof context.attrs.hidden_size === 'number' ? context.attrs.hidden_size : null;
      if (!x || hidden === null) return null;
      const inputSize = x[x.length - 1] as number;
      const tokens = elements(x.slice(0, -1)) as number;
      const layers = typeof context.attrs.num_layers === 'number' ? context.attrs.num_layers : 1;
      const directions = context.attrs.bidirectional === true ? 2 : 1;
      let total = 0;
      for (let layer = 0; layer < layers; layer++) {
        const layerInput = layer === 0 ? inputSize : hidden * directions;
        total += directions * tokens * (2 * gates * hidden * (layerInput + hidden) + 4 * gates * hidden);
      }
      return total;
    },
    flopsFormula: `per token, layer and direction: 2·${gates}·H·(I + H) for the GEMMs + ~4·${gates}·H for the gates (${name})`,
    bytes: compulsoryBytes,
    bytesFormula: `${COMPULSORY_TEXT}: input, weights, output (cuDNN keeps the state on chip)`,
    module: {
      init: ['input_size', 'hidden_size', 'num_layers', 'bias', 'batch_first', 'dropout', 'bidirectional'],
      defaults: { num_layers: 1, batch_first: false, bidirectional: false },
      params: (args) => {
        const h = dimOf(args.hidden_size);
        const i = dimOf(args.input_size);
        const g: Dim = { kind: 'bin', op: '*', left: num(gates), right: h };
        return [
          { name: 'weight_ih_l0', shape: [g, i] },
          { name: 'weight_hh_l0', shape: [g, h] },
          { name: 'bias_ih_l0', shape: [g] },
          { name: 'bias_hh_l0', shape: [g] },
        ];
      },
    },
  };
}

/** A loss module's forward takes the prediction and the target: the target is read too (and sizes the cost). */
const LOSS_FORWARD = ['input', 'target'];

export const COMPOSITE_OPS: Readonly<Record<string, CatalogEntry>> = {
  'torch.nn.functional.scaled_dot_product_attention': sdpa,
  'torch.nn.MultiheadAttention': multiheadAttention,
  'torch.nn.functional.cross_entropy': crossEntropy,
  'torch.nn.CrossEntropyLoss': { ...crossEntropy, signature: ['input', 'target'], module: { forward: LOSS_FORWARD, init: ['weight', 'size_average', 'ignore_index', 'reduce', 'reduction', 'label_smoothing'] } },
  'torch.nn.functional.nll_loss': loss(1, '1 per input element (gather, mean)'),
  'torch.nn.NLLLoss': { ...loss(1, '1 per input element (gather, mean)'), signature: ['input', 'target'], module: { forward: LOSS_FORWARD, init: ['weight', 'size_average', 'ignore_index', 'reduce', 'reduction'] } },
  'torch.nn.functional.mse_loss': loss(3, '3 per element (subtract, square, mean)'),
  'torch.nn.MSELoss': { ...loss(3, '3 per element (subtract, square, mean)'), signature: ['input', 'target'], module: { forward: LOSS_FORWARD, init: ['size_average', 'reduce', 'reduction'] } },
  'torch.nn.functional.l1_loss': loss(3, '3 per element (subtract, abs, mean)'),
  'torch.nn.L1Loss': { ...loss(3, '3 per element (subtract, abs, mean)'), signature: ['input', 'target'], module: { forward: LOSS_FORWARD, init: ['size_average', 'reduce', 'reduction'] } },
  'torch.nn.functional.smooth_l1_loss': loss(4, '4 per element'),
  'torch.nn.functional.huber_loss': loss(4, '4 per element'),
  'torch.nn.functional.binary_cross_entropy': loss(5, '5 per element (two logs, multiplies, mean)'),
  'torch.nn.functional.binary_cross_entropy_with_logits': loss(7, '7 per element (sigmoid folded into the log terms)'),
  'torch.nn.BCEWithLogitsLoss': { ...loss(7, '7 per element'), signature: ['input', 'target'], module: { forward: LOSS_FORWARD, init: ['weight', 'size_average', 'reduce', 'reduction', 'pos_weight'] } },
  'torch.nn.functional.kl_div': loss(4, '4 per element (log, subtract, multiply, sum)'),
  'torch.nn.functional.cosine_similarity': {
    category: 'reduction',
    unit: 'vector',
    signature: ['x1', 'x2', 'dim', 'eps'],
    infer: ({ inputs, attrs }) => [reduce(inputs[0] ?? null, [attrDim(attrs.dim) ?? num(1)], false)],
    flops: (context) => {
      const n = elements(context.inputs[0]);
      return n === null ? null : 6 * n;
    },
    flopsFormula: '6 per element (three multiply-adds: x1·x2, x1², x2²)',
    bytes: compulsoryBytes,
    bytesFormula: COMPULSORY_TEXT,
  },
  'torch.nn.LSTM': recurrent(4, 'LSTM'),
  'torch.nn.GRU': recurrent(3, 'GRU'),
  'torch.nn.RNN': recurrent(1, 'RNN'),
};
