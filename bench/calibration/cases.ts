// The calibration cases: one PyTorch statement each, with its inputs, run by calibrate.py and priced by predict.ts.

export interface CalibrationCase {
  /** Stable name, used to join predictions and measurements. */
  readonly name: string;
  /** The kind of kernel, for grouping the report: elementwise, norm, softmax, reduction, gemm, attention, copy. */
  readonly group: string;
  /** Python lines that create the inputs (torch and F are imported by the snippet's header). */
  readonly setup: readonly string[];
  /** The measured expression: `out = <expr>` is the snippet's last line. */
  readonly expr: string;
  /** Whether the snippet enables TF32 for fp32 matmuls. */
  readonly tf32?: boolean;
}

const bf16 = (name: string, shape: string) => `${name} = torch.randn(${shape}, dtype=torch.bfloat16, device="cuda")`;
const fp32 = (name: string, shape: string) => `${name} = torch.randn(${shape}, dtype=torch.float32, device="cuda")`;

/** Sizes chosen so that large cases stream far more than the 50 MB L2 of an H100/H200, and small ones do not. */
export const CASES: readonly CalibrationCase[] = [
  { name: 'add-bf16-64M', group: 'elementwise', setup: [bf16('x', '8192, 8192'), bf16('y', '8192, 8192')], expr: 'x + y' },
  { name: 'mul-bf16-64M', group: 'elementwise', setup: [bf16('x', '8192, 8192'), bf16('y', '8192, 8192')], expr: 'x * y' },
  { name: 'add-fp32-64M', group: 'elementwise', setup: [fp32('x', '8192, 8192'), fp32('y', '8192, 8192')], expr: 'x + y' },
  { name: 'add-bias-bf16', group: 'elementwise', setup: [bf16('x', '8, 1024, 4096'), bf16('b', '4096')], expr: 'x + b' },
  { name: 'relu-bf16-64M', group: 'elementwise', setup: [bf16('x', '8192, 8192')], expr: 'F.relu(x)' },
  { name: 'gelu-tanh-bf16', group: 'elementwise', setup: [bf16('x', '8, 1024, 3072')], expr: 'F.gelu(x, approximate="tanh")' },
  { name: 'gelu-erf-bf16', group: 'elementwise', setup: [bf16('x', '8, 1024, 3072')], expr: 'F.gelu(x)' },
  { name: 'silu-bf16', group: 'elementwise', setup: [bf16('x', '8, 1024, 11008')], expr: 'F.silu(x)' },
  { name: 'add-bf16-tiny', group: 'elementwise', setup: [bf16('x', '1024'), bf16('y', '1024')], expr: 'x + y' },
  { name: 'layer-norm-bf16', group: 'norm', setup: [bf16('x', '8, 2048, 4096')], expr: 'F.layer_norm(x, (4096,))' },
  { name: 'rms-norm-bf16', group: 'norm', setup: [bf16('x', '8, 2048, 4096')], expr: 'F.rms_norm(x, (4096,))' },
  { name: 'softmax-bf16', group: 'softmax', setup: [bf16('x', '8, 16, 1024, 1024')], expr: 'F.softmax(x, dim=-1)' },
  { name: 'sum-last-bf16', group: 'reduction', setup: [bf16('x', '8192, 8192')], expr: 'x.sum(dim=-1)' },
  { name: 'transpose-contiguous-bf16', group: 'copy', setup: [bf16('x', '8192, 8192')], expr: 'x.t().contiguous()' },
  { name: 'matmul-bf16-1024', group: 'gemm', setup: [bf16('a', '1024, 1024'), bf16('b', '1024, 1024')], expr: 'a @ b' },
  { name: 'matmul-bf16-2048', group: 'gemm', setup: [bf16('a', '2048, 2048'), bf16('b', '2048, 2048')], expr: 'a @ b' },
  { name: 'matmul-bf16-4096', group: 'gemm', setup: [bf16('a', '4096, 4096'), bf16('b', '4096, 4096')], expr: 'a @ b' },
  { name: 'matmul-bf16-8192', group: 'gemm', setup: [bf16('a', '8192, 8192'), bf16('b', '8192, 8192')], expr: 'a @ b' },
  { name: 'linear-bf16-mlp-up', group: 'gemm', setup: [bf16('x', '8, 1024, 768'), bf16('w', '3072, 768')], expr: 'F.linear(x, w)' },
  { name: 'linear-bf16-decode', group: 'gemm', setup: [bf16('x', '16, 4096'), bf16('w', '4096, 4096')], expr: 'F.linear(x, w)' },
  { name: 'matmul-fp32-4096', group: 'gemm', setup: [fp32('a', '4096, 4096'), fp32('b', '4096, 4096')], expr: 'a @ b' },
  {
    name: 'matmul-tf32-4096', group: 'gemm', tf32: true,
    setup: ['torch.backends.cuda.matmul.allow_tf32 = True', fp32('a', '4096, 4096'), fp32('b', '4096, 4096')], expr: 'a @ b',
  },
  { name: 'bmm-bf16', group: 'gemm', setup: [bf16('a', '64, 512, 512'), bf16('b', '64, 512, 512')], expr: 'torch.bmm(a, b)' },
  {
    name: 'sdpa-bf16-2048', group: 'attention', setup: [bf16('q', '8, 16, 2048, 64'), bf16('k', '8, 16, 2048, 64'), bf16('v', '8, 16, 2048, 64')],
    expr: 'F.scaled_dot_product_attention(q, k, v)',
  },
  {
    name: 'sdpa-causal-bf16-2048', group: 'attention', setup: [bf16('q', '8, 16, 2048, 128'), bf16('k', '8, 16, 2048, 128'), bf16('v', '8, 16, 2048, 128')],
    expr: 'F.scaled_dot_product_attention(q, k, v, is_causal=True)',
  },
];

export const SNIPPET_HEADER = ['import torch', 'import torch.nn.functional as F'];

/** The Python text both sides use: header, setup, then `out = expr` on the last line. */
export function snippetOf(c: CalibrationCase): string {
  return [...SNIPPET_HEADER, ...c.setup, `out = ${c.expr}`].join('\n') + '\n';
}
