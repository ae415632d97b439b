// MW206: attention written as q @ kᵀ, scale, mask, softmax, dropout, @ v: the T×T scores go through DRAM several times.
import type { OpNode, TensorValue } from '../ir/types';
import { describeSaving, formatBytes, opChain } from './format';
import type { GraphIndex } from './graph-index';
import { canonicalOp, isGemm } from './ops';
import { bySource, elementCount, lineRange, output, soleReader } from './patterns';
import { sdpaFix } from './sdpa-fix';
import type { Rule, RuleContext, RuleFinding } from './types';

/** Ops that may sit between the scores GEMM and the softmax: scale, mask, casts. */
const BEFORE_SOFTMAX = ['mul', 'div', 'add', 'masked_fill', 'where', 'float', 'to', 'sub'];
/**
 * Ops that may sit between the softmax and the second GEMM: dropout, casts, and transformers' optional head mask
 * (`attn_weights * head_mask`, run when the interpreter cannot tell it is None).
 */
const AFTER_SOFTMAX = ['dropout', 'to', 'type_as', 'half', 'bfloat16', 'float', 'mul'];

/** The ops of one hand-written attention, in dataflow order. */
export interface AttentionRegion {
  readonly scores: OpNode;
  readonly beforeSoftmax: readonly OpNode[];
  readonly softmax: OpNode;
  readonly afterSoftmax: readonly OpNode[];
  readonly output: OpNode;
  /** The probabilities are also returned (transformers' optional attention weights): SDPA does not give them. */
  readonly probabilitiesReturned: boolean;
}

export const handWrittenAttention: Rule = {
  code: 'MW206',
  name: 'hand-written-attention',
  kind: 'attention',
  defaultSeverity: 'warning',
  specificity: 2,
  underCompile: {
    fuses: true,
    note: 'Inductor\'s pattern matcher rewrites common hand-written attention into scaled_dot_product_attention; check the compiled graph if the pattern is unusual.',
  },
  doc: {
    summary: 'Attention written out, materialising the T×T scores',
    finds: 'A matmul of queries and keys, then optional scaling, masking and casts, a softmax, optional dropout and a matmul with the values.',
    whyCosts: 'The [B, H, T, T] score matrix is written and read back by every step (scale, mask, softmax, dropout, the second matmul): Θ(T²) DRAM traffic per head, which dominates at long sequences. FlashAttention keeps each tile of scores on chip and moves only Q, K, V and the output.',
    example: 'att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))\natt = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))\natt = F.softmax(att, dim=-1)\ny = att @ v',
    useInstead: 'F.scaled_dot_product_attention(q, k, v, attn_mask=..., dropout_p=..., is_causal=..., scale=...) with the same semantics (FlashAttention / memory-efficient kernels); the quick fix writes the call.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    for (const softmax of index.opsNamed('softmax')) {
      const region = attentionRegion(index, softmax);
      if (!region) continue;
      const ops = [region.scores, ...region.beforeSoftmax, region.softmax, ...region.afterSoftmax, region.output];
      const opIds = ops.map((op) => op.id);
      // The mask computation (`self.bias[...] == 0`) goes with the region: SDPA takes is_causal or the mask itself.
      const feeders = feedersOf(index, ops, [...region.beforeSoftmax, ...region.afterSoftmax], [region.scores, region.output]);
      const saving = index.fusionSaving(opIds);
      const scores = output(region.scores);
      const scoreBytes = scores ? index.bytes(scores) : null;
      const shape = scores ? index.shape(scores) : null;
      const roundTrips = ops.length - 1;
      const sorted = bySource(ops);
      const fix = sdpaFix(ctx, region);
      findings.push({
        span: region.scores.span,
        opIds: [...opIds, ...feeders.map((op) => op.id)],
        message:
          `Hand-written attention (${opChain(ops)}, ${lineRange(sorted)}) materialises the scores` +
          `${shape ? ` [${shape.join(', ')}]` : ''}${scoreBytes === null ? '' : ` (${formatBytes(scoreBytes)})`} and passes them ` +
          `through DRAM ${roundTrips} times. F.scaled_dot_product_attention keeps them on chip (FlashAttention) and ` +
          `${describeSaving(index, saving, region.scores.id)}.` +
          (region.probabilitiesReturned
            ? ' The probabilities are also returned: SDPA does not give them, so compute them only when the caller asks (as transformers does for output_attentions).'
            : '') +
          `${fix ? ' A quick fix writes the call.' : ''}`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
        ...(fix ? { fix } : {}),
      });
    }
    return findings;
  },
};

/** Walks back from a softmax to the scores GEMM and forward to the values GEMM; undefined when it is not attention. */
export function attentionRegion(index: GraphIndex, softmax: OpNode): AttentionRegion | undefined {
  const found = softmax.inputs[0] ? scoresPath(index, softmax.inputs[0], 0) : undefined;
  if (!found) return undefined;
  const { scores, beforeSoftmax } = found;
  // The scores must feed the softmax path alone, or they are needed elsewhere (returned attention weights).
  const chain = [scores, ...beforeSoftmax];
  for (let i = 0; i < chain.length; i++) {
    if (soleReader(index, output(chain[i] as OpNode)) !== (chain[i + 1] ?? softmax)) return undefined;
  }
  const afterSoftmax: OpNode[] = [];
  let last = softmax;
  let probabilitiesReturned = false;
  for (let step = 0; step < 4; step++) {
    const probabilities = output(last);
    let next = soleReader(index, probabilities);
    // Probabilities a module also returns (`return out, attn_weights`) are read by the next op all the same.
    const readers = probabilities ? index.realConsumers(probabilities) : [];
    if (!next && probabilities && readers.length === 1 && index.escapesOnlyByReturn(probabilities)) {
      next = readers[0]?.op;
      probabilitiesReturned = true;
    }
    if (!next) return undefined;
    if (isGemm(next)) {
      const first = next.inputs[0];
      const probabilities = output(last);
      if (!first || !probabilities || index.throughViews(first).id !== index.throughViews(probabilities).id) return undefined;
      return { scores, beforeSoftmax, softmax, afterSoftmax, output: next, probabilitiesReturned };
    }
    if (next.category !== 'pointwise' || !AFTER_SOFTMAX.includes(canonicalOp(next))) return undefined;
    afterSoftmax.push(next);
    last = next;
  }
  return undefined;
}

/** Small ops whose results only the region reads (the mask comparison), found by walking back from its inputs. */
function feedersOf(index: GraphIndex, region: readonly OpNode[], from: readonly OpNode[], gemms: readonly OpNode[]): OpNode[] {
  const inside = new Set(region.map((op) => op.id));
  const feeders: OpNode[] = [];
  const visit = (op: OpNode, depth: number): void => {
    for (const input of op.inputs) {
      const producer = index.producer(input);
      if (!producer || inside.has(producer.id) || depth > 3) continue;
      // q, k and v (what the GEMMs read) stay: they are SDPA's own inputs; `type_as(q)` only reads q's dtype.
      if (index.consumers(input).length === 0 || gemms.some((gemm) => index.consumers(input).includes(gemm))) continue;
      if (producer.outputs.some((value) => gemms.some((gemm) => gemm.inputs.some((i) => index.throughViews(i).id === value.id)))) continue;
      if (producer.category !== 'pointwise' && producer.category !== 'view') continue;
      const readers = producer.outputs.flatMap((value) => index.consumers(value));
      if (readers.length === 0 || !readers.every((reader) => inside.has(reader.id))) continue;
      inside.add(producer.id);
      feeders.push(producer);
      visit(producer, depth + 1);
    }
  };
  // Only the scale, mask and dropout steps: q, k and v come in as SDPA's own inputs.
  for (const op of from) visit(op, 0);
  return feeders.filter((op) => op.category !== 'view');
}

/**
 * Back from the softmax's input through scale, mask, bias and casts to the scores GEMM: the ops in dataflow order, or
 * undefined when the path meets anything else. Each elementwise op is followed through its inputs, largest first (the
 * scores rather than the mask or the scale); where sizes are unknown every input is tried, so a mask whose size is
 * known does not hide the scores whose size is not.
 */
function scoresPath(index: GraphIndex, value: TensorValue, depth: number): { scores: OpNode; beforeSoftmax: OpNode[] } | undefined {
  const producer = index.realProducer(value);
  if (!producer || depth > 6) return undefined;
  if (isGemm(producer)) return { scores: producer, beforeSoftmax: [] };
  if (producer.category !== 'pointwise' || !BEFORE_SOFTMAX.includes(canonicalOp(producer))) return undefined;
  const inputs = [...producer.inputs].sort((a, b) => (elementCount(index, b) ?? -1) - (elementCount(index, a) ?? -1));
  for (const input of inputs) {
    const found = scoresPath(index, input, depth + 1);
    if (found) return { scores: found.scores, beforeSoftmax: [...found.beforeSoftmax, producer] };
  }
  return undefined;
}
