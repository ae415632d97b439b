// MW101: the memory-bound ops that dominate a forward's estimated time (information, ranked, a few per forward).
import type { Category, CostedOp, OpNode } from '../ir/types';
import { formatBytes, formatMicroseconds, opName, shareOfForward } from './format';
import { ridgePoint } from '../cost/price';
import { BACKWARD_OPS } from '../cost/training';
import type { Rule, RuleContext, RuleFinding } from './types';

/** An op is a hotspot when it takes at least this share of its forward's estimated time... */
const MIN_SHARE = 0.05;
/** ...and is among this many costliest memory-bound ops of that forward. */
const MAX_PER_FORWARD = 5;

/** What to do about a memory-bound op, by category: the remedy that cuts its DRAM traffic. */
const REMEDY: Readonly<Partial<Record<Category, string>>> = {
  pointwise: 'fuse it with its neighbours so its input and output stay on chip (torch.compile, or a Triton kernel)',
  reduction: 'fuse it with the op that produces its input (torch.compile fuses a reduction with its pointwise neighbours)',
  normalization: 'use a fused norm kernel that also takes the residual add (Liger-Kernel LigerRMSNorm/LigerLayerNorm, apex FusedLayerNorm, torch.compile)',
  softmax: 'fuse it with its producer and consumer: F.scaled_dot_product_attention for attention scores, torch.compile otherwise',
  attention: 'use F.scaled_dot_product_attention (FlashAttention), which never writes the T×T scores to DRAM',
  copy: 'avoid the copy: keep the layout the consumer reads, or let the consumer read a view',
  matmul: 'its operands are large for the work it does (a skinny or small batched GEMM): give it more rows per call (larger B·T, batched requests), fuse it into its neighbours (F.scaled_dot_product_attention for attention scores), or use lower-precision operands',
  conv: 'batch more images per call, use channels_last, or lower precision',
  embedding: 'its gathers are memory-bound by nature; fuse what follows it (position add, dropout, norm)',
  training: 'update the parameters in one fused pass (torch.optim.AdamW(..., fused=True) or apex FusedAdam instead of a kernel per statement), and keep the optimizer states in lower precision (bitsandbytes 8-bit Adam) to cut the bytes',
  triton_kernel: 'check the kernel\'s loads and stores for reuse: a larger tile or fewer passes over the data (see MW4xx)',
};

export const memoryBoundHotspot: Rule = {
  code: 'MW101',
  name: 'memory-bound-hotspot',
  kind: 'memory-bound',
  defaultSeverity: 'information',
  // Below every fusion rule: an op a fusion finding already covers is reported there, with its remedy.
  specificity: -1,
  underCompile: {
    fuses: true,
    note: 'Inductor fuses this op with its pointwise and reduction neighbours where their shapes allow, so its own DRAM round trip mostly disappears.',
  },
  doc: {
    summary: 'An op that dominates the forward\'s time while waiting on memory',
    finds: 'The few costliest memory-bound ops of each forward (each at least 5% of its estimated time, at most 5 per forward), ranked by time; an op that a fusion finding (MW2xx) already covers is reported there instead.',
    whyCosts: 'A memory-bound op\'s arithmetic intensity (FLOPs per DRAM byte) is below the GPU\'s ridge point, so its time is its bytes divided by the bandwidth and the compute units idle. On an H100 a bf16 add does 1 FLOP per 6 bytes against a ridge of ~295 FLOP/B on tensor cores and ~20 on the vector unit.',
    example: 'h = F.gelu(self.c_fc(x))  # reads and writes B·T·4C elements for a few FLOPs each',
    useInstead: 'Cut the bytes: fuse the op with its neighbours (torch.compile, a Triton kernel, a fused library kernel such as Liger-Kernel), keep activations in bf16, or remove copies. The MW2xx findings name the concrete fusions.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const byForward = new Map<number, { op: OpNode; cost: CostedOp; time: number }[]>();
    for (const cost of ctx.costs) {
      const op = cost.node;
      // A backward is a sum of gradient products whose forward ops get their own findings: it is not one op to fix.
      if (cost.bound !== 'memory' || ['view', 'creation'].includes(op.category) || op.fusedBy === 'fallback' || BACKWARD_OPS.has(op.op)) continue;
      const time = ctx.index.totalTimeUs(op.id);
      if (time === null || time <= 0) continue;
      const key = ctx.index.forwardKey(op.id);
      const list = byForward.get(key) ?? [];
      list.push({ op, cost, time });
      byForward.set(key, list);
    }
    const findings: RuleFinding[] = [];
    for (const candidates of byForward.values()) {
      candidates.sort((a, b) => b.time - a.time);
      candidates.slice(0, MAX_PER_FORWARD).forEach(({ op, cost, time }, rank) => {
        const forward = ctx.index.forwardTimeUs(op.id);
        if (forward <= 0 || time / forward < MIN_SHARE) return;
        findings.push({
          span: op.span,
          opIds: [op.id],
          message: message(ctx, op, cost, time / forward, rank + 1),
          bytesSaved: null,
          timeSavedUs: null,
        });
      });
    }
    return findings;
  },
};

function message(ctx: RuleContext, op: OpNode, cost: CostedOp, share: number, rank: number): string {
  // The ridge the verdict used (η included), so that the numbers the message quotes agree with its bound.
  const ridge = cost.unit === 'none' ? null : cost.ridge ?? ridgePoint(ctx.hardware, cost.unit, cost.dtype, ctx.graph.tf32Enabled);
  const intensity = cost.intensity === null ? '' : ` at ${cost.intensity.toFixed(1)} FLOP/B`;
  const ridgeText = ridge === null ? '' : ` against a ridge of ${Math.round(ridge)} FLOP/B (${cost.unit === 'tensor' ? 'tensor cores' : 'vector unit'}, at achievable efficiency)`;
  const bytes = cost.bytes === null ? '' : `moves ${formatBytes(cost.bytes)}${intensity}${ridgeText}, `;
  const time = cost.timeUs === null ? 'takes an unknown time' : `takes ≈ ${formatMicroseconds(cost.timeUs)}`;
  const repeat = cost.repeat > 1 ? ` ×${cost.repeat}` : '';
  const remedy = REMEDY[op.category] ?? 'cut the bytes it moves, or fuse it with its neighbours';
  return (
    `${opName(op)} is memory-bound on ${ctx.hardware.name} (${cost.dtype}): it ${bytes}${time}${repeat} = ` +
    `${shareOfForward(ctx.index, share, op.id)} (memory-bound op #${rank} of this forward by time). ` +
    `Its time is set by DRAM bandwidth, not compute: ${remedy}.`
  );
}
