// Small dataflow questions rules ask again and again: the one reader of a value, element counts, parameters.
import { formatDim, type Dim } from '../ir/dims';
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

/**
 * A key for a value's element count that patterns can compare when sizes are not bound to numbers yet: the count
 * itself when known (`n:6291456`), else the symbolic product of its dims with factors in a canonical order
 * (`s:768*B*T`, so [B, T, H, d] and [B, T, H*d] agree), or null when a dim is unknown. A pattern (a norm, an epilogue)
 * is the same pattern at any size: a file whose config is not in view still shows it.
 */
export function sizeKey(index: GraphIndex, value: TensorValue | undefined): string | null {
  if (!value) return null;
  const count = elementCount(index, value);
  if (count !== null) return `n:${count}`;
  if (!value.shape) return null;
  let constant = 1;
  const factors: string[] = [];
  const collect = (dim: Dim): boolean => {
    if (dim.kind === 'num') constant *= dim.value;
    else if (dim.kind === 'sym') factors.push(dim.name);
    else if (dim.kind === 'bin' && dim.op === '*') return collect(dim.left) && collect(dim.right);
    else if (dim.kind === 'unknown') return false;
    else factors.push(formatDim(dim));
    return true;
  };
  for (const dim of value.shape) if (!collect(dim)) return null;
  // With every dim a number, the numeric count above answered; here at least one symbol remains.
  return `s:${[String(constant), ...factors.sort()].join('*')}`;
}

/** True when two values are known to hold the same number of elements (as numbers, or as the same symbols). */
export function sameElementCount(index: GraphIndex, a: TensorValue | undefined, b: TensorValue | undefined): boolean {
  const ka = sizeKey(index, a);
  return ka !== null && ka === sizeKey(index, b);
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
