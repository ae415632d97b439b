// MW204: LayerNorm or RMSNorm written out as mean/var/rsqrt/multiply ops, each its own kernel over the activation.
import type { OpNode, TensorValue } from '../ir/types';
import { describeSaving, opChain } from './format';
import type { GraphIndex } from './graph-index';
import { canonicalOp } from './ops';
import { byDataflow, bySource, elementCount, isLeaf, lineRange, output, soleReader } from './patterns';
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
  const full = elementCount(index, input);
  if (!input || full === null) return undefined;
  // Forward: from the statistic through `+ eps`, `rsqrt`... to the op that brings it back to the full size.
  const scaling = findScaling(index, output(seed), full, []);
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
    if (!isCast && !others.every((value) => isLeaf(index, value))) break;
    ops.add(next);
    last = next;
  }
  // The tensor being normalised: the full-size value the region reads from outside (x, not the weight).
  let normalised: TensorValue = input;
  for (const op of ops) {
    for (const value of op.inputs) {
      const producer = index.realProducer(value);
      if ((producer && ops.has(producer)) || elementCount(index, value) !== full) continue;
      normalised = value;
    }
  }
  return { ops, centered, input: normalised };
}

/** Breadth-first from the statistic through small ops to the first op whose output has the full element count. */
function findScaling(
  index: GraphIndex,
  value: TensorValue | undefined,
  full: number,
  path: OpNode[],
): { path: OpNode[]; scale: OpNode } | undefined {
  if (!value || path.length > 5) return undefined;
  for (const { op } of index.realConsumers(value)) {
    if (op.category !== 'pointwise') continue;
    if (elementCount(index, output(op)) === full) {
      if (['mul', 'div'].includes(canonicalOp(op))) return { path, scale: op };
      continue;
    }
    if (!STATISTIC_OPS.includes(canonicalOp(op))) continue;
    const found = findScaling(index, output(op), full, [...path, op]);
    if (found) return found;
  }
  return undefined;
}

/** `x * x`: a multiply of a value by itself. */
function squares(index: GraphIndex, op: OpNode): boolean {
  const [a, b] = op.inputs;
  return !!a && !!b && index.throughViews(a).id === index.throughViews(b).id;
}
