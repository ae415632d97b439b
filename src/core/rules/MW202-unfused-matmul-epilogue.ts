// MW202: bias, activation, scaling or residual add right after a GEMM, run as separate kernels over its output.
import type { OpNode } from '../ir/types';
import { describeSaving, formatBytes, opChain } from './format';
import { canonicalOp, isConfiguredActivation, isGemm } from './ops';
import { output, sameElementCount, soleReader } from './patterns';
import type { Rule, RuleContext, RuleFinding } from './types';

/** Pointwise ops a GEMM epilogue can absorb; dropout is left to MW211, which fuses it with the residual add. */
const EPILOGUE_EXCLUDED = new Set(['dropout']);

export const unfusedMatmulEpilogue: Rule = {
  code: 'MW202',
  name: 'unfused-matmul-epilogue',
  kind: 'matmul-epilogue',
  defaultSeverity: 'warning',
  specificity: 1,
  underCompile: {
    fuses: false,
    note: 'plain torch.compile keeps the GEMM in cuBLAS (an extern kernel nothing fuses into) and only fuses the ops after it with each other; mode="max-autotune" lets Inductor\'s Triton GEMM templates take them as an epilogue.',
  },
  doc: {
    summary: 'Bias, activation, scale or residual add run as separate kernels after a GEMM',
    finds: 'A matmul, linear or conv whose output is read only by elementwise ops (bias add, GELU/ReLU/SiLU or an activation picked from a config that MemWall cannot resolve, scaling, residual add, an inference BatchNorm) of the same size, each its own kernel.',
    whyCosts: 'The GEMM writes its whole output to DRAM and the next kernel reads it straight back; every further elementwise op adds another round trip and a launch. As an epilogue, the same math runs on the tile while it is still in registers.',
    example: 'h = F.gelu(self.c_fc(x))  # the GEMM writes B·T·4C elements, GELU reads them back',
    useInstead: 'torch.compile(mode="max-autotune") (Triton GEMM templates with epilogue fusion), a cuBLASLt epilogue (bias + GELU/ReLU), torch.addmm(residual, x, W.t()) for a residual add (beta·C), or a Triton GEMM with the activation in its epilogue.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const { index } = ctx;
    const findings: RuleFinding[] = [];
    for (const gemm of index.ops) {
      if (!isGemm(gemm) || gemm.fusedBy === 'fallback') continue;
      if (gemm.fusedBy === 'torch.compile' && /max-autotune/.test(String(gemm.attrs.compileMode ?? ''))) continue;
      const result = output(gemm);
      const epilogue: OpNode[] = [];
      for (let value = result, reader = soleReader(index, value); reader; reader = soleReader(index, value)) {
        const foldable = (reader.category === 'normalization' && canonicalOp(reader) === 'batch_norm') || isConfiguredActivation(reader);
        if ((reader.category !== 'pointwise' && !foldable) || EPILOGUE_EXCLUDED.has(canonicalOp(reader))) break;
        // An unresolved activation's output is shaped like its input by assumption: the same count, sizes known or not.
        if (!isConfiguredActivation(reader) && !sameElementCount(index, output(reader), result)) break;
        epilogue.push(reader);
        value = output(reader);
        if (!value) break;
      }
      const first = epilogue[0];
      if (!first) continue;
      const opIds = [first.id, gemm.id, ...epilogue.slice(1).map((op) => op.id)];
      const saving = index.fusionSaving(opIds);
      const size = index.bytes(result as NonNullable<typeof result>);
      const sizeText = size === null ? '' : ` of ${formatBytes(size)}`;
      findings.push({
        span: first.span,
        opIds,
        message:
          `${opChain(epilogue)} after ${gemm.label} (line ${gemm.span.startLine + 1}) re-reads the GEMM's output${sizeText} ` +
          `in ${epilogue.length} separate kernel${epilogue.length > 1 ? 's' : ''}. As the GEMM's epilogue it ` +
          `${describeSaving(index, saving, first.id)}. ${remedy(epilogue)}`,
        bytesSaved: saving.bytesSaved,
        timeSavedUs: saving.timeSavedUs,
      });
    }
    return findings;
  },
};

/** The remedy that fits what the epilogue holds. */
function remedy(epilogue: readonly OpNode[]): string {
  const names = epilogue.map(canonicalOp);
  const parts = ['Fuse it: torch.compile(mode="max-autotune") (Inductor\'s Triton GEMM templates fuse pointwise epilogues)'];
  if (names.includes('batch_norm')) parts.push('fold the BatchNorm into the conv\'s weights for inference (torch.ao.quantization.fuse_modules, torch.fx, cuDNN conv+bias+ReLU)');
  if (names.some((n) => ['gelu', 'relu'].includes(n))) parts.push('a cuBLASLt bias+GELU/ReLU epilogue');
  if (names.includes('add') && epilogue.length === 1) parts.push('torch.addmm(residual, x, W.t()) to fold the add into the GEMM');
  parts.push('or a Triton GEMM with the ops in its epilogue');
  return `${parts.join(', ')}.`;
}
