// Prices one catalog entry on concrete shapes the way the cost model does, for tests against hand computations.
import assert from 'node:assert/strict';
import { evalShape, num, type Dim } from '../../src/core/ir/dims';
import { lookupOp } from '../../src/core/ir/catalog';
import { compulsoryBytes } from '../../src/core/ir/catalog/helpers';
import type { ByteCount } from '../../src/core/ir/opspec';
import type { AttrValue } from '../../src/core/ir/types';

export interface Priced {
  readonly shapes: (number[] | null)[];
  readonly flops: number | null;
  readonly bytes: ByteCount | null;
}

/** Infers the outputs of `op` on concrete inputs, then evaluates its FLOP and byte formulas like the cost model does. */
export function price(op: string, inputs: number[][], attrs: Record<string, AttrValue> = {}, elementBytes: number | number[] = 2, outputBytes?: number): Priced {
  const spec = lookupOp(op);
  assert.ok(spec, `${op} is in the catalog`);
  const inferred = spec.infer ? spec.infer({ inputs: inputs.map((s) => s.map(num)), attrs }) : [inputs[0]?.map(num) ?? null];
  const shapes = inferred.map((s) => (s ? (evalShape(s, new Map()) ?? null) : null));
  const inputBytes = inputs.map((_, i) => (Array.isArray(elementBytes) ? (elementBytes[i] as number) : elementBytes));
  const numericAttrs = Object.fromEntries(
    Object.entries(attrs).map(([k, v]) => [k, Array.isArray(v) ? (v as Dim[]).map((d) => (d.kind === 'num' ? d.value : undefined)) : v && typeof v === 'object' && 'kind' in v ? ((v as Dim).kind === 'num' ? (v as { value: number }).value : undefined) : v]),
  );
  const context = {
    inputs,
    outputs: shapes,
    inputElementBytes: inputBytes,
    outputElementBytes: shapes.map(() => outputBytes ?? (inputBytes[0] as number)),
    attrs: numericAttrs as never,
  };
  return { shapes, flops: spec.flops(context), bytes: spec.bytes ? spec.bytes(context) : compulsoryBytes(context) };
}

