// MW208: rotary position embedding written as slices, rotate_half (neg + cat), cos/sin multiplies and an add.
import type { OpNode, TensorValue } from '../ir/types';
import { describeSaving, opChain } from './format';
import type { GraphIndex } from './graph-index';
import { canonicalOp } from './ops';
import { byDataflow, bySource, lineRange, output, soleReader } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

export const unfusedRotaryEmbedding: Rule = {
  code: 'MW208',
  name: 'unfused-rotary-embedding',
  kind: 'rope',
  defaultSeverity: 'warning',
  specificity: 2,
  underCompile: {
    fuses: true,
    note: 'Inductor fuses the slices, negation, concatenation and multiplies into one pointwise kernel.',
  },
  doc: {
    summary: 'Rotary embedding (RoPE) as slices, rotate_half, multiplies and adds',
    finds: 'x * cos + rotate_half(x) * sin with rotate_half written as slicing, negation and torch.cat (or stack); the halves form torch.cat([x1 * cos + x2 * sin, x1 * (-sin) + x2 * cos]); and the complex form view_as_complex(x) * freqs_cis.',
    whyCosts: 'Each step writes a tensor the size of q or k and the next reads it back: the negation, the concatenation, two multiplies and the add move q and k about ten times where a fused kernel reads them once and writes them once.',
    example: 'q = q * cos + torch.cat((-q[..., d // 2:], q[..., :d // 2]), dim=-1) * sin',
    useInstead: 'Liger-Kernel\'s liger_rotary_pos_emb, flash-attn\'s apply_rotary_emb, or torch.compile.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    for (const op of index.ops) {
      const joined = canonicalOp(op) === 'cat' || canonicalOp(op) === 'stack';
      const ops = joined ? (rotateHalf(index, op) ?? rotatedHalves(index, op)) : complexRotation(index, op);
      if (!ops) continue;
      // The diagnostic sits on the rotation itself: the concatenation of rotate_half, or the complex multiply.
      const sorted = bySource(ops);
      const anchor = ops[0] as OpNode;
      const opIds = [anchor.id, ...sorted.filter((o) => o !== anchor).map((o) => o.id)];
      const saving = index.fusionSaving(opIds);
      findings.push({
        span: anchor.span,
        opIds,
        message:
          `Rotary embedding written out (${opChain(byDataflow(sorted))}, ${lineRange(sorted)}) runs as ` +
          `${sorted.filter((o) => o.category !== 'view').length} kernels over q or k. One fused RoPE kernel ` +
          `${describeSaving(index, saving, anchor.id)}. Use Liger-Kernel's liger_rotary_pos_emb or flash-attn's ` +
          'apply_rotary_emb; torch.compile also fuses it.',
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};

/** cat((-x2, x1)) of two halves of one tensor, then * sin, + x * cos: the rotate_half form. */
function rotateHalf(index: GraphIndex, cat: OpNode): OpNode[] | undefined {
  if (cat.inputs.length !== 2) return undefined;
  const bases = new Set<number>();
  const ops: OpNode[] = [cat];
  let negated = false;
  for (const input of cat.inputs) {
    const producer = index.realProducer(input);
    let piece: TensorValue = input;
    if (producer && canonicalOp(producer) === 'neg' && producer.inputs[0]) {
      negated = true;
      ops.push(producer);
      piece = producer.inputs[0];
    }
    // Each half is a slice (a view) of the same tensor.
    if (index.producer(piece)?.category !== 'view') return undefined;
    bases.add(index.throughViews(piece).id);
  }
  if (!negated || bases.size !== 1) return undefined;
  const x = [...bases][0] as number;
  // * sin, then + (x * cos).
  const sinMultiply = soleReader(index, output(cat));
  if (!sinMultiply || canonicalOp(sinMultiply) !== 'mul') return ops;
  ops.push(sinMultiply);
  const add = soleReader(index, output(sinMultiply));
  if (!add || canonicalOp(add) !== 'add') return ops;
  ops.push(add);
  for (const input of add.inputs) {
    const cosMultiply = index.realProducer(input);
    if (cosMultiply && cosMultiply !== sinMultiply && canonicalOp(cosMultiply) === 'mul' &&
      cosMultiply.inputs.some((value) => index.throughViews(value).id === x)) {
      ops.push(cosMultiply);
    }
  }
  return ops;
}

/**
 * cat([x1 * cos + x2 * sin, x1 * (-sin) + x2 * cos]) of two halves of one tensor: the halves form (nanochat, GPT-J
 * style without rotate_half). Each half of the output is an add (or subtract) of two multiplies, each multiply reading
 * a slice of the same tensor.
 */
function rotatedHalves(index: GraphIndex, cat: OpNode): OpNode[] | undefined {
  if (cat.inputs.length !== 2) return undefined;
  const ops: OpNode[] = [cat];
  const bases = new Set<number>();
  for (const input of cat.inputs) {
    const sum = index.realProducer(input);
    if (!sum || sum.category !== 'pointwise' || !['add', 'sub'].includes(canonicalOp(sum)) || sum.inputs.length !== 2) return undefined;
    ops.push(sum);
    for (const term of sum.inputs) {
      const multiply = index.realProducer(term);
      if (!multiply || canonicalOp(multiply) !== 'mul') return undefined;
      const slice = multiply.inputs.find((value) => index.producer(value)?.category === 'view');
      if (!slice) return undefined;
      bases.add(index.throughViews(slice).id);
      ops.push(multiply);
      // `x1 * (-sin)`: the negated table is part of the rotation.
      for (const value of multiply.inputs) {
        const negation = index.realProducer(value);
        if (negation && canonicalOp(negation) === 'neg') ops.push(negation);
      }
    }
  }
  return bases.size === 1 ? ops : undefined;
}

/** view_as_complex(x) * freqs_cis, read back by view_as_real: the complex form (Llama's reference code). */
function complexRotation(index: GraphIndex, multiply: OpNode): OpNode[] | undefined {
  if (canonicalOp(multiply) !== 'mul') return undefined;
  const fromComplex = multiply.inputs.some((value) => {
    const producer = index.producer(value);
    return producer !== undefined && canonicalOp(producer) === 'view_as_complex';
  });
  if (!fromComplex) return undefined;
  const ops: OpNode[] = [multiply];
  // Casts on the way in (x.float()) and out (.type_as(x)) belong to the same kernel once fused.
  for (const value of multiply.inputs) {
    const complex = index.producer(value);
    const cast = complex?.inputs[0] ? index.realProducer(complex.inputs[0]) : undefined;
    if (cast && ['float', 'to'].includes(canonicalOp(cast)) && soleReader(index, output(cast))) ops.push(cast);
  }
  const after = soleReader(index, output(multiply));
  if (after && ['type_as', 'to', 'half', 'bfloat16'].includes(canonicalOp(after))) ops.push(after);
  return ops;
}
