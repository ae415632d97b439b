// MW210: several linears reading the same input (separate Q, K, V projections): one concatenated GEMM reads it once.
import type { OpNode } from '../ir/types';
import { describeSaving, formatBytes } from './format';
import { canonicalOp } from './ops';
import type { GraphIndex } from './graph-index';
import { bySource, isLeaf } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

export const horizontalGemms: Rule = {
  code: 'MW210',
  name: 'horizontal-gemms',
  kind: 'horizontal-gemm',
  defaultSeverity: 'information',
  specificity: 1,
  underCompile: {
    fuses: false,
    note: 'Inductor does not merge separate GEMMs by default; each stays a cuBLAS call that reads x again.',
  },
  doc: {
    summary: 'Several linears on the same input, run as separate GEMMs',
    finds: 'Two or more linear layers whose input is the same tensor (separate q_proj, k_proj, v_proj; gate and up projections).',
    whyCosts: 'Each GEMM reads the whole input again and pays its own launch; small GEMMs also use the GPU less well than one wide GEMM.',
    example: 'q, k, v = self.q_proj(x), self.k_proj(x), self.v_proj(x)',
    useInstead: 'One concatenated projection, nn.Linear(d, 3 * d), then .split(d, dim=-1) (as GPT-2\'s c_attn), or concatenate the weights once with torch.cat.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const byInput = new Map<string, OpNode[]>();
    for (const op of index.ops) {
      if (!isProjection(index, op) || !op.inputs[0]) continue;
      // Projections of one forward: the same input fed to separate modules from a script is not one layer.
      const key = `${index.throughViews(op.inputs[0]).id}|${op.scope}`;
      const list = byInput.get(key) ?? [];
      list.push(op);
      byInput.set(key, list);
    }
    const findings: RuleFinding[] = [];
    for (const group of byInput.values()) {
      // The same layer called twice on one input is not a horizontal fusion; distinct weights are.
      const distinct = new Map<string, OpNode>();
      for (const op of group) {
        const weight = op.inputs[1];
        const key = weight ? `w${weight.id}` : op.label;
        if (!distinct.has(key)) distinct.set(key, op);
      }
      const linears = bySource(distinct.values());
      if (linears.length < 2) continue;
      const anchor = linears[0] as OpNode;
      const input = anchor.inputs[0];
      const xBytes = input ? index.bytes(input) : null;
      const saved = xBytes === null ? null : xBytes * (linears.length - 1);
      const opIds = linears.map((op) => op.id);
      const saving = index.saving(saved, linears.length - 1, opIds);
      findings.push({
        span: anchor.span,
        opIds,
        message:
          `${linears.length} linears read the same input (${linears.map((op) => `${op.label} line ${op.span.startLine + 1}`).join(', ')}): ` +
          `x${xBytes === null ? '' : ` (${formatBytes(xBytes)})`} is read ${linears.length} times and ${linears.length} GEMMs are launched. ` +
          `One concatenated GEMM ${describeSaving(index, saving, anchor.id)}, and runs wider tiles. ` +
          'Use one nn.Linear with the output features concatenated, then .split(...) (as GPT-2\'s c_attn).',
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};

/** A linear layer, or `x @ W` with W a 2-D parameter: a projection whose weight could be concatenated. */
function isProjection(index: GraphIndex, op: OpNode): boolean {
  if (canonicalOp(op) === 'linear') return true;
  const weight = op.inputs[1];
  return canonicalOp(op) === 'matmul' && !!weight && isLeaf(index, weight) && index.shape(weight)?.length === 2;
}
