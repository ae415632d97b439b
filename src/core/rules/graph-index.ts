// An index over the op graph for rules: consumers of each value, sizes in bytes, forwards, and savings on the GPU.
import { choosePeak, usesTf32 } from '../cost/price';
import { DTYPE_BYTES, type CostedOp, type DType, type Hardware, type OpNode, type TensorValue } from '../ir/types';
import { canonicalOp } from './ops';
import type { RunRulesInput } from './types';

/** A consumer reached from a value, with the views (transpose, view, slice...) passed on the way. */
export interface Reach {
  readonly op: OpNode;
  readonly views: readonly OpNode[];
}

/** What fusing or removing ops buys, per call of the outermost scope. */
export interface Saving {
  readonly bytesSaved: number | null;
  readonly timeSavedUs: number | null;
}

export class GraphIndex {
  readonly ops: readonly OpNode[];
  private readonly opById: ById<OpNode>;
  private readonly costById: ById<CostedOp>;
  private readonly consumersByValue: ById<OpNode[]>;
  private readonly valueById: ById<TensorValue>;
  /**
   * Numeric shape (null when unknown) and element size of each value, from the op that wrote it or the first op that
   * read it; a value not set yet has no shape entry at all.
   */
  private readonly valueShape: ById<readonly number[] | null>;
  private readonly valueElementBytes: ById<number>;
  /** Union-find parents over op ids: a forward is a connected piece of the dataflow. */
  private readonly parent: ById<number>;
  private readonly forwardTime: ById<number>;
  /** Time of the ops that run only when an optional input is given (OpNode.onlyWhenGiven), per forward, µs. */
  private readonly givenTime: ById<number>;
  /** Ops of each forward that could not be priced (views aside): its time is then that of its priced part. */
  private readonly forwardUnpriced: ById<number>;
  private readonly hardware: Hardware;
  private readonly tf32Enabled: boolean;
  /** Values that code other than an op reads (returned, stored, passed to unknown code, synced to the host). */
  private readonly escaping: ById<true>;
  /** Values whose only such reads are returns: a module's optional outputs (attention weights) among them. */
  private readonly onlyReturned: ById<boolean>;
  private readonly realConsumersCache: ById<readonly Reach[]>;
  /** null: no sole reader. */
  private readonly soleReaderCache: ById<OpNode | null>;
  /** Ops grouped by the line their span starts on, in graph order, built on first use. */
  private opsByStartLine: Map<number, OpNode[]> | undefined;
  private opPosition: Map<OpNode, number> | undefined;
  /** True when op ids rise along the graph, as GraphBuilder hands them out: graph order is then id order. */
  private readonly idsAscending: boolean;
  /** Ops by canonical name, in graph order, built on first use. */
  private opsByName: Map<string, OpNode[]> | undefined;
  /** Per value: the ops of a folded loop that read it in their later passes, and at which input (OpNode.carried). */
  private readonly carriedReadersByValue = new Map<number, { op: OpNode; input: number }[]>();
  /** Values that carry the model's activations (see carriesActivation); absent means they do not. */
  private readonly activation: ById<true>;

  constructor(input: RunRulesInput) {
    this.ops = input.graph.ops;
    // The tables by id are sized once: ids are handed out from 0, so the largest bounds them.
    let opIds = 0;
    let valueIds = 0;
    let idsAscending = true;
    for (const op of this.ops) {
      if (op.id < opIds) idsAscending = false;
      opIds = Math.max(opIds, op.id + 1);
      for (const value of op.inputs) valueIds = Math.max(valueIds, value.id + 1);
      for (const value of op.outputs) valueIds = Math.max(valueIds, value.id + 1);
    }
    this.idsAscending = idsAscending;
    this.opById = new ById(opIds);
    this.costById = new ById(opIds);
    this.parent = new ById(opIds);
    this.forwardTime = new ById(opIds);
    this.givenTime = new ById(opIds);
    this.forwardUnpriced = new ById(opIds);
    this.consumersByValue = new ById(valueIds);
    this.valueById = new ById(valueIds);
    this.valueShape = new ById(valueIds);
    this.valueElementBytes = new ById(valueIds);
    this.escaping = new ById(valueIds);
    this.onlyReturned = new ById(valueIds);
    this.realConsumersCache = new ById(valueIds);
    this.soleReaderCache = new ById(valueIds);
    this.activation = new ById(valueIds);
    this.hardware = input.hardware;
    this.tf32Enabled = input.graph.tf32Enabled;
    for (const use of input.graph.valueUses) {
      this.escaping.set(use.value, true);
      this.onlyReturned.set(use.value, use.kind === 'returned' && this.onlyReturned.get(use.value) !== false);
    }
    for (const cost of input.costs) this.costById.set(cost.node.id, cost);
    for (const op of this.ops) {
      this.opById.set(op.id, op);
      this.parent.set(op.id, op.id);
      op.carried?.forEach((value, input) => {
        if (!value) return;
        const readers = this.carriedReadersByValue.get(value.id);
        if (readers) readers.push({ op, input });
        else this.carriedReadersByValue.set(value.id, [{ op, input }]);
      });
    }
    for (const op of this.ops) {
      const cost = this.costById.get(op.id);
      const dtype = cost?.dtype ?? input.dtype;
      for (let i = 0; i < op.outputs.length; i++) {
        const value = op.outputs[i] as TensorValue;
        this.valueById.set(value.id, value);
        this.valueShape.set(value.id, cost?.outputShapes[i] ?? null);
        this.valueElementBytes.set(value.id, elementBytes(value, dtype));
      }
    }
    for (const op of this.ops) {
      const cost = this.costById.get(op.id);
      const dtype = cost?.dtype ?? input.dtype;
      const metadataOnly = METADATA_INPUTS[canonicalOp(op)];
      for (let i = 0; i < op.inputs.length; i++) {
        const value = op.inputs[i] as TensorValue;
        if (!this.valueById.has(value.id)) this.valueById.set(value.id, value);
        const known = this.valueShape.get(value.id);
        if (known === undefined || known === null) {
          const shape = cost?.inputShapes[i] ?? null;
          if (shape || known === undefined) {
            this.valueShape.set(value.id, shape);
            this.valueElementBytes.set(value.id, elementBytes(value, dtype));
          }
        }
        // An op that reads a value twice (`x * x`) is one consumer; an input read for its metadata is none.
        if (metadataOnly?.includes(i) || readEarlier(op, i, metadataOnly)) continue;
        const list = this.consumersByValue.get(value.id);
        if (list) list.push(op);
        else this.consumersByValue.set(value.id, [op]);
        const producer = value.producer === undefined ? undefined : this.opById.get(value.producer);
        if (producer && !isExampleInput(producer)) this.union(op.id, producer.id);
      }
    }
    this.markActivations();
    for (const op of this.ops) {
      if (op.fusedBy === 'fallback' || isExampleInput(op)) continue;
      const root = this.find(op.id);
      const time = this.totalTimeUs(op.id);
      if (op.onlyWhenGiven !== undefined) {
        this.givenTime.set(root, (this.givenTime.get(root) ?? 0) + (time ?? 0));
        continue;
      }
      this.forwardTime.set(root, (this.forwardTime.get(root) ?? 0) + (time ?? 0));
      if (time === null && op.category !== 'view') this.forwardUnpriced.set(root, (this.forwardUnpriced.get(root) ?? 0) + 1);
    }
  }

  op(id: number): OpNode | undefined {
    return this.opById.get(id);
  }

  /**
   * Whether a value carries the model's activations: it comes from a tensor input of a root that is not a side input,
   * an example input, or an embedding, convolution, norm or attention, through any ops. Set-up data does not: masks
   * built with torch.ones, rotary tables from positions and buffers, a timestep's or a label's own processing, a
   * parameter repeated (a class token). A value of unknown origin counts as activations.
   */
  carriesActivation(value: TensorValue): boolean {
    return this.activation.has(value.id);
  }

  /** Marks the values that carry activations, in graph order: an op's inputs are marked before its outputs. */
  private markActivations(): void {
    const fromOutside = (value: TensorValue): boolean => {
      const origin = value.origin;
      if (origin === undefined) return true;
      const param = /^param (\w+)$/.exec(origin);
      if (param) return !SIDE_INPUT.test(param[1] as string);
      if (origin.startsWith(ASSUMED_ORIGIN)) return true;
      // A name is a parameter or a buffer (weight, bias, self.inv_freq, self.cls_token): not activations.
      return !/^[\w.[\]]+$/.test(origin);
    };
    for (const op of this.ops) {
      const metadataOnly = METADATA_INPUTS[canonicalOp(op)];
      const source = ACTIVATION_SOURCES.has(op.category) || isExampleInput(op) || (op.category === 'creation' && op.harness !== undefined);
      const carries = source || op.inputs.some((value, i) => !metadataOnly?.includes(i) && (value.producer === undefined || !this.opById.has(value.producer) ? fromOutside(value) : this.activation.has(value.id)));
      if (carries) for (const value of op.outputs) this.activation.set(value.id, true);
    }
  }

  cost(id: number): CostedOp | undefined {
    return this.costById.get(id);
  }

  /** The op that wrote a value, or undefined for parameters and inputs. */
  producer(value: TensorValue | number): OpNode | undefined {
    const v = typeof value === 'number' ? this.valueById.get(value) : value;
    return v?.producer === undefined ? undefined : this.opById.get(v.producer);
  }

  /** The ops that read a value (each op once, even when it reads the value twice as in `x * x`). */
  consumers(value: TensorValue | number): readonly OpNode[] {
    return this.consumersByValue.get(typeof value === 'number' ? value : value.id) ?? [];
  }

  /** The ops that really read a value's bytes: views are followed, since they move nothing. Shared: do not modify. */
  realConsumers(value: TensorValue | number, views: readonly OpNode[] = []): readonly Reach[] {
    // Rules ask for the readers of the same values again and again: the answer from the value itself is kept.
    if (views.length > 0) return this.reachFrom(value, views);
    const id = typeof value === 'number' ? value : value.id;
    let reaches = this.realConsumersCache.get(id);
    if (reaches === undefined) {
      reaches = this.reachFrom(value, views);
      this.realConsumersCache.set(id, reaches);
    }
    return reaches;
  }

  private reachFrom(value: TensorValue | number, views: readonly OpNode[]): Reach[] {
    const out: Reach[] = [];
    for (const op of this.consumers(value)) {
      if (op.category === 'view' && op.outputs.length > 0) {
        for (const output of op.outputs) out.push(...this.realConsumers(output, [...views, op]));
      } else {
        out.push({ op, views });
      }
    }
    return out;
  }

  /**
   * True when a value is used where no op of the graph reads it: returned by the analysed root, stored on an object,
   * passed to a call MemWall does not follow, or copied to the host. The interpreter records each such use where the
   * code runs it (OpGraph.valueUses); such a value is materialised whatever its op readers do.
   */
  escapes(value: TensorValue): boolean {
    return this.escaping.has(value.id);
  }

  /** True when a value escapes only by being returned (see escapes): no store, unknown call or host sync reads it. */
  escapesOnlyByReturn(value: TensorValue): boolean {
    return this.onlyReturned.get(value.id) === true;
  }

  /** The one op that really reads a value (through views), or undefined when none, several, or the value escapes. */
  soleReader(value: TensorValue | undefined): OpNode | undefined {
    if (!value) return undefined;
    const cached = this.soleReaderCache.get(value.id);
    if (cached !== undefined) return cached ?? undefined;
    const reader = this.findSoleReader(value);
    this.soleReaderCache.set(value.id, reader ?? null);
    return reader;
  }

  private findSoleReader(value: TensorValue): OpNode | undefined {
    const readers = this.realConsumers(value);
    const only = readers[0];
    if (readers.length !== 1 || !only) return undefined;
    if (this.escapes(value) || only.views.some((view) => view.outputs.some((output) => this.escapes(output)))) return undefined;
    return only.op;
  }

  /**
   * The ops whose span starts on a line from `first` up to (not including) `last`, in graph order. A line index, so
   * that rules asking this once per finding stay linear in the file's length rather than scanning every op each time.
   */
  opsStartingOnLines(first: number, last: number): OpNode[] {
    if (!this.opsByStartLine) {
      this.opsByStartLine = new Map();
      for (const op of this.ops) {
        const list = this.opsByStartLine.get(op.span.startLine);
        if (list) list.push(op);
        else this.opsByStartLine.set(op.span.startLine, [op]);
      }
    }
    const found: OpNode[] = [];
    for (let line = Math.max(0, first); line < last; line++) found.push(...(this.opsByStartLine.get(line) ?? []));
    return this.inGraphOrder(found);
  }

  /**
   * The ops whose canonical name is one of `names`, in graph order. Rules start from these (every softmax, every
   * norm) rather than asking every op of the file for its name. Shared: do not modify.
   */
  opsNamed(...names: string[]): readonly OpNode[] {
    if (!this.opsByName) {
      this.opsByName = new Map();
      for (const op of this.ops) {
        const name = canonicalOp(op);
        const list = this.opsByName.get(name);
        if (list) list.push(op);
        else this.opsByName.set(name, [op]);
      }
    }
    if (names.length === 1) return this.opsByName.get(names[0] as string) ?? [];
    const found: OpNode[] = [];
    for (const name of new Set(names)) found.push(...(this.opsByName.get(name) ?? []));
    return this.inGraphOrder(found);
  }

  /** Sorts ops found by some key back into graph order, as a filter over the ops would give. */
  private inGraphOrder(found: OpNode[]): OpNode[] {
    if (found.length > 1 && this.idsAscending) {
      found.sort((a, b) => a.id - b.id);
    } else if (found.length > 1) {
      if (!this.opPosition) {
        this.opPosition = new Map();
        for (let position = 0; position < this.ops.length; position++) this.opPosition.set(this.ops[position] as OpNode, position);
      }
      const position = this.opPosition;
      found.sort((a, b) => (position.get(a) as number) - (position.get(b) as number));
    }
    return found;
  }

  /** The op that wrote a value's bytes, looking back through views; undefined for parameters and inputs. */
  realProducer(value: TensorValue): OpNode | undefined {
    let op = this.producer(value);
    while (op && op.category === 'view' && op.inputs[0]) op = this.producer(op.inputs[0]);
    return op;
  }

  /**
   * The ops of a folded loop of layers that read a value in their later passes (layer i + 1 reading layer i's output),
   * with the input they read it at; what they read in the first pass is `op.inputs[input]`.
   */
  carriedReaders(value: TensorValue): readonly { op: OpNode; input: number }[] {
    return this.carriedReadersByValue.get(value.id) ?? [];
  }

  /** The value before any views: what `x.view(...).transpose(...)` reads. */
  throughViews(value: TensorValue): TensorValue {
    let current = value;
    for (let op = this.producer(current); op && op.category === 'view' && op.inputs[0]; op = this.producer(current)) {
      current = op.inputs[0];
    }
    return current;
  }

  /** Numeric shape of a value after binding, or null when unknown. */
  shape(value: TensorValue | number): readonly number[] | null {
    return this.valueShape.get(typeof value === 'number' ? value : value.id) ?? null;
  }

  /** Bytes of one materialisation of a value, or null when its shape is unknown. */
  bytes(value: TensorValue | number): number | null {
    const id = typeof value === 'number' ? value : value.id;
    const shape = this.valueShape.get(id);
    if (!shape) return null;
    let elements = 1;
    for (const dim of shape) elements *= dim;
    return elements * (this.valueElementBytes.get(id) as number);
  }

  /** Bytes per element of a value (its dtype, or the analysis dtype when the code leaves it open). */
  elementBytes(value: TensorValue | number): number | null {
    return this.valueElementBytes.get(typeof value === 'number' ? value : value.id) ?? null;
  }

  /** How many times an op runs per call of the outermost scope. */
  repeat(id: number): number {
    return this.costById.get(id)?.repeat ?? 1;
  }

  /** Time of an op per call of the outermost scope (repeat included), µs; null when unpriced. */
  totalTimeUs(id: number): number | null {
    const cost = this.costById.get(id);
    return cost?.timeUs == null ? null : cost.timeUs * cost.repeat;
  }

  /**
   * Estimated time of the forward (the connected piece of dataflow) that holds an op, repeats included, µs; with
   * `withGiven`, of the forward with its optional inputs given (the loss under `if labels is not None:` included).
   */
  forwardTimeUs(id: number, withGiven = false): number {
    const root = this.find(id);
    return (this.forwardTime.get(root) ?? 0) + (withGiven ? (this.givenTime.get(root) ?? 0) : 0);
  }

  /** The optional input (`labels`) that some of these ops run only with, or undefined when they all always run. */
  givenInput(opIds: readonly number[]): string | undefined {
    for (const id of opIds) {
      const name = this.opById.get(id)?.onlyWhenGiven;
      if (name !== undefined) return name;
    }
    return undefined;
  }

  /** How many ops of the forward that holds an op could not be priced (views aside). */
  forwardUnpricedOps(id: number): number {
    return this.forwardUnpriced.get(this.find(id)) ?? 0;
  }

  /** A stable key for the forward that holds an op, for grouping and ranking findings. */
  forwardKey(id: number): number {
    return this.find(id);
  }

  /** True when both ops belong to the same forward (connected dataflow). */
  sameForward(a: number, b: number): boolean {
    return this.find(a) === this.find(b);
  }

  /**
   * The least time the arithmetic of these ops takes, per call of the outermost scope (repeats included), µs: each
   * op's FLOPs at η_c of the peak that priced it (its unit and dtype). No kernel, fused or not, does that work faster.
   */
  computeFloorUs(opIds: readonly number[]): number {
    const efficiency = this.hardware.computeEfficiency.value;
    let seconds = 0;
    for (const id of opIds) {
      const cost = this.costById.get(id);
      if (!cost || !cost.flops || cost.unit === 'none') continue;
      const peak = choosePeak(this.hardware, cost.unit, cost.dtype, usesTf32(cost.node, this.tf32Enabled));
      if (peak) seconds += (cost.flops * cost.repeat) / (efficiency * peak.value);
    }
    return seconds * 1e6;
  }

  /**
   * What removing `bytesPerExecution` of DRAM traffic and `launches` kernel launches buys, per call of the
   * outermost scope: bytes × repeat, and time = bytes / (η_m·BW) + launches × launch overhead, capped by the time
   * the involved ops take today less what the `kernelsAfter` kernels that still run (1 for a fusion, 0 when the ops
   * simply go away) must take: their launches and their arithmetic (computeFloorUs). Without the arithmetic, bytes
   * that a compute-bound GEMM moved under its compute time would count as time saved, and the fused kernel would
   * beat the compute roof. Null when bytes are unknown.
   */
  saving(bytesPerExecution: number | null, launches: number, opIds: readonly number[], kernelsAfter = 1): Saving {
    if (bytesPerExecution === null || opIds.length === 0) return { bytesSaved: null, timeSavedUs: null };
    let repeat = Infinity;
    for (const id of opIds) repeat = Math.min(repeat, this.repeat(id));
    const bandwidth = this.hardware.memoryEfficiency.value * this.hardware.bandwidth.value;
    const launchUs = this.hardware.launchOverhead.value * 1e6;
    const perExecutionUs = (bytesPerExecution / bandwidth) * 1e6 + launches * launchUs;
    let timeSavedUs = perExecutionUs * repeat;
    // The ops' time today, added in order; null when one of them is unpriced.
    let today: number | null = 0;
    for (const id of opIds) {
      const time = this.totalTimeUs(id);
      if (time === null) {
        today = null;
        break;
      }
      today += time;
    }
    if (today !== null) {
      const ceiling = today - kernelsAfter * launchUs * repeat - (kernelsAfter > 0 ? this.computeFloorUs(opIds) : 0);
      timeSavedUs = Math.max(0, Math.min(timeSavedUs, ceiling));
    }
    return { bytesSaved: bytesPerExecution * repeat, timeSavedUs };
  }

  /**
   * What running a set of ops as `kernelsAfter` fused kernels saves: their eager traffic (each op's compulsory bytes)
   * less the fused kernel's own (each value from outside the set read once, each value leaving the set written
   * once), and one launch per kernel removed. Views in the set are free and transparent.
   */
  fusionSaving(opIds: readonly number[], kernelsAfter = 1): Saving & { eagerBytes: number | null; fusedBytes: number | null } {
    const members = new Set(opIds);
    const kernels = opIds.map((id) => this.opById.get(id)).filter((op): op is OpNode => !!op && op.category !== 'view');
    let eagerBytes: number | null = 0;
    for (const op of kernels) {
      const bytes = this.costById.get(op.id)?.bytes;
      eagerBytes = bytes == null || eagerBytes === null ? null : eagerBytes + bytes;
    }
    const reads = new Map<number, number | null>();
    let writes: number | null = 0;
    for (const op of kernels) {
      const metadataOnly = METADATA_INPUTS[canonicalOp(op)];
      for (let position = 0; position < op.inputs.length; position++) {
        const input = op.inputs[position] as TensorValue;
        if (metadataOnly?.includes(position)) continue;
        const base = this.throughViews(input);
        const producer = this.producer(base);
        if (producer && members.has(producer.id)) continue;
        const bytes = this.bytes(input);
        const previous = reads.get(base.id);
        reads.set(base.id, previous === undefined ? bytes : previous === null || bytes === null ? null : Math.max(previous, bytes));
      }
      for (const output of op.outputs) {
        const readers = this.realConsumers(output);
        const leaves = readers.length === 0 || readers.some((reach) => !members.has(reach.op.id)) || this.escapes(output);
        if (!leaves) continue;
        const bytes = this.bytes(output);
        writes = bytes === null || writes === null ? null : writes + bytes;
      }
    }
    let fusedBytes: number | null = writes;
    for (const bytes of reads.values()) fusedBytes = bytes === null || fusedBytes === null ? null : fusedBytes + bytes;
    const saved = eagerBytes === null || fusedBytes === null ? null : Math.max(0, eagerBytes - fusedBytes);
    // An op priced at zero (dropout with p=0 or in eval, an identity) launches nothing today.
    const launching = kernels.filter((op) => this.costById.get(op.id)?.timeUs !== 0).length;
    const { bytesSaved, timeSavedUs } = this.saving(saved, Math.max(0, launching - kernelsAfter), opIds, kernelsAfter);
    return { bytesSaved, timeSavedUs, eagerBytes, fusedBytes };
  }

  private find(id: number): number {
    let root = id;
    for (let up = this.parent.get(root); up !== undefined && up !== root; up = this.parent.get(root)) root = up;
    let node = id;
    while (node !== root) {
      const next = this.parent.get(node) as number;
      this.parent.set(node, root);
      node = next;
    }
    return root;
  }

  private union(a: number, b: number): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA !== rootB) this.parent.set(Math.max(rootA, rootB), Math.min(rootA, rootB));
  }
}

/**
 * A map from graph ids to values, held in an array: ids are small integers handed out in order, and the index sets and
 * reads thousands of them per analysis, where a Map's hashing and growth showed in profiles. Any number still works.
 */
class ById<T> {
  private readonly items: (T | undefined)[];

  /** `size`: the ids expected, from 0; larger ones still work. Past V8's fast-array limit it starts empty. */
  constructor(size: number) {
    this.items = Number.isSafeInteger(size) && size > 0 && size <= MAX_PRESIZED ? new Array<T | undefined>(size) : [];
  }

  get(id: number): T | undefined {
    return this.items[id];
  }

  set(id: number, value: T): void {
    this.items[id] = value;
  }

  has(id: number): boolean {
    return this.items[id] !== undefined;
  }
}

const MAX_PRESIZED = 100_000;

/** Inputs an op reads only for their dtype or shape, not their bytes: `x.type_as(q)` does not read q. */
const METADATA_INPUTS: Readonly<Record<string, readonly number[]>> = {
  type_as: [1], expand_as: [1], view_as: [1], reshape_as: [1], zeros_like: [0], ones_like: [0], empty_like: [0],
  new_zeros: [0], new_ones: [0], new_empty: [0], new_full: [0],
};

/**
 * The names published forwards give their side inputs (DiT's t and y, transformers' position_ids and attention_mask,
 * litgpt's input_pos): tensors that steer the computation rather than carry the activations. Any other tensor
 * parameter of a root (x, hidden_states, input_ids, both operands of mm(a, b)) carries them.
 */
const SIDE_INPUT = /^(t|timesteps?|y|labels?|class_labels|targets?|position_ids|positions?|pos|input_pos|cache_position|attention_mask|attn_mask|mask|padding_mask|key_padding_mask)$/;

/** How the origin of an unresolved call's further outputs begins (`assumed like param x`). */
const ASSUMED_ORIGIN = 'assumed like ';

/** Ops whose output is the model's activations whatever they read: layers that take the activations in. */
const ACTIVATION_SOURCES: ReadonlySet<string> = new Set(['embedding', 'conv', 'normalization', 'attention']);

/**
 * `torch.randn(...)` at module level (a `__main__` block's example input) is not part of any forward: it neither
 * links the modules it is fed to into one forward nor adds to a forward's time.
 */
export function isExampleInput(op: OpNode): boolean {
  return op.category === 'creation' && op.scope === '<module>';
}

/** True when the op reads its `i`th input's value at an earlier position too (not one read for metadata only). */
function readEarlier(op: OpNode, i: number, metadataOnly: readonly number[] | undefined): boolean {
  const id = (op.inputs[i] as TensorValue).id;
  for (let j = 0; j < i; j++) if ((op.inputs[j] as TensorValue).id === id && !metadataOnly?.includes(j)) return true;
  return false;
}

function elementBytes(value: TensorValue, fallback: DType): number {
  return DTYPE_BYTES[value.dtype === null || value.dtype === 'default' ? fallback : value.dtype];
}
