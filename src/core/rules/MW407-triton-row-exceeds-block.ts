// MW407: a single-block row kernel whose row is longer than its block: the tail of every row is never touched.
import { opName } from './format';
import { kernelOps } from './triton-kernels';
import type { Rule, RuleContext, RuleFinding } from './types';

export const tritonRowExceedsBlock: Rule = {
  code: 'MW407',
  name: 'triton-row-exceeds-block',
  kind: 'triton-kernel',
  defaultSeverity: 'error',
  underCompile: { fuses: false, note: 'torch.compile does not change a user-written Triton kernel.' },
  doc: {
    summary: 'A row kernel whose row does not fit its block',
    finds: 'Triton kernels that cover a row with one block from a fixed start (tl.arange(0, BLOCK) < n_cols) where, at the stated sizes, the row is longer than the block.',
    whyCosts: 'Only the first BLOCK elements of each row are loaded: a reduction over the row (softmax, norm) is computed on part of it and the rest of the output is never written, so the result is wrong, whatever the speed.',
    example: 'offs = tl.arange(0, 1024)  # BLOCK_SIZE=1024\nrow = tl.load(ptr + offs, mask=offs < n_cols)  # n_cols = 4096\ntl.sum(row, axis=0)',
    useInstead: 'Make the block cover the row (BLOCK_SIZE = triton.next_power_of_2(n_cols)) or loop over the row in BLOCK-sized chunks, with an online (running max and sum) softmax or a two-pass norm.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const kernel of kernelOps(ctx)) {
      const row = kernel.value('rowLength');
      const block = kernel.value('rowBlock');
      if (row === undefined || block === undefined || row <= block) continue;
      const reduces = typeof kernel.op.attrs.reductions === 'number' && kernel.op.attrs.reductions > 0;
      findings.push({
        span: kernel.op.span,
        opIds: [kernel.op.id],
        message:
          `${opName(kernel.op)} covers rows of ${row} elements with a single block of ${block}: only the first ${block} ` +
          `elements of each row are loaded${reduces ? ', so its reduction sees part of the row and the result is wrong' : ' and the rest is never processed'}. ` +
          'Set BLOCK_SIZE = triton.next_power_of_2(n_cols), or loop over the row in chunks (online softmax, two-pass norm). ' +
          'MemWall\'s byte figures for this kernel assume the whole row is read.',
        bytesSaved: null,
        timeSavedUs: null,
      });
    }
    return findings;
  },
};
