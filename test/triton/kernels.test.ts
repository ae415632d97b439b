// One launch of each fixture kernel, priced through analyze(), against FLOPs and bytes computed by hand.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fixtureKernel } from './helpers';

const MiB = 2 ** 20;

describe('Triton fixture kernels: one launch, hand-computed figures', () => {
  it('vector add on 2^24 fp32 elements moves 3·4·2^24 bytes and does 2^24 FLOPs', async () => {
    const n = 2 ** 24;
    const { op, cost, attr } = await fixtureKernel('vector_add.py', 'fp32');
    assert.equal(op.op, 'triton.kernel');
    assert.equal(op.label, 'add_kernel');
    assert.equal(op.scope, 'add');
    assert.equal(cost.flops, n);
    assert.equal(cost.bytesRead, 2 * 4 * n);
    assert.equal(cost.bytesWritten, 4 * n);
    assert.equal(cost.bytes, 3 * 4 * n);
    assert.equal(attr('requestedBytes'), 3 * 4 * n);
    assert.equal(attr('programs'), n / 1024);
    assert.equal(attr('perProgramFlops'), 1024);
    assert.equal(attr('perProgramBytes'), 3 * 4 * 1024);
    assert.equal(attr('BLOCK_SIZE'), 1024);
    assert.equal(op.attrs.pricedConfig, 'launch-site constexprs');
    assert.equal(cost.bound, 'memory');
    assert.equal(cost.unit, 'vector');
  });

  it('fused softmax, 4096 rows of 3000 fp32: reads and writes each element once, 5 FLOPs per lane of a 4096 block', async () => {
    const rows = 4096;
    const cols = 3000;
    const block = 4096; // triton.next_power_of_2(3000)
    const { op, cost, attr } = await fixtureKernel('softmax.py', 'fp32');
    // max, subtract, exp, sum, divide on every lane of the block, masked lanes included (they run with other=-inf).
    assert.equal(cost.flops, 5 * block * rows);
    assert.equal(cost.bytesRead, rows * cols * 4);
    assert.equal(cost.bytesWritten, rows * cols * 4);
    assert.equal(attr('requestedBytes'), 2 * rows * cols * 4);
    assert.equal(attr('programs'), rows);
    assert.equal(attr('BLOCK_SIZE'), block);
    assert.equal(attr('rowLength'), cols);
    assert.equal(attr('rowBlock'), block);
    assert.equal(op.attrs.reductions, 2);
  });

  it('layer-norm forward, 4096×8192 fp16 in 1024-wide chunks: X read three times, W and B once per row', async () => {
    const M = 4096;
    const N = 8192;
    const BLOCK = 1024;
    const { op, cost, attr } = await fixtureKernel('layer_norm.py', 'fp16');
    // Per row: pass 1 adds N; pass 2 subtract, where, square, add = 4N; pass 3 subtract, scale, ×w, +b = 4N;
    // two block-wide tl.sum of BLOCK each; scalars: mean /N, var /N, +eps, sqrt, 1/ = 5.
    assert.equal(cost.flops, M * (9 * N + 2 * BLOCK + 5));
    // Compulsory: X once, W and B (N each) once; Y once, Mean and Rstd fp32 (4 bytes) per row.
    assert.equal(cost.bytesRead, (M * N + 2 * N) * 2);
    assert.equal(cost.bytesWritten, M * N * 2 + 2 * M * 4);
    // Requested: X in all three passes, W and B by every row program.
    assert.equal(attr('requestedBytesRead'), 5 * M * N * 2);
    assert.equal(attr('requestedBytesWritten'), M * N * 2 + 2 * M * 4);
    assert.equal(op.attrs.rereadTensors, 'X');
    assert.equal(attr('rereadBytes'), 2 * M * N * 2);
  });

  it('matmul 4096³ fp16, autotuned: 2·M·N·K FLOPs; A re-read N/BLOCK_N times and B M/BLOCK_M times', async () => {
    const M = 4096;
    const N = 4096;
    const K = 4096;
    const [BM, BN, BK] = [128, 256, 64]; // the first autotune config
    const { op, cost, attr } = await fixtureKernel('matmul.py', 'fp16');
    assert.equal(cost.flops, 2 * M * N * K);
    assert.equal(cost.bytesRead, (M * K + K * N) * 2);
    assert.equal(cost.bytesWritten, M * N * 2); // c is allocated as torch.float16
    assert.equal(attr('requestedBytes'), (M * K * (N / BN) + K * N * (M / BM) + M * N) * 2);
    assert.equal(attr('programs'), (M / BM) * (N / BN));
    assert.equal(attr('perProgramFlops'), 2 * BM * BN * K);
    assert.deepEqual([attr('BLOCK_SIZE_M'), attr('BLOCK_SIZE_N'), attr('BLOCK_SIZE_K'), attr('GROUP_SIZE_M')], [BM, BN, BK, 8]);
    assert.equal(op.attrs.pricedConfig, 'first autotune config');
    assert.match(String(op.attrs.blockSizes), /first of 4 autotune configs; range BLOCK_SIZE_M 64–128/);
    assert.equal(op.attrs.dotBlocks, '128x256x64');
    assert.equal(cost.unit, 'tensor');
    // The cost model sees the re-reads (1.6 GB requested against 100.7 MB compulsory) and says how it priced them.
    assert.ok(cost.explain.some((line) => /requests 1\.64 GB/.test(line)), cost.explain.join('\n'));
  });

  it('flash-attention forward, Z=4 H=16 N=4096 d=64 fp16: Q, K, V, O once compulsory; K and V re-read per query block', async () => {
    const [Z, H, N, D, BM, BN] = [4, 16, 4096, 64, 128, 64];
    const { cost, attr } = await fixtureKernel('flash_attention.py', 'fp16');
    // Per program and KV block: two dots 2·BM·BN·D each; on [BM,BN]: max, scale, subtract, exp2, sum (5);
    // on [BM]: scale, maximum, subtract, exp2, ×alpha, +l_ij (6); on [BM,D]: acc×alpha (1); after the loop acc/l (BM·D).
    const perProgram = (N / BN) * (4 * BM * BN * D + 5 * BM * BN + 6 * BM + BM * D) + BM * D;
    const programs = (N / BM) * Z * H;
    assert.equal(cost.flops, perProgram * programs);
    assert.equal(cost.flops, Z * H * (4 * N * N * D + 5 * N * N + (6 * N * N) / BN + (N * N * D) / BN + N * D));
    const tensor = Z * H * N * D * 2;
    assert.equal(cost.bytesRead, 3 * tensor);
    assert.equal(cost.bytesWritten, tensor);
    assert.equal(attr('requestedBytes'), 2 * tensor + 2 * (N / BM) * tensor);
    assert.equal(attr('programs'), programs);
    assert.equal(cost.unit, 'tensor');
  });

  it('fused SwiGLU, 4096 rows of 11008 bf16: three tensors once; silu·b is 6 FLOPs per lane of a 16384 block', async () => {
    const rows = 4096;
    const cols = 11008;
    const block = 16384;
    const { cost, attr } = await fixtureKernel('swiglu.py', 'bf16');
    // sigmoid 4 (negate, exp, add, divide) + x·sigmoid 1 + ·b 1.
    assert.equal(cost.flops, 6 * block * rows);
    assert.equal(cost.bytesRead, 2 * rows * cols * 2);
    assert.equal(cost.bytesWritten, rows * cols * 2);
    assert.equal(attr('requestedBytes'), 3 * rows * cols * 2);
    assert.equal(attr('rowLength'), cols);
    assert.equal(attr('rowBlock'), block);
  });

  it('RoPE on q [8, 2048, 32, 128] bf16: 3 FLOPs per element; cos/sin compulsory once, requested once per batch', async () => {
    const [B, S, H, D] = [8, 2048, 32, 128];
    const { cost, attr } = await fixtureKernel('rope.py', 'bf16');
    assert.equal(cost.flops, 3 * B * S * H * D);
    const q = B * S * H * D * 2;
    const table = S * (D / 2) * 2;
    assert.equal(cost.bytesRead, q + 2 * table);
    assert.equal(cost.bytesWritten, q);
    assert.equal(attr('requestedBytesRead'), q + 2 * B * table);
    assert.equal(attr('BLOCK_H'), 32);
    assert.equal(cost.bytes! / MiB, (2 * q + 2 * table) / MiB);
  });
});
