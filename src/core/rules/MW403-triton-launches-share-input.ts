// MW403: consecutive Triton launches that read the same tensor: one kernel could read it once.
import { describeSaving, formatBytes, opName } from './format';
import { kernelOps } from './triton-kernels';
import type { Rule, RuleContext, RuleFinding } from './types';

export const tritonLaunchesShareInput: Rule = {
  code: 'MW403',
  name: 'triton-launches-share-input',
  kind: 'triton-kernel',
  defaultSeverity: 'information',
  underCompile: { fuses: false, note: 'torch.compile does not merge user-written Triton kernels.' },
  doc: {
    summary: 'Consecutive Triton launches that read the same data',
    finds: 'Two Triton launches in a row, in the same function, that load the same tensor while neither reads what the other wrote, when both are memory-bound.',
    whyCosts: 'Each launch streams the shared tensor from DRAM again and pays its own launch; one kernel that produces both results reads it once.',
    example: 'row_sum[(M,)](x, sums, N)\nrow_max[(M,)](x, maxes, N)  # reads x again',
    useInstead: 'Merge the two kernels into one that loads the shared block once and stores both results (horizontal fusion), as fused norm kernels compute mean and variance together.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const findings: RuleFinding[] = [];
    const kernels = kernelOps(ctx);
    for (const [i, second] of kernels.entries()) {
      const first = kernels[i - 1];
      if (!first) continue;
      if (first.op.scope !== second.op.scope) continue;
      if (first.cost?.bound !== 'memory' || second.cost?.bound !== 'memory') continue;
      if (second.op.inputs.some((v) => v.producer === first.op.id)) continue;
      const shared = second.op.inputs.find((v) => first.op.inputs.some((u) => u.id === v.id));
      if (!shared) continue;
      const bytes = ctx.index.bytes(shared);
      const saving = ctx.index.saving(bytes, 1, [second.op.id, first.op.id]);
      findings.push({
        span: second.op.span,
        opIds: [second.op.id, first.op.id],
        message:
          `${opName(second.op)} reads ${bytes === null ? 'the same tensor' : `the same ${formatBytes(bytes)} tensor`} as ` +
          `${opName(first.op)} right before it, and both are memory-bound: one kernel that loads the block once and ` +
          `stores both results would skip a full read and a launch; ${describeSaving(ctx.index, saving, second.op.id)}.`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};
