// MW401: a memory-bound Triton kernel that loads the same addresses at several sites (a multi-pass kernel).
import { describeSaving, formatBytes, opName } from './format';
import { kernelOps } from './triton-kernels';
import type { Rule, RuleContext, RuleFinding } from './types';

export const tritonMultiPassReread: Rule = {
  code: 'MW401',
  name: 'triton-multi-pass-reread',
  kind: 'triton-kernel',
  defaultSeverity: 'warning',
  underCompile: { fuses: false, note: 'torch.compile does not rewrite hand-written Triton kernels.' },
  doc: {
    summary: 'A memory-bound Triton kernel that reads the same data more than once',
    finds: 'Triton kernels whose program loads one address expression at two or more tl.load sites (typically a loop over the row per pass: mean, variance, normalise), when the kernel is memory-bound.',
    whyCosts: 'Each extra pass re-reads the whole tensor; when the launch\'s data is larger than L2 the re-reads come from DRAM, and a memory-bound kernel\'s time grows with every byte.',
    example: 'for off in range(0, N, BLOCK_SIZE):\n    a = tl.load(X + off + tl.arange(0, BLOCK_SIZE))  # pass 1\nfor off in range(0, N, BLOCK_SIZE):\n    x = tl.load(X + off + tl.arange(0, BLOCK_SIZE))  # pass 2 reads X again',
    useInstead: 'Load the row once and keep it in registers: BLOCK_SIZE = triton.next_power_of_2(N) when the row fits (N·element size up to ~64 KB, as the Triton layer-norm tutorial does), or compute the statistics in one pass (Welford, or sum and sum of squares) so the data is read once for the statistics and once to normalise.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const kernel of kernelOps(ctx)) {
      const tensors = kernel.op.attrs.rereadTensors;
      const reread = kernel.value('rereadBytes');
      if (typeof tensors !== 'string' || reread === undefined || reread <= 0) continue;
      if (kernel.cost?.bound !== 'memory') continue;
      const saving = ctx.index.saving(reread, 0, [kernel.op.id]);
      findings.push({
        span: kernel.op.span,
        opIds: [kernel.op.id],
        message:
          `${opName(kernel.op)} loads ${tensors} again at another tl.load of the same addresses: ${formatBytes(reread)} ` +
          `re-read per launch on top of ${formatBytes(kernel.cost.bytes ?? 0)} of compulsory traffic, in a memory-bound kernel ` +
          '(L2 absorbs the re-reads only while the rows of all running programs fit in it). ' +
          'Read the row once: keep it in registers with BLOCK_SIZE = triton.next_power_of_2(N) when it fits, ' +
          `or compute the statistics in one pass (Welford); ${describeSaving(ctx.index, saving, kernel.op.id)}.`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};
