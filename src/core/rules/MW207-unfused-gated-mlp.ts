// MW207: a gated MLP, act(gate(x)) * up(x) (SwiGLU, GeGLU), run as two GEMMs, an activation and a multiply.
import type { OpNode } from '../ir/types';
import { describeSaving, opChain } from './format';
import { canonicalOp, isConfiguredActivation, isGemm } from './ops';
import { byDataflow, bySource, lineRange, output, soleReader } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

const GATES = ['silu', 'gelu', 'relu', 'sigmoid'];
const NAMES: Readonly<Record<string, string>> = { silu: 'SwiGLU', gelu: 'GeGLU', relu: 'ReGLU', sigmoid: 'GLU' };

/** The activation a gate op is: its canonical name, or `configured` for an unresolved call named as an activation. */
function gateOf(op: OpNode): string | undefined {
  const canonical = canonicalOp(op);
  if (GATES.includes(canonical)) return canonical;
  return isConfiguredActivation(op) ? 'configured' : undefined;
}

export const unfusedGatedMlp: Rule = {
  code: 'MW207',
  name: 'unfused-gated-mlp',
  kind: 'swiglu',
  defaultSeverity: 'warning',
  specificity: 2,
  underCompile: {
    fuses: false,
    note: 'Inductor fuses the activation and the multiply into one kernel, but keeps the gate and up projections as two cuBLAS GEMMs that read x twice.',
  },
  doc: {
    summary: 'Gated MLP (SwiGLU/GeGLU) as separate GEMMs, activation and multiply',
    finds: 'act(gate(x)) * up(x) with act SiLU, GELU, ReLU or sigmoid (or an activation picked from a config, self.act_fn = ACT2FN[config.hidden_act], that MemWall cannot resolve): the gate and up projections as two GEMMs on the same input (or one GEMM split in two), then the activation and the multiply as two more kernels.',
    whyCosts: 'The activation writes a [B, T, hidden] tensor only for the multiply to read it back, and x is read by two GEMMs where one concatenated GEMM reads it once.',
    example: 'h = F.silu(self.w1(x)) * self.w3(x)',
    useInstead: 'Liger-Kernel\'s LigerSwiGLUMLP / LigerGEGLUMLP (fused activation-multiply), one concatenated gate/up projection (nn.Linear(d, 2*hidden), then chunk(2, -1)), torch.compile for the activation-multiply.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    for (const multiply of index.opsNamed('mul')) {
      if (multiply.category !== 'pointwise' || multiply.inputs.length !== 2) continue;
      const [left, right] = multiply.inputs.map((value) => index.realProducer(value));
      for (const [activation, up] of [[left, right], [right, left]] as const) {
        const kind = activation ? gateOf(activation) : undefined;
        if (!activation || !up || kind === undefined || !isGemm(up)) continue;
        if (soleReader(index, output(activation)) !== multiply) continue;
        const gateInput = activation.inputs[0];
        const gate = gateInput ? index.realProducer(gateInput) : undefined;
        if (!gate || !isGemm(gate)) continue;
        const x = (op: OpNode) => (op.inputs[0] ? index.throughViews(op.inputs[0]).id : -1);
        const split = gate.id === up.id;
        if (!split && x(gate) !== x(up)) continue;
        const activationIds = [activation.id, multiply.id];
        const fused = index.fusionSaving(activationIds);
        // Merging the two GEMMs reads x once instead of twice and saves a launch.
        const xValue = gate.inputs[0];
        const xBytes = split ? 0 : xValue ? index.bytes(xValue) : null;
        const bytes = fused.bytesSaved === null || xBytes === null ? null : fused.bytesSaved / index.repeat(multiply.id) + xBytes;
        const ops = split ? [gate, activation, multiply] : [gate, up, activation, multiply];
        const sorted = bySource(ops);
        const opIds = [activation.id, multiply.id, gate.id, ...(split ? [] : [up.id])];
        const saving = index.saving(bytes, split ? 1 : 2, opIds);
        const name = NAMES[kind] ?? 'A gated MLP';
        const which = kind === 'configured' ? ` (${activation.label}, which MemWall could not resolve: the activation the config names)` : '';
        findings.push({
          span: activation.span,
          opIds,
          message:
            `${name} written as ${split ? 'one split GEMM' : 'two GEMMs'}, an activation${which} and a multiply ` +
            `(${opChain(byDataflow(sorted))}, ${lineRange(sorted)}): the activation's output goes to DRAM only for the multiply to read it back` +
            `${split ? '' : ', and x is read by two GEMMs'}. Fused, it ${describeSaving(index, saving, activation.id)}. ` +
            `Use Liger-Kernel's ${kind === 'gelu' ? 'LigerGEGLUMLP' : kind === 'configured' ? 'LigerSwiGLUMLP or LigerGEGLUMLP, as the activation is' : 'LigerSwiGLUMLP'} (fused activation-multiply)` +
            `${split ? '' : ' and one concatenated gate/up projection (nn.Linear(d, 2 * hidden), then .chunk(2, dim=-1))'}; ` +
            'torch.compile fuses the activation with the multiply.',
          bytesSaved: saving.bytesSaved,
          timeSavedUs: saving.timeSavedUs,
        });
        break;
      }
    }
    return findings;
  },
};
