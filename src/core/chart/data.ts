// Turns an Analysis into ChartData: the roofs of the GPU for the dtype, one point per priced op, and fusion arrows.
import type { Analysis, CostedOp, DType, Hardware } from '../ir/types';
import { choosePeak, usesTf32 } from '../cost/price';
import { rootIndexOf, separateRoots } from '../cost/summary';
import type { ChartData, ChartFusion, ChartPoint, ChartRoof, UnplottedOp } from './types';
import { formatAssumption, formatBandwidth, formatRate, formatTensor } from '../format';
import { dimSymbols } from '../ir/dims';

/**
 * The roofs a dtype meets on a GPU: HBM, and the peaks the cost model prices with (its choosePeak, so the chart and
 * the figures never disagree): tensor cores for the dtype's contractions, the vector unit for pointwise work. Ops
 * whose own dtype is priced at another peak (an fp16 matmul in an fp32 analysis, fp64 math) add that peak's roof, so
 * every op sits under the roof that priced it; so do Triton kernels whose dot runs in TF32 while PyTorch's flag is off.
 */
export function roofsFor(hardware: Hardware, dtype: DType, tf32Enabled = false, costs: readonly CostedOp[] = []): ChartRoof[] {
  const roofs: ChartRoof[] = [
    { id: 'hbm', kind: 'memory', label: `HBM ${formatBandwidth(hardware.bandwidth.value)}`, value: hardware.bandwidth.value },
  ];
  const tensor = choosePeak(hardware, 'tensor', dtype, tf32Enabled);
  const vector = choosePeak(hardware, 'vector', dtype, tf32Enabled);
  if (tensor) roofs.push({ id: 'tensor', kind: 'compute', unit: tensor.unit, label: `${tensor.label} ${formatRate(tensor.value)}`, value: tensor.value });
  // Where the dtype has no tensor-core peak, the "tensor" choice falls back to the vector unit: one roof, not two.
  if (vector && vector.value !== tensor?.value) {
    roofs.push({ id: 'vector', kind: 'compute', unit: vector.unit, label: `${vector.label} ${formatRate(vector.value)}`, value: vector.value });
  }
  const seen = new Set<string>();
  for (const cost of costs) {
    // A Triton dot keeps its own input precision (TF32 by default), whatever PyTorch's flag says.
    const tf32 = usesTf32(cost.node, tf32Enabled);
    if (cost.unit === 'none' || !cost.flops || (cost.dtype === dtype && tf32 === tf32Enabled)) continue;
    const key = `${cost.unit}-${cost.dtype}-${tf32}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const peak = choosePeak(hardware, cost.unit, cost.dtype, tf32);
    if (!peak || roofs.some((roof) => roof.kind === 'compute' && roof.value === peak.value)) continue;
    roofs.push({ id: key, kind: 'compute', unit: peak.unit, label: `${peak.label} ${formatRate(peak.value)}`, value: peak.value });
  }
  return roofs;
}

function tensorLabels(cost: CostedOp, which: 'inputs' | 'outputs', analysisDtype: DType): string[] {
  const shapes = which === 'inputs' ? cost.inputShapes : cost.outputShapes;
  const values = cost.node[which];
  return shapes.map((shape, index) => {
    const dtype = values[index]?.dtype;
    return formatTensor(shape, dtype === 'default' ? analysisDtype : dtype ?? null);
  });
}

/** The assumptions behind an op's shapes and repeat count, as `symbol=value from source`. */
function sizesOf(cost: CostedOp, analysis: Analysis): string[] {
  const symbols = new Set<string>();
  for (const value of [...cost.node.inputs, ...cost.node.outputs]) for (const dim of value.shape ?? []) dimSymbols(dim, symbols);
  dimSymbols(cost.node.repeat, symbols);
  return analysis.assumptions.filter((a) => symbols.has(a.symbol)).map(formatAssumption);
}

/** Why an op cannot be a point on log-log axes, or undefined when it can. */
function unplottableReason(cost: CostedOp): string | undefined {
  if (cost.flops === null || cost.bytes === null || cost.timeUs === null) return 'not priced: a shape or size is unknown';
  if (cost.flops <= 0) return cost.bytes > 0 ? 'moves bytes but does no arithmetic' : 'a view: no FLOPs, no bytes';
  if (cost.bytes <= 0) return 'no DRAM traffic';
  if (cost.timeUs <= 0) return 'no time';
  return undefined;
}

export function chartDataFromAnalysis(analysis: Analysis): ChartData {
  const totalTimeUs =
    analysis.summary.total.timeUs > 0
      ? analysis.summary.total.timeUs
      : analysis.costs.reduce((sum, cost) => sum + (cost.timeUs ?? 0) * cost.repeat, 0);
  // With several roots (task heads over one trunk), an op's share is of the forward it runs in, its root's.
  const roots = analysis.graph.roots ?? [];
  const rootTimes = separateRoots(analysis.summary).length ? (analysis.summary.roots ?? []).map((root) => root.timeUs) : [];
  const shareBase = (id: number): number => rootTimes[rootIndexOf(roots, id)] || totalTimeUs;
  const points: ChartPoint[] = [];
  const unplotted: UnplottedOp[] = [];
  const byId = new Map<number, CostedOp>();
  for (const cost of analysis.costs) {
    const node = cost.node;
    byId.set(node.id, cost);
    const reason = unplottableReason(cost);
    if (reason !== undefined) {
      unplotted.push({
        id: node.id, op: node.op, label: node.label, category: node.category, line: node.span.startLine, reason,
        flops: cost.flops, timeUs: cost.timeUs, bytes: cost.bytes, bound: cost.bound, scope: node.scope,
      });
      continue;
    }
    const flops = cost.flops as number;
    const bytes = cost.bytes as number;
    const timeUs = cost.timeUs as number;
    points.push({
      id: node.id,
      op: node.op,
      label: node.label,
      category: node.category,
      scope: node.scope,
      modulePath: node.modulePath,
      line: node.span.startLine,
      endLine: node.span.endLine,
      repeat: cost.repeat,
      flops,
      bytes,
      intensity: flops / bytes,
      timeUs,
      performance: flops / (timeUs * 1e-6),
      share: shareBase(node.id) > 0 ? (timeUs * cost.repeat) / shareBase(node.id) : 0,
      bound: cost.bound,
      unit: cost.unit,
      inputs: tensorLabels(cost, 'inputs', analysis.dtype),
      outputs: tensorLabels(cost, 'outputs', analysis.dtype),
      sizes: sizesOf(cost, analysis),
      ...(node.fusedBy ? { fusedBy: node.fusedBy } : {}),
      ...(node.onlyWhenGiven ? { onlyWhenGiven: node.onlyWhenGiven } : {}),
    });
  }
  const fusions: ChartFusion[] = [];
  for (const finding of analysis.findings) {
    if (finding.opIds.length < 2 || finding.bytesSaved === null || finding.timeSavedUs === null) continue;
    const group = finding.opIds.map((id) => byId.get(id));
    if (group.some((cost) => !cost || cost.flops === null || cost.bytes === null || cost.timeUs === null)) continue;
    // Savings are per call of the outermost scope, so the group's figures are summed with their repeats too.
    const flops = group.reduce((sum, cost) => sum + (cost!.flops as number) * cost!.repeat, 0);
    const bytes = group.reduce((sum, cost) => sum + (cost!.bytes as number) * cost!.repeat, 0) - finding.bytesSaved;
    const timeUs = group.reduce((sum, cost) => sum + (cost!.timeUs as number) * cost!.repeat, 0) - finding.timeSavedUs;
    if (flops <= 0 || bytes <= 0 || timeUs <= 0) continue;
    fusions.push({
      code: finding.code, kind: finding.kind, line: finding.span.startLine, message: finding.message,
      opIds: finding.opIds, flops, bytes, intensity: flops / bytes, timeUs, performance: flops / (timeUs * 1e-6),
      bytesSaved: finding.bytesSaved, timeSavedUs: finding.timeSavedUs,
    });
  }
  const scopes = [...new Set(analysis.costs.map((cost) => cost.node.scope))];
  return {
    gpu: { id: analysis.hardware.id, name: analysis.hardware.name },
    dtype: analysis.dtype,
    roofs: roofsFor(analysis.hardware, analysis.dtype, analysis.graph.tf32Enabled, analysis.costs),
    points,
    unplotted,
    fusions,
    totalTimeUs,
    boundShares: {
      memory: analysis.summary.total.memoryBoundShare,
      compute: analysis.summary.total.computeBoundShare,
      overhead: analysis.summary.total.overheadBoundShare,
    },
    assumptions: analysis.assumptions.map((a) => ({ symbol: a.symbol, value: a.value, source: a.source })),
    scopes,
  };
}
