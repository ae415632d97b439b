// Per-scope figures (a forward, a function): time, memory-bound share and what its fusion findings would save.
import type { Analysis, Finding, ScopeInfo, ScopeSummary } from '../core/ir/types';
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
}

export function scopeFigures(analysis: Analysis): ScopeFigures[] {
  const figures: ScopeFigures[] = [];
  for (const info of analysis.graph.scopes) {
    const summary = analysis.summary.scopes.find((scope) => scope.scope === info.name);
    const opIds = new Set(analysis.graph.ops.filter((op) => op.scope === info.name).map((op) => op.id));
    if (!summary || opIds.size === 0) continue;
    const fusions = analysis.findings.filter((f) => /^MW2/.test(f.code) && f.opIds.some((id) => opIds.has(id)));
    figures.push({
      info, summary, ops: opIds.size, fusions,
      fusionSavingUs: fusions.reduce((sum, finding) => sum + (finding.timeSavedUs ?? 0), 0),
      priced: coverage(analysis.costs.filter((cost) => cost.node.scope === info.name)).priced,
    });
  }
  return figures;
}

/** `≈ 1.9 ms on H100 SXM · 58% of time memory-bound · 3 fusions save ≈ 0.4 ms`. */
export function scopeLine(figures: ScopeFigures, gpuName: string): string {
  const { summary } = figures;
  const parts = [`≈ ${formatTime(summary.timeUs)} on ${gpuName}`, `${formatPercent(summary.memoryBoundShare)} of time memory-bound`];
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
