// First catalog entries: the patterns the rest of the catalog follows (contraction, pointwise, view).
import { bin, type Dim } from '../dims';
import type { OpSpec } from '../opspec';
import { elements, perOutputElement } from './helpers';

/**
 * Linear: inputs are [x, weight[out, in], bias[out]?] (parameters are inputs, so their bytes count).
 * Output: x's leading dims with the last replaced by out_features.
 */
const linear: OpSpec = {
  category: 'matmul',
  unit: 'tensor',
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
};

/** GELU: the erf form costs ~4 FLOPs and one erf per element; the tanh form ~8 and one tanh (derived counts). */
const gelu: OpSpec = {
  category: 'pointwise',
  unit: 'vector',
  flops: (context) => perOutputElement(context.attrs.approximate === 'tanh' ? 9 : 5)(context),
  flopsFormula: '5 per element (erf form: 4 + erf) or 9 (tanh form: 8 + tanh)',
};

const add: OpSpec = {
  category: 'pointwise',
  unit: 'vector',
  infer: ({ inputs }) => [broadcastShapes(inputs)],
  flops: perOutputElement(1),
  flopsFormula: '1 per output element',
};

const view: OpSpec = {
  category: 'view',
  unit: 'none',
  flops: () => 0,
  flopsFormula: 'none (a view moves no data)',
  bytes: () => ({ read: 0, written: 0 }),
  bytesFormula: 'none (metadata only)',
};

/** NumPy broadcasting over symbolic shapes; a dim of 1 yields to the other, unequal symbols stay the left one. */
export function broadcastShapes(shapes: readonly (readonly Dim[] | null)[]): Dim[] | null {
  const present = shapes.filter((s): s is readonly Dim[] => s !== null);
  if (present.length !== shapes.length || present.length === 0) return null;
  const rank = Math.max(...present.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim | undefined;
    for (const shape of present) {
      const d = shape[shape.length - rank + i];
      if (d === undefined) continue;
      if (dim === undefined || (dim.kind === 'num' && dim.value === 1)) dim = d;
    }
    out.push(dim ?? bin('*', { kind: 'num', value: 1 }, { kind: 'num', value: 1 }));
  }
  return out;
}

export const BASE_OPS: Readonly<Record<string, OpSpec>> = {
  'torch.nn.Linear': linear,
  'torch.nn.functional.linear': linear,
  'torch.nn.functional.gelu': gelu,
  'torch.nn.GELU': gelu,
  'torch.add': add,
  'torch.Tensor.view': view,
};
