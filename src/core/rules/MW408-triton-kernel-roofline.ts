// MW408: where each priced Triton kernel sits on the roofline, and what it reads and writes (information).
import { evalDim, type Dim } from '../ir/dims';
import { DTYPE_BYTES, type AttrValue, type CostedOp, type OpNode } from '../ir/types';
import { choosePeak, usesTf32 } from '../cost/price';
import { formatIntensity } from '../format';
import { formatBytes, formatMicroseconds } from './format';
import { kernelOps } from './triton-kernels';
import type { Rule, RuleContext, RuleFinding } from './types';

/** A tensor read or written this many times its size counts as re-read by every program (served by L2). */
const MANY_PASSES = 8;

export const tritonKernelRoofline: Rule = {
  code: 'MW408',
  name: 'triton-kernel-roofline',
  kind: 'triton-kernel',
  defaultSeverity: 'information',
  underCompile: { fuses: false, note: 'torch.compile runs a user-written Triton kernel as it is.' },
  doc: {
    summary: 'Where a Triton kernel sits on the roofline, and what it reads and writes',
    finds: 'Every Triton kernel launch MemWall prices (per launch, or per program when the grid cannot be sized): what kind of kernel it is, which tensors it reads and writes and how many times, its intensity against the ridge, and how much of the peak it can reach.',
    whyCosts: 'A kernel that reads and writes each tensor once is as fused as it gets; one that re-reads its input, or sits far below the ridge, is bounded by DRAM bandwidth however it is tuned. This is the figure to compare with triton.testing.do_bench.',
    example: '_rms_norm_fwd[(M,)](x, w, y, rstd, x.stride(0), N, eps, BLOCK_N=triton.next_power_of_2(N))',
    useInstead: 'Nothing to change when each tensor is read and written once and the bound is the one the kernel must have (memory for row and elementwise kernels, compute for large matmuls); otherwise see MW401-MW407.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    // One finding per launch site: the launch that costs most there (a wrapper called at several sizes).
    const bySite = new Map<string, { cost: CostedOp; count: number }>();
    for (const kernel of kernelOps(ctx)) {
      const cost = kernel.cost;
      if (!cost?.kernel || !hasFigures(cost)) continue;
      const key = `${kernel.op.span.start}:${kernel.op.span.end}`;
      const previous = bySite.get(key);
      const weight = (c: CostedOp): number => (c.timeUs ?? 0) * c.repeat + (c.flops ?? 0) * 1e-15;
      if (!previous) bySite.set(key, { cost, count: 1 });
      else bySite.set(key, { cost: weight(cost) > weight(previous.cost) ? cost : previous.cost, count: previous.count + 1 });
    }
    return [...bySite.values()].map(({ cost, count }) => ({
      span: cost.node.span,
      opIds: [cost.node.id],
      message: describe(ctx, cost, count),
      bytesSaved: null,
      timeSavedUs: null,
    }));
  },
};

/**
 * Whether a kernel has figures to state: numbers that are not both zero, or, for one program of a launch nobody sized,
 * formulas over the unbound sizes.
 */
function hasFigures(cost: CostedOp): boolean {
  if (cost.flops !== null && cost.bytes !== null) return cost.flops !== 0 || cost.bytes !== 0;
  const figures = cost.kernel;
  return figures?.pricedPer === 'program' && (figures.perProgramBytesFormula !== '0' || figures.perProgramFlopsFormula !== '0');
}

/** What kind of kernel the body shows: its dots, a row it covers, its reductions. */
function kindOf(node: OpNode): string {
  const dots = typeof node.attrs.dotCount === 'number' ? node.attrs.dotCount : 0;
  if (dots >= 2) return 'fused attention-style kernel (two tl.dot per step)';
  if (dots === 1) return `tiled matmul kernel (${String(node.attrs.dotBlocks ?? 'tl.dot')} blocks)`;
  if (node.attrs.rowLength !== undefined) return 'fused row kernel';
  if (typeof node.attrs.reductions === 'number' && node.attrs.reductions > 0) return 'fused reduction kernel';
  return 'fused elementwise kernel';
}

function isDim(value: AttrValue | undefined): value is Dim {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value;
}

/** `once`, `twice`, `3 times`, `by every program (8192×, from L2)`: requested over compulsory bytes. */
function passes(requested: number | undefined, compulsory: number | undefined): string {
  if (requested === undefined || compulsory === undefined || compulsory <= 0) return '';
  const ratio = requested / compulsory;
  if (ratio < 1.05) return ' once';
  if (ratio >= MANY_PASSES) return ` ${Math.round(ratio)} times (re-read across programs, mostly from L2)`;
  const rounded = Math.round(ratio * 10) / 10;
  return rounded === 2 ? ' twice' : ` ${rounded} times`;
}

/**
 * `X [8192, 4096] once, W [4096] 8192 times (...)`: the tensors of one direction with their shapes and passes, and
 * those whose size the host code does not give and whose passes therefore are not known.
 */
function tensors(cost: CostedOp, direction: 'read' | 'write', bindings: ReadonlyMap<string, number>): { text: string; unsized: string[] } {
  const { attrs } = cost.node;
  const names = String(attrs[direction === 'read' ? 'readTensors' : 'writeTensors'] ?? '').split(',').filter(Boolean);
  const requested = attrs[direction === 'read' ? 'readRequested' : 'writeRequested'];
  const compulsory = attrs[direction === 'read' ? 'readCompulsory' : 'writeCompulsory'];
  const shapes = direction === 'read' ? cost.inputShapes : cost.outputShapes;
  const values = direction === 'read' ? cost.node.inputs : cost.node.outputs;
  const at = (list: AttrValue | undefined, index: number): number | undefined => {
    const item = Array.isArray(list) ? (list as readonly Dim[])[index] : undefined;
    return item && isDim(item) ? evalDim(item, bindings) : undefined;
  };
  const sizeUnknown = new Set(String(attrs.unsizedTensors ?? '').split(',').filter(Boolean));
  const unsized: string[] = [];
  const text = names.map((name, index) => {
    const shape = shapes[index];
    const dtype = values[index]?.dtype;
    const shown = shape ? ` [${shape.join(', ')}]${dtype && dtype !== 'default' ? ` ${dtype}` : ''}` : '';
    const times = passes(at(requested, index), at(compulsory, index));
    // Without the tensor's size its compulsory bytes are the distinct tiles it requests: re-reads across programs
    // still show (W read by every row), but `once` would claim more than is known: the message says so apart.
    if (sizeUnknown.has(name) && (times === ' once' || times === '')) {
      unsized.push(name);
      return `${name}${shown}`;
    }
    return `${name}${shown}${times}`;
  }).join(', ');
  return { text, unsized };
}

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function describe(ctx: RuleContext, cost: CostedOp, launches: number): string {
  const node = cost.node;
  const figures = cost.kernel!;
  const bindings = new Map<string, number>([['dtype_bytes', DTYPE_BYTES[ctx.dtype]], ...ctx.bindings]);
  const name = String(node.attrs.kernel ?? node.label);
  const reads = tensors(cost, 'read', bindings);
  const writes = tensors(cost, 'write', bindings);
  const traffic = [reads.text && `reads ${reads.text}`, writes.text && `writes ${writes.text}`].filter(Boolean).join('; ');
  const unsized = [...new Set([...reads.unsized, ...writes.unsized])];
  // Only a launch knows which tensors it was given; one program nobody launches has no sizes to miss.
  const sizes = unsized.length && figures.pricedPer === 'launch'
    ? ` ${unsized.length > 1 ? `The sizes of ${unsized.join(', ')} are` : `The size of ${unsized[0]} is`} not known: each distinct tile requested is counted once.`
    : '';
  const unit = cost.unit === 'tensor' ? 'tensor' : 'vector';
  const peak = choosePeak(ctx.hardware, unit, cost.dtype, usesTf32(node, ctx.graph.tf32Enabled));
  // The ridge the verdict used (η included), as MW101 quotes it, so that the bound agrees with the figures beside it.
  const ridge = cost.ridge ?? null;
  const intensity = cost.intensity === null ? 'no bytes' : `${formatIntensity(cost.intensity)} FLOP/B`;
  const ridgeText = ridge === null || !peak ? '' : ` (ridge ${formatIntensity(ridge)} FLOP/B for the ${peak.label}, at achievable efficiency)`;
  const sites = launches > 1 ? ` The largest of ${launches} launches priced here.` : '';
  if (figures.pricedPer === 'program') {
    // With numbers, one program sits on the roofline; with formulas (a block size unbound too) it has no bound yet.
    const numbers = cost.flops !== null && cost.bytes !== null;
    const perProgram = numbers
      ? `${formatBytes(cost.bytes ?? 0)} and ${(cost.flops ?? 0).toLocaleString('en-US')} FLOPs per program`
      : `${figures.perProgramBytesFormula} bytes and ${figures.perProgramFlopsFormula} FLOPs per program`;
    const where = numbers ? ` ${capitalize(cost.bound)}-bound at ${intensity}${ridgeText}.` : '';
    return `${name}, ${kindOf(node)}, priced for one program because the launch is not sized` +
      `${figures.unbound.length ? ` (bind ${figures.unbound.join(', ')})` : ''}: ${perProgram}; ${traffic || 'no loads or stores'}.` +
      `${where}${sites}`;
  }
  const time = cost.timeUs ?? 0;
  const gpuSeconds = Math.max(1e-12, time * 1e-6);
  let where: string;
  if (cost.bound === 'overhead') {
    where = `Overhead-bound: its ${formatBytes(cost.bytes ?? 0)} take less than the ${formatMicroseconds(ctx.hardware.launchOverhead.value * 1e6)} launch`;
  } else if (cost.bound === 'compute') {
    const share = peak ? ` ≈ ${Math.round(((cost.flops ?? 0) / gpuSeconds / peak.value) * 100)}% of the peak of the ${peak.label} at best` : '';
    where = `Compute-bound at ${intensity}${ridgeText}${share ? `:${share}` : ''}`;
  } else {
    const share = Math.round(((cost.bytes ?? 0) / gpuSeconds / ctx.hardware.bandwidth.value) * 100);
    where = `Memory-bound at ${intensity}${ridgeText}: ≈ ${share}% of peak bandwidth at best`;
  }
  const requested = figures.requestedBytes !== null && cost.bytes !== null && figures.requestedBytes > cost.bytes * 1.05
    ? ` (requests ${formatBytes(figures.requestedBytes)} with re-reads)`
    : '';
  const repeat = cost.repeat > 1 ? ` (×${cost.repeat} per call)` : '';
  return `${name}, ${kindOf(node)} on grid ${figures.grid ?? '?'}: ${traffic}${requested}.${sizes} ${where}, ` +
    `${formatMicroseconds(time)} per launch${repeat}.${sites}`;
}
