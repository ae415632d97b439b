// Shared by the MW4xx rules: the Triton kernel ops of a graph and their Dim attributes evaluated to numbers.
import { evalDim, type Dim } from '../ir/dims';
import { DTYPE_BYTES, type CostedOp, type OpNode } from '../ir/types';
import type { RuleContext } from './types';

export interface KernelOp {
  readonly op: OpNode;
  readonly cost: CostedOp | undefined;
  /** A Dim attribute as a number, with the analysis bindings and `dtype_bytes`; undefined when unbound. */
  readonly value: (name: string) => number | undefined;
}

/** Every `triton.kernel` op, in program order. */
export function kernelOps(ctx: RuleContext): KernelOp[] {
  const bindings = new Map<string, number>([['dtype_bytes', DTYPE_BYTES[ctx.dtype]], ...ctx.bindings]);
  return ctx.graph.ops
    .filter((op) => op.category === 'triton_kernel')
    .map((op) => ({
      op,
      cost: ctx.index.cost(op.id),
      value: (name: string) => {
        const attr = op.attrs[name];
        if (typeof attr === 'number') return attr;
        if (attr && typeof attr === 'object' && 'kind' in attr) {
          const value = evalDim(attr as Dim, bindings);
          return value !== undefined && Number.isFinite(value) ? value : undefined;
        }
        return undefined;
      },
    }));
}

/** The peak FLOP/s the fraction η_c of which a compute-bound kernel reaches, for time estimates. */
export function computeSeconds(ctx: RuleContext, flops: number, peak: number | undefined): number | null {
  if (!peak) return null;
  return flops / (ctx.hardware.computeEfficiency.value * peak);
}

export function memorySeconds(ctx: RuleContext, bytes: number): number {
  return bytes / (ctx.hardware.memoryEfficiency.value * ctx.hardware.bandwidth.value);
}
