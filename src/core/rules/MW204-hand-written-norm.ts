// MW204: LayerNorm or RMSNorm written out as mean/var/rsqrt/multiply ops, each its own kernel over the activation.
import type { OpNode, TensorValue } from '../ir/types';
import { describeSaving, opChain } from './format';
import type { GraphIndex } from './graph-index';
import { canonicalOp } from './ops';
import { byDataflow, bySource, isLeaf, lineRange, output, sizeKey, soleReader } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

/**
 * Reductions a hand-written norm starts from: the mean (of squares for RMS), the variance or the deviation.
 * `x / x.norm(...)` is left out: it is an L2 normalisation (F.normalize), not a LayerNorm or an RMSNorm.
 */
const SEEDS = ['mean', 'var', 'std'];
/** Ops between the statistic and the scaling: `+ eps`, `rsqrt`, `sqrt`, `1 /`, `** -0.5`, casts. */
const STATISTIC_OPS = ['add', 'rsqrt', 'sqrt', 'pow', 'reciprocal', 'div', 'clamp', 'clamp_min', 'float', 'to'];
const INVERSE_SQRT = ['rsqrt', 'sqrt', 'pow', 'reciprocal'];
/** Ops that prepare the reduction's input: squaring, centering, an upcast. */
const PREPARE_OPS = ['pow', 'square', 'mul', 'sub', 'float', 'to'];
/** Ops after the scaling that a fused norm also does: affine weight and bias, a downcast back. */
const AFFINE_OPS = ['mul', 'add', 'to', 'type_as', 'half', 'bfloat16', 'float'];

export const handWrittenNorm: Rule = {
  code: 'MW204',
  name: 'hand-written-norm',
  kind: 'norm',
  defaultSeverity: 'warning',
  specificity: 2,
  underCompile: {
    fuses: true,
    note: 'Inductor fuses the reduction with its pointwise prologue and epilogue into one or two kernels.',
  },
  doc: {
    summary: 'LayerNorm or RMSNorm written out op by op',
    finds: 'A mean, variance or norm over the last dimension followed by `+ eps`, `rsqrt`/`sqrt` and a multiply or divide back to the full tensor (with its squaring, centering, affine weight and casts), e.g. `x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)`.',
    whyCosts: 'Each op is a kernel that reads or writes the whole activation: the square, the reduction, the normalising multiply, the weight multiply and the casts move the tensor 5 to 10 times where a fused norm reads it once and writes it once.',
    example: 'x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight',
    useInstead: 'F.rms_norm / nn.RMSNorm (PyTorch 2.4+) or F.layer_norm / nn.LayerNorm, Liger-Kernel\'s LigerRMSNorm / LigerLayerNorm, apex FusedRMSNorm, or torch.compile.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    for (const region of handWrittenNorms(index)) {
      const ops = bySource(region.ops);
      const anchor = ops[0] as OpNode;
      const opIds = [anchor.id, ...ops.slice(1).map((op) => op.id)];
      const saving = index.fusionSaving(opIds);
      const api = region.centered
        ? 'F.layer_norm(x, (d,), weight, bias, eps) / nn.LayerNorm, or Liger-Kernel\'s LigerLayerNorm'
        : 'F.rms_norm(x, (d,), weight, eps) / nn.RMSNorm (PyTorch 2.4+), or Liger-Kernel\'s LigerRMSNorm';
      findings.push({
        span: anchor.span,
        opIds,
        message:
          `Hand-written ${region.centered ? 'LayerNorm' : 'RMSNorm'} (${opChain(byDataflow(ops))}, ${lineRange(ops)}) runs as ` +
          `${ops.filter((op) => op.category !== 'view').length} kernels that each move the activation. ` +
          `One fused norm kernel ${describeSaving(index, saving, anchor.id)}. Use ${api}; torch.compile also fuses it.`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};

/** A hand-written norm: its ops, whether it centres (LayerNorm) or not (RMSNorm), and the tensor it normalises. */
export interface NormRegion {
  readonly ops: ReadonlySet<OpNode>;
  readonly centered: boolean;
  readonly input: TensorValue;
}

const regionsByIndex = new WeakMap<GraphIndex, readonly NormRegion[]>();

/** Every hand-written norm of the graph, found once per index (MW203 and MW204 both ask). */
export function handWrittenNorms(index: GraphIndex): readonly NormRegion[] {
  const cached = regionsByIndex.get(index);
  if (cached) return cached;
  const regions: NormRegion[] = [];
  const claimed = new Set<number>();
  for (const seed of index.opsNamed(...SEEDS)) {
    if (seed.category === 'pointwise' || claimed.has(seed.id)) continue;
    const region = normRegion(index, seed);
    if (!region) continue;
    for (const op of region.ops) claimed.add(op.id);
    regions.push(region);
  }
  regionsByIndex.set(index, regions);
  return regions;
}

/** The ops of a hand-written norm around a reduction, or undefined when the reduction is not one. */
function normRegion(index: GraphIndex, seed: OpNode): NormRegion | undefined {
  const input = seed.inputs[0];
  if (!input) return undefined;
  const full = sizeKey(index, input);
  // Forward: from the statistic through `+ eps`, `rsqrt`... to the op that brings it back to the full size. Where
  // sizes are unknown, to the op that multiplies the statistic back into the tensor that was reduced.
  const scaling = findScaling(index, output(seed), full, reducedSources(index, input), []);
  if (!scaling) return undefined;
  const { path, scale } = scaling;
  const names = [...path, scale].map(canonicalOp);
  const isNorm = names.some((n) => INVERSE_SQRT.includes(n)) || (canonicalOp(scale) === 'div' && path.length > 0);
  if (!isNorm) return undefined;
  const ops = new Set<OpNode>([seed, ...path, scale]);
  // Backward: the squaring or centering that feeds the reduction, and the centering the scaling multiplies.
  let centered = ['var', 'std'].includes(canonicalOp(seed));
  const addPreparation = (value: TensorValue | undefined, depth: number): void => {
    if (!value || depth > 3) return;
    const producer = index.realProducer(value);
    if (!producer || ops.has(producer)) return;
    const name = canonicalOp(producer);
    if (producer.category === 'reduction' && name === 'mean' && depth > 0) {
      ops.add(producer);
      centered = true;
      return;
    }
    if (producer.category !== 'pointwise' || !PREPARE_OPS.includes(name)) return;
    if (name === 'mul' && !squares(index, producer)) return;
    if (name === 'sub') centered = true;
    ops.add(producer);
    for (const next of producer.inputs) addPreparation(next, depth + 1);
  };
  addPreparation(input, 0);
  for (const other of scale.inputs) if (other !== output(path[path.length - 1] ?? seed)) addPreparation(other, 1);
  // Forward again: the affine weight and bias, and a cast back, each read only by the next.
  let last = scale;
  for (let step = 0; step < 3; step++) {
    const next = soleReader(index, output(last));
    if (!next || next.category !== 'pointwise' || !AFFINE_OPS.includes(canonicalOp(next))) break;
    const isCast = ['to', 'type_as', 'half', 'bfloat16', 'float'].includes(canonicalOp(next));
    const others = next.inputs.filter((value) => index.throughViews(value).id !== index.throughViews(output(last) as TensorValue).id);
    // The weight may be prepared on the way (`1 + self.weight.float()`): still a parameter, not an activation.
    if (!isCast && !others.every((value) => fromParameters(index, value, 0))) break;
    ops.add(next);
    // The weight's own preparation runs inside the fused norm too (and is no chain of its own). A cast's other
    // input (`output.type_as(x)`) gives only its dtype: what made x (a residual add) is no part of the norm.
    if (!isCast) for (const value of others) addParameterMath(index, value, ops, 0);
    last = next;
  }
  // The tensor being normalised: the full-size value the region reads from outside (x, not the weight).
  let normalised: TensorValue = input;
  for (const op of ops) {
    for (const value of op.inputs) {
      const producer = index.realProducer(value);
      if ((producer && ops.has(producer)) || (full === null ? !reducedSources(index, input).has(index.throughViews(value).id) : sizeKey(index, value) !== full)) continue;
      normalised = value;
    }
  }
  return { ops, centered, input: normalised };
}

/**
 * The values a reduction's input was prepared from (`x` in `x.float().pow(2).mean(-1)`, `x - mean`): the reduction's
 * input itself and, back through squaring, centering and casts, what they read. Ids through views.
 */
function reducedSources(index: GraphIndex, input: TensorValue): Set<number> {
  const sources = new Set<number>();
  const visit = (value: TensorValue, depth: number): void => {
    const base = index.throughViews(value);
    sources.add(base.id);
    const producer = index.realProducer(base);
    if (!producer || depth > 3 || producer.category !== 'pointwise' || !PREPARE_OPS.includes(canonicalOp(producer))) return;
    if (canonicalOp(producer) === 'mul' && !squares(index, producer)) return;
    for (const next of producer.inputs) visit(next, depth + 1);
  };
  visit(input, 0);
  return sources;
}

/** Adds the pointwise ops that compute a weight from parameters (`1 + self.weight.float()`) to a region. */
function addParameterMath(index: GraphIndex, value: TensorValue, ops: Set<OpNode>, depth: number): void {
  const producer = index.realProducer(value);
  if (!producer || producer.category !== 'pointwise' || depth > 3) return;
  ops.add(producer);
  for (const input of producer.inputs) addParameterMath(index, input, ops, depth + 1);
}

/** True for a parameter, buffer or constant, or small pointwise math over them only (`1 + self.weight.float()`). */
function fromParameters(index: GraphIndex, value: TensorValue, depth: number): boolean {
  if (isLeaf(index, value)) return true;
  const producer = index.realProducer(value);
  return !!producer && depth < 3 && producer.category === 'pointwise' && producer.inputs.every((input) => fromParameters(index, input, depth + 1));
}

/**
 * Breadth-first from the statistic through small ops to the first op whose output has the full element count, or,
 * where the count is unknown (`full` null), the first multiply or divide that also reads what was reduced (`sources`).
 */
function findScaling(
  index: GraphIndex,
  value: TensorValue | undefined,
  full: string | null,
  sources: ReadonlySet<number>,
  path: OpNode[],
): { path: OpNode[]; scale: OpNode } | undefined {
  if (!value || path.length > 5) return undefined;
  for (const { op } of index.realConsumers(value)) {
    if (op.category !== 'pointwise') continue;
    const fullSize = full !== null ? sizeKey(index, output(op)) === full : op.inputs.some((input) => input !== value && sources.has(index.throughViews(input).id));
    if (fullSize) {
      if (['mul', 'div'].includes(canonicalOp(op))) return { path, scale: op };
      continue;
    }
    if (!STATISTIC_OPS.includes(canonicalOp(op))) continue;
    const found = findScaling(index, output(op), full, sources, [...path, op]);
    if (found) return found;
  }
  return undefined;
}

/** `x * x`: a multiply of a value by itself. */
function squares(index: GraphIndex, op: OpNode): boolean {
  const [a, b] = op.inputs;
  return !!a && !!b && index.throughViews(a).id === index.throughViews(b).id;
}
