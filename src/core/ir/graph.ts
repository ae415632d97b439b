// Builds an OpGraph: hands out ids for values and ops so that several frontends can add to one graph.
import type { Dim } from './dims';
import type { AnalysisNote, Assumption, DType, HostSync, OpGraph, OpNode, ScopeInfo, TensorValue, ValueUse } from './types';

export class GraphBuilder {
  private nextValueId = 0;
  private nextOpId = 0;
  readonly ops: OpNode[] = [];
  readonly scopes: ScopeInfo[] = [];
  readonly notes: AnalysisNote[] = [];
  readonly codeBindings: Assumption[] = [];
  readonly valueUses: ValueUse[] = [];
  readonly hostSyncs: HostSync[] = [];
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
      scopes: this.scopes,
      notes: this.notes,
      codeBindings: this.codeBindings,
      tf32Enabled: this.tf32Enabled,
      magic,
      valueUses: this.valueUses,
      hostSyncs: this.hostSyncs,
    };
  }
}
