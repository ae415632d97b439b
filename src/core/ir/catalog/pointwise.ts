// Elementwise ops: math functions, arithmetic and comparisons (with broadcasting), activations, casts, dropout.
import type { ByteCount, CostContext } from '../opspec';
import { broadcast } from '../../shapes/infer';
import { COMPULSORY_TEXT, firstInputsBytes, pointwiseEntry, type CatalogEntry } from './entry';
import { elements } from './helpers';

const broadcastInfer: CatalogEntry['infer'] = ({ inputs }) => [broadcast(inputs)];

/**
 * Unary math: FLOPs per element. Transcendentals (exp, log, tanh, erf...) count as one FLOP each, the convention
 * of ptflops/calflops; the roofline treats them as vector work either way.
 */
const UNARY: Readonly<Record<string, number>> = {
  abs: 1, neg: 1, negative: 1, exp: 1, exp2: 1, expm1: 1, log: 1, log2: 1, log10: 1, log1p: 1, sqrt: 1, rsqrt: 1,
  reciprocal: 1, sin: 1, cos: 1, tan: 1, asin: 1, acos: 1, atan: 1, sinh: 1, cosh: 1, erf: 1, erfc: 1, erfinv: 1,
  square: 1, sign: 1, sgn: 1, floor: 1, ceil: 1, round: 1, trunc: 1, frac: 1, logical_not: 1, bitwise_not: 1,
  nan_to_num: 1, angle: 1, signbit: 1, isnan: 1, isinf: 1, isfinite: 1,
};

/** Unary ops that return booleans. */
const BOOLEAN_UNARY = new Set(['logical_not', 'isnan', 'isinf', 'isfinite', 'signbit']);

/** Binary arithmetic: one FLOP per output element (numel of the broadcast output). */
const BINARY = [
  'add', 'sub', 'subtract', 'mul', 'multiply', 'div', 'divide', 'true_divide', 'floor_divide', 'remainder', 'fmod',
  'pow', 'float_power', 'maximum', 'minimum', 'fmax', 'fmin', 'atan2', 'hypot', 'rsub', 'xlogy', 'copysign',
  'bitwise_and', 'bitwise_or', 'bitwise_xor', 'logical_and', 'logical_or', 'logical_xor',
];

/**
 * Real FLOPs per element of complex arithmetic: (a+bi)(c+di) = (ac-bd) + (ad+bc)i is 4 multiplies and 2 adds, a sum
 * adds each part, and a quotient multiplies by the conjugate (6), takes |c+di|² (3) and divides both parts (2).
 */
const COMPLEX_FLOPS: Readonly<Record<string, number>> = {
  add: 2, sub: 2, subtract: 2, rsub: 2, mul: 6, multiply: 6, div: 11, divide: 11, true_divide: 11,
};

/**
 * Binary arithmetic's FLOPs: one per output element, or the real FLOPs of complex arithmetic on complex outputs (the
 * hover's formula says so: price.ts COMPLEX_FLOPS_TEXT).
 */
function binaryFlops(name: string): CatalogEntry['flops'] {
  const complexFactor = COMPLEX_FLOPS[name] ?? 1;
  return (context) => {
    const n = elements(context.outputs[0]);
    if (n === null) return null;
    const dtype = context.outputDtypes?.[0];
    return dtype === 'complex64' || dtype === 'complex128' ? complexFactor * n : n;
  };
}

const COMPARISONS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'greater', 'less', 'greater_equal', 'less_equal', 'not_equal', 'isclose'];

/** Activations: FLOPs per element, derived by counting the formula's operations (see the formula text). */
const ACTIVATIONS: Readonly<Record<string, { flops: number; text: string; module?: string; init?: readonly string[] }>> = {
  relu: { flops: 1, text: '1 compare per element', module: 'ReLU', init: ['inplace'] },
  relu6: { flops: 2, text: '2 compares per element (clamp to [0, 6])', module: 'ReLU6', init: ['inplace'] },
  leaky_relu: { flops: 2, text: '2 per element (compare, multiply)', module: 'LeakyReLU', init: ['negative_slope', 'inplace'] },
  elu: { flops: 3, text: '3 per element (exp, subtract, multiply)', module: 'ELU', init: ['alpha', 'inplace'] },
  selu: { flops: 4, text: '4 per element (exp, subtract, two multiplies)', module: 'SELU', init: ['inplace'] },
  celu: { flops: 4, text: '4 per element (divide, exp, subtract, multiply)', module: 'CELU', init: ['alpha', 'inplace'] },
  silu: { flops: 5, text: '5 per element (x·σ(x): negate, exp, add, divide, multiply)', module: 'SiLU', init: ['inplace'] },
  sigmoid: { flops: 4, text: '4 per element (negate, exp, add, divide)', module: 'Sigmoid', init: [] },
  tanh: { flops: 1, text: '1 per element (one tanh)', module: 'Tanh', init: [] },
  mish: { flops: 6, text: '6 per element (x·tanh(softplus(x)): exp, add, log, tanh, multiply)', module: 'Mish', init: ['inplace'] },
  softplus: { flops: 3, text: '3 per element (exp, add, log)', module: 'Softplus', init: ['beta', 'threshold'] },
  hardswish: { flops: 4, text: '4 per element (add, clamp, multiply, divide)', module: 'Hardswish', init: ['inplace'] },
  hardsigmoid: { flops: 3, text: '3 per element (add, clamp, divide)', module: 'Hardsigmoid', init: ['inplace'] },
  hardtanh: { flops: 2, text: '2 compares per element', module: 'Hardtanh', init: ['min_val', 'max_val', 'inplace'] },
  logsigmoid: { flops: 4, text: '4 per element (negate, exp, add, log)', module: 'LogSigmoid', init: [] },
  softsign: { flops: 3, text: '3 per element (abs, add, divide)', module: 'Softsign', init: [] },
  tanhshrink: { flops: 2, text: '2 per element (tanh, subtract)', module: 'Tanhshrink', init: [] },
  threshold: { flops: 1, text: '1 compare per element', module: 'Threshold', init: ['threshold', 'value', 'inplace'] },
  softshrink: { flops: 2, text: '2 compares per element', module: 'Softshrink', init: ['lambd'] },
  hardshrink: { flops: 2, text: '2 compares per element', module: 'Hardshrink', init: ['lambd'] },
};

/** GELU: the erf form costs ~4 FLOPs and one erf per element; the tanh form ~8 and one tanh (derived counts). */
const gelu: CatalogEntry = pointwiseEntry(5, '5 per element (erf form: 4 + erf) or 9 (tanh form: 8 + tanh)', ['input', 'approximate'], {
  flops: (context) => {
    const n = elements(context.outputs[0]);
    return n === null ? null : (context.attrs.approximate === 'tanh' ? 9 : 5) * n;
  },
  module: { init: ['approximate'] },
});

/** Dropout in training: a random compare and a scale per element, and eager mode writes a 1-byte mask. p=0 is a no-op. */
function dropoutInactive(context: CostContext): boolean {
  return context.attrs.p === 0 || context.attrs.training === false;
}

const dropout: CatalogEntry = pointwiseEntry(2, '2 per element (random compare, scale by 1/(1-p)); 0 when p = 0', ['input', 'p', 'training', 'inplace'], {
  flops: (context) => {
    if (dropoutInactive(context)) return 0;
    const n = elements(context.outputs[0]);
    return n === null ? null : 2 * n;
  },
  bytes: (context): ByteCount | null => {
    if (dropoutInactive(context)) return { read: 0, written: 0 };
    const n = elements(context.outputs[0]);
    if (n === null) return null;
    const size = context.inputElementBytes[0] ?? 0;
    return { read: n * size, written: n * (context.outputElementBytes[0] ?? size) + n };
  },
  bytesFormula: 'read n·s, write n·s + an n-byte keep mask (eager native_dropout); nothing when p = 0',
  module: { init: ['p', 'inplace'], defaults: { p: 0.5 } },
});

/** GLU halves `dim`: out = a·σ(b). */
const glu: CatalogEntry = pointwiseEntry(5, '5 per output element (sigmoid of one half, multiply)', ['input', 'dim'], {
  infer: ({ inputs, attrs }) => {
    const x = inputs[0];
    if (!x) return [null];
    const dimValue = typeof attrs.dim === 'number' ? attrs.dim : -1;
    const index = dimValue < 0 ? dimValue + x.length : dimValue;
    const out = [...x];
    const d = out[index];
    if (d === undefined) return [null];
    out[index] = { kind: 'bin', op: '//', left: d, right: { kind: 'num', value: 2 } };
    return [out];
  },
  module: { init: ['dim'] },
});

/** Casts: no arithmetic; reads the input at its dtype and writes the output at the new one. */
function cast(dtype: CatalogEntry['dtype'], signature: readonly string[] = ['input']): CatalogEntry {
  return pointwiseEntry(0, '0 (a cast converts, it does not compute)', signature, {
    dtype,
    cast: true,
    bytes: firstInputsBytes(1),
    bytesFormula: 'n·(input bytes + output bytes)',
  });
}

/** In-place ops write their result into the first input: same traffic, same FLOPs, the first input's shape. */
function inPlace(entry: CatalogEntry): CatalogEntry {
  return { ...entry, infer: ({ inputs }) => [inputs[0] ?? null] };
}

function build(): Record<string, CatalogEntry> {
  const ops: Record<string, CatalogEntry> = {};
  for (const [name, flops] of Object.entries(UNARY)) {
    const spec = pointwiseEntry(flops, `${flops} per element`, ['input'], BOOLEAN_UNARY.has(name) ? { dtype: 'bool' } : {});
    ops[`torch.${name}`] = spec;
    ops[`torch.Tensor.${name}`] = spec;
    if (!BOOLEAN_UNARY.has(name)) ops[`torch.Tensor.${name}_`] = inPlace(spec);
  }
  for (const name of BINARY) {
    const logical = name.startsWith('logical_');
    const spec = pointwiseEntry(1, '1 per output element (numel of the broadcast output)', ['input', 'other', 'alpha'], {
      infer: broadcastInfer,
      flops: binaryFlops(name),
      bytesFormula: `${COMPULSORY_TEXT}; a broadcast operand is read once`,
      ...(logical ? { dtype: 'bool' as const } : {}),
    });
    ops[`torch.${name}`] = spec;
    ops[`torch.Tensor.${name}`] = spec;
    ops[`torch.Tensor.${name}_`] = inPlace(spec);
  }
  for (const name of COMPARISONS) {
    const spec = pointwiseEntry(1, '1 compare per output element', ['input', 'other'], { infer: broadcastInfer, dtype: 'bool' });
    ops[`torch.${name}`] = spec;
    ops[`torch.Tensor.${name}`] = spec;
  }
  const clamp = pointwiseEntry(2, '2 compares per element', ['input', 'min', 'max'], { infer: broadcastInfer });
  for (const name of ['clamp', 'clip']) {
    ops[`torch.${name}`] = clamp;
    ops[`torch.Tensor.${name}`] = clamp;
    ops[`torch.Tensor.${name}_`] = inPlace(clamp);
  }
  const where = pointwiseEntry(1, '1 select per output element', ['condition', 'input', 'other'], { infer: broadcastInfer, dtype: { fromInput: 1 } });
  ops['torch.where'] = where;
  ops['torch.Tensor.where'] = where;
  const maskedFill = pointwiseEntry(1, '1 select per element', ['input', 'mask', 'value'], {
    infer: ({ inputs }) => [inputs[0] ?? null],
  });
  ops['torch.masked_fill'] = maskedFill;
  ops['torch.Tensor.masked_fill'] = maskedFill;
  ops['torch.Tensor.masked_fill_'] = maskedFill;
  const lerp = pointwiseEntry(3, '3 per element (subtract, multiply, add)', ['input', 'end', 'weight'], { infer: broadcastInfer });
  ops['torch.lerp'] = lerp;
  ops['torch.Tensor.lerp'] = lerp;
  ops['torch.Tensor.lerp_'] = inPlace(lerp);
  const addcmul = pointwiseEntry(3, '3 per element (multiply, scale, add)', ['input', 'tensor1', 'tensor2', 'value'], { infer: broadcastInfer });
  for (const name of ['addcmul', 'addcdiv']) {
    ops[`torch.${name}`] = addcmul;
    ops[`torch.Tensor.${name}`] = addcmul;
    ops[`torch.Tensor.${name}_`] = inPlace(addcmul);
  }
  const fill = pointwiseEntry(0, '0 (writes a constant)', ['input', 'value'], {
    bytes: (context) => {
      const n = elements(context.outputs[0]);
      return n === null ? null : { read: 0, written: n * (context.outputElementBytes[0] ?? 0) };
    },
    bytesFormula: 'writes n·s, reads nothing',
  });
  ops['torch.Tensor.fill_'] = fill;
  ops['torch.Tensor.zero_'] = fill;
  // In-place random fills (`noise.bernoulli_(p)` in stochastic depth, `w.normal_()` in init code): one draw and one
  // transform per element, the tensor written, nothing read (its old values are overwritten).
  const randomFill = pointwiseEntry(2, '2 per element (a random draw, then compare or scale)', ['input', 'p'], {
    bytes: fill.bytes,
    bytesFormula: 'writes n·s, reads nothing',
  });
  for (const name of ['bernoulli_', 'uniform_', 'normal_', 'exponential_', 'random_', 'geometric_', 'log_normal_', 'cauchy_']) ops[`torch.Tensor.${name}`] = randomFill;
  // torch.bernoulli(probabilities): reads the probabilities, writes the draws.
  const bernoulli = pointwiseEntry(2, '2 per element (a random draw, a compare)', ['input', 'p']);
  ops['torch.bernoulli'] = bernoulli;
  ops['torch.Tensor.bernoulli'] = bernoulli;

  for (const [name, spec] of Object.entries(ACTIVATIONS)) {
    const entry = pointwiseEntry(spec.flops, spec.text, ['input', ...(spec.init ?? [])], spec.module ? { module: { init: spec.init ?? [] } } : {});
    ops[`torch.nn.functional.${name}`] = entry;
    if (spec.module) ops[`torch.nn.${spec.module}`] = entry;
    ops[`torch.nn.functional.${name}_`] = inPlace(entry);
  }
  for (const name of ['relu', 'sigmoid', 'tanh']) {
    ops[`torch.${name}`] = ops[`torch.nn.functional.${name}`] as CatalogEntry;
    ops[`torch.Tensor.${name}`] = ops[`torch.nn.functional.${name}`] as CatalogEntry;
    ops[`torch.Tensor.${name}_`] = inPlace(ops[`torch.nn.functional.${name}`] as CatalogEntry);
  }
  ops['torch.nn.functional.gelu'] = gelu;
  ops['torch.nn.GELU'] = gelu;
  const prelu = pointwiseEntry(2, '2 per element (compare, multiply)', ['input', 'weight'], {
    infer: ({ inputs }) => [inputs[0] ?? null],
    module: { init: ['num_parameters', 'init'], params: (args) => [{ name: 'weight', shape: [typeof args.num_parameters === 'number' ? { kind: 'num', value: args.num_parameters } : { kind: 'num', value: 1 }] }] },
  });
  ops['torch.nn.functional.prelu'] = prelu;
  ops['torch.nn.PReLU'] = prelu;
  ops['torch.nn.functional.glu'] = glu;
  ops['torch.nn.GLU'] = glu;

  ops['torch.nn.functional.dropout'] = dropout;
  ops['torch.nn.Dropout'] = dropout;
  for (const name of ['dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout', 'feature_alpha_dropout']) ops[`torch.nn.functional.${name}`] = dropout;
  for (const name of ['Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout']) ops[`torch.nn.${name}`] = dropout;
  ops['torch.dropout'] = dropout;

  // abs·(cos θ + i·sin θ): a cosine, a sine and two multiplies per element, written as one complex number.
  ops['torch.polar'] = pointwiseEntry(4, '4 per element (cos, sin and two multiplies)', ['abs', 'angle'], { infer: broadcastInfer, dtype: 'complex' });

  ops['torch.Tensor.to'] = cast({ attr: 'dtype' }, ['input', 'dtype', 'non_blocking', 'copy']);
  ops['torch.Tensor.type'] = cast({ attr: 'dtype' }, ['input', 'dtype']);
  ops['torch.Tensor.float'] = cast({ fixed: 'fp32' });
  ops['torch.Tensor.half'] = cast({ fixed: 'fp16' });
  ops['torch.Tensor.bfloat16'] = cast({ fixed: 'bf16' });
  ops['torch.Tensor.double'] = cast({ fixed: 'fp64' });
  ops['torch.Tensor.long'] = cast({ fixed: 'int64' });
  ops['torch.Tensor.int'] = cast({ fixed: 'int32' });
  ops['torch.Tensor.bool'] = cast({ fixed: 'bool' });
  ops['torch.Tensor.type_as'] = cast({ fromInput: 1 }, ['input', 'other']);
  return ops;
}

export const POINTWISE_OPS: Readonly<Record<string, CatalogEntry>> = build();
