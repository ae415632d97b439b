// Small dataflow questions rules ask again and again: the one reader of a value, element counts, parameters.
import type { OpNode, TensorValue } from '../ir/types';
import type { GraphIndex } from './graph-index';
import { canonicalOp } from './ops';

/** The only op that really reads a value (through views), or undefined when none or several do or it escapes. */
export function soleReader(index: GraphIndex, value: TensorValue | undefined): OpNode | undefined {
  return index.soleReader(value);
}

/** The op's first output. */
export function output(op: OpNode): TensorValue | undefined {
  return op.outputs[0];
}

/** Element count of a value after binding, or null when unknown. */
export function elementCount(index: GraphIndex, value: TensorValue | undefined): number | null {
  const shape = value ? index.shape(value) : null;
  return shape ? shape.reduce((a, b) => a * b, 1) : null;
}

/** True when two values are known to hold the same number of elements. */
export function sameElementCount(index: GraphIndex, a: TensorValue | undefined, b: TensorValue | undefined): boolean {
  const na = elementCount(index, a);
  const nb = elementCount(index, b);
  return na !== null && na === nb;
}

/** True for a value no computation wrote (through views): a parameter, a buffer, an input, a fresh `torch.ones`. */
export function isLeaf(index: GraphIndex, value: TensorValue): boolean {
  const producer = index.realProducer(value);
  return producer === undefined || producer.category === 'creation';
}

/** Ops in dataflow order: the frontends number ops as they evaluate them, arguments before calls. */
export function byDataflow(ops: Iterable<OpNode>): OpNode[] {
  return [...ops].sort((a, b) => a.id - b.id);
}

/** The inputs of an op other than `value` (compared through views). */
export function otherInputs(index: GraphIndex, op: OpNode, value: TensorValue): TensorValue[] {
  const base = index.throughViews(value).id;
  return op.inputs.filter((input) => index.throughViews(input).id !== base);
}

/** True when the op reads `value` (directly or through views). */
export function reads(index: GraphIndex, op: OpNode, value: TensorValue): boolean {
  const base = index.throughViews(value).id;
  return op.inputs.some((input) => index.throughViews(input).id === base);
}

/** The real producer of the op's first input whose producer has one of the canonical names. */
export function producerNamed(index: GraphIndex, op: OpNode, ...names: string[]): OpNode | undefined {
  for (const input of op.inputs) {
    const producer = index.realProducer(input);
    if (producer && names.includes(canonicalOp(producer))) return producer;
  }
  return undefined;
}

/** Sorts ops by their position in the source. */
export function bySource(ops: Iterable<OpNode>): OpNode[] {
  return [...ops].sort((a, b) => a.span.start - b.span.start);
}

/** `lines 12–14` or `line 12`, 1-based, for messages. */
export function lineRange(ops: readonly OpNode[]): string {
  const lines = ops.map((op) => op.span.startLine + 1);
  const low = Math.min(...lines);
  const high = Math.max(...lines);
  return low === high ? `line ${low}` : `lines ${low}–${high}`;
}
