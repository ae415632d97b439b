// The roofline price of each op: FLOPs, compulsory bytes, intensity, time and bound on one GPU and dtype.
import { evalDim, evalShape, type Bindings, type Dim } from '../ir/dims';
import { lookupOp } from '../ir/catalog';
import { compulsoryBytes } from '../ir/catalog/helpers';
import type { ByteCount, CostContext, OpSpec } from '../ir/opspec';
import { kernelFigures, kernelLines } from './kernel';
import { BACKWARD_OPS, priceBackward } from './training';
import { DTYPE_BYTES, type AttrValue, type KernelFigures, type Bound, type CostedOp, type DType, type Hardware, type OpGraph, type OpNode, type SourcedNumber, type TensorValue } from '../ir/types';
import { formatBandwidth, formatBinaryBytes, formatBytes, formatRate as formatFlopRate, formatFlops, formatPercent, formatTime as formatTimeUs } from '../format';

type Unit = 'tensor' | 'vector';

/** The peak that prices an op, with where it came from and, when it is a fallback, why. */
export interface PeakChoice {
  readonly value: number;
  /** `bf16 tensor cores`, `fp32 vector unit`. */
  readonly label: string;
  /** The unit whose peak it is: an fp32 matmul without TF32 is priced at the vector unit's. */
  readonly unit: Unit;
  readonly source: string;
  readonly verified: boolean;
  /** Set when the dtype has no peak of its own on this GPU and a neighbour was used. */
  readonly note?: string;
}

interface PeakKey {
  readonly table: 'tensorPeak' | 'vectorPeak';
  readonly dtype: DType;
}

const tensor = (dtype: DType): PeakKey => ({ table: 'tensorPeak', dtype });
const vector = (dtype: DType): PeakKey => ({ table: 'vectorPeak', dtype });

/**
 * Which peaks a tensor-core op may use, best first. fp32 matmuls run on the fp32 vector units unless the code enables
 * TF32 (`torch.backends.cuda.matmul.allow_tf32`, `set_float32_matmul_precision('high')`); AMD parts list an fp32
 * matrix rate (`tensorPeak.fp32`). GPUs without bf16 tensor cores (V100, T4) fall back to the fp32 vector unit.
 */
const TENSOR_PEAKS: Readonly<Record<DType, readonly PeakKey[]>> = {
  fp64: [tensor('fp64'), vector('fp64')],
  fp32: [tensor('fp32'), vector('fp32')],
  tf32: [tensor('tf32'), tensor('fp32'), vector('fp32')],
  bf16: [tensor('bf16'), vector('fp32')],
  fp16: [tensor('fp16'), vector('fp32')],
  fp8: [tensor('fp8'), tensor('fp16'), tensor('bf16'), vector('fp32')],
  int8: [tensor('int8'), vector('int8'), vector('fp32')],
  int64: [vector('fp32')],
  int32: [vector('fp32')],
  uint8: [vector('fp32')],
  bool: [vector('fp32')],
  complex64: [vector('fp32')],
  complex128: [vector('fp64')],
};

/**
 * Vector-unit ops (pointwise, reductions, norms, softmax) compute in fp32 whatever the storage dtype: ATen's
 * `at::opmath_type<Half>` and `<BFloat16>` are `float` ("For FP16 or BFloat16 inputs, ops should perform internal math
 * in FP32", ATen/OpMathType.h), and Triton kernels usually upcast too. So bf16/fp16 elementwise work is priced at the
 * fp32 vector peak; the fp16/bf16 vector peaks stay in the database for reference. fp64 uses the fp64 vector unit.
 */
const VECTOR_PEAKS: Readonly<Record<DType, readonly PeakKey[]>> = {
  fp64: [vector('fp64')],
  fp32: [vector('fp32')],
  tf32: [vector('fp32')],
  bf16: [vector('fp32')],
  fp16: [vector('fp32')],
  fp8: [vector('fp32')],
  int8: [vector('fp32')],
  int64: [vector('fp32')],
  int32: [vector('fp32')],
  uint8: [vector('fp32')],
  bool: [vector('fp32')],
  // A complex op is real arithmetic on its parts: fp32 parts for complex64, fp64 for complex128.
  complex64: [vector('fp32')],
  complex128: [vector('fp64')],
};

/** The peak for an op's unit and dtype on a GPU; null only when the GPU lists none of the candidates. */
export function choosePeak(hardware: Hardware, unit: Unit, dtype: DType, tf32Enabled: boolean): PeakChoice | null {
  const effectiveDtype: DType = unit === 'tensor' && dtype === 'fp32' && tf32Enabled ? 'tf32' : dtype;
  const candidates = (unit === 'tensor' ? TENSOR_PEAKS : VECTOR_PEAKS)[effectiveDtype];
  for (let i = 0; i < candidates.length; i++) {
    const key = candidates[i] as PeakKey;
    const peak: SourcedNumber | undefined = hardware[key.table][key.dtype];
    if (!peak) continue;
    const label = `${key.dtype} ${key.table === 'tensorPeak' ? (hardware.vendor === 'amd' ? 'matrix cores' : 'tensor cores') : 'vector unit'}`;
    let note: string | undefined;
    if (unit === 'tensor' && dtype === 'fp32' && !tf32Enabled && key.table === 'vectorPeak') {
      note = 'fp32 matmul without TF32 (the PyTorch default): the fp32 vector peak; torch.backends.cuda.matmul.allow_tf32 = True would use the TF32 tensor cores';
    } else if (dtype === 'complex64' || dtype === 'complex128') {
      note = `${dtype} math is ${key.dtype} arithmetic on the real and imaginary parts, so the ${key.dtype} vector peak applies`;
    } else if (unit === 'vector' && dtype !== key.dtype && dtype !== 'fp64') {
      note = `${dtype} elementwise math runs in fp32 (ATen opmath_type), so the fp32 vector peak applies`;
    } else if (i > 0) {
      note = `${hardware.name} has no ${effectiveDtype} ${unit === 'tensor' ? 'tensor-core' : 'vector'} peak: priced at the ${label} peak`;
    }
    const peakUnit: Unit = key.table === 'tensorPeak' ? 'tensor' : 'vector';
    return { value: peak.value, label, unit: peakUnit, source: peak.source, verified: peak.verified, ...(note ? { note } : {}) };
  }
  return null;
}

/**
 * Whether an op's fp32 matmuls run on TF32 tensor cores: when the code enables TF32 for PyTorch, and in a Triton
 * kernel whose tl.dot keeps Triton's own default, input_precision="tf32" (PyTorch's flag does not reach Triton).
 */
export function usesTf32(node: OpNode, tf32Enabled: boolean): boolean {
  if (node.category === 'triton_kernel' && node.attrs.dotInputPrecision !== undefined) return /^tf32/.test(String(node.attrs.dotInputPrecision));
  return tf32Enabled;
}

/** The roofline ridge point (FLOP/byte) for a unit and dtype: peak ÷ bandwidth, datasheet figures, no η. */
export function ridgePoint(hardware: Hardware, unit: Unit, dtype: DType, tf32Enabled = false): number | null {
  const peak = choosePeak(hardware, unit, dtype, tf32Enabled);
  return peak ? peak.value / hardware.bandwidth.value : null;
}

/**
 * GEMM efficiency falls for small and skinny shapes. The model times a GEMM as waves of 128×128 output tiles plus
 * one pipeline fill:
 *   tiles  = max(1, M·N / 128²)                       (a tiny GEMM still costs one tile)
 *   split  = max(1, min(SMs / (2·tiles), K / 256))      (split-K when the tiles cannot fill half the SMs)
 *   waves  = ⌈tiles·split / SMs⌉                        (wave quantization)
 *   time   = (waves·K/split + K0) · 2·128² / (η_c · peak / SMs)
 *   K0     = 256 · √(peak per SM ÷ A100's bf16 peak per SM)  (the fill/drain latency, in K-steps of one tile;
 *            relatively longer on faster SMs)
 * so the fraction of η_c·peak reached is M·N·K / (SMs · 128² · (waves·K/split + K0)); the time never drops when M,
 * N or K grows. The latency is paid once per kernel, not per wave: resident CTAs overlap one another's fill, and a
 * per-wave latency would make a K=64 attention-score bmm compute-bound, which it is not.
 * Against measured cuBLASLt points (Azure AI-benchmarking-guide): A100 FP16 square 1024/4096/16384 measured
 * 38/73/82% of peak, model 39/78/83% (η_c 0.83); H100 FP8 1024/2048/4096/32768 measured 14/51/61/70%, model
 * 22/60/67/71% (η_c 0.71): it is optimistic by up to 9 points in the 2k-4k range. test/cost/price.test.ts holds
 * these points. Split-K keeps skinny (decode-like, M ≤ 64) GEMMs on the byte roof, where they belong.
 */
export const GEMM_TILE = 128;
const A100_BF16_PEAK_PER_SM = 312e12 / 108;
const GEMM_DEPTH_K0 = 256;
const SPLIT_K_MIN_DEPTH = 256;

export function gemmShapeFactor(m: number, n: number, k: number, hardware: Hardware, peak: number): number {
  return gemmModel(m, n, k, hardware, peak).factor;
}

/**
 * The shape factor, and the same factor without the K0 term: that term is pipeline latency, not work, so
 * the bound test leaves it out (a tiny GEMM whose only cost is latency is overhead-bound, not compute-bound).
 */
export function gemmModel(m: number, n: number, k: number, hardware: Hardware, peak: number): { factor: number; latencyFreeFactor: number } {
  if (!(m > 0 && n > 0 && k > 0)) return { factor: 1, latencyFreeFactor: 1 };
  const sms = hardware.smCount.value;
  const perSm = sms > 0 ? peak / sms : A100_BF16_PEAK_PER_SM;
  const k0 = GEMM_DEPTH_K0 * Math.sqrt(perSm / A100_BF16_PEAK_PER_SM);
  if (!(sms > 0)) return { factor: k / (k + k0), latencyFreeFactor: 1 };
  const tiles = Math.max(1, (m * n) / (GEMM_TILE * GEMM_TILE));
  const split = Math.max(1, Math.min(sms / (2 * tiles), k / SPLIT_K_MIN_DEPTH));
  const waves = Math.ceil((tiles * split) / sms - 1e-9);
  const capacity = sms * GEMM_TILE * GEMM_TILE;
  const work = waves * (k / split);
  return { factor: (m * n * k) / (capacity * (work + k0)), latencyFreeFactor: Math.min(1, (m * n * k) / (capacity * work)) };
}

/**
 * Fused attention kernels reach a lower fraction of peak than plain GEMMs: FlashAttention-2 measured 58% of peak on
 * A100 (hdim 64) and 33% on H100 (hdim 128); FlashAttention-3 up to 75% on H100 (Dao et al.; reference §3).
 * 0.6 × η_c gives 50% (A100) and 43% (H100), between those.
 */
export const ATTENTION_EFFICIENCY_FACTOR = 0.6;

/** How pointwise FLOPs on complex tensors are counted (pointwise.ts COMPLEX_FLOPS). */
const COMPLEX_FLOPS_TEXT = '; on complex tensors, the real arithmetic on the real and imaginary parts (a sum 2 per element, a product 6, a quotient 11)';

const FLOATING: ReadonlySet<DType> = new Set<DType>(['fp64', 'fp32', 'tf32', 'bf16', 'fp16', 'fp8', 'complex64', 'complex128']);

/**
 * What pricing the ops of one graph shares: each tensor's evaluated shape (a value is read by the op that wrote it
 * and by every op that reads it, so its dims are evaluated once), the chosen peaks, and the Triton bindings.
 */
export interface PricingCache {
  /**
   * By value id: the symbolic shape evaluated and its numbers. Arrays rather than a Map keyed by shape, which cost more
   * to grow than the evaluation it saved on large files; the symbolic shape is compared, so a value id seen with
   * another shape is evaluated again, never answered wrongly.
   */
  readonly shapeOf: (readonly Dim[] | undefined)[];
  readonly numbersOf: (readonly number[] | null)[];
  /** By unit, then dtype, then TF32 setting. */
  readonly peaks: Record<Unit, Map<DType, [PeakChoice | null, PeakChoice | null]>>;
  tritonBindings?: Bindings;
}

export function pricingCache(): PricingCache {
  return { shapeOf: [], numbersOf: [], peaks: { tensor: new Map(), vector: new Map() } };
}

/** One op's price as the memo keeps it: the op priced and the op before it, which the price also reads. */
interface MemoEntry {
  readonly cost: CostedOp;
  readonly previous: OpNode | undefined;
}

/**
 * The prices of one document's previous analysis, by the op they priced; the server keeps one per open document. After
 * a keystroke most roots are replayed (frontends/pytorch/roots.ts): their ops are the previous analysis's ops, or
 * copies of them with ids and spans moved (graph.replayedFrom), and a copy priced with the same GPU, dtype, TF32 setting and
 * bindings gets the same figures. Every field pricing reads is compared before a price is reused (samePricing), so
 * a hit is the price a new run gives; anything else is priced again.
 */
export class PriceMemo {
  private context = '';
  private entries = new Map<OpNode, MemoEntry>();
  /** How many ops the last pricing reused and priced, for the log and the tests. */
  reused = 0;
  priced = 0;

  /** Starts a pricing: entries made under another context are forgotten. */
  begin(context: string): Map<OpNode, MemoEntry> {
    const previous = context === this.context ? this.entries : new Map<OpNode, MemoEntry>();
    this.context = context;
    this.entries = new Map();
    this.reused = 0;
    this.priced = 0;
    return previous;
  }

  keep(origin: OpNode, entry: MemoEntry): void {
    this.entries.set(origin, entry);
  }
}

/** Whatever the price of an op depends on besides the op: the GPU, the dtype, TF32 and every binding. */
function memoContext(hardware: Hardware, dtype: DType, tf32Enabled: boolean, bindings: Bindings): string {
  let key = `${dtype}|${tf32Enabled}|${JSON.stringify(hardware)}`;
  for (const [symbol, value] of bindings) key += `|${symbol}=${value}`;
  return key;
}

/** Whether `node` (after `previous`) reads for its price exactly what the memo's op read: then their prices are equal. */
function samePricing(node: OpNode, previous: OpNode | undefined, entry: MemoEntry): boolean {
  const old = entry.cost.node;
  if (node.op !== old.op || node.category !== old.category || node.label !== old.label || node.attrs !== old.attrs || node.repeat !== old.repeat) return false;
  if (node.inputs.length !== old.inputs.length || node.outputs.length !== old.outputs.length) return false;
  if ((previous === undefined) !== (entry.previous === undefined) || (previous && previous.label !== entry.previous?.label)) return false;
  for (let i = 0; i < node.inputs.length; i++) {
    const now = node.inputs[i] as TensorValue;
    const then = old.inputs[i] as TensorValue;
    // An input the op just before wrote may still sit in L2 (the hover says so).
    if (now.shape !== then.shape || now.dtype !== then.dtype || (now.producer === previous?.id) !== (then.producer === entry.previous?.id)) return false;
  }
  for (let i = 0; i < node.outputs.length; i++) {
    const now = node.outputs[i] as TensorValue;
    const then = old.outputs[i] as TensorValue;
    if (now.shape !== then.shape || now.dtype !== then.dtype) return false;
  }
  return true;
}

/** A price made for one op, given to the op copied from it (the same figures; the hover's lines name the new op before it). */
function moveCost(cost: CostedOp, node: OpNode, previous: OpNode | undefined): CostedOp {
  if (cost.node === node) return cost;
  const moved = costFields(
    { node, inputShapes: cost.inputShapes, outputShapes: cost.outputShapes, dtype: cost.dtype, repeat: cost.repeat },
    cost.flops, cost.bytesRead, cost.bytesWritten, cost.bytes, cost.intensity, cost.timeUs, cost.bound, cost.unit, cost.ridge ?? null,
  );
  const state = (cost as unknown as LazyExplainHolder)[EXPLAIN_STATE];
  const result = state === undefined || Array.isArray(state) ? withExplain(moved, cost.explain) : withLazyExplain(moved, { ...(state as HoverFacts), previous });
  return cost.kernel ? withKernel(result, cost.kernel) : result;
}

/**
 * Prices every op of the graph; ops that cannot be priced get null figures and bound 'unknown', never zeros. With a
 * memo, ops replayed from the previous analysis take the price their original had when nothing it read changed.
 */
export function priceGraph(graph: OpGraph, hardware: Hardware, dtype: DType, bindings: Bindings, memo?: PriceMemo): CostedOp[] {
  const cache = pricingCache();
  const costs: CostedOp[] = [];
  const earlier = memo?.begin(memoContext(hardware, dtype, graph.tf32Enabled, bindings));
  const origins = graph.replayedFrom;
  let previous: OpNode | undefined;
  let backwards: number[] | undefined;
  for (let i = 0; i < graph.ops.length; i++) {
    const node = graph.ops[i] as OpNode;
    if (memo && earlier) {
      const origin = origins?.[i] ?? node;
      const entry = earlier.get(origin);
      let cost: CostedOp;
      if (entry && !BACKWARD_OPS.has(node.op) && samePricing(node, previous, entry)) {
        cost = moveCost(entry.cost, node, previous);
        memo.reused++;
      } else {
        cost = priceOp(node, hardware, dtype, bindings, graph.tf32Enabled, previous, cache);
        memo.priced++;
      }
      memo.keep(origin, { cost, previous });
      costs.push(cost);
    } else costs.push(priceOp(node, hardware, dtype, bindings, graph.tf32Enabled, previous, cache));
    if (BACKWARD_OPS.has(node.op)) (backwards ??= []).push(costs.length - 1);
    previous = node;
  }
  // A backward is priced from the forward it differentiates, once every other op has its price (ops are listed in
  // source order, so the forward may come after it: a model class defined below its training loop).
  for (const index of backwards ?? []) costs[index] = priceBackward(graph, graph.ops[index] as OpNode, costs, costs[index] as CostedOp, dtype);
  return costs;
}

/** A tensor's shape evaluated with the bindings, or null; the same array for every op that reads the tensor. */
function numericShape(tensor: TensorValue, bindings: Bindings, cache: PricingCache): readonly number[] | null {
  const { id, shape } = tensor;
  if (shape === null) return null;
  if (cache.shapeOf[id] === shape) return cache.numbersOf[id] as readonly number[] | null;
  const numbers = evalShape(shape, bindings) ?? null;
  // Ids are small integers handed out in order; any other id is evaluated every time rather than stored.
  if (Number.isSafeInteger(id) && id >= 0 && id <= cache.shapeOf.length + 1024) {
    cache.shapeOf[id] = shape;
    cache.numbersOf[id] = numbers;
  }
  return numbers;
}

// Arrays of the final length up front: pushing grows them in steps, which showed in allocation profiles.
function numericShapes(tensors: readonly TensorValue[], bindings: Bindings, cache: PricingCache): (readonly number[] | null)[] {
  const out = new Array<readonly number[] | null>(tensors.length);
  for (let i = 0; i < tensors.length; i++) out[i] = numericShape(tensors[i] as TensorValue, bindings, cache);
  return out;
}

/** The first tensor of the op whose shape holds a size of zero or less, in words, or undefined. */
function nonPositiveShape(node: OpNode, inputs: readonly (readonly number[] | null)[], outputs: readonly (readonly number[] | null)[]): string | undefined {
  const bad = (shape: readonly number[] | null): boolean => shape !== null && shape.some((size) => size <= 0);
  for (let i = 0; i < inputs.length; i++) {
    const shape = inputs[i] ?? null;
    if (bad(shape)) return `input ${i + 1}${node.inputs[i]?.origin ? ` (${node.inputs[i]?.origin})` : ''} [${(shape as readonly number[]).join(', ')}]`;
  }
  for (let i = 0; i < outputs.length; i++) {
    const shape = outputs[i] ?? null;
    if (bad(shape)) return `output ${i + 1} [${(shape as readonly number[]).join(', ')}]`;
  }
  return undefined;
}

function elementSizes(tensors: readonly TensorValue[], analysisDtype: DType): number[] {
  const out = new Array<number>(tensors.length);
  for (let i = 0; i < tensors.length; i++) {
    const dtype = (tensors[i] as TensorValue).dtype;
    out[i] = DTYPE_BYTES[dtype === null || dtype === 'default' ? analysisDtype : dtype];
  }
  return out;
}

function hasUnknownDtype(node: OpNode): boolean {
  for (const t of node.inputs) if (t.dtype === null) return true;
  for (const t of node.outputs) if (t.dtype === null) return true;
  return false;
}

function cachedPeak(cache: PricingCache, hardware: Hardware, unit: Unit, dtype: DType, tf32Enabled: boolean): PeakChoice | null {
  let byTf32 = cache.peaks[unit].get(dtype);
  if (byTf32 === undefined) {
    byTf32 = [choosePeak(hardware, unit, dtype, false), choosePeak(hardware, unit, dtype, true)];
    cache.peaks[unit].set(dtype, byTf32);
  }
  return byTf32[tf32Enabled ? 1 : 0];
}

/**
 * One op's price. Exported for the what-if panel and the tests. `previous` is the op that ran just before it: an
 * input it wrote that fits in L2 is probably still there, which the hover says (the DRAM time is then an upper bound).
 * `cache` is shared by the ops of one graph priced with one hardware, dtype and bindings.
 */
export function priceOp(
  node: OpNode,
  hardware: Hardware,
  analysisDtype: DType,
  bindings: Bindings,
  tf32Enabled = false,
  previous?: OpNode,
  cache: PricingCache = pricingCache(),
): CostedOp {
  // Notes on what was assumed; most ops have none, so the array is made only when one is.
  let notes: string[] | undefined;
  const inputShapes = numericShapes(node.inputs, bindings, cache);
  const outputShapes = numericShapes(node.outputs, bindings, cache);
  const opDtype = opComputeDtype(node, analysisDtype);
  if (hasUnknownDtype(node)) {
    (notes ??= []).push(`dtype of some tensors not known statically: taken as ${analysisDtype} (the analysis dtype)`);
  }
  const repeatValue = evalDim(node.repeat, bindings);
  const repeat = repeatValue !== undefined && Number.isFinite(repeatValue) && repeatValue >= 0 ? repeatValue : 1;
  if (repeatValue === undefined) (notes ??= []).push(`repeat count unknown (${describeDim(node.repeat)}): counted once`);

  const base: CostBase = { node, inputShapes, outputShapes, dtype: opDtype, repeat };
  // A -1 or 0 where a size belongs is a sentinel the code fills in later (`n_kv_heads = -1`), never a size to price.
  const nonPositive = nonPositiveShape(node, inputShapes, outputShapes);
  if (nonPositive) {
    return unpriced(base, notes, `not priced: ${nonPositive} has a zero or negative size: a sentinel (-1, 0, None) rather than a size; give the size with --dims or a magic comment`, lookupOp(node.op)?.unit ?? 'vector');
  }
  const context: CostContext = {
    inputs: inputShapes,
    outputs: outputShapes,
    inputElementBytes: elementSizes(node.inputs, analysisDtype),
    outputElementBytes: elementSizes(node.outputs, analysisDtype),
    outputDtypes: node.outputs.map((output) => (output.dtype === null || output.dtype === 'default' ? analysisDtype : output.dtype)),
    attrs: evaluateAttrs(node.attrs, bindings),
  };

  let flops: number | null;
  let bytes: ByteCount | null;
  let unit: CostedOp['unit'];
  let flopsFormula: string;
  let bytesFormula: string;
  let requestedBytes: number | null = null;
  // Set for Triton kernels: how the launch was sized (its grid, block sizes), and whether the figures are per program.
  let kernel: KernelFigures | undefined;
  const spec: OpSpec | undefined = lookupOp(node.op);
  if (node.category === 'triton_kernel' && !spec) {
    // The Triton frontend sizes tensors of unknown dtype in `dtype_bytes`, the analysis dtype's element size.
    cache.tritonBindings ??= new Map([['dtype_bytes', DTYPE_BYTES[analysisDtype]], ...bindings]);
    const tritonAttrs = evaluateAttrs(node.attrs, cache.tritonBindings);
    flops = finiteAttr(tritonAttrs, 'flops');
    const read = finiteAttr(tritonAttrs, 'bytesRead');
    const written = finiteAttr(tritonAttrs, 'bytesWritten');
    bytes = read !== null && written !== null ? { read, written } : null;
    requestedBytes = finiteAttr(tritonAttrs, 'requestedBytes');
    unit = context.attrs.unit === 'tensor' || context.attrs.usesDot === true ? 'tensor' : 'vector';
    flopsFormula = 'counted from the kernel body (tl.dot: 2 per multiply-add; elementwise math) × programs';
    bytesFormula = 'loads and stores of the kernel, each distinct element once (compulsory)';
    if (flops === null || bytes === null || node.attrs.launched === false) {
      // The launch cannot be sized (or there is none): one program, priced from the kernel body alone.
      kernel = kernelFigures(node, cache.tritonBindings, 'program');
      const programRead = finiteAttr(tritonAttrs, 'perProgramBytesRead');
      const programWritten = finiteAttr(tritonAttrs, 'perProgramBytesWritten');
      flops = finiteAttr(tritonAttrs, 'perProgramFlops');
      bytes = programRead !== null && programWritten !== null ? { read: programRead, written: programWritten } : null;
      requestedBytes = null;
      flopsFormula = 'counted from the kernel body for one program (tl.dot: 2 per multiply-add; elementwise math)';
      bytesFormula = 'the loads and stores of one program';
      if (flops === null || bytes === null) {
        return withKernel(unpriced(base, notes, `not priced: one program's figures need ${kernel.unbound.length ? kernel.unbound.join(', ') : 'sizes MemWall does not know'}`, unit), kernel, kernelLines(node, kernel));
      }
    } else {
      kernel = kernelFigures(node, cache.tritonBindings, 'launch');
    }
  } else if (!spec) {
    if (node.category === 'view') return freeView(base, notes, 'a view (metadata only)');
    return unpriced(base, notes, `${node.op} is not in MemWall's op catalog: not priced (not counted as free)`, 'vector');
  } else if (spec.cast && sameResolvedDtype(node, analysisDtype)) {
    // PyTorch returns the tensor itself: `x.float()` of an fp32 tensor, `.to(dtype)` to the dtype it has.
    return freeView(base, notes, `${node.label}: a cast to the dtype the tensor already has (${opDtype}) returns it unchanged: no kernel`);
  } else {
    unit = spec.unit;
    flopsFormula = spec.flopsFormula;
    const outputDtype = context.outputDtypes?.[0];
    if (spec.category === 'pointwise' && (outputDtype === 'complex64' || outputDtype === 'complex128')) flopsFormula += COMPLEX_FLOPS_TEXT;
    bytesFormula = spec.bytesFormula ?? 'each input read once, each output written once (compulsory DRAM traffic)';
    try {
      flops = spec.flops(context);
      bytes = spec.bytes ? spec.bytes(context) : compulsoryBytes(context);
    } catch (error) {
      return unpriced(base, notes, `the cost formula of ${node.op} failed: ${error instanceof Error ? error.message : String(error)}`, unit);
    }
  }

  if (flops === null || bytes === null || !isCount(flops) || !isCount(bytes.read) || !isCount(bytes.written)) {
    // Why, in words, only for the ops that need it: the shapes' reasons are walked again here.
    const missing = describeMissing(node, inputShapes, outputShapes, bindings);
    return unpriced(base, notes, missing ? `not priced: ${missing}` : `not priced: the cost formula of ${node.op} had no answer for these shapes`, unit);
  }
  const totalBytes = bytes.read + bytes.written;
  if (flops === 0 && totalBytes === 0) {
    // No arithmetic and no traffic means no kernel: a view, or an identity such as dropout in eval mode.
    return freeView(base, notes, unit === 'none' ? `${node.label}: a view (metadata only)` : `${node.label}: an identity here (no FLOPs, no bytes)`);
  }
  const pricedUnit: Unit = unit === 'tensor' ? 'tensor' : 'vector';
  const peak = cachedPeak(cache, hardware, pricedUnit, opDtype, usesTf32(node, tf32Enabled));
  if (!peak) return unpriced(base, notes, `${hardware.name} lists no ${pricedUnit} peak for ${opDtype}`, pricedUnit);

  // Efficiency: the GPU's large-GEMM η_c, lowered for small/skinny GEMMs and for fused attention.
  let etaCompute = hardware.computeEfficiency.value;
  // The part of the compute time that is tile-pipeline latency rather than work (GEMMs only), for the bound test.
  let latencyFreeEta: number | null = null;
  let etaKind: EtaKind = pricedUnit === 'vector' ? 'vector' : 'tensor';
  let gemm: GemmDims | null = null;
  let gemmFactor = 1;
  if (pricedUnit === 'tensor' && node.category === 'attention') {
    etaCompute *= ATTENTION_EFFICIENCY_FACTOR;
    etaKind = 'attention';
  } else if (pricedUnit === 'tensor' && node.category !== 'triton_kernel') {
    gemm = gemmDims(outputShapes[0], flops);
    if (gemm) {
      const { factor, latencyFreeFactor } = gemmModel(gemm.m, gemm.n, gemm.k, hardware, peak.value);
      latencyFreeEta = etaCompute * latencyFreeFactor;
      etaCompute *= factor;
      etaKind = 'gemm';
      gemmFactor = factor;
    }
  }
  const etaMemory = hardware.memoryEfficiency.value;
  const computeSeconds = flops / (etaCompute * peak.value);
  // A Triton kernel's re-reads across programs (requested > compulsory) are priced as L2 hits: tiled kernels run in
  // waves whose tiles overlap (grouped ordering exists for exactly this), so DRAM sees about the compulsory bytes.
  // The hover gives the time if every re-read reached DRAM, as the upper bound.
  const memorySeconds = totalBytes / (etaMemory * hardware.bandwidth.value);
  const gpuSeconds = Math.max(computeSeconds, memorySeconds);
  const launchSeconds = hardware.launchOverhead.value;
  const timeUs = (gpuSeconds + launchSeconds) * 1e6;
  const workSeconds = Math.max(latencyFreeEta === null ? computeSeconds : flops / (latencyFreeEta * peak.value), memorySeconds);
  const bound: Bound = workSeconds < launchSeconds ? 'overhead' : computeSeconds > memorySeconds ? 'compute' : 'memory';
  const intensity = totalBytes > 0 ? flops / totalBytes : null;

  // The intensity where compute time equals memory time, η included: the threshold the verdict above used.
  const ridge = (etaCompute * peak.value) / (etaMemory * hardware.bandwidth.value);
  if (kernel?.pricedPer === 'program') {
    // One program: its intensity places it against the ridge, but its time is not a time per call.
    const programBound: Bound = computeSeconds > memorySeconds ? 'compute' : 'memory';
    const program = costFields(base, flops, bytes.read, bytes.written, totalBytes, intensity, null, programBound, pricedUnit, ridge);
    return withKernel(withExplain(program, [
      ...kernelLines(node, kernel),
      `FLOPs ${formatFlops(flops)} per program: ${flopsFormula} (2 FLOPs per multiply-add)`,
      `bytes ${formatBytes(totalBytes)} per program (read ${formatBytes(bytes.read)}, write ${formatBytes(bytes.written)}): ${bytesFormula}`,
      intensity === null
        ? 'intensity: no bytes moved'
        : `intensity ${intensity.toPrecision(3)} FLOP/B against a ridge of ${ridge.toPrecision(3)} FLOP/B for the ${peak.label} with η: ${programBound}-bound when launched`,
      ...(notes ?? []),
    ]), kernel);
  }
  const computed = costFields(base, flops, bytes.read, bytes.written, totalBytes, intensity, timeUs, bound, pricedUnit, ridge);
  // The hover lines cost more to format than the figures cost to compute, and only the hovered op needs them: the
  // figures they need are kept in one record, formatted by hoverLines on first read.
  const costed = withLazyExplain(computed, {
    hardware, previous, inputElementBytes: context.inputElementBytes, outputElementBytes: context.outputElementBytes,
    flopsFormula, bytesFormula, requestedBytes, peak, etaKind, etaCompute, gemm, gemmFactor, computeSeconds,
    memorySeconds, workSeconds, notes, kernel,
  });
  return kernel ? withKernel(costed, kernel) : costed;
}

/** Adds a Triton kernel's launch figures to its costed op (set last: only kernels take that shape in V8). */
function withKernel(cost: CostedOp, kernel: KernelFigures, lines?: readonly string[]): CostedOp {
  if (lines && Array.isArray(cost.explain)) (cost as { explain: readonly string[] }).explain = [...lines, ...cost.explain];
  (cost as { kernel?: KernelFigures }).kernel = kernel;
  return cost;
}

type EtaKind = 'vector' | 'tensor' | 'attention' | 'gemm';
type GemmDims = { m: number; n: number; k: number };

/** What the hover lines of a priced op are formatted from, besides the costed op's own figures. */
interface HoverFacts {
  readonly hardware: Hardware;
  readonly previous: OpNode | undefined;
  readonly inputElementBytes: readonly number[];
  readonly outputElementBytes: readonly number[];
  readonly flopsFormula: string;
  readonly bytesFormula: string;
  readonly requestedBytes: number | null;
  readonly peak: PeakChoice;
  /** Which efficiency priced the compute: the plain η_c (vector unit or tensor cores), fused attention's, a GEMM's. */
  readonly etaKind: EtaKind;
  readonly etaCompute: number;
  readonly gemm: GemmDims | null;
  readonly gemmFactor: number;
  readonly computeSeconds: number;
  readonly memorySeconds: number;
  readonly workSeconds: number;
  readonly notes: readonly string[] | undefined;
  /** A Triton kernel's launch: its lines open the hover. */
  readonly kernel?: KernelFigures;
}

/** The efficiency's wording: which η_c priced the compute, and why. */
function etaWords(node: OpNode, facts: HoverFacts): string {
  const { hardware, etaCompute } = facts;
  switch (facts.etaKind) {
    case 'attention':
      return `η_c ${formatPercent(etaCompute)} of peak: ${formatPercent(ATTENTION_EFFICIENCY_FACTOR)} of the large-GEMM ${formatPercent(hardware.computeEfficiency.value)} for a fused attention kernel (FlashAttention-2: 58% on A100, 33% on H100)`;
    case 'gemm':
      return `η_c ${formatPercent(etaCompute)} of peak: large-GEMM ${formatPercent(hardware.computeEfficiency.value)} × ${facts.gemmFactor.toFixed(2)} for ${gemmShapeWords(node, facts.gemm as GemmDims)} (128×128 tiles in waves over ${hardware.smCount.value} SMs, one pipeline fill)`;
    case 'vector':
      return `η_c ${formatPercent(etaCompute)} of peak (the GPU's large-GEMM fraction, applied to the vector unit too: no separate measurement)`;
    default:
      return `η_c ${formatPercent(etaCompute)} of peak (${hardware.computeEfficiency.source})`;
  }
}

/** The hover lines of a priced op: its figures and formulas, the roofline, and what the L2 may change. */
function hoverLines(cost: Omit<CostedOp, 'explain'>, facts: HoverFacts): string[] {
  const { hardware, previous, peak, computeSeconds, memorySeconds, workSeconds, requestedBytes } = facts;
  const { node, inputShapes, outputShapes } = cost;
  const flops = cost.flops as number;
  const totalBytes = cost.bytes as number;
  const intensity = cost.intensity;
  const etaMemory = hardware.memoryEfficiency.value;
  const gpuSeconds = Math.max(computeSeconds, memorySeconds);
  const launchSeconds = hardware.launchOverhead.value;
  const ridge = peak.value / hardware.bandwidth.value;
  const effectiveRidge = (facts.etaCompute * peak.value) / (etaMemory * hardware.bandwidth.value);
  const lines: string[] = [
    ...(facts.kernel ? kernelLines(node, facts.kernel) : []),
    `FLOPs ${formatFlops(flops)}: ${facts.flopsFormula} (2 FLOPs per multiply-add)`,
    `bytes ${formatBytes(totalBytes)} (read ${formatBytes(cost.bytesRead as number)}, write ${formatBytes(cost.bytesWritten as number)}): ${facts.bytesFormula}`,
    intensity === null
      ? 'intensity: no bytes moved'
      : `intensity ${intensity.toPrecision(3)} FLOP/B; ridge ${ridge.toPrecision(3)} FLOP/B for the ${peak.label} at peak, ${effectiveRidge.toPrecision(3)} at the η below: the bound's threshold`,
    `peak ${formatFlopRate(peak.value)} ${peak.label} on ${hardware.name} (${peak.source})`,
    ...(peak.note ? [peak.note] : []),
    `compute ${formatTimeUs(computeSeconds * 1e6)} at ${etaWords(node, facts)}`,
    `memory ${formatTimeUs(memorySeconds * 1e6)}: ${formatBytes(totalBytes)} at ${formatPercent(etaMemory)} of ${formatBandwidth(hardware.bandwidth.value)} (η_m: ${hardware.memoryEfficiency.source})`,
    `+ ${formatTimeUs(launchSeconds * 1e6)} launch (${hardware.launchOverhead.source})`,
    boundSentence(cost.bound, workSeconds, launchSeconds),
    `achieves ${formatFlopRate(flops / gpuSeconds)} and ${formatBandwidth(totalBytes / gpuSeconds)} over its GPU time: ${formatPercent(flops / gpuSeconds / peak.value)} of the ${peak.label} peak, ${formatPercent(totalBytes / gpuSeconds / hardware.bandwidth.value)} of peak bandwidth`,
  ];
  // A single tensor larger than the GPU's memory cannot run as written: say so rather than price it silently.
  const largest = Math.max(...[...inputShapes.map((shape, i) => [shape, facts.inputElementBytes[i]] as const), ...outputShapes.map((shape, i) => [shape, facts.outputElementBytes[i]] as const)]
    .map(([shape, size]) => (shape ? shape.reduce((a, b) => a * b, 1) * (size ?? 0) : 0)));
  if (hardware.memoryBytes.value > 0 && largest > hardware.memoryBytes.value) {
    lines.push(`one tensor of this op (${formatBytes(largest)}) is larger than the ${formatBytes(hardware.memoryBytes.value)} of ${hardware.name}: it cannot run at these sizes`);
  }
  if (requestedBytes !== null && requestedBytes > totalBytes) {
    const dramBound = formatTimeUs((requestedBytes / (etaMemory * hardware.bandwidth.value)) * 1e6);
    lines.push(`the kernel requests ${formatBytes(requestedBytes)} (re-reads across programs); MemWall prices the compulsory bytes, assuming the ${formatBinaryBytes(hardware.l2Bytes.value)} L2 serves the re-reads; if every re-read reached DRAM, memory would take ${dramBound}`);
  }
  const l2 = hardware.l2Bytes.value;
  if (l2 > 0) {
    // Inputs the previous kernel just wrote, small enough to still sit in L2: their reads likely never reach DRAM.
    const warm = previous === undefined ? [] : node.inputs.flatMap((t, i) => {
      const shape = inputShapes[i];
      if (t.producer !== previous.id || !shape) return [];
      const size = shape.reduce((a, b) => a * b, 1) * (facts.inputElementBytes[i] ?? 0);
      return size > 0 && size <= l2 ? [size] : [];
    });
    const warmBytes = warm.reduce((a, b) => a + b, 0);
    if (warmBytes > 0) {
      lines.push(`${formatBytes(warmBytes)} of its input was just written by ${previous?.label} and fits in the ${formatBinaryBytes(l2)} L2: those reads likely hit L2, so the DRAM time here is an upper bound`);
    } else if (totalBytes > 0 && totalBytes <= l2) {
      lines.push(`the working set (${formatBytes(totalBytes)}) fits in the ${formatBinaryBytes(l2)} L2: if its inputs were written just before, reads hit L2 and the DRAM time here is an upper bound`);
    }
  }
  return facts.notes ? [...lines, ...facts.notes] : lines;
}

/** Where a costed op keeps what its hover lines are formatted from, then the lines: non-enumerable, so copies and JSON never see it. */
const EXPLAIN_STATE = Symbol('explainState');

type LazyExplainHolder = Omit<CostedOp, 'explain'> & { [EXPLAIN_STATE]: HoverFacts | readonly string[] };

/**
 * One getter shared by every costed op: V8 then gives all of them one hidden class (a getter closure per object would
 * give each its own, and make every later read of a cost's fields slow).
 */
function readExplain(this: LazyExplainHolder): readonly string[] {
  const state = this[EXPLAIN_STATE];
  if (Array.isArray(state)) return state as readonly string[];
  const lines = hoverLines(this, state as HoverFacts);
  this[EXPLAIN_STATE] = lines;
  return lines;
}

/** The one descriptor of every costed op's `explain`: defining it allocates nothing per op. */
const EXPLAIN_GETTER: PropertyDescriptor = { get: readExplain, enumerable: true, configurable: true };

/**
 * Adds `explain` as an enumerable getter that formats the lines on first read and keeps them: every reader (hover,
 * JSON output, spreads, deep equality) sees a plain `readonly string[]`, and an analysis that nobody hovers formats none.
 */
function withLazyExplain(costed: Omit<CostedOp, 'explain'>, facts: HoverFacts): CostedOp {
  Object.defineProperty(costed, EXPLAIN_STATE, { value: facts, writable: true, enumerable: false, configurable: true });
  return Object.defineProperty(costed, 'explain', EXPLAIN_GETTER) as CostedOp;
}

/** How the hover names a GEMM's shape: an implicit GEMM for convolutions, M, N and K otherwise. */
function gemmShapeWords(node: OpNode, gemm: { m: number; n: number; k: number }): string {
  return node.category === 'conv' ? `an implicit GEMM with M·N = ${gemm.m * gemm.n} outputs, K = ${gemm.k}` : `M=${gemm.m}, N=${gemm.n}, K=${gemm.k}`;
}

function boundSentence(bound: Bound, workSeconds: number, launchSeconds: number): string {
  switch (bound) {
    case 'overhead':
      return `overhead-bound: the GPU work (${formatTimeUs(workSeconds * 1e6)}, tile latency aside) is shorter than the ${formatTimeUs(launchSeconds * 1e6)} launch`;
    case 'compute':
      return 'compute-bound: the FLOPs take longer than the bytes';
    default:
      return 'memory-bound: the bytes take longer than the FLOPs';
  }
}

type CostBase = Pick<CostedOp, 'node' | 'inputShapes' | 'outputShapes' | 'dtype' | 'repeat'>;

/**
 * A CostedOp's fields written out in one literal, in one order: an object spread (`{ ...base, flops }`) gave nearly
 * every costed op a hidden class of its own in V8, which made each later read of a cost's fields (summary, rules) slow.
 */
function costFields(
  base: CostBase,
  flops: number | null,
  bytesRead: number | null,
  bytesWritten: number | null,
  bytes: number | null,
  intensity: number | null,
  timeUs: number | null,
  bound: Bound,
  unit: CostedOp['unit'],
  ridge: number | null = null,
): Omit<CostedOp, 'explain'> {
  return {
    node: base.node, inputShapes: base.inputShapes, outputShapes: base.outputShapes, dtype: base.dtype, repeat: base.repeat,
    flops, bytesRead, bytesWritten, bytes, intensity, timeUs, bound, unit, ridge,
  };
}

/** A view launches no kernel: zero FLOPs, zero bytes, zero time; its bound is 'unknown' because it has none. */
function freeView(base: CostBase, notes: readonly string[] | undefined, what: string): CostedOp {
  return withExplain(costFields(base, 0, 0, 0, 0, null, 0, 'unknown', 'none'), [
    `${what}: launches no kernel, moves no bytes, costs no GPU time (eager PyTorch still spends ~µs of CPU dispatch)`,
    ...(notes ?? []),
  ]);
}

/** An op that cannot be priced: null figures, bound 'unknown', and why as the first hover line. */
function unpriced(base: CostBase, notes: readonly string[] | undefined, why: string, unit: CostedOp['unit']): CostedOp {
  return withExplain(costFields(base, null, null, null, null, null, null, 'unknown', unit), [why, ...(notes ?? [])]);
}

/** Adds eager explain lines as a plain field, last, as every costed op has it. */
function withExplain(fields: Omit<CostedOp, 'explain'>, explain: readonly string[]): CostedOp {
  const cost = fields as { -readonly [K in keyof CostedOp]?: CostedOp[K] };
  cost.explain = explain;
  return cost as CostedOp;
}

/** True when the op's first input and first output have one dtype once the analysis dtype stands in for `default`. */
function sameResolvedDtype(node: OpNode, analysisDtype: DType): boolean {
  const resolve = (t: TensorValue | undefined): DType | null => (!t || t.dtype === null ? null : t.dtype === 'default' ? analysisDtype : t.dtype);
  const input = resolve(node.inputs[0]);
  return input !== null && input === resolve(node.outputs[0]);
}

/**
 * The dtype the op computes in: a contraction's output dtype (an fp32 input reaching bf16 weights runs as a bf16 GEMM:
 * PyTorch refuses mixed dtypes there unless autocast casts the input down); else its first floating-point tensor,
 * else the analysis dtype.
 */
function opComputeDtype(node: OpNode, analysisDtype: DType): DType {
  if (CONTRACTIONS.has(node.category)) {
    const output = node.outputs[0];
    const d = !output || output.dtype === null || output.dtype === 'default' ? analysisDtype : output.dtype;
    if (FLOATING.has(d)) return d;
  }
  for (const t of node.inputs) {
    const d = t.dtype === null || t.dtype === 'default' ? analysisDtype : t.dtype;
    if (FLOATING.has(d)) return d;
  }
  for (const t of node.outputs) {
    const d = t.dtype === null || t.dtype === 'default' ? analysisDtype : t.dtype;
    if (FLOATING.has(d)) return d;
  }
  return analysisDtype;
}

/** Categories that run on the tensor unit in their output's dtype. */
const CONTRACTIONS = new Set(['matmul', 'conv', 'attention']);

/** A Triton kernel's attribute as a finite number, or null. */
function finiteAttr(attrs: CostContext['attrs'], name: string): number | null {
  const value = attrs[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** M, N, K of a contraction from its output shape and FLOPs: N = last output dim, M = the rest, K = F / (2·M·N). */
function gemmDims(output: readonly number[] | null | undefined, flops: number): { m: number; n: number; k: number } | null {
  if (!output || output.length === 0) return null;
  const n = output[output.length - 1] as number;
  const m = output.slice(0, -1).reduce((a, b) => a * b, 1);
  if (!(m > 0 && n > 0) || flops <= 0) return null;
  // Floor: a bias or added input contributes M·N more FLOPs, less than one extra K step.
  return { m, n, k: Math.max(1, Math.floor(flops / (2 * m * n) + 1e-9)) };
}

function isCount(value: number): boolean {
  return Number.isFinite(value) && value >= 0;
}

function isDim(value: unknown): value is Dim {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value;
}

/** Attributes with their Dims evaluated, as the cost formulas expect. */
function evaluateAttrs(attrs: Readonly<Record<string, AttrValue>>, bindings: Bindings): CostContext['attrs'] {
  const out: Record<string, number | string | boolean | readonly (number | undefined)[] | null | undefined> = {};
  // for-in rather than Object.entries: no array of pairs per op. Attributes are plain object literals.
  for (const name in attrs) {
    const value = attrs[name] as AttrValue;
    if (Array.isArray(value)) out[name] = value.map((d: Dim) => evalDim(d, bindings));
    else if (isDim(value)) out[name] = evalDim(value, bindings);
    else out[name] = value as number | string | boolean | null;
  }
  return out;
}

function describeDim(dim: Dim): string {
  switch (dim.kind) {
    case 'sym': return `${dim.name} unbound`;
    case 'unknown': return dim.why;
    default: return 'not evaluable';
  }
}

/** Which shapes were missing and why (an unbound symbol, an unknown dim), in words, for the unpriced note. */
function describeMissing(
  node: OpNode,
  inputs: readonly (readonly number[] | null)[],
  outputs: readonly (readonly number[] | null)[],
  bindings: Bindings,
): string | null {
  const missing: string[] = [];
  const why = (t: TensorValue): string => {
    if (t.shape === null) return 'not known';
    const reasons = new Set<string>();
    for (const dim of t.shape) collectReasons(dim, bindings, reasons);
    return reasons.size > 0 ? [...reasons].join(', ') : 'not evaluable';
  };
  node.inputs.forEach((t, i) => {
    if (inputs[i] === null) missing.push(`shape of input ${i + 1}${t.origin ? ` (${t.origin})` : ''}: ${why(t)}`);
  });
  node.outputs.forEach((t, i) => {
    if (outputs[i] === null) missing.push(`shape of output ${i + 1}: ${why(t)}`);
  });
  return missing.length > 0 ? missing.join('; ') : null;
}

function collectReasons(dim: Dim, bindings: Bindings, into: Set<string>): void {
  if (dim.kind === 'sym' && !bindings.has(dim.name)) into.add(`${dim.name} unbound`);
  else if (dim.kind === 'unknown') into.add(dim.why);
  else if (dim.kind === 'bin') {
    collectReasons(dim.left, bindings, into);
    collectReasons(dim.right, bindings, into);
  } else if (dim.kind === 'fn') for (const arg of dim.args) collectReasons(arg, bindings, into);
}
