// The price of `loss.backward()`: the gradient products of the priced forward ops it differentiates, each about its forward op.
import type { Bound, Category, CostedOp, DType, OpGraph, OpNode, TensorValue } from '../ir/types';
import { formatBytes, formatFlops, formatTime } from '../format';

/** The ops a backward is priced for: `loss.backward()` and `torch.autograd.backward(loss)`. */
export const BACKWARD_OPS: ReadonlySet<string> = new Set(['torch.Tensor.backward', 'torch.autograd.backward']);

/**
 * FlashAttention-2's backward does 5 matmuls to the forward's 2 (it recomputes the scores), so its FLOPs are 2.5× the
 * forward's: Dao, "FlashAttention-2" (arXiv 2307.08691) §4.1, and flops() of Dao-AILab/flash-attention
 * benchmarks/benchmark_flash_attention.py (`2.5 * f` for "bwd"). It reads q, k, v, o, dO and writes dq, dk, dv: 8
 * tensors to the forward's 4, so twice its bytes.
 */
export const FUSED_ATTENTION_BACKWARD = { flops: 2.5, bytes: 2, time: 2.5 } as const;

/** nn.MultiheadAttention's one op holds its projections and an unfused attention: 2× like the contractions it is made of. */
const COMPOSITE_ATTENTION = new Set(['torch.nn.MultiheadAttention', 'torch.nn.functional.multi_head_attention_forward']);

/** Ops whose output carries no gradient whatever their inputs: autograd stops there. */
const GRADIENT_STOPS = new Set(['torch.Tensor.detach', 'torch.Tensor.detach_', 'torch.detach']);

/** Output dtypes autograd never differentiates: indices, masks, counts. */
const NOT_DIFFERENTIABLE: ReadonlySet<string> = new Set(['int64', 'int32', 'int8', 'uint8', 'bool']);

/** Categories whose backward is one product per input needing a gradient (the input's and the weight's). */
const CONTRACTIONS: ReadonlySet<Category> = new Set<Category>(['matmul', 'conv']);

/** How one differentiated forward op is counted. */
interface GradientTerm {
  readonly node: OpNode;
  readonly cost: CostedOp;
  /** Gradient products, each about the forward op's cost; fused attention scales FLOPs, bytes and time apart. */
  readonly flopsFactor: number;
  readonly bytesFactor: number;
  readonly timeFactor: number;
  /** The op's executions per backward: its repeat over the backward's (12 layers inside one step: 12). */
  readonly scale: number;
  /** Gradient products per backward in units of the forward op's FLOPs, bytes and time: factor × scale. */
  readonly flopsTimes: number;
  readonly bytesTimes: number;
  readonly timeTimes: number;
  readonly why: string;
}

/**
 * Prices a backward op from the costed forward. `costs` is aligned with graph.ops and holds every op's price except
 * the backward ops'; `base` is the backward's own entry as priceOp left it (its shapes, dtype and repeat).
 */
export function priceBackward(graph: OpGraph, node: OpNode, costs: readonly (CostedOp | undefined)[], base: CostedOp, analysisDtype: DType): CostedOp {
  const indexOf = new Map<number, number>();
  graph.ops.forEach((op, index) => indexOf.set(op.id, index));
  const opOf = (id: number | undefined): OpNode | undefined => (id === undefined ? undefined : graph.ops[indexOf.get(id) ?? -1]);
  const loss = node.inputs[0];
  const lossProducer = opOf(loss?.producer);
  if (!loss || !lossProducer) {
    return unpricedBackward(base, `not priced: the tensor differentiated (${loss?.origin ?? 'unknown'}) is not the output of an op MemWall saw, so the forward it differentiates is not known`);
  }

  // The loss's ancestors through real producer edges, then which of them need a gradient (a parameter upstream).
  const ancestors: OpNode[] = [];
  const seen = new Set<number>();
  const stack: OpNode[] = [lossProducer];
  while (stack.length > 0) {
    const op = stack.pop() as OpNode;
    if (seen.has(op.id)) continue;
    seen.add(op.id);
    ancestors.push(op);
    for (const input of op.inputs) {
      const producer = opOf(input.producer);
      if (producer && !seen.has(producer.id)) stack.push(producer);
    }
  }
  ancestors.sort((a, b) => a.id - b.id);
  const needs = new Map<number, boolean>();
  const needsGradient = (op: OpNode, depth = 0): boolean => {
    const known = needs.get(op.id);
    if (known !== undefined) return known;
    let result = false;
    const output = op.outputs[0];
    const stops = op.noGrad === true || GRADIENT_STOPS.has(op.op) || (output !== undefined && NOT_DIFFERENTIABLE.has(String(output.dtype)));
    // A creation is a leaf: it needs a gradient only when made with requires_grad=True (`torch.randn(..., requires_grad=True)`).
    if (op.category === 'creation') result = !stops && op.attrs.requires_grad === true;
    else if (!stops && depth < 10_000) result = op.inputs.some((input) => inputNeedsGradient(input, depth));
    needs.set(op.id, result);
    return result;
  };
  const inputNeedsGradient = (input: TensorValue, depth: number): boolean => {
    if (input.trainable === true) return true;
    const producer = opOf(input.producer);
    return producer !== undefined && needsGradient(producer, depth + 1);
  };
  // In id order (the order ops ran), so that each op's producers are known before it: no deep recursion.
  for (const op of ancestors) needsGradient(op);

  const backwardRepeat = base.repeat > 0 ? base.repeat : 1;
  const terms: GradientTerm[] = [];
  const unpricedOps: OpNode[] = [];
  let views = 0;
  let noGradOps = 0;
  for (const op of ancestors) {
    if (!needs.get(op.id)) {
      if (op.noGrad) noGradOps++;
      continue;
    }
    // An op on a fallback path (beside a fused kernel) does not run, forward or backward.
    if (op.fusedBy === 'fallback') continue;
    const cost = costs[indexOf.get(op.id) ?? -1];
    if (op.category === 'view' || cost?.unit === 'none') {
      views++;
      continue;
    }
    if (!cost || cost.flops === null || cost.bytes === null || cost.timeUs === null) {
      unpricedOps.push(op);
      continue;
    }
    const needing = op.inputs.map((input) => inputNeedsGradient(input, 0));
    const scale = cost.repeat / backwardRepeat;
    const products = gradientProducts(op, needing, scale);
    // A chained stack's products are counted whole (2·passes − 1), so that 12 layers give 23 products exactly.
    const times = (factor: number): number => (products.chained ? 2 * scale - 1 : factor * scale);
    terms.push({ node: op, cost, ...products, scale, flopsTimes: times(products.flopsFactor), bytesTimes: times(products.bytesFactor), timeTimes: times(products.timeFactor) });
  }
  if (unpricedOps.length > 0) {
    const named = unpricedOps.slice(0, 3).map((op) => `${op.label || op.op} (line ${op.span.startLine + 1})`).join(', ');
    const more = unpricedOps.length > 3 ? ` and ${unpricedOps.length - 3} more` : '';
    return unpricedBackward(base, `not priced: ${unpricedOps.length} of the forward ops it differentiates ${unpricedOps.length === 1 ? 'is' : 'are'} not priced (${named}${more}); counting the rest would under-count the backward`);
  }
  if (terms.length === 0) {
    return unpricedBackward(base, `not priced: no op upstream of the loss reads a trainable parameter${noGradOps > 0 ? ` (${noGradOps} ran under torch.no_grad)` : ''}, so MemWall finds nothing this backward differentiates`);
  }

  let flops = 0;
  let bytesRead = 0;
  let bytesWritten = 0;
  let timeUs = 0;
  let contraction = false;
  const timeByBound = new Map<Bound, number>();
  for (const term of terms) {
    const { cost } = term;
    flops += (cost.flops as number) * term.flopsTimes;
    bytesRead += (cost.bytesRead as number) * term.bytesTimes;
    bytesWritten += (cost.bytesWritten as number) * term.bytesTimes;
    const time = (cost.timeUs as number) * term.timeTimes;
    timeUs += time;
    timeByBound.set(cost.bound, (timeByBound.get(cost.bound) ?? 0) + time);
    if (cost.unit === 'tensor') contraction = true;
  }
  let bound: Bound = 'unknown';
  let boundTime = -1;
  for (const [candidate, time] of timeByBound) {
    if (time > boundTime) {
      bound = candidate;
      boundTime = time;
    }
  }
  const bytes = bytesRead + bytesWritten;
  const largest = [...terms].sort((a, b) => (b.cost.timeUs as number) * b.timeTimes - (a.cost.timeUs as number) * a.timeTimes).slice(0, 3);
  const products = terms.reduce((sum, term) => sum + term.flopsTimes, 0);
  const dtype = largest[0]?.cost.dtype ?? analysisDtype;
  const explain = [
    `backward of ${terms.length} forward op${terms.length === 1 ? '' : 's'} (${formatCount(products)} gradient products${views > 0 ? `; ${views} views, free` : ''}), estimated from their priced forward: FLOPs ${formatFlops(flops)}, bytes ${formatBytes(bytes)} (read ${formatBytes(bytesRead)}, write ${formatBytes(bytesWritten)}), time ≈ ${formatTime(timeUs)}`,
    'how: each gradient product costs about its forward op (FLOPs, bytes with the saved activations it reads, time with its own launch): a matmul, linear or conv 1× per operand needing a gradient (the weight gradient, and the input gradient when its input needs one: 1× on data, 2× on activations); fused attention 2.5× FLOPs and time, 2× bytes (FlashAttention-2: 5 matmuls to the forward\'s 2); pointwise, norm, softmax, reduction, embedding and copy ops 1×; views free; each scaled by its repeat over the backward\'s',
    `largest: ${largest.map((term) => `${term.node.label || term.node.op} (line ${term.node.span.startLine + 1}) ${term.why}${term.scale !== 1 ? `, ${formatCount(term.scale)} passes per backward` : ''}: ${formatTime((term.cost.timeUs as number) * term.timeTimes)}`).join('; ')}`,
    `time: the sum of the gradient products' times; bound: ${bound}, the bound of ${Math.round((boundTime / timeUs) * 100)}% of that time`,
    'not differentiated: ops with no trainable parameter upstream (data, masks, creations), ops under torch.no_grad, detached values, integer outputs',
    ...(noGradOps > 0 ? [`${noGradOps} op${noGradOps === 1 ? '' : 's'} upstream of the loss ran under torch.no_grad: not differentiated`] : []),
  ];
  return {
    node: base.node, inputShapes: base.inputShapes, outputShapes: base.outputShapes, dtype, repeat: base.repeat,
    flops, bytesRead, bytesWritten, bytes, intensity: bytes > 0 ? flops / bytes : null, timeUs, bound,
    unit: contraction ? 'tensor' : 'vector', ridge: largest[0]?.cost.ridge ?? null, explain,
  };
}

/** The gradient products of one forward op, given which of its inputs need a gradient. */
function gradientProducts(op: OpNode, needing: readonly boolean[], scale: number): Pick<GradientTerm, 'flopsFactor' | 'bytesFactor' | 'timeFactor' | 'why'> & { chained?: boolean } {
  if (CONTRACTIONS.has(op.category) && !needing[0] && needing[1] && scale > 1) {
    // One op standing for several passes in one backward (a stack of layers in a loop), on data in its first pass:
    // the passes after the first read the previous pass's output, which needs its gradient. Counted so: an op run
    // on several independent data inputs (crops of one batch) is then over-counted, never under-counted.
    const factor = 1 + (scale - 1) / scale;
    return { flopsFactor: factor, bytesFactor: factor, timeFactor: factor, chained: true, why: `weight gradient on every pass, input gradient on the ${formatCount(scale - 1)} after the first (a repeated layer reads its previous pass's output)` };
  }
  if (CONTRACTIONS.has(op.category)) {
    // The first two operands are the contraction's (input and weight, or both activations); a bias's gradient is a sum
    // a GEMM epilogue folds in. A trainable bias alone still costs one pass over the output gradient: counted as one.
    const operands = (needing[0] ? 1 : 0) + (needing[1] ? 1 : 0);
    const factor = Math.max(1, operands);
    const what = needing[0] && needing[1] ? 'input and weight gradients' : needing[1] ? 'weight gradient' : needing[0] ? 'input gradient' : 'bias gradient';
    return { flopsFactor: factor, bytesFactor: factor, timeFactor: factor, why: `${factor}× (${what})` };
  }
  if (op.category === 'attention') {
    if (COMPOSITE_ATTENTION.has(op.op)) return { flopsFactor: 2, bytesFactor: 2, timeFactor: 2, why: '2× (projections and unfused attention: input and weight gradients)' };
    return { flopsFactor: FUSED_ATTENTION_BACKWARD.flops, bytesFactor: FUSED_ATTENTION_BACKWARD.bytes, timeFactor: FUSED_ATTENTION_BACKWARD.time, why: '2.5× FLOPs (fused attention backward)' };
  }
  return { flopsFactor: 1, bytesFactor: 1, timeFactor: 1, why: '1×' };
}

function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function unpricedBackward(base: CostedOp, why: string): CostedOp {
  return {
    node: base.node, inputShapes: base.inputShapes, outputShapes: base.outputShapes, dtype: base.dtype, repeat: base.repeat,
    flops: null, bytesRead: null, bytesWritten: null, bytes: null, intensity: null, timeUs: null, bound: 'unknown', unit: 'tensor', ridge: null,
    explain: [why, 'a backward is priced from the forward ops it differentiates (each gradient product about its forward op)'],
  };
}
