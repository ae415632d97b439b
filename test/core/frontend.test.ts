// The PyTorch frontend on small snippets: which ops it finds, their shapes, paths, repeats and notes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { extract } from '../../src/core/analyze';
import { formatDim, formatShape } from '../../src/core/ir/dims';
import type { OpGraph, OpNode } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

async function graphOf(text: string, modules?: ReadonlyMap<string, string>): Promise<OpGraph> {
  return extract(text, { parser: await testParser(), modules });
}

/** `op shape-in → shape-out` lines, the compact form the assertions compare. */
function describeOps(graph: OpGraph, filter: (op: OpNode) => boolean = () => true): string[] {
  return graph.ops.filter(filter).map((op) => `${op.op} ${op.outputs.map((o) => formatShape(o.shape)).join(' ')}`);
}

const notView = (op: OpNode): boolean => op.category !== 'view';

describe('pytorch frontend: plain code', () => {
  it('reads creation shapes, operators and functional calls in a script', async () => {
    const graph = await graphOf(
      [
        'import torch',
        'import torch.nn.functional as F',
        'x = torch.randn(8, 1024, 768, dtype=torch.bfloat16)',
        'w = torch.randn(3072, 768)',
        'h = F.linear(x, w)',
        'h = F.gelu(h, approximate="tanh")',
        'y = h * 2 + h',
        'z = x @ x.transpose(-2, -1)',
        'p = F.softmax(z, dim=-1)',
      ].join('\n'),
    );
    assert.deepEqual(describeOps(graph, notView), [
      'torch.randn [8, 1024, 768]',
      'torch.randn [3072, 768]',
      'torch.nn.functional.linear [8, 1024, 3072]',
      'torch.nn.functional.gelu [8, 1024, 3072]',
      'torch.mul [8, 1024, 3072]',
      'torch.add [8, 1024, 3072]',
      'torch.matmul [8, 1024, 1024]',
      'torch.nn.functional.softmax [8, 1024, 1024]',
    ]);
    const randn = graph.ops[0] as OpNode;
    assert.equal(randn.category, 'creation');
    assert.equal(randn.outputs[0]?.dtype, 'bf16');
    const gelu = graph.ops.find((op) => op.op === 'torch.nn.functional.gelu') as OpNode;
    assert.equal(gelu.attrs.approximate, 'tanh');
    assert.equal(gelu.outputs[0]?.dtype, 'bf16');
    assert.equal(gelu.scope, '<module>');
    assert.equal(gelu.span.startLine, 5);
  });

  it('lists an unknown torch call as unknown with a note, and an unknown shape with a hint', async () => {
    const graph = await graphOf(['import torch', 'def f(x):', '    return torch.frobnicate(x).relu()'].join('\n'));
    const [unknown, relu] = graph.ops;
    assert.equal(unknown?.category, 'unknown');
    assert.match(unknown?.notes.join(' ') ?? '', /does not know `torch\.frobnicate`/);
    assert.equal(relu?.op, 'torch.Tensor.relu');
    assert.match(relu?.notes.join(' ') ?? '', /Shape of .* unknown/);
  });

  it('takes a parameter shape from a magic comment and from jaxtyping', async () => {
    const graph = await graphOf(
      [
        'import torch',
        'from jaxtyping import Float',
        'from torch import Tensor',
        '# memwall: shape x=[B, T, 768]',
        'def f(x):',
        '    return torch.relu(x)',
        'def g(y: Float[Tensor, "batch seq dim"]):',
        '    return y.sum(dim=-1, keepdim=True)',
      ].join('\n'),
    );
    assert.deepEqual(describeOps(graph), ['torch.relu [B, T, 768]', 'torch.Tensor.sum [batch, seq, 1]']);
    assert.deepEqual(graph.scopes.map((s) => s.name).sort(), ['f', 'g']);
  });

  it('declares a shape from `B, T, C = x.size()` unpacking', async () => {
    const graph = await graphOf(['def f(x):', '    B, T, C = x.size()', '    return x.view(B * T, C).sum(0)'].join('\n'));
    assert.deepEqual(describeOps(graph), ['torch.Tensor.view [B*T, C]', 'torch.Tensor.sum [C]']);
  });

  it('follows reshape with -1, permute, split, chunk, cat, stack and indexing', async () => {
    const graph = await graphOf(
      [
        'import torch',
        '# memwall: shape x=[B, T, 3*C]',
        'def f(x):',
        '    q, k, v = x.split(C, dim=-1)',
        '    a, b = q.chunk(2, dim=1)',
        '    r = k.reshape(B, -1)',
        '    p = v.permute(2, 0, 1)',
        '    c = torch.cat([q, k], dim=-1)',
        '    s = torch.stack([q, k, v])',
        '    last = x[:, -1, :]',
        '    first = x[0]',
        '    mid = x[:, 2:T]',
        '    fancy = x[:, [-1], :]',
        '    return a, b, r, p, c, s, last, first, mid, fancy',
      ].join('\n'),
    );
    const shapes = Object.fromEntries(graph.ops.map((op) => [`${op.span.startLine}:${op.op}`, op.outputs.map((o) => formatShape(o.shape)).join(' ')]));
    assert.equal(shapes['3:torch.Tensor.split'], '[B, T, C] [B, T, C] [B, T, C]');
    assert.equal(shapes['4:torch.Tensor.chunk'], '[B, T//2, C] [B, T//2, C]');
    // k is a piece of a split along the last dim (not contiguous): reshaping it merges T and C, which copies.
    assert.equal(shapes['5:torch.Tensor.contiguous'], '[B, T*C]');
    assert.match(graph.ops.find((op) => op.span.startLine === 5)?.label ?? '', /copies: input not contiguous/);
    assert.equal(shapes['6:torch.Tensor.permute'], '[C, B, T]');
    assert.equal(shapes['7:torch.cat'], '[B, T, 2*C]');
    assert.equal(shapes['8:torch.stack'], '[3, B, T, C]');
    assert.equal(shapes['9:torch.Tensor.__getitem__'], '[B, 3*C]');
    assert.equal(shapes['10:torch.Tensor.__getitem__'], '[T, 3*C]');
    assert.equal(shapes['11:torch.Tensor.__getitem__'], '[B, T-2, 3*C]');
    assert.equal(shapes['12:torch.Tensor.index'], '[B, 1, 3*C]');
    assert.equal(graph.ops.find((op) => op.op === 'torch.Tensor.index')?.category, 'copy');
  });

  it('makes a reshape of symbolic sizes a view or a copy as PyTorch does (checked with torch 1.13: data_ptr and _base)', async () => {
    // B and T are symbols nothing binds while the code is read: the layout decides, not the numbers.
    const graph = await graphOf(
      [
        'import torch',
        'import torch.nn as nn',
        'import torch.nn.functional as F',
        'class Heads(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.fc, self.qkv_proj = nn.Linear(768, 768), nn.Linear(768, 2304)',
        '        self.gqa_proj, self.mqa_proj = nn.Linear(768, 1280), nn.Linear(768, 896)',
        '    # memwall: shape x=[B, T, 768]',
        '    def forward(self, x):',
        '        B, T, C = x.shape',
        '        h = self.fc(x)',
        '        a = h.reshape(B, T, 12, 64)',
        '        q = h.view(B, T, 12, 64).transpose(1, 2)',
        '        b = q.reshape(B * 12, T, 64)',
        '        c = q.transpose(1, 2).reshape(B, T, C)',
        '        qkv = self.gqa_proj(x).view(B, T, 4, 5, 64).permute(0, 2, 3, 1, 4)',
        '        gq, gk, gv = qkv.split((3, 1, 1), dim=2)',
        '        d = gq.reshape(B, -1, T, 64)',
        '        e = gk.reshape(B, -1, T, 64)',
        '        query, kv = self.mqa_proj(x).split((C, 128), dim=2)',
        '        g = query.reshape(B, T * 12, 64)',
        '        t = self.qkv_proj(x).reshape(B, T, 3, 12, 64).permute(2, 0, 3, 1, 4)',
        '        tq, tk, tv = t.unbind(0)',
        '        i = tq.transpose(1, 2).reshape(B, T, C)',
        '        j = tq.reshape(B * 12, T, 64)',
        '        y = F.scaled_dot_product_attention(tq, tk, tv)',
        '        k = y.transpose(1, 2).reshape(B, T, C)',
        '        return a, b, c, d, e, g, i, j, k',
      ].join('\n'),
    );
    const copies = graph.ops.filter((op) => op.op === 'torch.Tensor.contiguous').map((op) => op.span.startLine + 1);
    // Copies: merging B with heads of a transposed tensor (15), grouped-query heads across the gap the split left in
    // the qkv dim (19), T with the heads of a piece split off the last dim (22), B with heads of an unbind piece (26),
    // and SDPA's transposed output (28). Views: fresh GEMM outputs (13, 23), a transpose undone (16), a size-1 KV
    // group (20), the heads and head dim of an unbind piece, which its gap (between T and heads) does not separate (25).
    assert.deepEqual(copies, [15, 19, 22, 26, 28]);
    const views = graph.ops.filter((op) => op.op === 'torch.Tensor.reshape').map((op) => op.span.startLine + 1);
    assert.deepEqual(views, [13, 16, 20, 23, 25]);
    const merged = graph.ops.find((op) => op.span.startLine + 1 === 28 && op.op === 'torch.Tensor.contiguous');
    assert.equal(formatShape(merged?.outputs[0]?.shape ?? null), '[B, T, 768]');
  });
});

describe('pytorch frontend: modules', () => {
  const example = readFileSync(path.join(__dirname, '..', '..', 'examples', 'gpt_block.py'), 'utf8');

  it('follows Block → attention and MLP with module paths, config symbols and the flash fallback', async () => {
    const graph = await graphOf(example);
    const linear = graph.ops.filter((op) => op.op === 'torch.nn.Linear' && op.onlyWhenGiven === undefined);
    assert.deepEqual(
      linear.map((op) => `${op.modulePath} ${formatShape(op.inputs[0]?.shape ?? null)}→${formatShape(op.outputs[0]?.shape ?? null)} w${formatShape(op.inputs[1]?.shape ?? null)}`),
      [
        'transformer.h[*].attn.c_attn [b, t, n_embd]→[b, t, 3*n_embd] w[3*n_embd, n_embd]',
        'transformer.h[*].attn.c_proj [b, t, n_embd]→[b, t, n_embd] w[n_embd, n_embd]',
        'transformer.h[*].mlp.c_fc [b, t, n_embd]→[b, t, 4*n_embd] w[4*n_embd, n_embd]',
        'transformer.h[*].mlp.c_proj [b, t, 4*n_embd]→[b, t, n_embd] w[n_embd, 4*n_embd]',
        // At inference (no targets) only the last position's logits: x[:, [-1], :] keeps the time dimension.
        'lm_head [b, 1, n_embd]→[b, 1, vocab_size] w[vocab_size, n_embd]',
      ],
    );
    // The training branch (`if targets is not None:`) runs beside it, marked: logits at every position, then the loss.
    const training = graph.ops.filter((op) => op.onlyWhenGiven === 'targets' && op.category !== 'view');
    assert.deepEqual(
      training.map((op) => `${op.op} ${formatShape(op.inputs[0]?.shape ?? null)}`),
      ['torch.nn.Linear [b, t, n_embd]', 'torch.nn.functional.cross_entropy [b*t, vocab_size]'],
    );
    const sdpa = graph.ops.find((op) => op.op === 'torch.nn.functional.scaled_dot_product_attention') as OpNode;
    assert.equal(sdpa.category, 'attention');
    assert.equal(sdpa.fusedBy, undefined);
    assert.equal(formatShape(sdpa.outputs[0]?.shape ?? null), '[b, n_head, t, n_embd//n_head]');
    const fallback = graph.ops.filter((op) => op.fusedBy === 'fallback');
    assert.deepEqual([...new Set(fallback.filter(notView).map((op) => op.op))], [
      'torch.matmul',
      'torch.mul',
      'torch.eq',
      'torch.Tensor.masked_fill',
      'torch.nn.functional.softmax',
      'torch.nn.Dropout',
    ]);
    const softmax = fallback.find((op) => op.category === 'softmax') as OpNode;
    assert.equal(formatShape(softmax.outputs[0]?.shape ?? null), '[b, n_head, t, t]');
    assert.equal(softmax.scope, 'CausalSelfAttention.forward');
    assert.deepEqual(
      graph.codeBindings.filter((b) => ['n_embd', 'n_head'].includes(b.symbol)),
      [
        { symbol: 'n_head', value: 12, source: 'GPTConfig.n_head' },
        { symbol: 'n_embd', value: 768, source: 'GPTConfig.n_embd' },
      ],
    );
    assert.ok(graph.scopes.some((s) => s.name === 'MLP.forward' && s.kind === 'forward'));
    assert.ok(graph.ops.every((op) => op.category !== 'unknown'), 'every op of the example is known');
  });

  it('repeats the body of a loop over a ModuleList of n_layer blocks, with [*] in the path', async () => {
    const graph = await graphOf(
      [
        'import torch.nn as nn',
        'class Block(nn.Module):',
        '    def __init__(self, dim):',
        '        super().__init__()',
        '        self.fc = nn.Linear(dim, dim)',
        '    def forward(self, x):',
        '        return self.fc(x).relu()',
        'class Net(nn.Module):',
        '    def __init__(self, dim=256, n_layer=6):',
        '        super().__init__()',
        '        self.layers = nn.ModuleList([Block(dim) for _ in range(n_layer)])',
        '        self.head = nn.Sequential(nn.Linear(dim, 10), nn.Softmax(dim=-1))',
        '    # memwall: shape x=[B, dim]',
        '    def forward(self, x):',
        '        for layer in self.layers:',
        '            x = layer(x)',
        '        return self.head(x)',
      ].join('\n'),
    );
    const fc = graph.ops.find((op) => op.modulePath === 'layers[*].fc') as OpNode;
    assert.equal(formatDim(fc.repeat), 'n_layer');
    assert.equal(fc.scope, 'Block.forward');
    assert.deepEqual(
      graph.ops.map((op) => `${op.modulePath}:${op.op}`),
      ['layers[*].fc:torch.nn.Linear', 'layers[*]:torch.Tensor.relu', 'head.0:torch.nn.Linear', 'head.1:torch.nn.Softmax'],
    );
    assert.deepEqual(graph.codeBindings.map((b) => `${b.symbol}=${b.value} (${b.source})`), [
      'dim=256 (Net.__init__(dim=256))',
      'n_layer=6 (Net.__init__(n_layer=6))',
    ]);
  });

  it('marks ops of a torch.compile-d function and skips Triton launches without a note', async () => {
    const graph = await graphOf(
      [
        'import torch, triton',
        'import triton.language as tl',
        '@triton.jit',
        'def add_kernel(x_ptr, n, BLOCK: tl.constexpr):',
        '    pid = tl.program_id(0)',
        '@torch.compile',
        'def fused(x: torch.Tensor):',
        '    return torch.sigmoid(x) * x',
        'def launch(x):',
        '    add_kernel[(1,)](x, 4, BLOCK=1024)',
        '    return fused(x)',
      ].join('\n'),
    );
    // The Triton frontend prices the launch itself; the PyTorch frontend adds nothing for it.
    const pytorchOps = graph.ops.filter((op) => op.category !== 'triton_kernel');
    assert.deepEqual(pytorchOps.map((op) => `${op.op}:${op.fusedBy ?? ''}`), ['torch.sigmoid:torch.compile', 'torch.mul:torch.compile']);
    assert.ok(pytorchOps.every((op) => op.category !== 'unknown'));
  });

  it('detects tf32 switches', async () => {
    assert.equal((await graphOf('import torch\ntorch.backends.cuda.matmul.allow_tf32 = True\n')).tf32Enabled, true);
    assert.equal((await graphOf('import torch\ntorch.set_float32_matmul_precision("high")\n')).tf32Enabled, true);
    assert.equal((await graphOf('import torch\nx = torch.randn(4)\n')).tf32Enabled, false);
  });
});
