// MW201: consecutive pointwise ops whose intermediates are used once, each written to DRAM and read back.
import type { OpNode } from '../ir/types';
import type { GraphIndex } from './graph-index';
import { canonicalOp } from './ops';
import { describeSaving, formatBytes, opChain } from './format';
import { lineRange } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

export const unfusedPointwiseChain: Rule = {
  code: 'MW201',
  name: 'unfused-pointwise-chain',
  kind: 'pointwise-chain',
  defaultSeverity: 'warning',
  specificity: 0,
  underCompile: {
    fuses: true,
    note: 'Inductor fuses chains of pointwise ops with equal element counts into one kernel, so these intermediates never reach DRAM.',
  },
  doc: {
    summary: 'Chain of pointwise ops that each round-trip through DRAM',
    finds: 'Two or more elementwise ops in a row (through views) where each intermediate result is read by exactly one op: in eager PyTorch each op is its own kernel.',
    whyCosts: 'Every kernel writes its whole output to DRAM and the next kernel reads it back: each intermediate costs its size twice in traffic, plus one kernel launch (~4 µs). Pointwise ops do a few FLOPs per element, so their time is these bytes divided by the bandwidth; fused, the chain costs about as much as one op.',
    example: 'y = torch.sigmoid(x) * 2.0 + 1.0  # three kernels, two intermediates of the size of x',
    useInstead: 'torch.compile the function or module (Inductor fuses the chain into one Triton kernel), or write one Triton kernel. For known patterns see MW203 (residual + norm), MW207 (SwiGLU), MW208 (RoPE), MW211 (dropout + residual).',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    // An op priced at zero (dropout with p=0 or in eval, an identity) runs no kernel: it links no chain.
    const pointwise = (op: OpNode | undefined): op is OpNode =>
      op !== undefined && op.category === 'pointwise' && op.fusedBy !== 'fallback' && index.cost(op.id)?.timeUs !== 0;
    // Edges producer → consumer where the producer's output has exactly one real reader, itself pointwise.
    const next = new Map<number, { consumer: OpNode; intermediateBytes: number | null }>();
    for (const op of index.ops) {
      if (!pointwise(op) || op.outputs.length !== 1) continue;
      const output = op.outputs[0];
      // An intermediate a more specific finding already saves (inside a hand-written norm, a GEMM epilogue) is its.
      if (!output || ctx.claimed.has(`value:${output.id}`)) continue;
      const only = index.soleReader(output);
      if (!pointwise(only)) continue;
      next.set(op.id, { consumer: only, intermediateBytes: index.bytes(output) });
    }
    // Groups are connected pieces of these edges (a chain, or a tree such as a(x) * b(x) with both used once).
    const parent = new Map<number, number>();
    const find = (id: number): number => {
      let root = id;
      while ((parent.get(root) ?? root) !== root) root = parent.get(root) as number;
      return root;
    };
    const linked = new Set<number>();
    next.forEach(({ consumer }, from) => {
      const a = find(from);
      const b = find(consumer.id);
      if (a !== b) parent.set(Math.max(a, b), Math.min(a, b));
      linked.add(from);
      linked.add(consumer.id);
    });
    const groups = new Map<number, OpNode[]>();
    for (const op of index.ops) {
      if (!linked.has(op.id)) continue;
      const root = find(op.id);
      const list = groups.get(root);
      if (list) list.push(op);
      else groups.set(root, [op]);
    }
    const findings: RuleFinding[] = [];
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      members.sort((a, b) => a.span.start - b.span.start);
      const intermediates = members.filter((op) => next.has(op.id)).map((op) => next.get(op.id)?.intermediateBytes ?? null);
      const known = intermediates.every((b): b is number => b !== null);
      const bytes = known ? intermediates.reduce((sum, b) => sum + 2 * b, 0) : null;
      const anchor = members[0] as OpNode;
      const opIds = members.map((op) => op.id);
      const saving = index.saving(bytes, members.length - 1, opIds);
      const sizes = known && intermediates.length > 0 ? ` (${describeIntermediates(intermediates)})` : '';
      const gelu = writtenOutGelu(index, members);
      findings.push({
        span: anchor.span,
        opIds,
        message:
          `${members.length} pointwise ops in a row (${opChain(members)}, ${lineRange(members)}) run as ` +
          `${members.length} kernels: ${intermediates.length > 1 ? `${intermediates.length} intermediates${sizes} go` : `the intermediate${sizes} goes`} ` +
          `to DRAM and straight back. One fused kernel ${describeSaving(index, saving, anchor.id)}. ` +
          (gelu
            ? 'They are the tanh approximation of GELU written out: F.gelu(x, approximate="tanh") (nn.GELU(approximate="tanh")) computes it in one kernel, and after a GEMM it fuses into the GEMM\'s epilogue (MW202).'
            : 'Fuse them: torch.compile the function or module (Inductor fuses pointwise chains), or write one Triton kernel.'),
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};

/**
 * The tanh GELU written out (`0.5 * x * (1 + tanh(√(2/π) * (x + 0.044715 * x³)))`, BLOOM's and GPT-2's `gelu_new`):
 * a tanh among the ops, and one tensor from outside that the ops read three times or more (x, x³ or x·x, 0.5·x).
 */
function writtenOutGelu(index: GraphIndex, members: readonly OpNode[]): boolean {
  if (members.length < 5 || !members.some((op) => canonicalOp(op) === 'tanh')) return false;
  const ids = new Set(members.map((op) => op.id));
  const reads = new Map<number, number>();
  for (const op of members) {
    for (const input of op.inputs) {
      const producer = index.realProducer(input);
      if (producer && ids.has(producer.id)) continue;
      const base = index.throughViews(input).id;
      reads.set(base, (reads.get(base) ?? 0) + 1);
    }
  }
  const [only] = reads.values();
  return reads.size === 1 && only !== undefined && only >= 3;
}

function describeIntermediates(sizes: readonly number[]): string {
  const first = sizes[0] as number;
  if (sizes.length === 1) return formatBytes(first);
  return sizes.every((s) => s === first) ? `${formatBytes(first)} each` : sizes.map(formatBytes).join(', ');
}
