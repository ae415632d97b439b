// MW203: a residual add whose sum a LayerNorm/RMSNorm reads straight back, in two kernels instead of one.
import type { OpNode } from '../ir/types';
import { describeSaving, formatBytes } from './format';
import { handWrittenNorms } from './MW204-hand-written-norm';
import { canonicalOp, isOp } from './ops';
import type { Rule, RuleContext, RuleFinding } from './types';

const NORMS = ['layer_norm', 'rms_norm'];

export const unfusedResidualNorm: Rule = {
  code: 'MW203',
  name: 'unfused-residual-norm',
  kind: 'norm-residual',
  defaultSeverity: 'warning',
  specificity: 2,
  underCompile: {
    fuses: true,
    note: 'Inductor fuses the add into the norm\'s reduction kernel (a pointwise prologue with the same element count).',
  },
  doc: {
    summary: 'Residual add and the LayerNorm/RMSNorm that reads its sum run as two kernels',
    finds: 'An add (usually the residual `x = x + f(x)`) whose result is read by a LayerNorm or RMSNorm, including across block boundaries (the last add of one block and the first norm of the next, or the final norm).',
    whyCosts: 'The add writes the sum to DRAM and the norm reads it straight back: one extra read (and, when nothing else needs the sum, one extra write) of the whole activation, plus a launch, for every layer.',
    example: 'x = x + self.attn(self.ln_1(x))\nh = self.ln_2(x)',
    useInstead: 'torch.compile (Inductor fuses the add into the norm), or a fused add+norm kernel that writes both the sum and the normalised output (vLLM\'s fused_add_rms_norm, TransformerEngine, a Triton kernel).',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    for (const norm of index.opsNamed(...NORMS)) {
      const input = norm.inputs[0];
      const add = input ? index.realProducer(input) : undefined;
      if (!add || !isOp(add, 'add') || add.category !== 'pointwise') continue;
      const opIds = [add.id, norm.id];
      const saving = index.fusionSaving(opIds);
      const sum = add.outputs[0];
      const size = sum ? index.bytes(sum) : null;
      const across = add.scope !== norm.scope ? ` in ${norm.scope}, across the module boundary` : '';
      findings.push({
        span: add.span,
        opIds,
        message:
          `${add.label} (line ${add.span.startLine + 1}) writes the residual sum${size === null ? '' : ` (${formatBytes(size)})`} and ` +
          `${norm.label} (line ${norm.span.startLine + 1}) reads it straight back${across}. One fused add+norm kernel ` +
          `${describeSaving(index, saving, add.id)}. ${remedy(norm)}`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    // A hand-written norm (MW204) right after the add: fusing the add into the norm kernel saves its part on top.
    for (const region of handWrittenNorms(index)) {
      const add = index.realProducer(region.input);
      if (!add || !isOp(add, 'add') || add.category !== 'pointwise') continue;
      const normIds = [...region.ops].map((op) => op.id);
      const withAdd = index.fusionSaving([add.id, ...normIds]);
      const normOnly = index.fusionSaving(normIds);
      const difference = (a: number | null, b: number | null) => (a === null || b === null ? null : Math.max(0, a - b));
      const saving = { bytesSaved: difference(withAdd.bytesSaved, normOnly.bytesSaved), timeSavedUs: difference(withAdd.timeSavedUs, normOnly.timeSavedUs) };
      const first = [...region.ops].sort((a, b) => a.span.start - b.span.start)[0];
      findings.push({
        span: add.span,
        opIds: [add.id, ...normIds],
        // The norm's own intermediates are MW204's: this finding counts only the sum it stops re-reading.
        claims: add.outputs.map((value) => value.id),
        message:
          `${add.label} (line ${add.span.startLine + 1}) writes the residual sum and the hand-written ` +
          `${region.centered ? 'LayerNorm' : 'RMSNorm'}${first ? ` (line ${first.span.startLine + 1})` : ''} reads it back. ` +
          `Folding the add into one fused add+norm kernel ${describeSaving(index, saving, add.id)} beyond fusing the norm itself (MW204). ` +
          `${remedy(region.centered ? 'layer_norm' : 'rms_norm')}`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};

function remedy(norm: OpNode | string): string {
  const fused = (typeof norm === 'string' ? norm : canonicalOp(norm)) === 'rms_norm' ? "vLLM's fused_add_rms_norm" : 'apex/TransformerEngine fused layer norms';
  return `Fuse them: torch.compile (Inductor fuses the add into the norm kernel), or a fused add+norm kernel (${fused}, or a Triton kernel) that writes the sum and the normalised output in one pass.`;
}
