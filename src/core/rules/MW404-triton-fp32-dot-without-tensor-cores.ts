// MW404: tl.dot on fp32 operands with input_precision="ieee" (allow_tf32=False): the tensor cores sit idle.
import { formatMicroseconds, opName } from './format';
import { computeSeconds, kernelOps, memorySeconds } from './triton-kernels';
import type { Rule, RuleContext, RuleFinding } from './types';

export const tritonFp32DotWithoutTensorCores: Rule = {
  code: 'MW404',
  name: 'triton-fp32-dot-without-tensor-cores',
  kind: 'triton-kernel',
  defaultSeverity: 'warning',
  underCompile: { fuses: false, note: 'torch.compile does not change a user-written Triton kernel\'s dot precision.' },
  doc: {
    summary: 'tl.dot on fp32 data with TF32 turned off, which runs without tensor cores',
    finds: 'Triton kernels whose tl.dot takes fp32 operands with input_precision="ieee" or allow_tf32=False.',
    whyCosts: 'IEEE fp32 dots run on the FMA units: on an H100 67 TFLOP/s against 495 for TF32 and 989 for bf16 tensor cores, so a compute-bound kernel runs up to 7× longer.',
    example: 'acc += tl.dot(a, b, allow_tf32=False)  # a, b loaded from fp32 tensors',
    useInstead: 'Let tl.dot use TF32 (input_precision="tf32", Triton\'s default for fp32), or "tf32x3" where accuracy matters, or cast the tiles to bf16 before the dot (a.to(tl.bfloat16)) and keep the fp32 accumulator.',
  },
  check(ctx: RuleContext): RuleFinding[] {
    const findings: RuleFinding[] = [];
    for (const kernel of kernelOps(ctx)) {
      const operand = kernel.op.attrs.dotOperandDtype;
      const precision = kernel.op.attrs.dotInputPrecision;
      const fp32 = operand === 'fp32' || (operand === 'default' && ctx.dtype === 'fp32');
      if (!fp32 || precision !== 'ieee') continue;
      const flops = kernel.cost?.flops ?? null;
      const now = kernel.cost?.timeUs ?? null;
      const tensor = flops === null ? null : computeSeconds(ctx, flops, ctx.hardware.tensorPeak.tf32?.value);
      const memory = kernel.cost?.bytes == null ? 0 : memorySeconds(ctx, kernel.cost.bytes);
      const after = tensor === null ? null : (Math.max(tensor, memory) + ctx.hardware.launchOverhead.value) * 1e6;
      const saved = now === null || after === null ? null : Math.max(0, now - after) * (kernel.cost?.repeat ?? 1);
      const timeText = saved === null || now === null ? 'its FLOPs run at the FMA rate'
        : `≈ ${formatMicroseconds(now)} now, ≈ ${formatMicroseconds(after!)} with TF32 tensor cores`;
      findings.push({
        span: kernel.op.span,
        opIds: [kernel.op.id],
        message:
          `${opName(kernel.op)} runs tl.dot on fp32 operands with input_precision="ieee": no tensor cores on ${ctx.hardware.name} ` +
          `(${timeText}). Drop allow_tf32=False / input_precision="ieee" to use TF32 (or "tf32x3" for near-fp32 accuracy), ` +
          'or cast the tiles to bf16 before tl.dot and keep the fp32 accumulator.',
        bytesSaved: 0,
        timeSavedUs: saved,
      });
    }
    return findings;
  },
};
