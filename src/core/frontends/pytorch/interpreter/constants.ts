// Host tensors of known numbers: config helpers compute layer widths with torch (`torch.arange(depth) * w_a + w_0`).
import type { AttrValue, TensorValue } from '../../../ir/types';
import type { Value } from '../values';
import type { Frame } from './frame';
import type { Interpreter } from './index';
import type { KnownElements } from './state';

/** The most elements MemWall follows in a host tensor: hyperparameter lists are short, activations are not. */
const MAX_ELEMENTS = 4096;

/** What a fold reads: the op's tensors (their known elements, in order) and its other arguments by name. */
interface FoldInput {
  readonly tensors: readonly KnownElements[];
  readonly attrs: Record<string, AttrValue>;
}

type Fold = (input: FoldInput) => KnownElements | undefined;

/** A whole number where the attribute is one, else a number, else undefined (a symbol or something else). */
function numberOf(attr: AttrValue | undefined): number | undefined {
  if (typeof attr === 'number') return attr;
  if (typeof attr === 'boolean') return attr ? 1 : 0;
  if (attr && typeof attr === 'object' && !Array.isArray(attr) && 'kind' in attr && attr.kind === 'num') return attr.value;
  return undefined;
}

/** A Python number as an operand: integral when it is a whole number (PyTorch keeps int64 for int × int). */
function scalar(value: number): KnownElements {
  return { values: [value], integral: Number.isInteger(value) };
}

/**
 * The two operands of a binary op: a number given for `self`/`input` (`w_0 * t`, `torch.pow(w_m, t)`) stands on the
 * left, one given for `other`/`exponent` on the right; tensors fill the remaining places in order.
 */
function operands({ tensors, attrs }: FoldInput): [KnownElements, KnownElements] | undefined {
  const queue = [...tensors];
  const left = numberOf(attrs.self ?? attrs.input);
  const right = numberOf(attrs.other ?? attrs.exponent);
  const a = left !== undefined ? scalar(left) : queue.shift();
  const b = right !== undefined ? scalar(right) : queue.shift();
  return a && b ? [a, b] : undefined;
}

/** float32 arithmetic, as PyTorch computes a float tensor's elements (the default dtype). */
const f32 = Math.fround;

/** An elementwise binary op, broadcasting a one-element operand; `whole` says when int ⊗ int stays integral. */
function binaryFold(apply: (x: number, y: number) => number, whole: (x: number, y: number) => boolean): Fold {
  return (input) => {
    const pair = operands(input);
    if (!pair) return undefined;
    const [a, b] = pair;
    const length = Math.max(a.values.length, b.values.length);
    if ((a.values.length !== 1 && a.values.length !== length) || (b.values.length !== 1 && b.values.length !== length)) return undefined;
    const at = (e: KnownElements, i: number): number => (e.values.length === 1 ? (e.values[0] as number) : (e.values[i] as number));
    const values: number[] = [];
    let integral = a.integral && b.integral;
    for (let i = 0; i < length; i++) {
      const x = at(a, i);
      const y = at(b, i);
      if (integral && !whole(x, y)) integral = false;
      values.push(integral ? apply(x, y) : f32(apply(f32(x), f32(y))));
    }
    return { values, integral };
  };
}

/** An elementwise unary op on a float tensor (an integer one is promoted, as torch.log of int64 gives float32). */
function unaryFold(apply: (x: number) => number, keepsIntegers = false): Fold {
  return ({ tensors }) => {
    const x = tensors[0];
    if (!x) return undefined;
    if (keepsIntegers && x.integral) return { values: x.values.map(apply), integral: true };
    return { values: x.values.map((v) => f32(apply(f32(v)))), integral: false };
  };
}

/** Python's round() and torch.round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

const always = (): boolean => true;
const never = (): boolean => false;

const add = binaryFold((x, y) => x + y, always);
const subtract = binaryFold((x, y) => x - y, always);
const multiply = binaryFold((x, y) => x * y, always);
const divide = binaryFold((x, y) => x / y, never);
const power = binaryFold((x, y) => x ** y, (_x, y) => y >= 0);
const floorDivide = binaryFold((x, y) => Math.floor(x / y), (_x, y) => y !== 0);

/** `.int()`, `.long()`: toward zero, as a C cast. */
const toInteger: Fold = ({ tensors }) => (tensors[0] ? { values: tensors[0].values.map(Math.trunc), integral: true } : undefined);
const toFloat: Fold = ({ tensors }) => (tensors[0] ? { values: tensors[0].values.map(f32), integral: false } : undefined);

/** arange(end), arange(start, end[, step]): integral when every bound is. */
const arange: Fold = ({ attrs }) => {
  const first = numberOf(attrs.start);
  const second = numberOf(attrs.end);
  if (first === undefined || (attrs.end !== undefined && attrs.end !== null && second === undefined)) return undefined;
  const [start, end] = second === undefined ? [0, first] : [first, second];
  const step = numberOf(attrs.step) ?? 1;
  if (step === 0 || !Number.isFinite((end - start) / step)) return undefined;
  const count = Math.max(0, Math.ceil((end - start) / step));
  if (count > MAX_ELEMENTS) return undefined;
  const integral = [start, end, step].every(Number.isInteger);
  return { values: Array.from({ length: count }, (_, i) => (integral ? start + i * step : f32(start + i * step))), integral };
};

/** diff(input, n=1): neighbours' differences, n times. */
const difference: Fold = ({ tensors, attrs }) => {
  const x = tensors[0];
  if (!x) return undefined;
  let values = [...x.values];
  for (let pass = 0; pass < (numberOf(attrs.n) ?? 1); pass++) values = values.slice(1).map((v, i) => v - (values[i] as number));
  return { values: x.integral ? values : values.map(f32), integral: x.integral };
};

/** The ops that fold, by qualified name (torch functions, Tensor methods and the operators' torch names). */
const FOLDS: ReadonlyMap<string, Fold> = new Map<string, Fold>([
  ...['torch.add', 'torch.Tensor.add'].map((name): [string, Fold] => [name, add]),
  ...['torch.sub', 'torch.subtract', 'torch.Tensor.sub'].map((name): [string, Fold] => [name, subtract]),
  ...['torch.mul', 'torch.multiply', 'torch.Tensor.mul'].map((name): [string, Fold] => [name, multiply]),
  ...['torch.div', 'torch.divide', 'torch.true_divide', 'torch.Tensor.div'].map((name): [string, Fold] => [name, divide]),
  ...['torch.pow', 'torch.Tensor.pow'].map((name): [string, Fold] => [name, power]),
  ['torch.floor_divide', floorDivide],
  ...['torch.log', 'torch.Tensor.log'].map((name): [string, Fold] => [name, unaryFold(Math.log)]),
  ...['torch.exp', 'torch.Tensor.exp'].map((name): [string, Fold] => [name, unaryFold(Math.exp)]),
  ...['torch.sqrt', 'torch.Tensor.sqrt'].map((name): [string, Fold] => [name, unaryFold(Math.sqrt)]),
  ...['torch.round', 'torch.Tensor.round'].map((name): [string, Fold] => [name, unaryFold(roundHalfEven, true)]),
  ...['torch.floor', 'torch.Tensor.floor'].map((name): [string, Fold] => [name, unaryFold(Math.floor, true)]),
  ...['torch.ceil', 'torch.Tensor.ceil'].map((name): [string, Fold] => [name, unaryFold(Math.ceil, true)]),
  ...['torch.Tensor.int', 'torch.Tensor.long'].map((name): [string, Fold] => [name, toInteger]),
  ...['torch.Tensor.float', 'torch.Tensor.double'].map((name): [string, Fold] => [name, toFloat]),
  ['torch.arange', arange],
  ...['torch.diff', 'torch.Tensor.diff'].map((name): [string, Fold] => [name, difference]),
]);

/** The elements of an op's output, where the op folds and every tensor it reads has known elements. */
export function foldElements(it: Interpreter, op: string, inputs: readonly TensorValue[], attrs: Record<string, AttrValue>): KnownElements | undefined {
  const fold = FOLDS.get(op);
  if (!fold) return undefined;
  const tensors: KnownElements[] = [];
  for (const input of inputs) {
    const known = it.state.elements.get(input.id);
    if (!known) return undefined;
    tensors.push(known);
  }
  const result = fold({ tensors, attrs });
  return result && result.values.length <= MAX_ELEMENTS && result.values.every(Number.isFinite) ? result : undefined;
}

/**
 * Whether arithmetic on host tensors of known numbers here is configuration, not the model: code that builds a model
 * (a constructor, or a @classmethod that makes one, as RegNet's BlockParams.from_init_params computes its width
 * schedule) outside every module's forward and outside code that exercises the model. Such ops run once on the CPU
 * while the model is built, so they are folded into numbers and not listed; in a forward or a plain function,
 * `torch.arange(T)` stays an op.
 */
export function buildsConfiguration(it: Interpreter, frame: Frame): boolean {
  if (frame.harness !== undefined || it.callStack.some((fn) => fn.name === 'forward' && fn.owner !== undefined)) return false;
  return it.callStack.some((fn) => fn.name === '__init__' || fn.decorators.includes('classmethod'));
}

/** `torch.tensor([1, 3, 6])`: the elements of a flat list of known numbers. */
export function literalElements(value: Value | undefined): KnownElements | undefined {
  if (value?.kind !== 'list' || value.repeated || value.items.length > MAX_ELEMENTS) return undefined;
  const values: number[] = [];
  let integral = true;
  for (const item of value.items) {
    const number = item.kind === 'dim' && item.dim.kind === 'num' ? item.dim.value : item.kind === 'scalar' ? item.value : item.kind === 'bool' && item.value !== undefined ? Number(item.value) : undefined;
    if (number === undefined) return undefined;
    if (item.kind === 'scalar') integral = false;
    values.push(number);
  }
  return { values: integral ? values : values.map(f32), integral };
}

/** One element of a host tensor of known numbers: a whole number as a size, others as a float. */
function elementValue(known: KnownElements, value: number): Value {
  return known.integral ? { kind: 'dim', dim: { kind: 'num', value } } : { kind: 'scalar', value };
}

/** `.tolist()` of a host tensor of known numbers (a flat list), or `.item()` of one with a single element. */
export function knownElementsValue(known: KnownElements, method: 'tolist' | 'item'): Value | undefined {
  if (method === 'tolist') return { kind: 'list', items: known.values.map((value) => elementValue(known, value)) };
  return known.values.length === 1 ? elementValue(known, known.values[0] as number) : undefined;
}
