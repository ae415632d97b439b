// Aggregates of a priced graph: total and per-scope time with bound shares, and FLOP share against time share per op class.
import type { Category, ClassShare, CostedOp, OpGraph, RootRun, ScopeSummary, Summary } from '../ir/types';

/**
 * The classes of "Data Movement Is All You Need" (Ivanov et al.): tensor contractions, normalizations, element-wise,
 * plus the ones a source-level view needs apart. Views are left out of the class table (they cost nothing).
 */
export const OP_CLASS_OF: Readonly<Record<Category, string | null>> = {
  matmul: 'contraction',
  conv: 'contraction',
  attention: 'attention',
  normalization: 'normalization',
  softmax: 'softmax',
  pointwise: 'elementwise',
  reduction: 'other',
  embedding: 'embedding',
  copy: 'copy',
  view: null,
  creation: 'other',
  collective: 'other',
  triton_kernel: 'other',
  // A backward pass and an optimizer step gather many kernels of several classes: their own row, not contraction's.
  training: 'training',
  unknown: 'other',
};

/** The order rows appear in: the expensive-in-FLOPs classes first, as in Ivanov et al.'s table. */
export const OP_CLASSES = ['contraction', 'attention', 'normalization', 'softmax', 'elementwise', 'embedding', 'copy', 'training', 'other'] as const;

export const TOTAL_SCOPE = '<total>';

/**
 * Ops on a fallback path (the `else` of `if self.flash:` next to a fused kernel) do not run when the fused path
 * does, so aggregates leave them out; each is still priced on its own for its hover. Ops inside torch.compile
 * regions stay in, priced as eager kernels: an upper bound.
 */
function counted(cost: CostedOp): boolean {
  // A loss under `if labels is not None:` runs only when labels are given, not in the forward analysed.
  return cost.node.fusedBy !== 'fallback' && cost.node.onlyWhenGiven === undefined;
}

export function summarize(graph: OpGraph, costs: readonly CostedOp[]): Summary {
  // Ops grouped by scope in one pass, scopes in order of first appearance: a long file has hundreds of scopes, and a
  // filter of every op per scope made this the slowest step of a 2,000-line analysis.
  const byScope = new Map<string, CostedOp[]>();
  for (const scope of graph.scopes) if (!byScope.has(scope.name)) byScope.set(scope.name, []);
  for (const cost of costs) {
    const ops = byScope.get(cost.node.scope);
    if (ops) ops.push(cost);
    else byScope.set(cost.node.scope, [cost]);
  }
  const scopes: ScopeSummary[] = [];
  for (const [name, ops] of byScope) scopes.push(summarizeScope(name, ops));
  return {
    total: summarizeScope(TOTAL_SCOPE, costs),
    scopes,
    roots: summarizeRoots(graph, costs),
    classes: classTable(costs),
  };
}

/** One call of each root: the ops whose ids its run handed out (costs are in id order within a root's run). */
function summarizeRoots(graph: OpGraph, costs: readonly CostedOp[]): ScopeSummary[] {
  const roots = graph.roots ?? [];
  if (roots.length === 0) return [];
  const byRoot = roots.map((): CostedOp[] => []);
  for (const cost of costs) {
    const index = rootIndexOf(roots, cost.node.id);
    if (index >= 0) byRoot[index]?.push(cost);
  }
  return roots.map((root, index) => summarizeScope(root.name, byRoot[index] ?? []));
}

/** The index of the root whose run handed out an op id, or -1 (ops no root ran, such as kernels nothing launched). */
export function rootIndexOf(roots: readonly RootRun[], opId: number): number {
  let low = 0;
  let high = roots.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const root = roots[middle] as RootRun;
    if (opId < root.firstOp) high = middle - 1;
    else if (opId >= root.endOp) low = middle + 1;
    else return middle;
  }
  return -1;
}

/** Time, FLOPs and bytes of one call of the scope (each op × its repeat), and the shares of time by bound. */
export function summarizeScope(scope: string, costs: readonly CostedOp[]): ScopeSummary {
  let timeUs = 0;
  let flops = 0;
  let bytes = 0;
  // Plain locals rather than an object indexed by bound: this runs once per scope, hundreds of times per file.
  let memory = 0;
  let compute = 0;
  let overhead = 0;
  let unpricedOps = 0;
  let perProgramOps = 0;
  for (let i = 0; i < costs.length; i++) {
    const cost = costs[i] as CostedOp;
    if (!counted(cost)) continue;
    // One program's figures (numbers, or formulas over unbound sizes) are not a per-call cost: counted apart, never
    // added to the call's time.
    if (cost.kernel?.pricedPer === 'program') {
      perProgramOps++;
      continue;
    }
    if (cost.timeUs === null || cost.flops === null || cost.bytes === null) {
      unpricedOps++;
      continue;
    }
    const time = cost.timeUs * cost.repeat;
    timeUs += time;
    flops += cost.flops * cost.repeat;
    bytes += cost.bytes * cost.repeat;
    if (cost.bound === 'memory') memory += time;
    else if (cost.bound === 'compute') compute += time;
    else if (cost.bound === 'overhead') overhead += time;
  }
  return {
    scope,
    timeUs,
    flops,
    bytes,
    memoryBoundShare: timeUs > 0 ? memory / timeUs : 0,
    computeBoundShare: timeUs > 0 ? compute / timeUs : 0,
    overheadBoundShare: timeUs > 0 ? overhead / timeUs : 0,
    unpricedOps,
    perProgramOps,
  };
}

/** FLOP share against time share per op class, over the priced ops; only classes present appear. */
export function classTable(costs: readonly CostedOp[]): ClassShare[] {
  const totals = new Map<string, { flops: number; timeUs: number }>();
  let allFlops = 0;
  let allTime = 0;
  for (const cost of costs) {
    // A Triton kernel built on tl.dot is a contraction; other kernels stay in 'other' (their kind is not known).
    const opClass = cost.node.category === 'triton_kernel' && cost.unit === 'tensor' ? 'contraction' : OP_CLASS_OF[cost.node.category];
    if (opClass === null || !counted(cost) || cost.timeUs === null || cost.flops === null) continue;
    const entry = totals.get(opClass) ?? { flops: 0, timeUs: 0 };
    entry.flops += cost.flops * cost.repeat;
    entry.timeUs += cost.timeUs * cost.repeat;
    totals.set(opClass, entry);
    allFlops += cost.flops * cost.repeat;
    allTime += cost.timeUs * cost.repeat;
  }
  return OP_CLASSES.filter((c) => totals.has(c)).map((opClass) => {
    const entry = totals.get(opClass) as { flops: number; timeUs: number };
    return {
      opClass,
      flops: entry.flops,
      timeUs: entry.timeUs,
      flopShare: allFlops > 0 ? entry.flops / allFlops : 0,
      timeShare: allTime > 0 ? entry.timeUs / allTime : 0,
    };
  });
}

/**
 * The roots a report lists one by one: those that do work (priced or not), when there are at least two. A file with one
 * model says its figures per call; a file with a causal-LM head and a classification head says each head's.
 */
export function separateRoots(summary: Summary): readonly ScopeSummary[] {
  const working = (summary.roots ?? []).filter((root) => root.timeUs > 0 || root.unpricedOps > 0 || (root.perProgramOps ?? 0) > 0);
  return working.length > 1 ? working : [];
}
