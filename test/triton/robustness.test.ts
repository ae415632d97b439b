// Real-world Triton shapes of code (tutorial 06's block-pointer attention, old `**meta` kernels, host descriptors):
// the frontend prices what it can, notes what it cannot, and never throws.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractText, kernelsOf } from './helpers';

const ATTENTION = `
# memwall: Z=2 H=8 N_CTX=2048 BLOCK_M=128 BLOCK_N=64
import torch
import triton
import triton.language as tl

@triton.jit
def _attn_fwd_inner(acc, l_i, m_i, q, K_block_ptr, V_block_ptr, start_m, qk_scale,
                    BLOCK_M: tl.constexpr, HEAD_DIM: tl.constexpr, BLOCK_N: tl.constexpr,
                    CAUSAL: tl.constexpr, offs_m: tl.constexpr, offs_n: tl.constexpr, N_CTX: tl.constexpr):
    if CAUSAL:
        causal_start = start_m * BLOCK_M
    else:
        causal_start = N_CTX
    lo, hi = 0, N_CTX
    for start_n in range(lo, hi, BLOCK_N):
        start_n = tl.multiple_of(start_n, BLOCK_N)
        k = tl.load(K_block_ptr)
        qk = tl.dot(q, k)
        m_ij = tl.maximum(m_i, tl.max(qk, 1) * qk_scale)
        qk = qk * qk_scale - m_ij[:, None]
        p = tl.math.exp2(qk)
        l_ij = tl.sum(p, 1)
        alpha = tl.math.exp2(m_i - m_ij)
        l_i = l_i * alpha + l_ij
        acc = acc * alpha[:, None]
        v = tl.load(V_block_ptr)
        acc = tl.dot(p.to(tl.float16), v, acc)
        m_i = m_ij
        V_block_ptr = tl.advance(V_block_ptr, (BLOCK_N, 0))
        K_block_ptr = tl.advance(K_block_ptr, (0, BLOCK_N))
    return acc, l_i, m_i

configs = [triton.Config({'BLOCK_M': BM, 'BLOCK_N': BN}, num_stages=s, num_warps=w)
           for BM in [64, 128] for BN in [32, 64] for s in [3, 4] for w in [4, 8]]

@triton.autotune(list(filter(lambda c: True, configs)), key=["N_CTX", "HEAD_DIM"])
@triton.jit
def _attn_fwd(Q, K, V, sm_scale, M, Out,
              stride_qz, stride_qh, stride_qm, stride_qk, stride_kz, stride_kh, stride_kn, stride_kk,
              stride_vz, stride_vh, stride_vk, stride_vn, stride_oz, stride_oh, stride_om, stride_on,
              Z, H, N_CTX, HEAD_DIM: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, CAUSAL: tl.constexpr):
    tl.static_assert(BLOCK_N <= HEAD_DIM)
    start_m = tl.program_id(0)
    off_hz = tl.program_id(1)
    off_z = off_hz // H
    off_h = off_hz % H
    qvk_offset = off_z.to(tl.int64) * stride_qz + off_h.to(tl.int64) * stride_qh
    Q_block_ptr = tl.make_block_ptr(base=Q + qvk_offset, shape=(N_CTX, HEAD_DIM), strides=(stride_qm, stride_qk),
                                    offsets=(start_m * BLOCK_M, 0), block_shape=(BLOCK_M, HEAD_DIM), order=(1, 0))
    v_order: tl.constexpr = (0, 1) if V.dtype.element_ty == tl.float8e5 else (1, 0)
    V_block_ptr = tl.make_block_ptr(base=V + qvk_offset, shape=(N_CTX, HEAD_DIM), strides=(stride_vk, stride_vn),
                                    offsets=(0, 0), block_shape=(BLOCK_N, HEAD_DIM), order=v_order)
    K_block_ptr = tl.make_block_ptr(base=K + qvk_offset, shape=(HEAD_DIM, N_CTX), strides=(stride_kk, stride_kn),
                                    offsets=(0, 0), block_shape=(HEAD_DIM, BLOCK_N), order=(0, 1))
    O_block_ptr = tl.make_block_ptr(base=Out + qvk_offset, shape=(N_CTX, HEAD_DIM), strides=(stride_om, stride_on),
                                    offsets=(start_m * BLOCK_M, 0), block_shape=(BLOCK_M, HEAD_DIM), order=(1, 0))
    offs_m = start_m * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_n = tl.arange(0, BLOCK_N)
    m_i = tl.zeros([BLOCK_M], dtype=tl.float32) - float("inf")
    l_i = tl.zeros([BLOCK_M], dtype=tl.float32) + 1.0
    acc = tl.zeros([BLOCK_M, HEAD_DIM], dtype=tl.float32)
    qk_scale = sm_scale
    qk_scale *= 1.44269504
    q = tl.load(Q_block_ptr)
    acc, l_i, m_i = _attn_fwd_inner(acc, l_i, m_i, q, K_block_ptr, V_block_ptr, start_m, qk_scale,
                                    BLOCK_M, HEAD_DIM, BLOCK_N, CAUSAL, offs_m, offs_n, N_CTX)
    m_i += tl.math.log2(l_i)
    acc = acc / l_i[:, None]
    m_ptrs = M + off_hz * N_CTX + offs_m
    tl.store(m_ptrs, m_i)
    tl.store(O_block_ptr, acc.to(Out.type.element_ty))

class _attention(torch.autograd.Function):
    @staticmethod
    def forward(ctx, q, k, v, causal, sm_scale):
        HEAD_DIM_K = q.shape[-1]
        o = torch.empty_like(q)
        M = torch.empty((q.shape[0], q.shape[1], q.shape[2]), device=q.device, dtype=torch.float32)
        grid = lambda args: (triton.cdiv(q.shape[2], args["BLOCK_M"]), q.shape[0] * q.shape[1], 1)
        _attn_fwd[grid](q, k, v, sm_scale, M, o,
                        q.stride(0), q.stride(1), q.stride(2), q.stride(3),
                        k.stride(0), k.stride(1), k.stride(2), k.stride(3),
                        v.stride(0), v.stride(1), v.stride(2), v.stride(3),
                        o.stride(0), o.stride(1), o.stride(2), o.stride(3),
                        q.shape[0], q.shape[1], N_CTX=q.shape[2], HEAD_DIM=HEAD_DIM_K, CAUSAL=False)
        return o
`;

describe('Triton frontend on real-world code', () => {
  it('prices the block-pointer attention of tutorial 06 (helper returning a tuple, autotune by comprehension)', async () => {
    const kernels = await kernelsOf(ATTENTION.replace('HEAD_DIM_K = q.shape[-1]', 'HEAD_DIM_K = 64'), 'fp16');
    const attention = kernels.find((k) => k.op.label === '_attn_fwd')!;
    assert.equal(attention.op.scope, '_attention.forward');
    const [Z, H, N, D, BM, BN] = [2, 8, 2048, 64, 128, 64];
    const programs = (N / BM) * Z * H;
    assert.equal(attention.attr('programs'), programs);
    // Same body as the flash-attention fixture, plus log2(l) on [BM] after the loop.
    const perProgram = (N / BN) * (4 * BM * BN * D + 5 * BM * BN + 6 * BM + BM * D) + BM * D + 2 * BM;
    assert.equal(attention.cost.flops, perProgram * programs);
    // Q, K, V read once each compulsory (K and V sizes unknown: what one query block's programs read), O and M written.
    assert.equal(attention.attr('requestedBytesRead'), (BM * D + 2 * N * D) * 2 * programs);
    assert.equal(attention.attr('requestedBytesWritten'), (BM * D * 2 + BM * 4) * programs);
    // Sizes unknown to the wrapper: the addresses' dependence on the program ids gives the distinct bytes. Q and O
    // move with both grid axes, K and V only with the head axis (every query block reads the same K and V).
    assert.equal(attention.cost.bytesRead, 3 * Z * H * N * D * 2);
    assert.equal(attention.cost.bytesWritten, Z * H * N * D * 2 + Z * H * N * 4);
    assert.ok(attention.op.notes.some((n) => /autotune configs are not a literal list/.test(n)));
    // The helper is inlined, not priced on its own.
    assert.equal(kernels.filter((k) => k.op.label === '_attn_fwd_inner').length, 0);
  });

  it('does not throw on **meta kernels, host descriptors, unknown helpers or half-typed code', async () => {
    const text = [
      'import triton, torch',
      'import triton.language as tl',
      '@triton.jit',
      'def old_softmax(output_ptr, input_ptr, stride, n_cols, **meta):',
      "    BLOCK_SIZE = meta['BLOCK_SIZE']",
      '    offs = tl.arange(0, BLOCK_SIZE)',
      '    row = tl.load(input_ptr + tl.program_id(0) * stride + offs, mask=offs < n_cols)',
      '    tl.store(output_ptr + offs, row)',
      '@triton.jit',
      'def tma(desc_q, desc_o, BLOCK: tl.constexpr):',
      '    q = desc_q.load([tl.program_id(0) * BLOCK, 0])',
      '    desc_o.store([0, 0], q)',
      'def next_power_of_2(n):',
      '    return 1 << (n - 1).bit_length()',
      'def softmax(x):',
      '    n_rows, n_cols = x.shape',
      '    y = torch.empty_like(x)',
      '    old_softmax[(n_rows,)](y, x, x.stride(0), n_cols, BLOCK_SIZE=next_power_of_2(n_cols))',
      '    tma[(4,)](TensorDescriptor.from_tensor(x, [64, 64]), TensorDescriptor.from_tensor(y, [64, 64]), BLOCK=64)',
      '    weird[(1,)](',
    ].join('\n');
    const graph = await extractText(text);
    const labels = graph.ops.filter((op) => op.category === 'triton_kernel').map((op) => op.label);
    assert.deepEqual(labels, ['old_softmax', 'tma']);
  });
});
