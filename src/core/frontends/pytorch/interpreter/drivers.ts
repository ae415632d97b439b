// Drivers: a module's own method that calls its forward (`generate`, `sample`) shows how the forward's inputs are built.
//
// Inference code often shapes a forward's inputs only where it calls it: gemma_pytorch's `generate()` builds the token
// ids, the positions, one (k, v) cache pair per layer, the causal mask rows and the sampling settings, then calls
// `self(...)` in its decode loop. The forward alone takes a list of caches and index tensors that nothing in it
// sizes. The driver's first call is the prefill over the prompt: a trial run of the driver up to that call reads the
// values it passes, which then stand for the forward's inputs (the trial itself is thrown away, as a learning trial is).
import type { Node as SyntaxNode } from 'web-tree-sitter';
import type { Dim } from '../../../ir/dims';
import type { TensorValue } from '../../../ir/types';
import type { FunctionInfo, ModuleInstance, Value } from '../values';
import { runRootCall } from './entries';
import type { Frame } from './frame';
import { callFunction, partsOf } from './functions';
import type { Interpreter } from './index';

/**
 * The forward call a driver's run watches for: that forward, on that instance. `capture`: the trial run stops there
 * (DriverCallReached); `quiet`: the driver's own run (its decode loop's bookkeeping, its host syncs) calls the forward
 * without adding its ops again, since the forward is analysed as the root it is.
 */
export interface DriverWatch {
  readonly forward: FunctionInfo;
  readonly instance: ModuleInstance;
  readonly mode: 'capture' | 'quiet';
}

/** Thrown when the driver reaches its forward call: the arguments bound to the forward's parameters, and the line. */
export class DriverCallReached extends Error {
  constructor(
    readonly bound: ReadonlyMap<string, Value>,
    readonly line: number,
  ) {
    super('driver reached the forward call');
  }
}

/** A call of the module on itself: `self(...)` or `self.forward(...)`. */
const SELF_CALL = /\bself(?:\.forward)?\s*\(/;

/**
 * The class's driver of its forward: the first method, other than the forward and Python's own (`__init__`), whose
 * code calls the module on itself. Undefined when there is none.
 */
export function findDriver(it: Interpreter, forward: FunctionInfo): FunctionInfo | undefined {
  const cls = forward.owner;
  if (!cls) return undefined;
  for (const method of cls.methods.values()) {
    if (method === forward || method.name.startsWith('__') || method.decorators.includes('staticmethod')) continue;
    const body = partsOf(it, method).body;
    if (body && SELF_CALL.test(body.text)) return method;
  }
  return undefined;
}

/**
 * Called as a function is entered with its arguments bound: stops a driver's trial run at the watched forward call,
 * and tells the driver's own run to make that call without ops (true).
 */
export function watchForwardCall(it: Interpreter, fn: FunctionInfo, self: Value | undefined, bound: ReadonlyMap<string, Value>, node: SyntaxNode): boolean {
  const watch = it.driverWatch;
  if (!watch || fn !== watch.forward || self?.kind !== 'module' || self.instance !== watch.instance) return false;
  if (watch.mode === 'quiet') return true;
  throw new DriverCallReached(bound, node.startPosition.row + 1);
}

/**
 * Runs the driver as a root of its own after the forward (gemma's generate(): the prefill, then a decode loop that
 * samples, writes the new token and checks for EOS on the host each step). Its calls of the forward add no ops: the
 * forward's are those of its own root, at the prefill's inputs.
 */
export function runDriver(it: Interpreter, driver: FunctionInfo, forward: FunctionInfo, self: Extract<Value, { kind: 'module' }>): void {
  const outer = it.driverWatch;
  it.driverWatch = { forward, instance: self.instance, mode: 'quiet' };
  try {
    runRootCall(it, driver, self);
  } finally {
    it.driverWatch = outer;
  }
}

/** What a driver passes its forward, as values of the real run: tensors rebuilt with their shapes, lists and tuples of them. */
export interface DriverInputs {
  readonly driver: FunctionInfo;
  /** The 1-based line of the call. */
  readonly line: number;
  readonly values: ReadonlyMap<string, Value>;
}

/**
 * Runs the driver as a trial up to its first call of the forward on `self`, and returns the arguments that call binds
 * to the forward's parameters named in `names`, where they are shaped; undefined when the driver never reaches it.
 */
export function driverInputs(it: Interpreter, driver: FunctionInfo, forward: FunctionInfo, self: Extract<Value, { kind: 'module' }>, frame: Frame, names: readonly string[]): DriverInputs | undefined {
  const checkpoint = it.builder.checkpoint();
  const state = it.state.snapshot(it.builder.valueCount);
  const outer = it.driverWatch;
  it.driverWatch = { forward, instance: self.instance, mode: 'capture' };
  let reached: DriverCallReached | undefined;
  try {
    it.undoingAttributes(() => callFunction(it, driver, [], new Map(), frame, self, driver.node, true));
  } catch (error) {
    if (!(error instanceof DriverCallReached)) throw error;
    reached = error;
  } finally {
    it.driverWatch = outer;
    it.builder.rollback(checkpoint);
    it.state.restore(state);
    it.forgetValuesFrom(checkpoint.values);
  }
  if (!reached) return undefined;
  const values = new Map<string, Value>();
  for (const name of names) {
    const value = reached.bound.get(name);
    const rebuilt = value ? rebuild(it, value, name) : undefined;
    if (rebuilt) values.set(name, rebuilt);
  }
  return { driver, line: reached.line, values };
}

/**
 * A value of the trial as a value of the real run: a tensor with its shape and dtype (a new id, since the trial's are
 * handed out again), `None`, or a list or tuple whose items all rebuild; undefined for anything else or a tensor
 * without a shape.
 */
function rebuild(it: Interpreter, value: Value, name: string): Value | undefined {
  switch (value.kind) {
    case 'tensor':
      // A shape with a size the driver could not follow (`torch.zeros(count, d)` of a count of no known size) is
      // left to the learner, which may do better from the forward's own layers.
      return value.tensor.shape && value.tensor.shape.every(known) ? { kind: 'tensor', tensor: it.builder.value(value.tensor.shape, value.tensor.dtype, `param ${name}`) } : undefined;
    case 'none':
      return value;
    case 'list': {
      // A list a loop filled with one item per pass (`kv_caches.append((k, v))` per layer) stands for that many.
      const count = value.items.length === 1 ? it.state.listLengths.get(value.items) : undefined;
      if (count) {
        const item = rebuild(it, value.items[0] as Value, name);
        return item ? { kind: 'list', items: [], repeated: { item, count } } : undefined;
      }
      if (value.repeated) {
        const item = rebuild(it, value.repeated.item, name);
        return item ? { kind: 'list', items: [], repeated: { item, count: value.repeated.count } } : undefined;
      }
      const items: Value[] = [];
      for (const item of value.items) {
        const rebuilt = rebuild(it, item, name);
        if (!rebuilt) return undefined;
        items.push(rebuilt);
      }
      return { kind: 'list', items };
    }
    default:
      return undefined;
  }
}

/** A dim with no unknown part. */
function known(dim: Dim): boolean {
  switch (dim.kind) {
    case 'unknown':
      return false;
    case 'bin':
      return known(dim.left) && known(dim.right);
    case 'fn':
      return dim.args.every(known);
    default:
      return true;
  }
}

/** The tensors a value holds, for the inputs' record: the value itself, or each item of a list or tuple. */
export function tensorsOf(value: Value): TensorValue[] {
  if (value.kind === 'tensor') return [value.tensor];
  if (value.kind === 'list') return value.repeated ? tensorsOf(value.repeated.item) : value.items.flatMap(tensorsOf);
  return [];
}
