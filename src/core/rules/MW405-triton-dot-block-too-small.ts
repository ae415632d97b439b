// MW405: tl.dot blocks under 16 (or not multiples of 16): tensor-core tiles padded, inputs re-read many times.
import { formatBytes, opName } from './format';
import { kernelOps } from './triton-kernels';
import type { Rule, RuleContext, RuleFinding } from './types';

const TILE = 16;

export const tritonDotBlockTooSmall: Rule = {
  code: 'MW405',
  name: 'triton-dot-block-too-small',
  kind: 'triton-kernel',
  defaultSeverity: 'warning',
  underCompile: { fuses: false, note: 'torch.compile does not retile a user-written Triton kernel.' },
  doc: {
    summary: 'tl.dot on blocks smaller than 16 or not a multiple of 16',
    finds: 'Triton kernels whose tl.dot has an M, N or K block (after binding sizes) under 16 or not a multiple of 16.',
    whyCosts: 'Tensor-core MMA instructions work on 16-deep tiles: Triton rejects dot blocks under 16 and pads odd ones, and small tiles give each program little reuse, so every input tile is re-read from memory many times.',
    example: 'acc += tl.dot(a, b)  # a: [BLOCK_M=8, BLOCK_K=16], b: [16, BLOCK_N=8]',
    useInstead: 'Use blocks of at least 16 and multiples of 16 (typically 64–128 for M and N, 32–64 for K), or let @triton.autotune choose among such configs.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const kernel of kernelOps(ctx)) {
      const m = kernel.value('dotM');
      const n = kernel.value('dotN');
      const k = kernel.value('dotK');
      if (m === undefined || n === undefined || k === undefined) continue;
      const bad = [m, n, k].filter((d) => d < TILE || d % TILE !== 0);
      if (!bad.length) continue;
      const padded = [m, n, k].map((d) => Math.ceil(d / TILE) * TILE);
      const useful = (m * n * k) / padded.reduce((a, b) => a * b, 1);
      const requested = kernel.value('requestedBytes');
      const compulsory = kernel.cost?.bytes ?? null;
      const rereads = requested !== undefined && compulsory !== null && requested > compulsory
        ? ` Small tiles also mean little reuse: the launch requests ${formatBytes(requested)} for ${formatBytes(compulsory)} of distinct data.`
        : '';
      const tooSmall = [m, n, k].some((d) => d < TILE);
      findings.push({
        span: kernel.op.span,
        opIds: [kernel.op.id],
        severity: tooSmall ? 'error' : 'warning',
        message:
          `${opName(kernel.op)} calls tl.dot on a ${m}×${n}×${k} block (M×N×K): ` +
          (tooSmall
            ? 'Triton needs every dot dimension to be at least 16, so this does not compile on tensor-core GPUs; '
            : '') +
          `padded to ${padded.join('×')} tensor-core tiles, only ${Math.round(useful * 100)}% of the MMA work is useful.${rereads} ` +
          'Use blocks that are multiples of 16 (64–128 for M and N, 32–64 for K), or autotune over such configs.',
        bytesSaved: null,
        timeSavedUs: null,
      });
    }
    return findings;
  },
};
