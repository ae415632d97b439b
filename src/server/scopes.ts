// Per-scope figures (a forward, a function): time, memory-bound share and what its fusion findings would save.
import type { Analysis, CostedOp, Finding, ScopeInfo, ScopeSummary } from '../core/ir/types';
import { rootIndexOf, separateRoots, summarizeScope } from '../core/cost/summary';
import { coverage } from '../core/cost/coverage';
import { formatShape } from '../core/ir/dims';
import { formatBytes, formatFlops, formatPercent, formatTime } from '../core/format';

export interface ScopeFigures {
  readonly info: ScopeInfo;
  readonly summary: ScopeSummary;
  readonly ops: number;
  /** Fusion findings (MW2xx) on the scope's ops, with the time they would save. */
  readonly fusions: readonly Finding[];
  readonly fusionSavingUs: number;
  /** Ops of the scope whose figures are in its totals. */
  readonly priced: number;
  /** Set on a root's forward: the figures are the whole forward's, the layers it calls included. */
  readonly whole?: boolean;
}

export function scopeFigures(analysis: Analysis): ScopeFigures[] {
  // The ops of each scope, grouped once: a long file has hundreds of scopes.
  const byScope = new Map<string, CostedOp[]>();
  for (const cost of analysis.costs) {
    const costs = byScope.get(cost.node.scope);
    if (costs) costs.push(cost);
    else byScope.set(cost.node.scope, [cost]);
  }
  const severalRoots = separateRoots(analysis.summary).length > 0;
  const figures: ScopeFigures[] = [];
  for (const info of analysis.graph.scopes) {
    const whole = rootFigures(analysis, info);
    if (whole) {
      figures.push(whole);
      continue;
    }
    const all = byScope.get(info.name) ?? [];
    const costs = severalRoots ? oneRootsCosts(analysis, all) : all;
    const summary = severalRoots ? summarizeScope(info.name, costs) : analysis.summary.scopes.find((scope) => scope.scope === info.name);
    const opIds = new Set(costs.map((cost) => cost.node.id));
    if (!summary || opIds.size === 0) continue;
    const fusions = analysis.findings.filter((f) => /^MW2/.test(f.code) && f.opIds.some((id) => opIds.has(id)));
    figures.push({
      info, summary, ops: opIds.size, fusions,
      fusionSavingUs: fusions.reduce((sum, finding) => sum + (finding.timeSavedUs ?? 0), 0),
      priced: coverage(costs).priced,
    });
  }
  return figures;
}

/**
 * A function that several roots run (the attention of a trunk under a causal-LM head and a classification head) is
 * figured per call of one of them, the one where it takes longest: the roots are separate forwards.
 */
function oneRootsCosts(analysis: Analysis, costs: readonly CostedOp[]): readonly CostedOp[] {
  const roots = analysis.graph.roots ?? [];
  const byRoot = new Map<number, { costs: CostedOp[]; timeUs: number }>();
  for (const cost of costs) {
    const index = rootIndexOf(roots, cost.node.id);
    const group = byRoot.get(index) ?? { costs: [], timeUs: 0 };
    group.costs.push(cost);
    group.timeUs += (cost.timeUs ?? 0) * cost.repeat;
    byRoot.set(index, group);
  }
  let longest: { costs: CostedOp[]; timeUs: number } | undefined;
  for (const group of byRoot.values()) if (!longest || group.timeUs > longest.timeUs) longest = group;
  return longest?.costs ?? [];
}

/**
 * A root's forward (`GPT.forward` of the outermost module, a function nobody calls) holds the model: its lens and hover
 * give the whole forward's figures, the layers it calls included, not only the ops written in its own body.
 */
function rootFigures(analysis: Analysis, info: ScopeInfo): ScopeFigures | undefined {
  const root = (analysis.graph.roots ?? []).find((candidate) => info.name === `${candidate.name}.forward` || info.name === candidate.name);
  const summary = analysis.summary.roots?.find((candidate) => candidate.scope === root?.name);
  if (!root || !summary) return undefined;
  const inRoot = (id: number) => id >= root.firstOp && id < root.endOp;
  const costs = analysis.costs.filter((cost) => inRoot(cost.node.id));
  const fusions = analysis.findings.filter((f) => /^MW2/.test(f.code) && f.opIds.some(inRoot));
  return {
    info, summary: { ...summary, scope: info.name }, ops: costs.length, fusions, whole: true,
    fusionSavingUs: fusions.reduce((sum, finding) => sum + (finding.timeSavedUs ?? 0), 0),
    priced: coverage(costs).priced,
  };
}

/** `≈ 1.9 ms on H100 SXM · 58% of time memory-bound · 3 fusions save ≈ 0.4 ms`; a root's forward says it is the whole forward. */
export function scopeLine(figures: ScopeFigures, gpuName: string): string {
  const { summary } = figures;
  const parts = [`≈ ${formatTime(summary.timeUs)} on ${gpuName}`, `${formatPercent(summary.memoryBoundShare)} of time memory-bound`];
  if (figures.whole) parts.push('whole forward, its layers included');
  if (figures.fusions.length) {
    const count = figures.fusions.length;
    parts.push(`${count} fusion${count > 1 ? 's' : ''} save ≈ ${formatTime(figures.fusionSavingUs)}`);
  }
  // Figures over part of the scope say how much: `12 of 40 ops priced`.
  if (summary.unpricedOps) parts.push(`${figures.priced} of ${figures.priced + summary.unpricedOps} ops priced`);
  return parts.join(' · ');
}

/** The shapes a scope's inputs were analysed with, and where each came from (given, declared or learned). */
export function inputLines(analysis: Analysis, scope: string): string[] {
  return analysis.inputs
    .filter((input) => input.scope === scope)
    .map((input) => {
      const sizes = input.sizes && input.shape?.some((dim) => dim.kind !== 'num') ? ` = [${input.sizes.join(', ')}]` : '';
      return `input \`${input.name}\` ${formatShape(input.shape)}${sizes}${input.dtype === 'default' ? '' : ` ${input.dtype}`}: ${input.source}  `;
    });
}

export function scopeMarkdown(figures: ScopeFigures, analysis: Analysis): string {
  const { summary } = figures;
  const inputs = inputLines(analysis, summary.scope);
  return [
    `**${summary.scope}** — ${scopeLine(figures, analysis.hardware.name)} (${analysis.dtype})  `,
    `${figures.ops} ops · FLOPs ${formatFlops(summary.flops)} · bytes ${formatBytes(summary.bytes)}  `,
    `time: ${formatPercent(summary.memoryBoundShare)} memory-bound, ${formatPercent(summary.computeBoundShare)} compute-bound, ${formatPercent(summary.overheadBoundShare)} overhead-bound  `,
    ...inputs,
    ...figures.fusions.map((f) => `**${f.code}** line ${f.span.startLine + 1}: saves ≈ ${formatTime(f.timeSavedUs)}  `),
    '',
    '[Show in Roofline](command:memwall.showRoofline)',
  ].join('\n');
}
