// Builds small OpGraphs by hand for the cost tests: one op per call, shapes as numbers or symbols.
import { num, sym, type Dim } from '../../src/core/ir/dims';
import { GraphBuilder } from '../../src/core/ir/graph';
import type { AttrValue, Category, DType, OpGraph, OpNode, Span } from '../../src/core/ir/types';

export const SPAN: Span = { start: 0, end: 1, startLine: 0, startColumn: 0, endLine: 0, endColumn: 1 };

/** A shape written as numbers and symbol names: [8, 'T', 768]. */
export type ShapeSpec = readonly (number | string | Dim)[] | null;

export function dims(shape: ShapeSpec): Dim[] | null {
  if (shape === null) return null;
  return shape.map((d) => (typeof d === 'number' ? num(d) : typeof d === 'string' ? sym(d) : d));
}

export interface TensorSpec {
  readonly shape: ShapeSpec;
  readonly dtype?: DType | 'default' | null;
}

export interface OpSpecForTest {
  readonly op: string;
  readonly category: Category;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  readonly attrs?: Readonly<Record<string, AttrValue>>;
  readonly scope?: string;
  readonly repeat?: Dim;
  readonly label?: string;
}

/** One graph holding the given ops, in order; each op's inputs are fresh values (no producers). */
export function graphOf(ops: readonly OpSpecForTest[], options: { tf32Enabled?: boolean } = {}): OpGraph {
  const builder = new GraphBuilder();
  builder.tf32Enabled = options.tf32Enabled ?? false;
  for (const spec of ops) addOp(builder, spec);
  return builder.build({ bindings: [], ignores: new Map() });
}

export function addOp(builder: GraphBuilder, spec: OpSpecForTest): OpNode {
  return builder.addOp(
    {
      op: spec.op,
      label: spec.label ?? spec.op.split('.').pop() ?? spec.op,
      category: spec.category,
      inputs: spec.inputs.map((t) => builder.value(dims(t.shape), t.dtype === undefined ? 'default' : t.dtype)),
      attrs: spec.attrs ?? {},
      span: SPAN,
      scope: spec.scope ?? '<module>',
      modulePath: '',
      repeat: spec.repeat ?? num(1),
      notes: [],
    },
    spec.outputs.map((t) => ({ shape: dims(t.shape), dtype: t.dtype === undefined ? 'default' : t.dtype })),
  );
}

/** Relative closeness, for times computed through several floating-point steps. */
export function close(actual: number | null, expected: number, relative = 1e-9): boolean {
  return actual !== null && Math.abs(actual - expected) <= relative * Math.abs(expected);
}
