// The Triton frontend's reading of kernels and launch sites: each construct checked against a count done by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractText, onlyKernel } from './helpers';

describe('Triton frontend: kernels without a launch site', () => {
  const text = [
    'import triton',
    'import triton.language as tl',
    '',
    '@triton.jit',
    'def scale_kernel(x_ptr, out_ptr, n, BLOCK: tl.constexpr = 512):',
    '    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)',
    '    x = tl.load(x_ptr + offs, mask=offs < n)',
    '    tl.store(out_ptr + offs, tl.exp(x) * 2.0, mask=offs < n)',
    '',
  ].join('\n');

  it('prices one program with the default block size, every lane active, and says so', async () => {
    const kernel = await onlyKernel(text, 'fp32');
    assert.equal(kernel.op.label, 'scale_kernel');
    assert.equal(kernel.op.scope, 'scale_kernel');
    assert.equal(kernel.op.span.startLine, 3); // the decorated def
    assert.equal(kernel.attr('programs'), 1);
    assert.equal(kernel.cost.flops, 2 * 512); // exp and ×2.0 per lane
    assert.equal(kernel.cost.bytesRead, 512 * 4);
    assert.equal(kernel.cost.bytesWritten, 512 * 4);
    assert.equal(kernel.op.attrs.launched, false);
    assert.equal(kernel.attr('BLOCK'), 512);
    assert.ok(kernel.op.notes.some((n) => /no launch site/.test(n)));
  });

  it('registers a kernel scope for every @triton.jit def, helpers included', async () => {
    const graph = await extractText(`${text}\n@triton.jit\ndef helper(x):\n    return x * 2\n`);
    assert.deepEqual(graph.scopes.filter((s) => s.kind === 'kernel').map((s) => s.name), ['scale_kernel', 'helper']);
    // A helper that no kernel calls is still priced once (it has no loads: zero bytes).
    assert.equal(graph.ops.filter((op) => op.category === 'triton_kernel').length, 2);
  });
});

describe('Triton frontend: kernel constructs', () => {
  it('block pointers: a tl.make_block_ptr matmul loads block_shape per iteration and advances', async () => {
    const text = [
      '# memwall: M=1024 N=1024 K=512',
      'import torch, triton',
      'import triton.language as tl',
      '@triton.jit',
      'def mm(a_ptr, b_ptr, c_ptr, M, N, K, sam, sak, sbk, sbn, scm, scn, BM: tl.constexpr, BN: tl.constexpr, BK: tl.constexpr):',
      '    pid_m = tl.program_id(0)',
      '    pid_n = tl.program_id(1)',
      '    a_block = tl.make_block_ptr(base=a_ptr, shape=(M, K), strides=(sam, sak), offsets=(pid_m * BM, 0), block_shape=(BM, BK), order=(1, 0))',
      '    b_block = tl.make_block_ptr(base=b_ptr, shape=(K, N), strides=(sbk, sbn), offsets=(0, pid_n * BN), block_shape=(BK, BN), order=(1, 0))',
      '    acc = tl.zeros((BM, BN), dtype=tl.float32)',
      '    for k in range(0, K, BK):',
      '        a = tl.load(a_block, boundary_check=(0, 1))',
      '        b = tl.load(b_block, boundary_check=(0, 1))',
      '        acc += tl.dot(a, b)',
      '        a_block = tl.advance(a_block, (0, BK))',
      '        b_block = tl.advance(b_block, (BK, 0))',
      '    c_block = tl.make_block_ptr(base=c_ptr, shape=(M, N), strides=(scm, scn), offsets=(pid_m * BM, pid_n * BN), block_shape=(BM, BN), order=(1, 0))',
      '    tl.store(c_block, acc.to(tl.float16), boundary_check=(0, 1))',
      'def run(a, b):',
      '    M, K = a.shape',
      '    K, N = b.shape',
      '    c = torch.empty((M, N), device=a.device, dtype=torch.float16)',
      '    grid = (triton.cdiv(M, 64), triton.cdiv(N, 128))',
      '    mm[grid](a, b, c, M, N, K, a.stride(0), a.stride(1), b.stride(0), b.stride(1), c.stride(0), c.stride(1), BM=64, BN=128, BK=32)',
    ].join('\n');
    const kernel = await onlyKernel(text, 'fp16');
    const [M, N, K] = [1024, 1024, 512];
    // `acc += tl.dot(a, b)` is the MMA's own accumulation: 2·M·N·K, no extra adds.
    assert.equal(kernel.cost.flops, 2 * M * N * K);
    assert.equal(kernel.cost.bytesRead, (M * K + K * N) * 2);
    assert.equal(kernel.attr('requestedBytes'), (M * K * (N / 128) + K * N * (M / 64) + M * N) * 2);
    assert.equal(kernel.attr('programs'), (M / 64) * (N / 128));
  });

  it('tensor descriptors: desc.load and desc.store move block_shape elements', async () => {
    const text = [
      '# memwall: R=2048 C=2048',
      'import torch, triton',
      'import triton.language as tl',
      '@triton.jit',
      'def copy(x_ptr, y_ptr, R, C, BR: tl.constexpr, BC: tl.constexpr):',
      '    xd = tl.make_tensor_descriptor(x_ptr, shape=[R, C], strides=[C, 1], block_shape=[BR, BC])',
      '    yd = tl.make_tensor_descriptor(y_ptr, shape=[R, C], strides=[C, 1], block_shape=[BR, BC])',
      '    r = tl.program_id(0) * BR',
      '    c = tl.program_id(1) * BC',
      '    tile = xd.load([r, c])',
      '    yd.store([r, c], tile * 2)',
      'def launch(x):',
      '    R, C = x.shape',
      '    y = torch.empty_like(x)',
      '    copy[(R // 64, C // 64)](x, y, R, C, BR=64, BC=64)',
    ].join('\n');
    const kernel = await onlyKernel(text, 'bf16');
    assert.equal(kernel.cost.flops, 2048 * 2048);
    assert.equal(kernel.cost.bytesRead, 2048 * 2048 * 2);
    assert.equal(kernel.cost.bytesWritten, 2048 * 2048 * 2);
  });

  it('a causal trip count that depends on the program id is averaged over the programs (exact for linear bounds)', async () => {
    const text = [
      '# memwall: N=4096',
      'import torch, triton',
      'import triton.language as tl',
      '@triton.jit',
      'def causal(k_ptr, out_ptr, N, BM: tl.constexpr, BN: tl.constexpr):',
      '    start_m = tl.program_id(0)',
      '    acc = tl.zeros([BM, BN], dtype=tl.float32)',
      '    for start_n in range(0, (start_m + 1) * BM, BN):',
      '        k = tl.load(k_ptr + start_n + tl.arange(0, BN))',
      '        acc = acc + k[None, :]',
      '    tl.store(out_ptr + start_m * BM + tl.arange(0, BM), tl.sum(acc, 1))',
      'def run(k):',
      '    N = k.shape[0]',
      '    out = torch.empty_like(k)',
      '    causal[(triton.cdiv(N, 128),)](k, out, N, BM=128, BN=64)',
    ].join('\n');
    const kernel = await onlyKernel(text, 'fp32');
    const programs = 4096 / 128;
    // Program m runs (m+1)·128/64 iterations: Σ over m = 2·programs·(programs+1)/2.
    const iterations = 2 * (programs * (programs + 1)) / 2;
    assert.equal(kernel.attr('requestedBytesRead'), iterations * 64 * 4);
    // acc + k on [128, 64] per iteration, then one tl.sum of 128·64 per program.
    assert.equal(kernel.cost.flops, iterations * 128 * 64 + programs * 128 * 64);
    assert.ok(kernel.op.notes.some((n) => /averaged over the programs/.test(n)));
  });

  it('@triton.heuristics computes a block size from the launch arguments; static_range counts its trips', async () => {
    const text = [
      '# memwall: rows=1024 cols=1000',
      'import torch, triton',
      'import triton.language as tl',
      "@triton.heuristics({'BLOCK': lambda args: triton.next_power_of_2(args['cols'])})",
      '@triton.jit',
      'def rowwise(x_ptr, y_ptr, cols, BLOCK: tl.constexpr):',
      '    row = tl.program_id(0)',
      '    offs = tl.arange(0, BLOCK)',
      '    x = tl.load(x_ptr + row * cols + offs, mask=offs < cols, other=0.0)',
      '    for i in tl.static_range(3):',
      '        x = x * 1.5',
      '    tl.store(y_ptr + row * cols + offs, x, mask=offs < cols)',
      'def run(x):',
      '    rows, cols = x.shape',
      '    y = torch.empty_like(x)',
      '    rowwise[(rows,)](x, y, cols)',
    ].join('\n');
    const kernel = await onlyKernel(text, 'fp32');
    assert.equal(kernel.attr('BLOCK'), 1024);
    assert.equal(kernel.cost.flops, 3 * 1024 * 1024);
    assert.equal(kernel.cost.bytes, 2 * 1024 * 1000 * 4);
    assert.equal(kernel.attr('rowLength'), 1000);
  });

  it('tl.dot on fp32 tensors with allow_tf32=False is priced on the vector unit and marked ieee', async () => {
    const text = [
      'import torch, triton',
      'import triton.language as tl',
      '@triton.jit',
      'def k(a_ptr, b_ptr, c_ptr, B: tl.constexpr):',
      '    r = tl.arange(0, B)',
      '    a = tl.load(a_ptr + r[:, None] * B + r[None, :])',
      '    b = tl.load(b_ptr + r[:, None] * B + r[None, :])',
      '    tl.store(c_ptr + r[:, None] * B + r[None, :], tl.dot(a, b, allow_tf32=False))',
      'def run():',
      '    a = torch.randn(64, 64, device="cuda", dtype=torch.float32)',
      '    b = torch.randn(64, 64, device="cuda", dtype=torch.float32)',
      '    c = torch.empty(64, 64, device="cuda", dtype=torch.float32)',
      '    k[(1,)](a, b, c, B=64)',
    ].join('\n');
    const kernel = await onlyKernel(text, 'bf16');
    assert.equal(kernel.op.attrs.dotOperandDtype, 'fp32');
    assert.equal(kernel.op.attrs.dotInputPrecision, 'ieee');
    assert.equal(kernel.cost.unit, 'vector');
    assert.equal(kernel.cost.flops, 2 * 64 * 64 * 64);
    assert.equal(kernel.cost.bytes, 3 * 64 * 64 * 4);
  });

  it('two launches in a row: the second reads what the first wrote (producer links the ops)', async () => {
    const text = [
      '# memwall: n=1048576',
      'import torch, triton',
      'import triton.language as tl',
      '@triton.jit',
      'def double(x_ptr, y_ptr, n, BLOCK: tl.constexpr):',
      '    offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)',
      '    tl.store(y_ptr + offs, tl.load(x_ptr + offs, mask=offs < n) * 2, mask=offs < n)',
      'def run(x):',
      '    n = x.numel()',
      '    y = torch.empty_like(x)',
      '    z = torch.empty_like(x)',
      '    double[(triton.cdiv(n, 1024),)](x, y, n, BLOCK=1024)',
      '    double[(triton.cdiv(n, 1024),)](y, z, n, BLOCK=1024)',
    ].join('\n');
    const graph = await extractText(text);
    const [first, second] = graph.ops.filter((op) => op.category === 'triton_kernel');
    assert.ok(first && second, 'two launches');
    assert.equal(second.inputs[0]?.producer, first.id);
    assert.equal(second.inputs[0]?.id, first.outputs[0]?.id);
    assert.equal(first.span.startLine, 11);
    assert.equal(second.span.startLine, 12);
  });

  it('a while loop, an unknown call and broken code are noted, never thrown', async () => {
    const text = [
      'import triton',
      'import triton.language as tl',
      '@triton.jit',
      'def odd(x_ptr, n, BLOCK: tl.constexpr = 128):',
      '    offs = tl.arange(0, BLOCK)',
      '    x = tl.load(x_ptr + offs)',
      '    while n > 0:',
      '        x = mystery(x)',
      '    tl.store(x_ptr + offs, x',
    ].join('\n');
    const graph = await extractText(text);
    const op = graph.ops.find((o) => o.category === 'triton_kernel');
    assert.ok(op);
    assert.ok(op.notes.some((n) => /while loop/.test(n)));
  });
});
