// Triton launches as published code writes them, each fixture priced through analyze() against figures by hand.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import { coverage } from '../../src/core/cost/coverage';
import { testParser } from '../helpers/parser';
import { FIXTURES, kernelsOf, type KernelResult } from './helpers';

const fixture = (file: string): string => readFileSync(path.join(FIXTURES, file), 'utf8');

async function launches(file: string, label: string): Promise<KernelResult[]> {
  return (await kernelsOf(fixture(file), 'bf16')).filter((k) => k.op.label === label);
}

describe('an autograd.Function wrapper applied from an nn.Module', () => {
  it('prices the forward kernel where it is launched, with the module path and the repeat of the layer loop', async () => {
    const [M, N] = [8 * 1024, 4096]; // B·T rows of dim (magic comment and the constructor default)
    const [kernel] = await launches('autograd_module.py', '_rms_norm_fwd');
    assert.ok(kernel);
    assert.equal(kernel.op.scope, 'TritonRMSNorm.forward');
    assert.equal(kernel.op.modulePath, 'norms[*]');
    assert.equal(kernel.cost.repeat, 4); // n_layers=4 RMSNorms
    assert.equal(kernel.attr('programs'), M);
    assert.equal(kernel.attr('BLOCK_N'), 4096); // triton.next_power_of_2(4096)
    assert.equal(kernel.attr('numWarps'), 8);
    // Per row: x·x, tl.sum, x·rstd and ·w on every lane (4 per lane), then /N, +eps, sqrt and 1/ on the row.
    assert.equal(kernel.cost.flops, M * (4 * 4096 + 4));
    // x_2d = x.view(-1, x.shape[-1]) is [M, N] bf16, the weight [N] bf16; y like x, rstd fp32 per row.
    assert.equal(kernel.cost.bytesRead, M * N * 2 + N * 2);
    assert.equal(kernel.cost.bytesWritten, M * N * 2 + M * 4);
    // Every program loads the whole weight row (from L2 after the first): requested counts it M times.
    assert.equal(kernel.attr('requestedBytesRead'), M * N * 2 + M * N * 2);
    assert.equal(kernel.cost.kernel?.pricedPer, 'launch');
  });

  it('trap: the backward kernel is not part of the forward; nobody launches it, so it is one program outside the totals', async () => {
    const analysis = analyze(fixture('autograd_module.py'), { parser: await testParser(), gpu: 'h100-sxm', dtype: 'bf16' });
    const backward = analysis.costs.find((c) => c.node.label === '_rms_norm_bwd')!;
    assert.equal(backward.node.attrs.launched, false);
    assert.equal(backward.kernel?.pricedPer, 'program');
    assert.equal(backward.timeUs, null);
    const forward = analysis.costs.find((c) => c.node.label === '_rms_norm_fwd')!;
    assert.equal(analysis.summary.total.perProgramOps, 1);
    // The total is the forward kernel ×4 (the view, empty_like and empty are free).
    assert.ok(Math.abs(analysis.summary.total.timeUs - forward.timeUs! * 4) < 1e-9);
  });
});

describe('a persistent matmul, one program per SM', () => {
  it('sizes the grid by the selected GPU\'s SM count and spreads the 512 tiles over the programs', async () => {
    const [M, N, K] = [4096, 4096, 4096];
    const parser = await testParser();
    for (const [gpu, sms] of [['h100-sxm', 132], ['a100-80gb-sxm', 108]] as const) {
      const analysis = analyze(fixture('persistent_matmul.py'), { parser, gpu, dtype: 'bf16' });
      const cost = analysis.costs.find((c) => c.node.category === 'triton_kernel')!;
      // min(NUM_SMS, cdiv(4096, 128)·cdiv(4096, 256)) = min(SMs, 512).
      assert.equal(cost.kernel?.programs, sms, gpu);
      assert.equal(cost.kernel?.grid, `(${sms})`);
      assert.ok(analysis.assumptions.some((a) => a.symbol === 'sm_count' && a.value === sms));
      // tl.range(start_pid, num_tiles, NUM_SMS): 512/SMs tiles per program; each 64 K-steps of a 128×256×64 dot.
      assert.equal(cost.flops, 2 * M * N * K);
      assert.equal(cost.bytesRead, (M * K + K * N) * 2);
      assert.equal(cost.bytesWritten, M * N * 2); // c is float16
      // A is re-read by the 16 tile columns, B by the 32 tile rows.
      assert.equal(cost.kernel?.requestedBytes, (M * K * 16 + K * N * 32 + M * N) * 2);
      assert.equal(cost.unit, 'tensor');
    }
  });

  it('trap: a grid of NUM_SMS programs over 16 tiles still does 2·M·N·K, not 132 tiles of work', async () => {
    const [kernel] = await launches('persistent_small_grid.py', 'matmul_kernel_persistent');
    assert.ok(kernel);
    assert.equal(kernel.attr('programs'), 132);
    assert.equal(kernel.cost.flops, 2 * 512 ** 3);
    assert.equal(kernel.cost.bytes, 3 * 512 * 512 * 2);
    // Each of the 16 tiles reads a 128-row strip of A and a 128-column strip of B: each matrix 4 times.
    assert.equal(kernel.attr('requestedBytesRead'), 4 * 512 * 512 * 2 * 2);
  });
});

describe('kernels chosen through a variable', () => {
  const [rows, cols, block] = [4096, 11008, 16384];

  it('launches the kernel the conditional picks (upcast=False: _silu_mul), 6 FLOPs per lane', async () => {
    const [kernel] = await launches('kernel_variable.py', '_silu_mul');
    assert.ok(kernel);
    assert.equal(kernel.op.scope, 'swiglu');
    assert.equal(kernel.attr('numWarps'), 16);
    // sigmoid 4 (negate, exp, add, divide), ·a, ·b.
    assert.equal(kernel.cost.flops, 6 * block * rows);
    assert.equal(kernel.cost.bytes, 3 * rows * cols * 2);
  });

  it('launches the kernel a table of kernels holds for the default activation (gelu), 10 FLOPs per lane', async () => {
    const [kernel] = await launches('kernel_variable.py', '_gelu_tanh_mul');
    assert.ok(kernel);
    assert.equal(kernel.op.scope, 'gated');
    // 0.044715·a·a·a (3), a + (1), 0.79788·(1), tanh (1), 1 + (1), 0.5·a (1), ·(...) (1), ·b (1).
    assert.equal(kernel.cost.flops, 10 * block * rows);
    assert.equal(kernel.cost.bytes, 3 * rows * cols * 2);
  });

  it('trap: the kernels not picked are not launched (one program each, outside the totals)', async () => {
    const analysis = analyze(fixture('kernel_variable.py'), { parser: await testParser(), gpu: 'h100-sxm', dtype: 'bf16' });
    const launched = analysis.costs.filter((c) => c.node.attrs.launched === true).map((c) => c.node.label).sort();
    assert.deepEqual(launched, ['_gelu_tanh_mul', '_silu_mul']);
    const fp32 = analysis.costs.find((c) => c.node.label === '_silu_mul_fp32')!;
    assert.equal(fp32.kernel?.pricedPer, 'program');
    assert.equal(fp32.timeUs, null);
  });
});

describe('kernels made by calls: triton.jit(fn), triton.heuristics(...)(fn), torch.library.wrap_triton', () => {
  it('applies the heuristic lambda to the launch arguments (4096 % 4096 == 0: EVEN_N, no masks) and libdevice.tanh', async () => {
    const [rows, cols] = [8192, 4096];
    const [kernel] = await launches('jit_call.py', '_tanh_rows');
    assert.ok(kernel);
    assert.equal(kernel.op.attrs.blockSizes, 'BLOCK_SIZE=next_power_of_2(n_cols), EVEN_N=True');
    assert.equal(kernel.cost.kernel?.blockSizes, 'BLOCK_SIZE=4096 (next_power_of_2(n_cols)), EVEN_N=True');
    // x·scale and tanh per element; no mask fraction (EVEN_N took the unmasked loads).
    assert.equal(kernel.cost.flops, 2 * rows * cols);
    assert.equal(kernel.cost.bytes, 2 * rows * cols * 2);
    assert.ok(!kernel.op.notes.some((note) => /masked/.test(note)), kernel.op.notes.join('\n'));
    assert.ok(!kernel.op.notes.some((note) => /not understood|not in MemWall's table/.test(note)), kernel.op.notes.join('\n'));
  });

  it('prices wrap_triton(add_kernel)[grid] from a triton_op, the grid a nested def over the wrapper\'s n_elements', async () => {
    const n = 1048576;
    const [kernel] = await launches('jit_call.py', 'add_kernel');
    assert.ok(kernel);
    assert.equal(kernel.op.scope, 'add');
    assert.equal(kernel.attr('programs'), n / 1024);
    assert.equal(kernel.cost.flops, n);
    assert.equal(kernel.cost.bytes, 3 * n * 2);
  });
});

describe('a Liger-style cross-entropy: min(MAX_FUSED_SIZE, next_power_of_2(V)), two passes, gradient in place', () => {
  it('prices the launch the __main__ block makes: 4096 rows of 128256 bf16 logits in blocks of 32768', async () => {
    const [BT, V, BLOCK] = [4096, 128256, 32768]; // min(65536 // 2, next_power_of_2(128256) = 131072)
    const [kernel] = await launches('row_cross_entropy.py', 'cross_entropy_kernel');
    assert.ok(kernel);
    assert.equal(kernel.attr('BLOCK_SIZE'), BLOCK);
    assert.equal(kernel.attr('numWarps'), 32);
    const trips = Math.ceil(V / BLOCK); // 4
    // Pass 1 per block: tl.max, X - m_new, exp, tl.sum on every lane; maximum, m - m_new, exp, d·, + on the row's
    // scalars. Pass 2 per block: X - m, exp, / d. After: ori - m, log, - log, negation.
    assert.equal(kernel.cost.flops, BT * (trips * (4 * BLOCK + 5) + trips * 3 * BLOCK + 4));
    // Logits read and written once each compulsory (bf16), labels int64, loss fp32 per row.
    assert.equal(kernel.cost.bytesRead, BT * V * 2 + BT * 8);
    assert.equal(kernel.cost.bytesWritten, BT * V * 2 + BT * 4);
    // Requested: both passes read the row (masked to V of the 4·32768 lanes), plus the label's logit.
    assert.equal(kernel.attr('requestedBytesRead'), 2 * BT * V * 2 + BT * 2 + BT * 8);
    assert.equal(kernel.op.attrs.rereadTensors, 'X_ptr');
  });
});

describe('split-K with atomics, autotune configs by comprehension and prune_configs_by, an epilogue kernel', () => {
  const [M, N, K] = [256, 4096, 16384];

  it('prices the first of 8 configs (64×64×64, SPLIT_K 4) and the atomic adds as read-modify-write of C', async () => {
    const [kernel] = await launches('splitk_autotune.py', 'splitk_kernel');
    assert.ok(kernel);
    assert.equal(kernel.op.attrs.pricedConfig, 'first autotune config');
    assert.match(String(kernel.op.attrs.blockSizes), /first of 8 autotune configs; range BLOCK_K 64–128, SPLIT_K 4–8/);
    assert.ok(kernel.op.notes.some((note) => /prune_configs_by/.test(note)));
    assert.equal(kernel.attr('numStages'), 3);
    // Grid (cdiv(256, 64)·cdiv(4096, 64), SPLIT_K) = (256, 4).
    assert.equal(kernel.attr('programs'), 256 * 4);
    // 2·M·N·K for the dots, plus one add per element of each program's 64×64 partial tile.
    assert.equal(kernel.cost.flops, 2 * M * N * K + 1024 * 64 * 64);
    // A and B bf16 once; C fp32 read and written (the atomic add reads what it adds to).
    assert.equal(kernel.cost.bytesRead, (M * K + K * N) * 2 + M * N * 4);
    assert.equal(kernel.cost.bytesWritten, M * N * 4);
    // Each of the 4 splits adds its partial tiles into all of C.
    assert.equal(kernel.attr('requestedBytesWritten'), 4 * M * N * 4);
  });

  it('prices the epilogue: tl.static_range over 8 chunks, the @triton.jit GELU helper with libdevice.tanh, a row max', async () => {
    const [kernel] = await launches('splitk_autotune.py', 'bias_gelu_kernel');
    assert.ok(kernel);
    assert.equal(kernel.attr('CHUNKS'), 8);
    assert.equal(kernel.op.attrs.constexprFlags, 'ACT="gelu"'); // the default of a string constexpr: a branch
    // Per element: c + bias (1), the GELU (0.044715·x·x·x 3, x + 1, 0.79788· 1, tanh 1, 1.0 + 1, 0.5·x 1, · 1 = 9),
    // tl.max along axis 1 (1); per row per chunk: tl.maximum (1).
    assert.equal(kernel.cost.flops, 11 * M * N + M * 8);
    assert.equal(kernel.cost.bytesRead, M * N * 4 + N * 2);
    assert.equal(kernel.cost.bytesWritten, M * N * 2 + M * 4);
  });
});

describe('a launch that cannot be sized: one program, priced symbolically', () => {
  const text = [
    'import torch, triton',
    'import triton.language as tl',
    '@triton.jit',
    'def _fg_kernel(e, g, h, n_elements, BLOCK_SIZE: tl.constexpr):',
    '    offsets = tl.program_id(0) * BLOCK_SIZE + tl.arange(0, BLOCK_SIZE)',
    '    mask = offsets < n_elements',
    '    e_row = tl.load(e + offsets, mask=mask, other=0).to(tl.float32)',
    '    g_row = tl.load(g + offsets, mask=mask, other=0)',
    '    h_row = (e_row * tl.sigmoid(e_row)).to(g_row.dtype) * g_row',
    '    tl.store(h + offsets, h_row, mask=mask)',
    '@triton.jit',
    'def _row_kernel(x_ptr, y_ptr, n_cols, BLOCK_SIZE: tl.constexpr):',
    '    cols = tl.arange(0, BLOCK_SIZE)',
    '    x = tl.load(x_ptr + tl.program_id(0) * n_cols + cols, mask=cols < n_cols)',
    '    tl.store(y_ptr + tl.program_id(0) * n_cols + cols, x * 2, mask=cols < n_cols)',
    'def swiglu_fg(e, g):',
    '    n_elements = e.numel()',
    '    h = torch.empty_like(e)',
    '    _fg_kernel[(triton.cdiv(n_elements, 1024),)](e, g, h, n_elements, BLOCK_SIZE=1024)',
    '    return h',
    'def rows(x, block):',
    '    n_rows, n_cols = x.shape',
    '    y = torch.empty_like(x)',
    '    _row_kernel[(n_rows,)](x, y, n_cols, BLOCK_SIZE=block)',
    '    return y',
  ].join('\n');

  it('prices one whole program with numbers when only the grid is unsized, and says what would size it', async () => {
    const analysis = analyze(text, { parser: await testParser(), gpu: 'h100-sxm', dtype: 'bf16' });
    const cost = analysis.costs.find((c) => c.node.label === '_fg_kernel')!;
    assert.equal(cost.kernel?.pricedPer, 'program');
    assert.deepEqual(cost.kernel?.unbound, ['n_elements']);
    // One program of 1024 lanes: sigmoid 4, ·e 1, ·g 1; e and g read, h written, bf16.
    assert.equal(cost.flops, 6 * 1024);
    assert.equal(cost.bytesRead, 2 * 1024 * 2);
    assert.equal(cost.bytesWritten, 1024 * 2);
    assert.equal(cost.timeUs, null);
    assert.equal(cost.bound, 'memory'); // 1.5 FLOP/B against a ridge of 20
    assert.ok(cost.explain.some((line) => /priced per program: the launch cannot be sized \(n_elements unbound\).*bind n_elements/.test(line)), cost.explain.join('\n'));
    assert.equal(analysis.summary.total.perProgramOps, 2);
  });

  it('gives one program\'s figures as formulas when the block itself is unbound: the row mask reads n_cols, never 0', async () => {
    const analysis = analyze(text, { parser: await testParser(), gpu: 'h100-sxm', dtype: 'bf16' });
    const cost = analysis.costs.find((c) => c.node.label === '_row_kernel')!;
    assert.equal(cost.flops, null);
    assert.equal(cost.kernel?.pricedPer, 'program');
    // BLOCK lanes of x·2; n_cols of the BLOCK lanes load and store 2 bytes each.
    assert.equal(cost.kernel?.perProgramFlopsFormula, 'block');
    assert.equal(cost.kernel?.perProgramBytesFormula, '4*n_cols');
    assert.deepEqual(cost.kernel?.unbound, ['n_rows', 'block', 'n_cols']);
  });

  it('counts both kernels as not priced per call in the coverage, with what would size each', async () => {
    const analysis = analyze(text, { parser: await testParser(), gpu: 'h100-sxm', dtype: 'bf16' });
    const causes = coverage(analysis.costs).causes.filter((c) => /^Triton kernels/.test(c.cause));
    assert.deepEqual(causes.map((c) => [c.cause, c.ops, c.examples]).sort(), [
      ['Triton kernels priced for one program only, their launch not sized (bind n_elements)', 1, ['_fg_kernel']],
      ['Triton kernels priced for one program only, their launch not sized (bind n_rows, block, n_cols)', 1, ['_row_kernel']],
    ]);
  });
});

describe('a launch from a helper that passes the strides it reads off its tensors (*a.stride())', () => {
  const [M, K, N] = [4096, 4096, 11008];

  it('prices the matmul the nn.Module reaches through matmul() and _launch_matmul(), grid (cdiv(M, 128), cdiv(N, 128))', async () => {
    const [kernel] = await launches('strided_helper.py', '_matmul_kernel');
    assert.ok(kernel);
    assert.equal(kernel.op.scope, '_launch_matmul');
    assert.equal(kernel.cost.kernel?.grid, '(32, 86)');
    assert.equal(kernel.cost.flops, 2 * M * N * K); // 32·128 = M, 86·128 = N, 64 steps of 64 = K: no padding
    // x [M, K] and the weight [N, K] read through its transposed view, c [M, N] written, bf16.
    assert.equal(kernel.cost.bytesRead, (M * K + K * N) * 2);
    assert.equal(kernel.cost.bytesWritten, M * N * 2);
    // A is re-read by the 86 tile columns, B by the 32 tile rows.
    assert.equal(kernel.attr('requestedBytesRead'), (M * K * 86 + K * N * 32) * 2);
    assert.equal(kernel.cost.unit, 'tensor');
  });

  it('trap: the transposed weight is a view, read in place through its strides: no copy op, no extra bytes', async () => {
    const analysis = analyze(fixture('strided_helper.py'), { parser: await testParser(), gpu: 'h100-sxm', dtype: 'bf16' });
    const priced = analysis.costs.filter((c) => (c.bytes ?? 0) > 0).map((c) => c.node.label);
    assert.deepEqual(priced, ['_matmul_kernel']);
    const transpose = analysis.costs.find((c) => c.node.label === 'self.weight.t')!;
    assert.equal(transpose.bytes, 0);
  });
});

describe('a TMA matmul whose host fills a 128-byte descriptor per tensor (tl._experimental_descriptor_load/store)', () => {
  const [M, N, K] = [4096, 4096, 4096];

  it('prices the tiles the kernel moves, at the element type the kernel states (fp16)', async () => {
    const [kernel] = await launches('tma_descriptors.py', 'matmul_kernel_tma');
    assert.ok(kernel);
    assert.equal(kernel.cost.kernel?.grid, '(32, 32)');
    assert.equal(kernel.cost.flops, 2 * M * N * K);
    // A's tiles depend on pid_m only, B's on pid_n only: the 32 programs along the other axis read the same tiles,
    // so each distinct tile counts once: the whole of A and of B, 2 bytes an element; C written once.
    assert.equal(kernel.cost.bytesRead, (M * K + N * K) * 2);
    assert.equal(kernel.cost.bytesWritten, M * N * 2);
    // Requested: 1024 programs × 64 K-steps × (128×64 of A + 128×64 of B), and 1024 tiles of 128×128 of C.
    assert.equal(kernel.cost.kernel?.requestedBytes, 1024 * 64 * 2 * 128 * 64 * 2 + 1024 * 128 * 128 * 2);
    assert.ok(kernel.op.notes.some((note) => /^a_desc_ptr is a TMA descriptor built on the host/.test(note)), kernel.op.notes.join('\n'));
  });

  it('trap: the int8 buffers the host passes are the descriptors, not the data: not 3 × 128 bytes', async () => {
    const [kernel] = await launches('tma_descriptors.py', 'matmul_kernel_tma');
    assert.notEqual(kernel!.cost.bytes, 3 * 128);
    assert.deepEqual(kernel!.cost.inputShapes, [null, null]);
    const analysis = analyze(fixture('tma_descriptors.py'), { parser: await testParser(), gpu: 'h100-sxm', dtype: 'bf16' });
    const finding = analysis.findings.find((f) => f.code === 'MW408')!;
    // A and B: 32 programs along the other axis read each tile; C: each tile written once, its size not known.
    assert.match(finding.message, /reads a_desc_ptr 32 times \(re-read across programs, mostly from L2\), b_desc_ptr 32 times .*; writes c_desc_ptr \(requests .*\)\. The size of c_desc_ptr is not known: each distinct tile requested is counted once\. /);
  });
});

describe('a grid lambda over META for an autotuned kernel, a size the block does not divide', () => {
  const n = 1000003;

  it('sizes the grid with the first config\'s BLOCK_SIZE: cdiv(1000003, 1024) = 977 programs, 2 FLOPs on every lane', async () => {
    const [kernel] = await launches('grid_meta.py', 'scale_shift_kernel');
    assert.ok(kernel);
    assert.equal(kernel.cost.kernel?.grid, '(977)');
    assert.match(kernel.cost.kernel?.blockSizes ?? '', /^BLOCK_SIZE=1024 \(first of 2 autotune configs; range BLOCK_SIZE 1024–2048\)$/);
    assert.equal(kernel.attr('numWarps'), 4);
    assert.equal(kernel.cost.flops, 2 * 977 * 1024); // x·scale + shift, the tail block's idle lanes included
  });

  it('trap: the bytes are the 1000003 elements that exist, not the 977·1024 lanes the grid covers', async () => {
    const [kernel] = await launches('grid_meta.py', 'scale_shift_kernel');
    assert.equal(kernel!.cost.bytesRead, n * 2);
    assert.equal(kernel!.cost.bytesWritten, n * 2);
    assert.notEqual(kernel!.cost.bytes, 977 * 1024 * 4);
  });
});
