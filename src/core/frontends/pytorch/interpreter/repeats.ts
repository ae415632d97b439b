// Loops over layers as repeat counts: passes that emit the same ops fold into one op row repeated, others stay apart.
import { bin, formatDim, num, sameDim, type Dim } from '../../../ir/dims';
import type { AttrValue, OpNode, TensorValue } from '../../../ir/types';
import { simplify } from '../../../shapes/infer';
import type { Value } from '../values';
import type { Frame } from './frame';
import type { Interpreter } from './index';
import { LayerReads, mayBeAlike } from './reads';

/**
 * Loops of known length in `__init__` run once per pass up to this many (each pass may build a different layer);
 * longer ones run once. 128 covers the deepest published decoders (126 layers).
 */
export const MAX_UNROLLED_PASSES = 128;

/** How many passes a loop over `count` items runs one by one: its value under the code's sizes, if small enough. */
export function passCount(it: Interpreter, count: Dim): number | undefined {
  const value = it.state.currentValue(count);
  return value !== undefined && Number.isInteger(value) && value >= 0 && value <= MAX_UNROLLED_PASSES ? value : undefined;
}

/** The i-th item of a range: `range(1, n + 1)` starts at 1, `range(0, n, 2)` steps by 2. */
export function rangeItem(range: Extract<Value, { kind: 'range' }>, index: number): Dim {
  const offset = range.step ? bin('*', num(index), range.step) : num(index);
  return range.start ? simplify(bin('+', range.start, offset)) : simplify(offset);
}

/** One kind of pass: the ops its first run emitted, which passes did the same, and the names each gave its ops. */
interface PassGroup {
  /** The full signature, computed when a later pass first makes the same calls (sameCalls), then kept. */
  signature?: readonly PassToken[];
  readonly ops: readonly OpNode[];
  readonly passes: number[];
  /** Per pass, per op: its module path and label (`h[3].attn`, `features.3`). */
  readonly names: (readonly (readonly [string, string])[])[];
  /** Per op, per input: what a later pass read there that an earlier pass of the group wrote (OpNode.carried). */
  carried?: Map<number, (TensorValue | undefined)[]>;
}

export interface PassOptions {
  /** How many items the list stands for when the code built it from a symbolic count (`range(n_layer)`). */
  readonly length?: Dim;
  /**
   * Every pass runs the same item and cannot see its index (`for block in self.h` over `[Block() for _ in ...]`):
   * once a pass does what the one before it did, so do all that follow, and they are counted without running.
   * `itemPath` names the item of a pass (`h[3]`), to name the passes counted so.
   */
  readonly sameItem?: {
    readonly itemPath: (index: number) => string;
    /**
     * Given where the passes after the first may be counted without running (see repeatsUnchanged): the names the loop
     * binds each pass (its target), and how pass `index` binds them without running the body.
     */
    readonly unrun?: { readonly targets: ReadonlySet<string>; readonly bind: (index: number) => void };
  };
  /**
   * Given for loops over layers built one by one where the pass cannot see its index (`for layer in self.layers`), or
   * sees it only to pick items (`self.layers[i]`, `head_mask[i]`: picks.ts): a pass over a layer alike to the one
   * before, in everything the pass before read of it (reads.ts), is counted without running. `item` is the layer of a
   * pass, or all it picks; `targets` and `bind` as for sameItem.unrun.
   */
  readonly distinct?: {
    readonly item: (index: number) => Value;
    readonly itemPath: (index: number) => string;
    readonly targets: ReadonlySet<string>;
    readonly bind: (index: number) => void;
  };
}

/** A pass over one layer that folded and changed nothing else: later passes over alike layers count as it did. */
interface ReferencePass {
  readonly index: number;
  readonly reads: LayerReads;
  readonly group: PassGroup;
  readonly names: readonly (readonly [string, string])[];
  /** The value and op ids the pass took: a pass counted unrun takes as many. */
  readonly values: number;
  readonly opIds: number;
}

/**
 * Runs `count` passes (one per item of a list the code iterates, or one per layer of an nn.Sequential). A pass that
 * emits the same ops as an earlier one (same calls at the same places, same shapes and attributes, the same flow
 * between them) is not kept: the earlier pass's ops count it in their repeat, and the values the later pass left in
 * the frame are taken as the earlier pass's. So 32 identical decoder layers are one row of ops repeated 32 times,
 * while layers that differ (a strided first block, alternate layers with another input) keep rows of their own. A
 * folded row names its layers together: `h[*]` for all of them, `layer2[1:4]`, `gates[1:6:2]`.
 */
export function runPasses(it: Interpreter, frame: Frame, count: number, runPass: (index: number) => void, options: PassOptions = {}): void {
  const builder = it.builder;
  const first = builder.ops.length;
  const groups: PassGroup[] = [];
  const sameItem = options.sameItem;
  const distinct = options.distinct;
  let previous: PassGroup | undefined;
  let reference: ReferencePass | undefined;
  let lastRun = -1;
  for (let index = 0; index < count; index++) {
    if (reference && distinct && reference.reads.alike(distinct.item(reference.index), distinct.item(index), (a, b) => alike(it, a, b))) {
      // This layer is what the reference pass read of its own: the pass would make its ops again, and fold as it did,
      // and set in its layer what the reference pass set in its own.
      const from = distinct.itemPath(reference.index);
      const to = distinct.itemPath(index);
      reference.group.passes.push(index);
      reference.group.names.push(renameAll(reference.names, from, to));
      reference.reads.replay(distinct.item(reference.index), distinct.item(index));
      builder.advance(reference.values, reference.opIds);
      continue;
    }
    reference = undefined;
    lastRun = index;
    const start = builder.ops.length;
    const notes = builder.notes.length;
    const uses = builder.valueUses.length;
    const syncs = builder.hostSyncs.length;
    const firstOfAlike = index === 0 && count > 1 && distinct !== undefined && mayBeAlike(distinct.item(0), distinct.item(1), (a, b) => alike(it, a, b));
    const before = (index === 0 && count > 1 && sameItem?.unrun) || firstOfAlike || (index > 0 && index < count - 1 && distinct) ? passStart(it, frame) : undefined;
    const reads = before && distinct ? new LayerReads(distinct.item(index)) : undefined;
    try {
      runPass(index);
    } finally {
      reads?.stop();
    }
    if (builder.ops.length === start) {
      previous = undefined;
      continue;
    }
    const ops = builder.ops.slice(start);
    const names = ops.map((op) => [op.modulePath, op.label] as const);
    if (index === 0 && before && reads && distinct) {
      // The first pass over a layer: when it left the next pass nothing new to read but the tensors the loop carries,
      // and the next layer is alike in what this pass read, the next pass would make this pass's ops again (and so
      // would every pass over an alike layer after it): this pass is their reference, and they are counted unrun.
      const carriedOn = repeatsUnchanged(it, frame, before, ops, distinct.itemPath(0), distinct.targets, reads.writes);
      if (carriedOn && reads.alike(distinct.item(0), distinct.item(1), (a, b) => alike(it, a, b))) {
        const group: PassGroup = { ops, passes: [0], names: [names], carried: carriedOn.size > 0 ? carriedOn : undefined };
        groups.push(group);
        previous = group;
        reference = { index, reads, group, names, values: builder.valueCount - before.values, opIds: builder.opCount - before.opIds };
        continue;
      }
    }
    const carriedOn = before && sameItem?.unrun ? repeatsUnchanged(it, frame, before, ops, sameItem.itemPath(0), sameItem.unrun.targets) : undefined;
    if (carriedOn && before && sameItem?.unrun) {
      // The next pass would read what this one read, with its loop-carried tensors in their place: it would do the
      // same ops, and so would every pass after it. They are counted without running, named as running them would.
      const { itemPath, unrun } = sameItem;
      const from = itemPath(0);
      const to = itemPath(1);
      const secondNames = renameAll(names, from, to);
      const group: PassGroup = { ops, passes: [0, 1], names: [names, secondNames] };
      group.carried = carriedOn.size > 0 ? carriedOn : undefined;
      for (let later = 2; later < count; later++) {
        const laterPath = itemPath(later);
        group.passes.push(later);
        group.names.push(renameAll(secondNames, to, laterPath));
      }
      groups.push(group);
      // The frame and the graph are left as running the second pass and folding it would leave them: the target
      // bound for that pass, the carried tensors this pass's (what the second pass's outputs fold into), and the ids
      // the second pass's values and ops took handed out.
      unrun.bind(1);
      builder.advance(builder.valueCount - before.values, builder.opCount - before.opIds);
      break;
    }
    // A pass whose calls no earlier pass made starts a group without a full signature; the pass is compared with a
    // group's signature as it is read, and no signature of its own is built.
    let made: Map<number, number> | undefined;
    const same = groups.find((group) => {
      if (!sameCalls(group.ops, ops)) return false;
      group.signature ??= signatureOf(it, group.ops);
      made ??= madeBy(ops);
      return matchesSignature(it, group.signature, ops, made);
    });
    if (!same) {
      // A pass compared with a group and found different keeps the signature it had then, as the group's.
      previous = { signature: made ? signatureOf(it, ops) : undefined, ops, passes: [index], names: [names] };
      groups.push(previous);
      continue;
    }
    same.passes.push(index);
    same.names.push(names);
    same.carried ??= carriedInputs(same.ops, ops);
    const repeating = same === previous && sameItem !== undefined;
    previous = same;
    if (repeating && sameItem) {
      // The same item on the same values did the same thing twice: the passes left would too.
      const { itemPath } = sameItem;
      const from = itemPath(index);
      for (let later = index + 1; later < count; later++) {
        const to = itemPath(later);
        same.passes.push(later);
        same.names.push(renameAll(names, from, to));
      }
      index = count;
    }
    // The pass's outputs are the earlier pass's: what the frame holds of them now points there.
    const outputs = new Map<number, TensorValue>();
    ops.forEach((op, i) => op.outputs.forEach((output, j) => outputs.set(output.id, (same.ops[i] as OpNode).outputs[j] as TensorValue)));
    for (const [name, value] of frame.env) frame.env.set(name, remap(value, outputs));
    if (frame.returned) frame.returned = remap(frame.returned, outputs);
    // What the pass recorded besides ops (notes, reads of its tensors, host syncs) the kept pass recorded too.
    builder.ops.length = start;
    builder.notes.length = notes;
    builder.valueUses.length = uses;
    builder.hostSyncs.length = syncs;
    // Ops that name their layer in a note would name the next one in theirs, and not fold.
    const itemName = distinct?.itemPath(index) ?? '';
    if (reads && before && distinct && foldedUnchanged(it, frame, before, distinct.targets, reads.writes) && !ops.some((op) => op.notes.some((note) => note.includes(itemName)))) {
      reference = { index, reads, group: same, names, values: builder.valueCount - before.values, opIds: builder.opCount - before.opIds };
    }
  }
  // The loop's target is left as the last pass binds it.
  if (distinct && lastRun < count - 1) distinct.bind(count - 1);
  const positions = new Map<OpNode, number>();
  for (let i = first; i < builder.ops.length; i++) positions.set(builder.ops[i] as OpNode, i);
  for (const group of groups) {
    if (group.passes.length === 1 && options.length === undefined) continue;
    const all = group.passes.length === count;
    const times = all && options.length !== undefined ? options.length : num(group.passes.length);
    // The ops of one module share their names pass by pass, and the ops of one frame their repeat: each is merged once.
    const merger = new NameMerger(count);
    const repeats = new Map<Dim, Dim>();
    group.ops.forEach((op, j) => {
      const position = positions.get(op);
      if (position === undefined) return;
      const modulePath = merger.merge(group.names.map((names) => (names[j] as readonly [string, string])[0]));
      const label = merger.merge(group.names.map((names) => (names[j] as readonly [string, string])[1]));
      let repeat = repeats.get(op.repeat);
      if (!repeat) repeats.set(op.repeat, (repeat = simplify(bin('*', op.repeat, times))));
      const carried = group.carried?.get(j);
      builder.ops[position] = carried ? { ...op, label, modulePath, repeat, carried } : { ...op, label, modulePath, repeat };
    });
  }
}

/** mergeNames over the passes of one group, remembering the lists it merged (compared name by name). */
class NameMerger {
  private readonly merged = new Map<string, { readonly names: readonly string[]; readonly name: string }[]>();

  constructor(private readonly count: number) {}

  merge(names: readonly string[]): string {
    const first = names[0] ?? '';
    let seen = this.merged.get(first);
    if (!seen) this.merged.set(first, (seen = []));
    for (const entry of seen) if (sameNames(entry.names, names)) return entry.name;
    const name = mergeNames(names, this.count);
    seen.push({ names, name });
    return name;
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What a pass of a loop over one repeated item starts from: see repeatsUnchanged. */
interface PassStart {
  readonly env: ReadonlyMap<string, Value>;
  readonly writes: number;
  readonly bindings: number;
  readonly inputs: number;
  readonly values: number;
  readonly opIds: number;
}

function passStart(it: Interpreter, frame: Frame): PassStart | undefined {
  // A trial run learns a root's input shapes from every use, and a driver's watch stops at a call: both run each pass.
  if (it.learner || it.driverWatch) return undefined;
  return { env: new Map(frame.env), writes: it.writes, bindings: it.state.codeBindings.length, inputs: it.builder.inputs.length, values: it.builder.valueCount, opIds: it.builder.opCount };
}

/**
 * Whether a pass wrote into no value (but the `layerWrites` it made in its own layer, which reads.ts replays in the
 * layers of passes counted unrun), bound no size, recorded no input and did not return.
 */
function leftAsFound(it: Interpreter, frame: Frame, before: PassStart, layerWrites = 0): boolean {
  return it.writes === before.writes + layerWrites && it.state.codeBindings.length === before.bindings && it.builder.inputs.length === before.inputs && !frame.returned;
}

/**
 * Whether the pass just run over a repeated item left the next pass exactly what it read, but for the tensors the loop
 * carries from pass to pass (`x = block(x)`), each made by an op of this pass and alike in every way an op reads
 * (shape, dtype, layout, known elements, origin). Then the next pass, which binds the same item, runs the same code on
 * the same values and makes the same ops, and repeats.ts can count it without running it. It is so only when the pass
 * wrote into no value (it.writes), bound no size, recorded no input, changed no variable of the frame but the loop's
 * own and those carried tensors, and its ops read no tensor made during the pass other than by its own ops (a value
 * made without an op from a carried tensor would be made anew from the next one).
 *
 * Returns what each op would read of this pass's outputs in the next pass (OpNode.carried, by op and input), or
 * undefined when the next pass must run.
 */
function repeatsUnchanged(
  it: Interpreter,
  frame: Frame,
  before: PassStart,
  ops: readonly OpNode[],
  itemName: string,
  targets: ReadonlySet<string>,
  layerWrites = 0,
): Map<number, (TensorValue | undefined)[]> | undefined {
  if (!leftAsFound(it, frame, before, layerWrites)) return undefined;
  const made = new Set<number>();
  for (const op of ops) for (const output of op.outputs) made.add(output.id);
  // Each tensor variable the pass changed: its value before the pass (read by this pass's ops) and after (read by the next).
  const carriedBy = new Map<number, TensorValue>();
  for (const [name, value] of frame.env) {
    const old = before.env.get(name);
    if (old === value || targets.has(name)) continue;
    if (old?.kind !== 'tensor' || value.kind !== 'tensor' || !made.has(value.tensor.id) || !alike(it, old.tensor, value.tensor)) return undefined;
    carriedBy.set(old.tensor.id, value.tensor);
  }
  // A carried tensor also held elsewhere (`h = x` before the loop) would still be read there by the next pass.
  for (const [name, value] of frame.env) if (!targets.has(name) && before.env.get(name) === value && holdsAny(value, carriedBy, 0)) return undefined;
  // Names of the item that the ops carry in their notes would change with it.
  const carried = new Map<number, (TensorValue | undefined)[]>();
  for (let j = 0; j < ops.length; j++) {
    const op = ops[j] as OpNode;
    if (itemName !== '' && op.notes.some((note) => note.includes(itemName))) return undefined;
    let reads: (TensorValue | undefined)[] | undefined;
    for (let i = 0; i < op.inputs.length; i++) {
      const input = op.inputs[i] as TensorValue;
      if (made.has(input.id)) continue;
      if (input.id >= before.values) return undefined;
      const next = carriedBy.get(input.id);
      if (!next) continue;
      reads ??= op.inputs.map(() => undefined);
      reads[i] = next;
    }
    if (reads) carried.set(j, reads);
  }
  return carried;
}

/** Whether a value is, or holds in its items or entries, one of the tensors. */
function holdsAny(value: Value, tensors: ReadonlyMap<number, TensorValue>, depth: number): boolean {
  if (depth > 8) return true;
  if (value.kind === 'tensor') return tensors.has(value.tensor.id);
  if (value.kind === 'list') return value.repeated ? holdsAny(value.repeated.item, tensors, depth + 1) : value.items.some((item) => holdsAny(item, tensors, depth + 1));
  if (value.kind === 'dict') return [...value.entries.values()].some((item) => holdsAny(item, tensors, depth + 1));
  return false;
}

/**
 * Whether a pass that folded into an earlier one left everything as it found it: no value written, no size bound, no
 * input recorded, and every variable of the frame but the loop's target the value it held before the pass (the
 * tensors it carries on are the earlier pass's again, once folded). The next pass then starts where this one did.
 */
function foldedUnchanged(it: Interpreter, frame: Frame, before: PassStart, targets: ReadonlySet<string>, layerWrites: number): boolean {
  if (!leftAsFound(it, frame, before, layerWrites)) return false;
  for (const [name, value] of frame.env) {
    if (!targets.has(name) && !sameHeld(before.env.get(name), value)) return false;
  }
  return true;
}

/**
 * Whether a variable holds what it held before a folded pass: folding wraps the earlier pass's tensors anew (the same
 * tensor is the same value), and so the tuples that hold them (`layer_outputs = layer(...)`).
 */
function sameHeld(old: Value | undefined, value: Value): boolean {
  if (old === value) return true;
  if (old?.kind === 'tensor' && value.kind === 'tensor') return old.tensor === value.tensor;
  if (old?.kind !== 'list' || value.kind !== 'list' || old.repeated || value.repeated || old.items.length !== value.items.length) return false;
  return old.items.every((item, i) => sameHeld(item, value.items[i] as Value));
}

/** Whether every op reads two tensors alike: shape (every size known), dtype, origin, layout and known elements. */
function alike(it: Interpreter, a: TensorValue, b: TensorValue): boolean {
  if (a.dtype !== b.dtype || a.origin !== b.origin || a.trainable !== b.trainable || !a.shape || !b.shape || a.shape.length !== b.shape.length) return false;
  for (let i = 0; i < a.shape.length; i++) if (!sameDim(a.shape[i] as Dim, b.shape[i] as Dim)) return false;
  if (JSON.stringify(it.state.layouts.get(a.id)) !== JSON.stringify(it.state.layouts.get(b.id))) return false;
  if (JSON.stringify(it.state.elements.get(a.id)) !== JSON.stringify(it.state.elements.get(b.id))) return false;
  // What the interpreter keeps of a tensor beside it (an assumed call's inputs, one-hot counts, learned sizes).
  for (const id of [a.id, b.id]) {
    if (it.assumedValues.has(id) || it.assumedShapeOf.has(id) || it.onesOf.has(id) || it.ranges.has(id) || it.learnedSizes.has(id)) return false;
  }
  return true;
}

/**
 * The inputs a folded pass read from the ops of the group it folds into (the pass before it: the residual stream it
 * hands on), by op and input position of the group's first pass; undefined when it read none.
 */
function carriedInputs(kept: readonly OpNode[], folded: readonly OpNode[]): Map<number, (TensorValue | undefined)[]> | undefined {
  const keptIds = new Set(kept.map((op) => op.id));
  const carried = new Map<number, (TensorValue | undefined)[]>();
  folded.forEach((op, j) => {
    const inputs = op.inputs.map((input) => (input.producer !== undefined && keptIds.has(input.producer) ? input : undefined));
    if (inputs.some((input) => input !== undefined)) carried.set(j, inputs);
  });
  return carried.size > 0 ? carried : undefined;
}

/** Each op's module path and label of one pass, moved from one item to another (renamePath). */
function renameAll(names: readonly (readonly [string, string])[], from: string, to: string): (readonly [string, string])[] {
  return names.map(([path, label]) => [renamePath(path, from, to), renamePath(label, from, to)] as const);
}

/** `h[2].attn` → `h[3].attn`: a name under one item moved under another. */
function renamePath(path: string, from: string, to: string): string {
  return path === from || path.startsWith(`${from}.`) || path.startsWith(`${from}[`) ? to + path.slice(from.length) : path;
}

/** Whether two passes made the same calls at the same places, in order: passes that differ here are never the same. */
function sameCalls(a: readonly OpNode[], b: readonly OpNode[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as OpNode;
    const y = b[i] as OpNode;
    if (x.op !== y.op || x.span.start !== y.span.start) return false;
  }
  return true;
}

/**
 * One name for the same op of several passes: where the names differ in one part (`h[0]`, `h[1]`; `gates.1`,
 * `gates.3`), that part lists them (`h[*]` when they are all the list's items, `gates[1:6:2]`).
 */
function mergeNames(names: readonly string[], count: number): string {
  const firstName = names[0] ?? '';
  if (names.every((name) => name === firstName)) return firstName;
  const split = names.map(nameParts);
  const firstParts = split[0] as string[];
  const length = firstParts.length;
  if (split.some((parts) => parts.length !== length)) return firstName;
  let merged = '';
  for (let i = 0; i < length; i++) {
    const part = firstParts[i] as string;
    if (split.every((parts) => parts[i] === part)) merged += part;
    else merged += mergeParts(split.map((parts) => partKey(parts[i] as string)), count);
  }
  return merged;
}

/**
 * One part that differs between the passes, from its keys (`3`, `encoder_layer_3`): `[*]` for every item of the list,
 * `[1:4]`, `[prefix*]`, else the keys listed.
 */
function mergeParts(keys: readonly string[], count: number): string {
  // Names a loop gave by number (`encoder_layer_0` ... `encoder_layer_11`, torchvision's OrderedDict keys) read as
  // their prefix and the numbers, like plain indices: `[encoder_layer_*]`, `[denselayer1:7]`.
  const prefix = numberedPrefix(keys[0] as string) ?? '';
  const indices: number[] = [];
  for (const key of keys) {
    const own = numberedPrefix(key);
    if (own !== prefix) {
      indices.length = 0;
      break;
    }
    indices.push(Number(key.slice(prefix.length)));
  }
  if (indices.length === 0 || !indices.every((n) => Number.isInteger(n))) return `[${[...new Set(keys)].join(',')}]`;
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const everyItem = sorted.length === count && sorted.every((n, k) => n === k);
  return `[${prefix}${everyItem ? '*' : indexLabel(sorted).slice(1, -1)}]`;
}

/**
 * What a key ending in digits has before them (`encoder_layer_` of `encoder_layer_11`, '' of `3`), as
 * `/^(.*?)(\d+)$/` reads it; undefined for a key without trailing digits or with a line break before them.
 */
function numberedPrefix(key: string): string | undefined {
  let start = key.length;
  while (start > 0 && isDigit(key.charCodeAt(start - 1))) start--;
  if (start === key.length) return undefined;
  for (let i = 0; i < start; i++) if (isLineBreak(key.charCodeAt(i))) return undefined;
  return key.slice(0, start);
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The characters `.` does not match in a regex without the s flag. */
function isLineBreak(code: number): boolean {
  return code === 10 || code === 13 || code === 0x2028 || code === 0x2029;
}

/** `h[3].attn` → `h`, `[3]`, `.attn`: the name cut before each `.` and `[` (but the first character). */
function nameParts(name: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code === 46 || code === 91) {
      parts.push(name.slice(start, i));
      start = i;
    }
  }
  parts.push(name.slice(start));
  return parts;
}

/** `[3]` → `3`, `.attn` → `attn`: a part without its leading `.` or `[` and its closing `]`. */
function partKey(part: string): string {
  const first = part.charCodeAt(0);
  const start = first === 46 || first === 91 ? 1 : 0;
  const end = part.length > start && part.charCodeAt(part.length - 1) === 93 ? part.length - 1 : part.length;
  return part.slice(start, end);
}

/** `[0]`, `[1:4]` for a run, `[1:8:2]` for a step, else the indices listed. */
function indexLabel(passes: readonly number[]): string {
  if (passes.length === 1) return `[${passes[0]}]`;
  const step = (passes[1] as number) - (passes[0] as number);
  const evenly = passes.every((pass, i) => i === 0 || pass - (passes[i - 1] as number) === step);
  if (!evenly) return `[${passes.join(',')}]`;
  const stop = (passes[passes.length - 1] as number) + 1;
  return step === 1 ? `[${passes[0]}:${stop}]` : `[${passes[0]}:${stop}:${step}]`;
}

/**
 * One item of a pass's signature: a number (a dim's value, a count, which op made an input) or a text (a dim without
 * a value, a call, a scope, an attribute). Two signatures match when their items read the same one by one.
 */
type PassToken = number | string;

/**
 * What a pass did, item by item: each op's call site, scope, shapes, dtypes, attributes, repeat and notes, and for
 * each input whether an op of the same pass made it (and which). Module paths and labels are left out: they name the
 * layer, not what it does. Dims compare by the values the code gives them: the first block's input `[B, 64, 56, 56]`
 * is the next one's `[B, planes, 56, 56]` when `planes` is 64. Every list is preceded by its length, so that equal
 * items mean equal passes; numbers stay numbers, so that comparing passes builds no text.
 */
function signatureOf(it: Interpreter, ops: readonly OpNode[]): PassToken[] {
  const tokens: PassToken[] = [];
  readSignature(it, ops, madeBy(ops), (token) => {
    tokens.push(token);
    return true;
  });
  return tokens;
}

/** Whether a pass's signature, read item by item with no list made, is `tokens`: it stops at the first item that differs. */
function matchesSignature(it: Interpreter, tokens: readonly PassToken[], ops: readonly OpNode[], made: ReadonlyMap<number, number>): boolean {
  let next = 0;
  const read = readSignature(it, ops, made, (token) => next < tokens.length && sameToken(tokens[next++] as PassToken, token));
  return read && next === tokens.length;
}

/** Which op of a pass made a tensor: the op's index and the output's, as one number, by value id. */
function madeBy(ops: readonly OpNode[]): Map<number, number> {
  const made = new Map<number, number>();
  ops.forEach((op, i) => op.outputs.forEach((output, j) => made.set(output.id, i * MAX_OUTPUTS + j)));
  return made;
}

/** Hands the items of a pass's signature (see signatureOf) to `take` in order, until it returns false; false then. */
function readSignature(it: Interpreter, ops: readonly OpNode[], made: ReadonlyMap<number, number>, take: (token: PassToken) => boolean): boolean {
  const dimText = (value: Dim): string => {
    if (value.kind === 'unknown') return `?(${value.why})`;
    const known = it.state.currentValue(value);
    return known === undefined ? formatDim(value) : String(known);
  };
  const dim = (value: Dim): boolean => {
    if (value.kind === 'unknown') return take(`?(${value.why})`);
    return take(it.state.currentValue(value) ?? formatDim(value));
  };
  const tensor = (value: TensorValue): boolean => {
    if (value.shape) {
      if (!take(value.shape.length)) return false;
      for (const size of value.shape) if (!dim(size)) return false;
    } else if (!take('?')) return false;
    return take(value.dtype ?? '');
  };
  const attribute = (pointwise: boolean, key: string, value: AttrValue): boolean => {
    // A pointwise op's scalar operand compares by its sign alone: every formula counts one op per element whatever
    // the number, and no rule reads it, so layers that scale by their own index (GPTBigCode's softmax upcast times
    // layer_idx + 1) fold.
    if (pointwise && SCALAR_OPERANDS.has(key)) {
      const number = typeof value === 'number' ? value : value !== null && typeof value === 'object' && !Array.isArray(value) ? it.state.currentValue(value as Dim) : undefined;
      if (number !== undefined) return take(`scalar${Math.sign(number)}`);
    }
    // Fractions (a drop probability growing with depth, eps, momentum) compare by sign: the formulas and rules ask
    // only whether one is zero, so blocks whose stochastic-depth rate differs still fold.
    if (typeof value === 'number' && !Number.isInteger(value)) return take(value > 0 ? 'fraction>0' : 'fraction<0');
    if (value === null || typeof value !== 'object') return take(String(value));
    if (Array.isArray(value)) return take(`[${(value as readonly Dim[]).map(dimText).join(',')}]`);
    return dim(value as Dim);
  };
  for (const op of ops) {
    if (!take(op.op) || !take(op.span.start) || !take(op.span.end) || !take(op.scope) || !take(op.fusedBy ?? '') || !take(op.inputs.length)) return false;
    for (const input of op.inputs) if (!take(made.get(input.id) ?? -1) || !tensor(input)) return false;
    if (!take(op.outputs.length)) return false;
    for (const output of op.outputs) if (!tensor(output)) return false;
    const keys = Object.keys(op.attrs);
    if (!take(keys.length)) return false;
    for (const key of keys) if (!take(key) || !attribute(op.category === 'pointwise', key, op.attrs[key] as AttrValue)) return false;
    if (!dim(op.repeat) || !take(op.notes.length)) return false;
    for (const note of op.notes) if (!take(note)) return false;
  }
  return true;
}

/** The attributes that hold a binary pointwise op's scalar operand (`x * 3`, `torch.add(x, 1, alpha=2)`). */
const SCALAR_OPERANDS = new Set(['other', 'alpha']);

/** Bounds the outputs of one op, for the number that names an op's output within a pass. */
const MAX_OUTPUTS = 1 << 16;

/** Whether two items of signatures read the same (a number and a text match when the number reads as the text). */
function sameToken(x: PassToken, y: PassToken): boolean {
  if (x === y) return true;
  return typeof x === 'number' && typeof y === 'number' ? Number.isNaN(x) && Number.isNaN(y) : String(x) === String(y);
}

/** A value with the tensors a dropped pass made replaced by the kept pass's. */
function remap(value: Value, outputs: ReadonlyMap<number, TensorValue>): Value {
  switch (value.kind) {
    case 'tensor': {
      const kept = outputs.get(value.tensor.id);
      return kept ? { kind: 'tensor', tensor: kept } : value;
    }
    case 'list': {
      if (value.repeated) {
        const item = remap(value.repeated.item, outputs);
        return item === value.repeated.item ? value : { ...value, repeated: { item, count: value.repeated.count } };
      }
      let changed = false;
      const items = value.items.map((item) => {
        const next = remap(item, outputs);
        if (next !== item) changed = true;
        return next;
      });
      return changed ? { ...value, items } : value;
    }
    case 'dict': {
      let changed = false;
      const entries = new Map<string, Value>();
      for (const [key, item] of value.entries) {
        const next = remap(item, outputs);
        if (next !== item) changed = true;
        entries.set(key, next);
      }
      return changed ? { ...value, entries } : value;
    }
    default:
      return value;
  }
}
