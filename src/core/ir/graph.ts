// Builds an OpGraph: hands out ids for values and ops so that several frontends can add to one graph.
import type { Dim } from './dims';
import type { AnalysisNote, Assumption, DType, HostSync, OpGraph, OpNode, RootInput, RootRun, ScopeInfo, TensorValue, ValueUse } from './types';

/** What the builder held at one moment: enough to throw away everything added since (a trial run, see rollback). */
export interface BuilderCheckpoint {
  readonly values: number;
  readonly opIds: number;
  readonly ops: number;
  readonly scopes: number;
  readonly notes: number;
  readonly codeBindings: number;
  readonly inputs: number;
  readonly valueUses: number;
  readonly hostSyncs: number;
  readonly tf32Enabled: boolean;
}

export class GraphBuilder {
  private nextValueId = 0;
  private nextOpId = 0;
  readonly ops: OpNode[] = [];
  readonly scopes: ScopeInfo[] = [];
  readonly notes: AnalysisNote[] = [];
  readonly codeBindings: Assumption[] = [];
  readonly valueUses: ValueUse[] = [];
  readonly hostSyncs: HostSync[] = [];
  readonly inputs: RootInput[] = [];
  readonly roots: RootRun[] = [];
  /** By position in `ops`: the op of an earlier analysis that the op there was replayed from (OpGraph.replayedFrom). */
  readonly replayedFrom: (OpNode | undefined)[] = [];
  tf32Enabled = false;

  /** How many values and ops were handed out so far. */
  get valueCount(): number {
    return this.nextValueId;
  }

  get opCount(): number {
    return this.nextOpId;
  }

  /** Skips ids that ops replayed from an earlier analysis (frontends/pytorch/roots.ts) took. */
  advance(values: number, ops: number): void {
    this.nextValueId += values;
    this.nextOpId += ops;
  }

  checkpoint(): BuilderCheckpoint {
    return {
      values: this.nextValueId,
      opIds: this.nextOpId,
      ops: this.ops.length,
      scopes: this.scopes.length,
      notes: this.notes.length,
      codeBindings: this.codeBindings.length,
      inputs: this.inputs.length,
      valueUses: this.valueUses.length,
      hostSyncs: this.hostSyncs.length,
      tf32Enabled: this.tf32Enabled,
    };
  }

  /** Forgets every op, note, scope, binding, input, value use, host sync and id handed out since the checkpoint. */
  rollback(checkpoint: BuilderCheckpoint): void {
    this.nextValueId = checkpoint.values;
    this.nextOpId = checkpoint.opIds;
    this.ops.length = checkpoint.ops;
    if (this.replayedFrom.length > checkpoint.ops) this.replayedFrom.length = checkpoint.ops;
    this.scopes.length = checkpoint.scopes;
    this.notes.length = checkpoint.notes;
    this.codeBindings.length = checkpoint.codeBindings;
    this.inputs.length = checkpoint.inputs;
    this.valueUses.length = checkpoint.valueUses;
    this.hostSyncs.length = checkpoint.hostSyncs;
    this.tf32Enabled = checkpoint.tf32Enabled;
  }

  /** A tensor not produced by an op (a parameter, an input, a tensor from outside). */
  value(shape: readonly Dim[] | null, dtype: TensorValue['dtype'], origin?: string): TensorValue {
    return { id: this.nextValueId++, shape, dtype, origin };
  }

  /** Adds an op; its outputs are created here so that they point back at it. `op` is taken over as the node: pass a fresh object. */
  addOp(
    op: Omit<OpNode, 'id' | 'outputs'>,
    outputs: readonly { readonly shape: readonly Dim[] | null; readonly dtype: DType | 'default' | null }[],
  ): OpNode {
    const id = this.nextOpId++;
    // The frontends hand in a fresh literal: it becomes the node (same keys, same order, then id and outputs). A copy by
    // spread gave nearly every op a hidden class of its own in V8, which slowed every later read of an op's fields.
    const node = op as { -readonly [K in keyof OpNode]?: OpNode[K] };
    node.id = id;
    node.outputs = outputs.map((o) => ({ id: this.nextValueId++, shape: o.shape, dtype: o.dtype, producer: id }));
    this.ops.push(node as OpNode);
    return node as OpNode;
  }

  /** Binds a symbol found in the code; the first binding of a symbol wins. */
  bindFromCode(binding: Assumption): void {
    if (!this.codeBindings.some((b) => b.symbol === binding.symbol)) this.codeBindings.push(binding);
  }

  build(magic: OpGraph['magic']): OpGraph {
    return {
      ops: this.ops,
      inputs: this.inputs,
      scopes: this.scopes,
      notes: groupedNotes(this.notes),
      codeBindings: this.codeBindings,
      tf32Enabled: this.tf32Enabled,
      magic,
      valueUses: this.valueUses,
      hostSyncs: this.hostSyncs,
      roots: this.roots,
      replayedFrom: this.replayedFrom,
    };
  }

  /** Runs a root and records the op ids its run handed out, when it added any. */
  runRoot(name: string, run: () => void): void {
    const firstOp = this.nextOpId;
    run();
    if (this.nextOpId > firstOp) this.roots.push({ name, firstOp, endOp: this.nextOpId });
  }
}

/**
 * One note per cause and place: the same note at the same span (a loop in a block built 12 times, a call not followed
 * in each instance) is kept once, saying how many times it arose.
 */
function groupedNotes(notes: readonly AnalysisNote[]): AnalysisNote[] {
  const counts = new Map<string, number>();
  const keyOf = (note: AnalysisNote): string => `${note.code}\u0000${note.message}\u0000${note.span?.start ?? -1}`;
  for (const note of notes) counts.set(keyOf(note), (counts.get(keyOf(note)) ?? 0) + 1);
  if (counts.size === notes.length) return notes as AnalysisNote[];
  const grouped: AnalysisNote[] = [];
  for (const note of notes) {
    const key = keyOf(note);
    const count = counts.get(key);
    if (count === undefined) continue;
    counts.delete(key);
    grouped.push(count > 1 ? { ...note, message: `${note.message} (${count} times)` } : note);
  }
  return grouped;
}
