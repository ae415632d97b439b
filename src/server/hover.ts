// The hover on a priced op: what it is, what bounds it on the selected GPU, every figure with its formula and sources.
import type { Hover } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { choosePeak, usesTf32 } from '../core/cost/price';
import { dimSymbols } from '../core/ir/dims';
import type { Analysis, CostedOp, DType } from '../core/ir/types';
import {
  formatAssumption, formatBandwidth, formatBytes, formatFlops, formatIntensity, formatPercent, formatRate, formatTensor, formatTime,
} from '../core/format';
import { spanContains, spanToRange } from './convert';
import { inputLines, scopeFigures, scopeMarkdown } from './scopes';

/** The innermost priced op whose span holds the offset: in `F.gelu(self.c_fc(x))`, hovering `c_fc` picks the Linear. */
export function costAt(analysis: Analysis, offset: number): CostedOp | undefined {
  let best: CostedOp | undefined;
  for (const cost of analysis.costs) {
    const span = cost.node.span;
    if (!spanContains(span, offset)) continue;
    if (!best || span.end - span.start < best.node.span.end - best.node.span.start) best = cost;
  }
  return best;
}

function tensorList(cost: CostedOp, which: 'inputs' | 'outputs', analysisDtype: DType): string {
  const shapes = which === 'inputs' ? cost.inputShapes : cost.outputShapes;
  if (shapes.length === 0) return 'none';
  return shapes
    .map((shape, index) => {
      const dtype = cost.node[which][index]?.dtype;
      return formatTensor(shape, dtype === 'default' ? analysisDtype : dtype ?? null);
    })
    .join(', ');
}

/** The peak of the unit that priced the op (the cost model's own choice), for `intensity vs ridge`. */
function unitPeak(analysis: Analysis, cost: CostedOp): { peak: number; name: string } | undefined {
  if (cost.unit === 'none') return undefined;
  const choice = choosePeak(analysis.hardware, cost.unit, cost.dtype, usesTf32(cost.node, analysis.graph.tf32Enabled));
  return choice ? { peak: choice.value, name: `the ${choice.label}` } : undefined;
}

export function hoverMarkdown(analysis: Analysis, cost: CostedOp): string {
  const { node } = cost;
  const { hardware } = analysis;
  const lines: string[] = [];
  const boundWords = cost.bound === 'unknown' ? 'not priced' : `${cost.bound}-bound`;
  lines.push(`**${node.label}** — ${boundWords} on ${hardware.name} (${cost.dtype})  `);
  lines.push(`\`${node.op}\` · ${node.category}${node.modulePath ? ` · \`${node.modulePath}\`` : ''}  `);
  lines.push(`in ${tensorList(cost, 'inputs', analysis.dtype)} → out ${tensorList(cost, 'outputs', analysis.dtype)}${node.assumed ? ' (assumed)' : ''}  `);
  const kernel = cost.kernel;
  if (kernel) {
    const grid = kernel.grid === null ? 'no launch site' : `grid ${kernel.grid}${kernel.programs !== null ? ` = ${kernel.programs.toLocaleString('en-US')} programs` : ''}`;
    const requested = kernel.requestedBytes !== null ? ` · requests ${formatBytes(kernel.requestedBytes)}` : '';
    lines.push(`Triton kernel: ${grid} · ${kernel.blockSizes || 'no constexpr'}${requested}  `);
  }
  const perProgram = kernel?.pricedPer === 'program' ? ' per program' : '';
  if (cost.flops !== null && cost.bytes !== null) {
    const read = cost.bytesRead === null ? '?' : formatBytes(cost.bytesRead);
    const written = cost.bytesWritten === null ? '?' : formatBytes(cost.bytesWritten);
    lines.push(`FLOPs${perProgram} ${formatFlops(cost.flops)} (2 per multiply-add) · bytes${perProgram} ${formatBytes(cost.bytes)} (read ${read}, write ${written})${perProgram ? `: the launch is not sized (${kernel?.unbound.join(', ') || 'grid unknown'}), so no time per call` : ''}  `);
  } else if (kernel) {
    lines.push(`FLOPs per program ${kernel.perProgramFlopsFormula} · bytes per program ${kernel.perProgramBytesFormula}: not priced until ${kernel.unbound.join(', ') || 'its sizes'} ${kernel.unbound.length > 1 ? 'are' : 'is'} bound  `);
  } else {
    lines.push(`FLOPs ${formatFlops(cost.flops)} · bytes ${formatBytes(cost.bytes)}: not priced, because a shape or size is unknown  `);
  }
  const unit = unitPeak(analysis, cost);
  if (cost.intensity !== null && unit) {
    // The ridge the bound was decided with (η included), beside the datasheet's peak ÷ bandwidth.
    const peakRidge = unit.peak / hardware.bandwidth.value;
    const ridge = cost.ridge ?? peakRidge;
    const attained = cost.flops !== null && cost.timeUs ? cost.flops / (cost.timeUs * 1e-6) : undefined;
    const use = attained !== undefined ? `: attains ${formatRate(attained)}, ~${formatPercent(attained / unit.peak)} of peak compute` : '';
    lines.push(`intensity ${formatIntensity(cost.intensity)} FLOP/B, ridge ${formatIntensity(peakRidge)} FLOP/B for ${unit.name} at peak (${formatRate(unit.peak)} ÷ ${formatBandwidth(hardware.bandwidth.value)}), ${formatIntensity(ridge)} at achievable efficiency: the bound's threshold${use}  `);
  } else if (cost.intensity !== null) {
    lines.push(`intensity ${formatIntensity(cost.intensity)} FLOP/B  `);
  }
  if (cost.timeUs !== null) {
    const launchUs = hardware.launchOverhead.value * 1e6;
    // The scope's total leaves out fallback paths (the `else` of `if self.flash:`), which do not run.
    const scopeTime = analysis.summary.scopes.find((scope) => scope.scope === node.scope)?.timeUs ?? 0;
    const share =
      node.fusedBy === 'fallback'
        ? ' · on a fallback path that does not run when the fused kernel does: not in the totals'
        : node.onlyWhenGiven !== undefined
          ? ` · runs only when \`${node.onlyWhenGiven}\` is given (the forward was analysed without it): not in the totals`
          : scopeTime > 0
          ? ` · ${formatPercent((cost.timeUs * cost.repeat) / scopeTime)} of ${node.scope}`
          : '';
    const repeat = cost.repeat > 1 ? ` · ×${cost.repeat} per call = ${formatTime(cost.timeUs * cost.repeat)}` : '';
    lines.push(`time ≈ ${formatTime(cost.timeUs)} (includes ${formatTime(launchUs)} launch)${repeat}${share}  `);
  }
  const symbols = new Set<string>();
  for (const value of [...node.inputs, ...node.outputs]) for (const dim of value.shape ?? []) dimSymbols(dim, symbols);
  dimSymbols(node.repeat, symbols);
  const sizes = analysis.assumptions.filter((assumption) => symbols.has(assumption.symbol));
  if (sizes.length) lines.push(`sizes: ${sizes.map(formatAssumption).join(', ')}  `);
  const findings = analysis.findings.filter((f) => f.opIds.includes(node.id));
  for (const finding of findings) {
    const saved = finding.timeSavedUs !== null ? ` — saves ≈ ${formatTime(finding.timeSavedUs)}` : '';
    lines.push(`**${finding.code}** ${finding.message}${saved}  `);
  }
  // Command links: the client trusts exactly these two commands in MemWall's hovers.
  const links = ['[Show in Roofline](command:memwall.showRoofline)'];
  for (const code of new Set(findings.map((f) => f.code))) {
    links.push(`[Explain ${code}](command:memwall.explainFinding?${encodeURIComponent(JSON.stringify([code]))})`);
  }
  lines.push(links.join(' · '));
  const notes = [...cost.explain, ...node.notes];
  if (notes.length) lines.push('', '---', '', 'How it was priced:', '', ...notes.map((note) => `- ${note}`));
  return lines.join('\n');
}

export function hoverAt(document: TextDocument, analysis: Analysis, offset: number): Hover | null {
  const cost = costAt(analysis, offset);
  if (!cost) {
    // On a `def` line (name and parameters): the scope's own figures.
    const scope = scopeFigures(analysis).find((figures) => spanContains(figures.info.span, offset));
    if (scope) return { contents: { kind: 'markdown', value: scopeMarkdown(scope, analysis) }, range: spanToRange(document, scope.info.span) };
    // A forward that only hands its input on (`return self._forward_impl(x)`) has no ops of its own, but its inputs.
    const info = analysis.graph.scopes.find((candidate) => spanContains(candidate.span, offset));
    const inputs = info ? inputLines(analysis, info.name) : [];
    if (!info || inputs.length === 0) return null;
    return { contents: { kind: 'markdown', value: [`**${info.name}**  `, ...inputs].join('\n') }, range: spanToRange(document, info.span) };
  }
  return { contents: { kind: 'markdown', value: hoverMarkdown(analysis, cost) }, range: spanToRange(document, cost.node.span) };
}
