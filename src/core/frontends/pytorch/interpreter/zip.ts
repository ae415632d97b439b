// `for a, b in zip(xs, ys)`: the loop walks the operand MemWall can size, and reads the others at the same index.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import type { Dim } from '../../../ir/dims';
import { field } from '../syntax';
import { UNKNOWN, type Value } from '../values';
import { withPath } from './conversions';
import { evaluate } from './expressions';
import type { Frame } from './frame';
import type { Interpreter } from './index';
import { containerKind, containerList } from './modules';
import { trackItemOnes } from './nonzero';
import { passCount, rangeItem } from './repeats';

/** The operands of a `zip(...)` a loop iterates, and which of them the loop walks. */
export interface Zipped {
  readonly operands: readonly Value[];
  /** The operand whose items set the loop's passes: a module list before a list or range, before a tensor. */
  readonly driver: number;
}

/**
 * How well an operand sizes a loop, lower first. Layers come first: `zip(self.layers, past_key_values)` runs once per
 * layer whatever the cache holds (HF fills it with `tuple([None] * n_layer)`, or leaves it unknown); a tensor's first
 * dim is last, since `zip(masks, self.experts)` walks the experts.
 */
function drivingRank(value: Value): number | undefined {
  if (value.kind === 'modlist' || (value.kind === 'module' && containerKind(value.instance.cls) !== undefined)) return 0;
  if (value.kind === 'list' || value.kind === 'range') return 1;
  if (value.kind === 'tensor') return 2;
  return undefined;
}

/** `zip(a, b, ...)` with positional operands only (a `*lists` splat or `strict=` keyword leaves it to the caller). */
export function zipOperands(it: Interpreter, call: SyntaxNode, frame: Frame): Zipped | undefined {
  if (call.type !== 'call' || !/^(builtins\.)?zip$/.test(field(call, 'function')?.text ?? '')) return undefined;
  const argumentNodes = field(call, 'arguments')?.namedChildren.filter((node): node is SyntaxNode => node !== null && node.type !== 'comment') ?? [];
  if (argumentNodes.length === 0 || argumentNodes.some((node) => node.type === 'keyword_argument' || node.type === 'list_splat')) return undefined;
  const operands = argumentNodes.map((node) => {
    const value = evaluate(it, node, frame);
    // A container module (a subclass of nn.ModuleList) is walked as its list of layers.
    if (value.kind === 'module') {
      const kind = containerKind(value.instance.cls);
      if (kind) return containerList(value, kind);
    }
    return value;
  });
  let driver = -1;
  operands.forEach((operand, index) => {
    const rank = drivingRank(operand);
    if (rank !== undefined && (driver < 0 || rank < (drivingRank(operands[driver] as Value) as number))) driver = index;
  });
  // zip stops at its shortest operand: a list known to be shorter than the driver walks the loop instead.
  operands.forEach((operand, index) => {
    const length = knownLength(it, operand);
    const driverLength = driver < 0 ? undefined : knownLength(it, operands[driver] as Value);
    if (length !== undefined && driverLength !== undefined && length < driverLength) driver = index;
  });
  return { operands, driver: Math.max(driver, 0) };
}

/** How many items an operand has, where MemWall knows it as a number. */
function knownLength(it: Interpreter, operand: Value): number | undefined {
  const list = operand.kind === 'list' ? operand : operand.kind === 'modlist' ? operand.list : undefined;
  if (list) return list.repeated ? passCount(it, list.repeated.count) : list.items.length;
  return operand.kind === 'range' ? passCount(it, operand.count) : undefined;
}

/** The item of an operand the loop does not walk, at the driver's pass `index`. */
function itemAt(it: Interpreter, operand: Value, index: Dim): Value {
  if (operand.kind === 'list' || operand.kind === 'modlist') {
    const list = operand.kind === 'list' ? operand : operand.list;
    const at = (item: Value, position: string): Value => (operand.kind === 'modlist' ? withPath(item, `${operand.path}[${position}]`) : item);
    if (list.repeated) return at(list.repeated.item, index.kind === 'num' ? String(index.value) : '*');
    if (index.kind === 'num') {
      const item = list.items[index.value];
      return item ? at(item, String(index.value)) : UNKNOWN;
    }
    return UNKNOWN;
  }
  if (operand.kind === 'range') return { kind: 'dim', dim: index.kind === 'num' ? rangeItem(operand, index.value) : index };
  if (operand.kind === 'tensor') {
    // Iterating a tensor yields views along its first dim: no op, the item's shape is the rest.
    const shape = operand.tensor.shape;
    const item = it.builder.value(shape ? shape.slice(1) : null, operand.tensor.dtype);
    trackItemOnes(it, operand.tensor, item);
    return { kind: 'tensor', tensor: item };
  }
  return UNKNOWN;
}

/** The tuple one pass of the loop binds: the driver's item where it sits, the other operands' items at its index. */
export function zipElement(it: Interpreter, zipped: Zipped, item: Value, index: Dim): Value {
  return { kind: 'list', items: zipped.operands.map((operand, position) => (position === zipped.driver ? item : itemAt(it, operand, index))) };
}

/**
 * Whether the items read beside the driver's may differ from pass to pass (a list of several items, a range): then
 * a pass that repeats the one before it does not prove the later passes would, and each pass runs.
 */
export function companionsVary(zipped: Zipped): boolean {
  return zipped.operands.some((operand, position) => {
    if (position === zipped.driver) return false;
    if (operand.kind === 'range') return true;
    const list = operand.kind === 'list' ? operand : operand.kind === 'modlist' ? operand.list : undefined;
    return list !== undefined && !list.repeated && list.items.length > 1;
  });
}
