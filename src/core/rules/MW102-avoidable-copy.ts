// MW102: copies that move data for nothing: needless clones and contiguous(), dtype round trips, materialised repeats.
import type { OpNode, TensorValue } from '../ir/types';
import { describeSaving, formatBytes, formatMicroseconds, opChain } from './format';
import type { GraphIndex } from './graph-index';
import { canonicalOp, isGemm } from './ops';
import { byDataflow, bySource, lineRange, output, soleReader } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

const CASTS = ['float', 'half', 'bfloat16', 'double', 'to', 'type_as', 'type'];
const REPEATS = ['repeat', 'repeat_interleave', 'tile'];
const TRANSPOSES = ['transpose', 't', 'mt', 'swapaxes', 'swapdims'];

export const avoidableCopy: Rule = {
  code: 'MW102',
  name: 'avoidable-copy',
  kind: 'copy',
  defaultSeverity: 'warning',
  specificity: 1,
  underCompile: {
    fuses: true,
    note: 'Inductor folds views, copies and casts into the indexing of the kernels that read them, so most of this traffic disappears.',
  },
  doc: {
    summary: 'A copy that moves data for nothing',
    finds: 'clone() of a tensor nothing else reads; contiguous() of a transpose that only a matmul reads (matmul takes transposed operands); an upcast followed by a cast back (`.float()` … `.half()`); repeat/repeat_interleave/expand+copy that materialises repeated data, such as repeating KV heads for grouped-query attention.',
    whyCosts: 'A copy reads and writes the whole tensor for no arithmetic; a repeat writes a tensor several times larger than its input, which the consumer then reads back; an fp32 round trip doubles the bytes of every intermediate.',
    example: 'k = k.repeat_interleave(n_rep, dim=1)  # [B, H_kv, T, d] → [B, H, T, d]',
    useInstead: 'Drop the copy; let matmul read the transposed view; F.scaled_dot_product_attention(..., enable_gqa=True) or a broadcasting matmul instead of repeating KV heads; keep the dtype or compute in fp32 inside one fused kernel (torch.compile, F.softmax(dtype=...)).',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    // Repeat copies by the attention op that reads them: the K and the V of one grouped-query attention.
    const repeatsByAttention = new Map<number, { readonly finding: number; readonly op: OpNode }[]>();
    const add = (ops: OpNode[], what: string, remedy: string, bytes: number | null | 'fusion'): void => {
      const sorted = bySource(ops);
      const anchor = ops[0] as OpNode;
      const opIds = [anchor.id, ...sorted.filter((op) => op !== anchor).map((op) => op.id)];
      // A copy that goes away saves its whole kernel; a round trip with math inside still runs as one kernel.
      const kernelsAfter = ops.every((op) => CASTS.includes(canonicalOp(op))) ? 0 : 1;
      const saving = bytes === 'fusion' ? index.fusionSaving(opIds, kernelsAfter) : index.saving(bytes, 1, opIds, 0);
      findings.push({
        span: anchor.span,
        opIds,
        message: `${what} Removing it ${describeSaving(index, saving, anchor.id)}. ${remedy}`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    };
    for (const op of index.ops) {
      const name = canonicalOp(op);
      // A copy of an expand (`k.expand(...).reshape(...)`, repeat_kv) materialises repeats, whatever its name.
      if (REPEATS.includes(name) || (op.category === 'copy' && expandsFirst(index, op))) {
        const reader = soleReader(index, output(op));
        const cost = index.cost(op.id);
        // For a copy of an expand, what is repeated is the expand's input: that is what the consumer could read.
        const source = expandedFrom(index, op) ?? op.inputs[0];
        const inBytes = source ? index.bytes(source) : null;
        const outBytes = output(op) ? index.bytes(output(op) as NonNullable<ReturnType<typeof output>>) : null;
        // The repeat kernel's traffic goes, and the consumer reads the small input instead of the repeated one.
        const bytes = cost?.bytes == null || inBytes === null || outBytes === null ? null : cost.bytes + outBytes - inBytes;
        const attention = reader && (canonicalOp(reader) === 'sdpa' || reader.category === 'attention');
        const remedy = attention
          ? 'Let attention broadcast the KV heads instead: F.scaled_dot_product_attention(q, k, v, enable_gqa=True) (PyTorch 2.5+).'
          : reader && isGemm(reader)
            ? 'Let the matmul broadcast: view the operand as [B, H_kv, 1, T, d] against q as [B, H_kv, n_rep, T, d] (or use expand, a view) instead of copying the repeats.'
            : expandedFrom(index, op)
              ? 'The reshape merges the expanded dim, which copies: keep the repeats a view and let the consumer broadcast (F.scaled_dot_product_attention(..., enable_gqa=True) for KV heads, or a matmul over [B, H_kv, n_rep, T, d]).'
              : 'Use expand (a view that moves nothing) where the consumer broadcasts, or index the original.';
        add([op], `${op.label} (line ${op.span.startLine + 1}) materialises repeated data${outBytes === null ? '' : ` (${formatBytes(outBytes)} written from ${formatBytes(inBytes ?? 0)})`}.`,
          remedy, bytes);
        const attentionOp = attentionReading(index, op);
        if (attentionOp) repeatsByAttention.set(attentionOp.id, [...(repeatsByAttention.get(attentionOp.id) ?? []), { finding: findings.length - 1, op }]);
      } else if (name === 'clone' || name === 'contiguous') {
        const input = op.inputs[0];
        if (!input) continue;
        const cost = index.cost(op.id);
        const bytes = cost?.bytes ?? null;
        const producer = index.producer(input);
        if (name === 'contiguous' && producer && producer.category === 'view' && TRANSPOSES.includes(canonicalOp(producer))) {
          const readers = index.realConsumers(output(op) ?? input).map((reach) => reach.op);
          if (readers.length > 0 && readers.every((reader) => isGemm(reader) && canonicalOp(reader) !== 'linear')) {
            add([op], `${op.label} (line ${op.span.startLine + 1}) copies a transposed view that only a matmul reads${sizeText(bytes)}.`,
              'Pass the transposed view to the matmul directly: cuBLAS reads transposed operands at no cost.', bytes);
          }
          continue;
        }
        // A clone that is then written in place may be there for autograd (the original is saved for backward).
        const mutated = index.consumers(output(op) ?? input).some((reader) => /(_|__setitem__|index_put)$/.test(reader.op));
        if (name === 'clone' && !mutated && index.realProducer(input) !== undefined && soleReader(index, input) === op) {
          add([op], `${op.label} (line ${op.span.startLine + 1}) copies a tensor that nothing else reads${sizeText(bytes)}.`,
            'Use the tensor itself: no other op reads the original, so the copy protects nothing.', bytes);
        }
      } else if (CASTS.includes(name) && op.category === 'pointwise') {
        const trip = roundTrip(index, op);
        if (trip) {
          add(trip, `A dtype round trip (${opChain(byDataflow(trip))}, ${lineRange(trip)}) widens the tensor and narrows it back: every intermediate moves twice the bytes.`,
            'Drop the round trip if fp32 is not needed; otherwise compute in fp32 inside one fused kernel (torch.compile, or an op\'s dtype= argument such as F.softmax(x, dim=-1, dtype=torch.float32)).',
            'fusion');
        }
      }
    }
    // One attention's repeated K and V go with one change (enable_gqa=True, or broadcasting both): each finding says
    // so, and the floor weighs the pair's saving, not half of it.
    for (const repeats of repeatsByAttention.values()) {
      if (repeats.length < 2) continue;
      const savings = repeats.map(({ finding }) => findings[finding]?.timeSavedUs ?? null);
      const together = savings.every((saving) => saving !== null) ? (savings as number[]).reduce((a, b) => a + b, 0) : null;
      for (const { finding, op } of repeats) {
        const current = findings[finding] as RuleFinding;
        const others = repeats.filter((other) => other.op !== op).map((other) => `${other.op.label} (line ${other.op.span.startLine + 1})`);
        const total = together === null ? '' : `: together ≈ ${formatMicroseconds(together)} per forward`;
        findings[finding] = {
          ...current,
          message: `${current.message} The same attention reads ${others.join(' and ')}, repeated too; one change removes both${total}.`,
          remedyTimeSavedUs: together,
        };
      }
    }
    return findings;
  },
};

/** How far a repeat copy's output is followed to the attention that reads it (RoPE and a cat sit between in litgpt). */
const ATTENTION_SEARCH_DEPTH = 8;

/**
 * The attention op that reads a repeat copy's output, directly or through a few ops (`k.reshape(...)`, then RoPE's
 * slices, multiplies and cat, then scaled_dot_product_attention), or undefined.
 */
function attentionReading(index: GraphIndex, op: OpNode): OpNode | undefined {
  let frontier: OpNode[] = [op];
  const seen = new Set<number>([op.id]);
  for (let depth = 0; depth < ATTENTION_SEARCH_DEPTH && frontier.length > 0; depth++) {
    const next: OpNode[] = [];
    for (const current of frontier) {
      for (const value of current.outputs) {
        for (const reader of index.consumers(value)) {
          if (seen.has(reader.id)) continue;
          seen.add(reader.id);
          if (reader.category === 'attention' || canonicalOp(reader) === 'sdpa') return reader;
          next.push(reader);
        }
      }
    }
    frontier = next;
  }
  return undefined;
}

function sizeText(bytes: number | null): string {
  return bytes === null ? '' : ` (${formatBytes(bytes)} read and written)`;
}

/** A copy (contiguous, reshape) of an expand: the broadcast is materialised. */
function expandsFirst(index: GraphIndex, op: OpNode): boolean {
  if (!['contiguous', 'reshape', 'clone'].includes(canonicalOp(op))) return false;
  for (let producer = op.inputs[0] ? index.producer(op.inputs[0]) : undefined; producer && producer.category === 'view';
    producer = producer.inputs[0] ? index.producer(producer.inputs[0]) : undefined) {
    if (canonicalOp(producer) === 'expand') return true;
  }
  return false;
}

/** The tensor an expand read, when a copy's input is (through views) an expand of it. */
function expandedFrom(index: GraphIndex, op: OpNode): TensorValue | undefined {
  for (let producer = op.inputs[0] ? index.producer(op.inputs[0]) : undefined; producer && producer.category === 'view';
    producer = producer.inputs[0] ? index.producer(producer.inputs[0]) : undefined) {
    if (canonicalOp(producer) === 'expand') return producer.inputs[0];
  }
  return undefined;
}

/** An upcast followed, through single-use elementwise ops, by a cast back to the original width. */
function roundTrip(index: GraphIndex, up: OpNode): OpNode[] | undefined {
  const input = up.inputs[0];
  const widened = output(up);
  if (!input || !widened) return undefined;
  const before = index.elementBytes(input);
  const after = index.elementBytes(widened);
  if (before === null || after === null || after <= before) return undefined;
  const ops: OpNode[] = [up];
  let last = up;
  for (let step = 0; step < 8; step++) {
    const next = soleReader(index, output(last));
    if (!next || next.category !== 'pointwise') return undefined;
    ops.push(next);
    const nextOutput = output(next);
    const width = nextOutput ? index.elementBytes(nextOutput) : null;
    if (CASTS.includes(canonicalOp(next)) && width !== null && width <= before) return ops;
    last = next;
  }
  return undefined;
}
