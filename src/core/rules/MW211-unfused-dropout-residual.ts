// MW211: dropout (after a bias add) followed by the residual add, as separate kernels over the same activation.
import type { OpNode } from '../ir/types';
import { describeSaving, opChain } from './format';
import { canonicalOp } from './ops';
import { byDataflow, bySource, lineRange, output, soleReader } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

export const unfusedDropoutResidual: Rule = {
  code: 'MW211',
  name: 'unfused-dropout-residual',
  kind: 'dropout-residual',
  defaultSeverity: 'warning',
  specificity: 1,
  underCompile: {
    fuses: true,
    note: 'Inductor fuses dropout into the add and generates its random mask in the kernel from a seed, so no mask tensor is written.',
  },
  doc: {
    summary: 'Dropout and the residual add (and bias) as separate kernels',
    finds: 'A dropout whose output is read only by an add (the residual connection), with a bias add before it when there is one.',
    whyCosts: 'In training, eager dropout reads the activation, writes it and a mask, and the add reads it back: two extra round trips of the activation and a mask write per layer. (In eval mode nn.Dropout is the identity and costs nothing.)',
    example: 'x = x + self.resid_dropout(self.c_proj(y))',
    useInstead: 'torch.compile (one kernel for bias + dropout + add, RNG in the kernel), or one Triton kernel for bias + dropout + residual add.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    for (const dropout of index.opsNamed('dropout')) {
      if (dropout.category !== 'pointwise') continue;
      const add = soleReader(index, output(dropout));
      if (!add || canonicalOp(add) !== 'add' || add.category !== 'pointwise') continue;
      const ops: OpNode[] = [dropout, add];
      const input = dropout.inputs[0];
      const bias = input ? index.realProducer(input) : undefined;
      if (bias && canonicalOp(bias) === 'add' && bias.category === 'pointwise' && soleReader(index, output(bias)) === dropout) ops.push(bias);
      const sorted = bySource(ops);
      const opIds = [dropout.id, ...sorted.filter((op) => op !== dropout).map((op) => op.id)];
      const saving = index.fusionSaving(opIds);
      findings.push({
        span: dropout.span,
        opIds,
        message:
          `${opChain(byDataflow(sorted))} (${lineRange(sorted)}) run as ${ops.length} kernels in training: the dropped-out activation and its mask ` +
          `go to DRAM for the add to read back. One kernel ${describeSaving(index, saving, dropout.id)}. ` +
          'Fuse them: torch.compile (dropout\'s mask is generated inside the fused kernel), or one Triton kernel.',
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};
