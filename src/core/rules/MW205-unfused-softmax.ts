// MW205: softmax or log-softmax written out (exp, sum, divide), or a softmax whose neighbours run as extra kernels.
import type { OpNode } from '../ir/types';
import { describeSaving, opChain } from './format';
import type { GraphIndex } from './graph-index';
import { canonicalOp, isOp } from './ops';
import { byDataflow, bySource, lineRange, output, reads, sameElementCount, soleReader } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

/** Casts and scalings that sit around a softmax and fuse into its kernel. */
const NEIGHBOURS = ['float', 'to', 'type_as', 'half', 'bfloat16', 'mul', 'div', 'log', 'add', 'sub'];

export const unfusedSoftmax: Rule = {
  code: 'MW205',
  name: 'unfused-softmax',
  kind: 'softmax',
  defaultSeverity: 'warning',
  specificity: 1,
  underCompile: {
    fuses: true,
    note: 'Inductor fuses the max, exp, sum and divide and their pointwise neighbours into one reduction kernel.',
  },
  doc: {
    summary: 'Softmax written out, or a softmax whose casts and scalings run as separate kernels',
    finds: 'exp(x - max) divided by its sum, x - logsumexp(x) and log(softmax(x)) written as separate ops; and a built-in softmax with single-use elementwise neighbours (an upcast before it, a cast, scale or log after it).',
    whyCosts: 'Written out, softmax takes 4 or 5 kernels that each read or write the whole tensor where one fused kernel reads it once and writes it once; log(softmax(x)) also loses precision. Casts and scalings around a softmax add a round trip each.',
    example: 'e = torch.exp(x - x.amax(-1, keepdim=True))\np = e / e.sum(-1, keepdim=True)',
    useInstead: 'F.softmax / F.log_softmax with dtype= for the upcast, torch.compile, or a fused consumer (F.scaled_dot_product_attention for attention scores, F.cross_entropy for a loss).',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    const claimed = new Set<number>();
    const report = (ops: OpNode[], what: string, remedy: string): void => {
      if (ops.some((op) => claimed.has(op.id))) return;
      for (const op of ops) claimed.add(op.id);
      const sorted = bySource(ops);
      const anchor = sorted[0] as OpNode;
      const opIds = sorted.map((op) => op.id);
      const saving = index.fusionSaving(opIds);
      findings.push({
        span: anchor.span,
        opIds,
        message:
          `${what} (${opChain(byDataflow(sorted))}, ${lineRange(sorted)}) runs as ${sorted.filter((op) => op.category !== 'view').length} kernels. ` +
          `One fused kernel ${describeSaving(index, saving, anchor.id)}. ${remedy}`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    };
    for (const op of index.opsNamed('exp', 'logsumexp', 'log')) {
      const name = canonicalOp(op);
      if (name === 'exp' && op.category === 'pointwise') {
        const ops = writtenSoftmax(index, op);
        if (ops) report(ops, 'Hand-written softmax', 'Use F.softmax(x, dim=-1) (or F.log_softmax), which is one kernel; torch.compile also fuses it.');
      } else if (name === 'logsumexp' || (name === 'log' && op.category === 'pointwise')) {
        const ops = writtenLogSoftmax(index, op);
        if (ops) report(ops, 'Hand-written log-softmax', 'Use F.log_softmax(x, dim=-1): one kernel, and numerically stable.');
      }
    }
    for (const softmax of index.opsNamed('softmax', 'log_softmax')) {
      if (claimed.has(softmax.id)) continue;
      const neighbours = softmaxNeighbours(index, softmax);
      if (neighbours.length === 0) continue;
      const usesLog = neighbours.some((op) => canonicalOp(op) === 'log');
      report(
        [softmax, ...neighbours],
        usesLog ? 'log(softmax(x))' : `${softmax.label} with its casts and scalings`,
        usesLog
          ? 'Use F.log_softmax(x, dim=-1): one kernel instead of two, and it does not lose precision on small probabilities.'
          : 'Fold them in: F.softmax(x, dim=-1, dtype=torch.float32) upcasts inside the kernel; torch.compile fuses the rest.',
      );
    }
    return findings;
  },
};

/** exp(x [- max]) / exp(...).sum(...): the ops of a softmax written out, or undefined. */
function writtenSoftmax(index: GraphIndex, exp: OpNode): OpNode[] | undefined {
  const e = output(exp);
  if (!e) return undefined;
  const readers = index.realConsumers(e).map((reach) => reach.op);
  const sum = readers.find((op) => isOp(op, 'sum') && op.category === 'reduction');
  if (!sum) return undefined;
  const divide = readers.find((op) => isOp(op, 'div') && reads(index, op, output(sum) as NonNullable<ReturnType<typeof output>>));
  if (!divide) return undefined;
  const ops = [exp, sum, divide];
  // The max subtraction that keeps exp from overflowing.
  const shifted = exp.inputs[0] ? index.realProducer(exp.inputs[0]) : undefined;
  if (shifted && isOp(shifted, 'sub')) {
    ops.push(shifted);
    for (const input of shifted.inputs) {
      const max = index.realProducer(input);
      if (max && isOp(max, 'max') && max.category === 'reduction') ops.push(max);
    }
  }
  return ops;
}

/** x - logsumexp(x), or log(exp(x) / sum): a log-softmax written out. */
function writtenLogSoftmax(index: GraphIndex, op: OpNode): OpNode[] | undefined {
  if (canonicalOp(op) === 'logsumexp') {
    const sub = index.realConsumers(output(op) as NonNullable<ReturnType<typeof output>>).map((r) => r.op).find((r) => isOp(r, 'sub'));
    const x = op.inputs[0];
    return sub && x && reads(index, sub, x) ? [op, sub] : undefined;
  }
  return undefined;
}

/** Single-use casts and scalings just before and after a built-in softmax, of the same size. */
function softmaxNeighbours(index: GraphIndex, softmax: OpNode): OpNode[] {
  const out: OpNode[] = [];
  const input = softmax.inputs[0];
  const before = input ? index.realProducer(input) : undefined;
  if (
    before && before.category === 'pointwise' && ['float', 'to'].includes(canonicalOp(before)) &&
    soleReader(index, output(before)) === softmax
  ) {
    out.push(before);
  }
  let last = softmax;
  for (let step = 0; step < 2; step++) {
    const next = soleReader(index, output(last));
    if (!next || next.category !== 'pointwise' || !NEIGHBOURS.includes(canonicalOp(next))) break;
    if (!sameElementCount(index, output(next), output(softmax))) break;
    out.push(next);
    last = next;
  }
  return out;
}
