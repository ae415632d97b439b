// MW402: a Triton kernel writes a tensor that the next kernel reads straight back: fuse the two kernels.
import { describeSaving, formatBytes, opName } from './format';
import { kernelOps } from './triton-kernels';
import type { Rule, RuleContext, RuleFinding } from './types';

export const tritonIntermediateRoundTrip: Rule = {
  code: 'MW402',
  name: 'triton-intermediate-round-trip',
  kind: 'triton-kernel',
  defaultSeverity: 'warning',
  specificity: 1,
  underCompile: { fuses: false, note: 'torch.compile does not fuse two user-written Triton kernels.' },
  doc: {
    summary: 'A Triton kernel writes an intermediate that the following kernel reads back',
    finds: 'Two Triton launches where the second loads a tensor that the first stored and nothing else reads, and at least one of the two is memory-bound.',
    whyCosts: 'The intermediate is written to DRAM and read back: twice its size in traffic, plus a launch, for data that could have stayed in registers or shared memory.',
    example: 'matmul_kernel[grid](q, k_t, scores, ...)\nsoftmax_kernel[(M,)](probs, scores, ...)  # reads the scores back',
    useInstead: 'Fuse the second kernel into the first: apply a pointwise or row-wise step to the accumulator before tl.store (a GEMM epilogue), or for scores followed by softmax use a flash-attention kernel with an online softmax, which never writes the scores.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const findings: RuleFinding[] = [];
    const kernels = kernelOps(ctx);
    const byId = new Map(kernels.map((k) => [k.op.id, k]));
    for (const consumer of kernels) {
      for (const input of consumer.op.inputs) {
        const producer = input.producer === undefined ? undefined : byId.get(input.producer);
        if (!producer || producer.op.id === consumer.op.id) continue;
        const readers = ctx.index.consumers(input);
        if (readers.length !== 1) continue;
        if (producer.cost?.bound !== 'memory' && consumer.cost?.bound !== 'memory') continue;
        const bytes = ctx.index.bytes(input);
        const saving = ctx.index.saving(bytes === null ? null : 2 * bytes, 1, [consumer.op.id, producer.op.id]);
        const size = bytes === null ? 'an intermediate of unknown size' : `the ${formatBytes(bytes)} intermediate`;
        findings.push({
          span: consumer.op.span,
          opIds: [consumer.op.id, producer.op.id],
          message:
            `${opName(consumer.op)} reads back ${size} that ${opName(producer.op)} just wrote: a DRAM round trip ` +
            '(written once, read once) and one more launch. Fuse them: apply this step to the first kernel\'s result ' +
            'before its tl.store (an epilogue), or for scores then softmax a flash-attention kernel with an online ' +
            `softmax; ${describeSaving(ctx.index, saving, consumer.op.id)}.`,
          bytesSaved: saving.bytesSaved,
          timeSavedUs: saving.timeSavedUs,
        });
      }
    }
    return findings;
  },
};
