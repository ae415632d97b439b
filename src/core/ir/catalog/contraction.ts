// Contractions priced on tensor cores: linear, matmul and its relatives, einsum.
import { num, unknownDim, type Dim } from '../dims';
import type { CostContext } from '../opspec';
import { matmul, simplify } from '../../shapes/infer';
import { COMPULSORY_TEXT, type CatalogEntry } from './entry';
import { compulsoryBytes, elements } from './helpers';

/** 2·numel(out)·K: every output element is a K-long dot product (K = the first operand's last dim). */
function contractionFlops(kOperand: number, extraPerOutput = 0) {
  return (context: CostContext): number | null => {
    const out = elements(context.outputs[0]);
    const operand = context.inputs[kOperand];
    if (out === null || !operand || operand.length === 0) return null;
    const k = operand[operand.length - 1] as number;
    return 2 * out * k + extraPerOutput * out;
  };
}

/** Linear: inputs [x, weight[out, in], bias[out]?]; output is x with its last dim replaced by out. */
export const linear: CatalogEntry = {
  category: 'matmul',
  unit: 'tensor',
  signature: ['input', 'weight', 'bias'],
  infer: ({ inputs }) => {
    const [x, weight] = inputs;
    if (!x || !weight || weight.length !== 2) return [null];
    return [[...x.slice(0, -1), weight[0] as Dim]];
  },
  flops: ({ inputs }) => {
    const [x, weight, bias] = inputs;
    const m = elements(x?.slice(0, -1));
    if (m === null || !weight) return null;
    const [n, k] = weight as [number, number];
    return 2 * m * n * k + (bias ? m * n : 0);
  },
  flopsFormula: '2·M·N·K (+M·N for the bias), M = product of the leading dims',
  bytes: compulsoryBytes,
  bytesFormula: '(M·K + N·K + M·N [+ N bias]) · bytes per element: input, weight, output once each',
  module: {
    init: ['in_features', 'out_features', 'bias', 'device', 'dtype'],
    defaults: { bias: true },
    params: (args) => [
      { name: 'weight', shape: [dimOf(args.out_features), dimOf(args.in_features)] },
      ...(args.bias === false ? [] : [{ name: 'bias', shape: [dimOf(args.out_features)] }]),
    ],
  },
};

export const matmulEntry: CatalogEntry = {
  category: 'matmul',
  unit: 'tensor',
  signature: ['input', 'other'],
  infer: ({ inputs }) => [matmul(inputs[0] ?? null, inputs[1] ?? null)],
  flops: contractionFlops(0),
  flopsFormula: '2·numel(out)·K (batch dims broadcast)',
  bytes: compulsoryBytes,
  bytesFormula: `${COMPULSORY_TEXT} (a broadcast weight is read once)`,
};

/** addmm / baddbmm: beta·input + alpha·(batch1 @ batch2); the add is one more FLOP per output element. */
const addContraction: CatalogEntry = {
  category: 'matmul',
  unit: 'tensor',
  signature: ['input', 'mat1', 'mat2', 'beta', 'alpha'],
  infer: ({ inputs }) => [matmul(inputs[1] ?? null, inputs[2] ?? null)],
  flops: contractionFlops(1, 1),
  flopsFormula: '2·numel(out)·K + numel(out) for the added input',
  bytes: compulsoryBytes,
  bytesFormula: `${COMPULSORY_TEXT} (the added input is read too)`,
};

/** einsum: output dims follow the equation; FLOPs are 2× the product of every index's size (for two operands). */
const einsum: CatalogEntry = {
  category: 'matmul',
  unit: 'tensor',
  signature: ['equation', '*operands'],
  infer: ({ inputs, attrs }) => {
    const parsed = parseEinsum(typeof attrs.equation === 'string' ? attrs.equation : '', inputs);
    return [parsed ? parsed.output : null];
  },
  flops: ({ inputs, attrs }) => {
    const equation = typeof attrs.equation === 'string' ? attrs.equation : '';
    const sizes = new Map<string, number>();
    const sides = equation.replace(/\s+/g, '').split('->');
    const operands = (sides[0] ?? '').split(',');
    if (operands.some((o) => o.includes('.'))) return null;
    for (let i = 0; i < operands.length; i++) {
      const shape = inputs[i];
      if (!shape) return null;
      [...(operands[i] as string)].forEach((letter, j) => sizes.set(letter, shape[j] as number));
    }
    const all = [...sizes.values()].reduce((a, b) => a * b, 1);
    return operands.length >= 2 ? 2 * all : all;
  },
  flopsFormula: '2 · product of the sizes of all indices (one multiply-add per point of the joint index space)',
  bytes: compulsoryBytes,
  bytesFormula: COMPULSORY_TEXT,
};

/** Reads an einsum equation (no ellipsis) into the output shape. */
function parseEinsum(equation: string, inputs: readonly (readonly Dim[] | null)[]): { output: Dim[] } | null {
  const [lhs, rhs] = equation.replace(/\s+/g, '').split('->');
  if (lhs === undefined || lhs.includes('.')) return null;
  const operands = lhs.split(',');
  const letters = new Map<string, Dim>();
  const counts = new Map<string, number>();
  for (let i = 0; i < operands.length; i++) {
    const shape = inputs[i];
    const operand = operands[i] as string;
    if (!shape || shape.length !== operand.length) return null;
    [...operand].forEach((letter, j) => {
      if (!letters.has(letter) || (letters.get(letter)?.kind === 'num' && (letters.get(letter) as { value: number }).value === 1)) {
        letters.set(letter, shape[j] as Dim);
      }
      counts.set(letter, (counts.get(letter) ?? 0) + 1);
    });
  }
  // Implicit output: the letters used once, in alphabetical order.
  const outputLetters = rhs ?? [...counts.entries()].filter(([, n]) => n === 1).map(([l]) => l).sort().join('');
  return { output: [...outputLetters].map((l) => letters.get(l) ?? unknownDim(`einsum index ${l}`)) };
}

/** A constructor argument as a dim; a missing one is an unknown dim that names it. */
export function dimOf(value: unknown): Dim {
  if (typeof value === 'number') return num(value);
  if (value && typeof value === 'object' && 'kind' in value) return simplify(value as Dim);
  return unknownDim('constructor argument not known');
}

const outer: CatalogEntry = {
  category: 'matmul',
  unit: 'vector',
  signature: ['input', 'vec2'],
  infer: ({ inputs }) => [inputs[0] && inputs[1] ? [inputs[0][0] as Dim, inputs[1][0] as Dim] : null],
  flops: (context) => elements(context.outputs[0]),
  flopsFormula: '1 multiply per output element',
  bytes: compulsoryBytes,
  bytesFormula: COMPULSORY_TEXT,
};

export const CONTRACTION_OPS: Readonly<Record<string, CatalogEntry>> = {
  'torch.nn.Linear': linear,
  'torch.nn.functional.linear': linear,
  'torch.matmul': matmulEntry,
  'torch.Tensor.matmul': matmulEntry,
  'torch.mm': matmulEntry,
  'torch.Tensor.mm': matmulEntry,
  'torch.bmm': matmulEntry,
  'torch.Tensor.bmm': matmulEntry,
  'torch.mv': matmulEntry,
  'torch.Tensor.mv': matmulEntry,
  'torch.dot': matmulEntry,
  'torch.Tensor.dot': matmulEntry,
  'torch.addmm': addContraction,
  'torch.Tensor.addmm': addContraction,
  'torch.baddbmm': addContraction,
  'torch.Tensor.baddbmm': addContraction,
  'torch.einsum': einsum,
  'torch.outer': outer,
  'torch.Tensor.outer': outer,
};
