// MW209: an LM head whose B·T·V logits are materialised only for cross-entropy to reduce them to one number.
import type { OpNode, TensorValue } from '../ir/types';
import { describeSaving, formatBytes, SIZE_FLOOR_BYTES } from './format';
import { canonicalOp, isGemm } from './ops';
import { lineRange, output, soleReader } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

/**
 * Ops between the logits and the loss that a fused linear cross-entropy also absorbs: upcasts, the copy of shifted
 * logits (`[:, :-1].contiguous()`), a softcap (`softcap * tanh(logits / softcap)`) or a temperature, the log-softmax.
 */
const BETWEEN = ['float', 'to', 'log_softmax', 'contiguous', 'clone', 'div', 'mul', 'tanh'];
const UPCASTS = ['float', 'to'];

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
      for (let step = 0; step < 8 && value; step++) {
        const producer: OpNode | undefined = index.realProducer(value);
        if (!producer) break;
        if (isGemm(producer)) {
          head = producer;
          break;
        }
        if (!BETWEEN.includes(canonicalOp(producer))) break;
        between.unshift(producer);
        // Through a softcap's scalar operands: the input some op wrote is the logits' path.
        value = producer.inputs.find((input) => index.realProducer(input) !== undefined) ?? producer.inputs[0];
      }
      if (!head) continue;
      const upcast = between.find((op) => UPCASTS.includes(canonicalOp(op)) && (index.elementBytes(output(op) as TensorValue) ?? 0) > (index.elementBytes(op.inputs[0] as TensorValue) ?? Infinity));
      const passes = between.filter((op) => op.category !== 'view' && canonicalOp(op) !== 'log_softmax');
      const logits = output(head);
      const size = logits ? index.bytes(logits) : null;
      // A classifier's few logits per sample (`[B, num_labels]`) are no LM head: nothing a fused kernel would save.
      if (size !== null && size < SIZE_FLOOR_BYTES) continue;
      const shape = logits ? index.shape(logits) : null;
      // When the logits are also returned or read elsewhere they are written anyway; the saving then is smaller.
      const alsoUsed = soleReader(index, logits) === undefined;
      const opIds = [head.id, ...between.map((op) => op.id), loss.id];
      const saving = index.fusionSaving(opIds);
      // The loss under `if labels is not None:` of a forward run without labels: the finding is about training.
      const given = index.givenInput(opIds);
      findings.push({
        span: head.span,
        opIds,
        message:
          (given === undefined ? '' : `When \`${given}\` are given (training): `) +
          `${head.label} (line ${head.span.startLine + 1}) materialises the logits${shape ? ` [${shape.join(', ')}]` : ''}` +
          `${size === null ? '' : ` (${formatBytes(size)})`} only for ${loss.label} (line ${loss.span.startLine + 1}) to reduce them to a loss` +
          `${alsoUsed ? ' (they are also read elsewhere, so part of the traffic stays)' : ''}` +
          (passes.length > 0
            ? `; on the way ${passes.map((op) => op.label).join(' → ')} (${lineRange(passes)}) pass${passes.length > 1 ? '' : 'es'} them through DRAM ${passes.length} more time${passes.length > 1 ? 's' : ''}` +
              `${upcast ? `, in fp32 after ${upcast.label} (twice the bytes)` : ''}`
            : '') +
          '. ' +
          `A fused linear cross-entropy ${describeSaving(index, saving, head.id, given)}, and frees that memory for the backward pass. ` +
          'Use Liger-Kernel\'s LigerFusedLinearCrossEntropyLoss or Cut Cross-Entropy (cut_cross_entropy.linear_cross_entropy).',
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};
