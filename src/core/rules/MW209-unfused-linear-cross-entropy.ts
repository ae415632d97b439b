// MW209: an LM head whose B·T·V logits are materialised only for cross-entropy to reduce them to one number.
import type { OpNode, TensorValue } from '../ir/types';
import { describeSaving, formatBytes } from './format';
import { canonicalOp, isGemm } from './ops';
import { output, soleReader } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

/** Ops between the logits and the loss that the fused kernel also absorbs: upcasts and the log-softmax. */
const BETWEEN = ['float', 'to', 'log_softmax'];

export const unfusedLinearCrossEntropy: Rule = {
  code: 'MW209',
  name: 'unfused-linear-cross-entropy',
  kind: 'cross-entropy',
  defaultSeverity: 'warning',
  specificity: 2,
  underCompile: {
    fuses: false,
    note: 'Inductor fuses the log-softmax with the loss, but the LM-head GEMM is a cuBLAS kernel that still writes the whole logits tensor; only a fused linear cross-entropy avoids it.',
  },
  doc: {
    summary: 'LM head + cross-entropy that materialise the B·T·V logits',
    finds: 'A linear (the LM head) whose output is read only by cross-entropy (F.cross_entropy, nn.CrossEntropyLoss, or log_softmax + nll_loss), possibly through views and an upcast.',
    whyCosts: 'With a 50k–150k vocabulary the logits are the largest activation of the model (B·T·V elements, often gigabytes): they are written, read by the log-softmax, written again and read by the loss, and kept for the backward pass.',
    example: 'logits = self.lm_head(x)\nloss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))',
    useInstead: 'A fused linear cross-entropy that computes the loss chunk by chunk without storing the logits: Liger-Kernel\'s LigerFusedLinearCrossEntropyLoss, Apple\'s Cut Cross-Entropy (cut_cross_entropy.linear_cross_entropy).',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    for (const loss of index.opsNamed('cross_entropy', 'nll_loss')) {
      const between: OpNode[] = [];
      let value: TensorValue | undefined = loss.inputs[0];
      let head: OpNode | undefined;
      for (let step = 0; step < 3 && value; step++) {
        const producer: OpNode | undefined = index.realProducer(value);
        if (!producer) break;
        if (isGemm(producer)) {
          head = producer;
          break;
        }
        if (!BETWEEN.includes(canonicalOp(producer))) break;
        between.unshift(producer);
        value = producer.inputs[0];
      }
      if (!head) continue;
      const logits = output(head);
      const size = logits ? index.bytes(logits) : null;
      const shape = logits ? index.shape(logits) : null;
      // When the logits are also returned or read elsewhere they are written anyway; the saving then is smaller.
      const alsoUsed = soleReader(index, logits) === undefined;
      const opIds = [head.id, ...between.map((op) => op.id), loss.id];
      const saving = index.fusionSaving(opIds);
      findings.push({
        span: head.span,
        opIds,
        message:
          `${head.label} (line ${head.span.startLine + 1}) materialises the logits${shape ? ` [${shape.join(', ')}]` : ''}` +
          `${size === null ? '' : ` (${formatBytes(size)})`} only for ${loss.label} (line ${loss.span.startLine + 1}) to reduce them to a loss` +
          `${alsoUsed ? ' (they are also read elsewhere, so part of the traffic stays)' : ''}. ` +
          `A fused linear cross-entropy ${describeSaving(index, saving, head.id)}, and frees that memory for the backward pass. ` +
          'Use Liger-Kernel\'s LigerFusedLinearCrossEntropyLoss or Cut Cross-Entropy (cut_cross_entropy.linear_cross_entropy).',
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};
