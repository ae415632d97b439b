// MW406: a masked row kernel whose block is much larger than the row: most lanes of every program idle.
import { formatMicroseconds, opName } from './format';
import { computeSeconds, kernelOps, memorySeconds } from './triton-kernels';
import type { Rule, RuleContext, RuleFinding } from './types';

/** Flag when fewer than this share of a block's lanes hold row elements. */
const MIN_ACTIVE_SHARE = 0.5;

export const tritonIdleLanes: Rule = {
  code: 'MW406',
  name: 'triton-idle-lanes',
  kind: 'triton-kernel',
  defaultSeverity: 'information',
  underCompile: { fuses: false, note: 'torch.compile does not change a user-written Triton kernel\'s block size.' },
  doc: {
    summary: 'A masked Triton block much larger than the row it covers',
    finds: 'Triton kernels whose loads cover a row with tl.arange(0, BLOCK) < n_cols where, at the stated sizes, fewer than half of the BLOCK lanes hold row elements.',
    whyCosts: 'Masked-off lanes move no bytes but still execute every instruction and hold registers: the program does BLOCK lanes of work for n_cols elements, and the larger block lowers occupancy.',
    example: 'offs = tl.arange(0, 4096)  # BLOCK_SIZE=4096 for rows of 1000\nx = tl.load(ptr + offs, mask=offs < n_cols)',
    useInstead: 'Size the block to the row: BLOCK_SIZE = triton.next_power_of_2(n_cols); for short rows process several rows per program with a 2-D block [ROWS, BLOCK].',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const kernel of kernelOps(ctx)) {
      const row = kernel.value('rowLength');
      const block = kernel.value('rowBlock');
      if (row === undefined || block === undefined || block <= 0 || row <= 0 || row / block >= MIN_ACTIVE_SHARE) continue;
      const active = row / block;
      const flops = kernel.cost?.flops ?? null;
      const vectorPeak = ctx.hardware.vectorPeak.fp32?.value;
      const computeNow = flops === null ? null : computeSeconds(ctx, flops, vectorPeak);
      const memory = kernel.cost?.bytes == null ? 0 : memorySeconds(ctx, kernel.cost.bytes);
      // With the block sized to the row (its next power of two), the lanes and their compute shrink in proportion.
      const fittedBlock = 2 ** Math.ceil(Math.log2(row));
      const saved = computeNow === null ? null
        : Math.max(0, Math.max(computeNow, memory) - Math.max((computeNow * fittedBlock) / block, memory)) * 1e6 * (kernel.cost?.repeat ?? 1);
      findings.push({
        span: kernel.op.span,
        opIds: [kernel.op.id],
        message:
          `${opName(kernel.op)} covers rows of ${row} elements with blocks of ${block} lanes: ${Math.round((1 - active) * 100)}% ` +
          'of every program\'s lanes are masked off yet still execute and hold registers' +
          (saved !== null && saved > 0 ? ` (≈ ${formatMicroseconds(saved)} of compute per launch)` : ' (hidden behind memory at these sizes, but it lowers occupancy)') +
          '. Use BLOCK_SIZE = triton.next_power_of_2(n_cols), or process several rows per program with a 2-D block.',
        bytesSaved: 0,
        timeSavedUs: saved,
      });
    }
    return findings;
  },
};
