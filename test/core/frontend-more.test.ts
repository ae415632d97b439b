// The PyTorch frontend on imports, workspace modules, dtypes, containers, helpers, parameters and call-site sizes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extract } from '../../src/core/analyze';
import { formatDim, formatShape } from '../../src/core/ir/dims';
import type { OpGraph, OpNode } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

async function graphOf(text: string, modules?: ReadonlyMap<string, string>): Promise<OpGraph> {
  return extract(text, { parser: await testParser(), modules });
}

const compact = (op: OpNode): string => `${op.op} ${op.outputs.map((o) => `${formatShape(o.shape)}:${o.dtype}`).join(' ')}`;

describe('pytorch frontend: imports', () => {
  it('resolves aliases of torch, nn and functional', async () => {
    const graph = await graphOf(
      [
        'import torch as th',
        'from torch import nn',
        'from torch.nn import functional',
        'from torch.nn.functional import silu as swish',
        'import torch.nn.functional as Fn',
        '# memwall: shape x=[B, 16]',
        'def f(x):',
        '    a = functional.relu(x)',
        '    b = swish(a)',
        '    c = Fn.gelu(b)',
        '    d = th.tanh(c)',
        '    return nn.Linear(16, 4)(d)',
      ].join('\n'),
    );
    assert.deepEqual(graph.ops.map((op) => op.op), [
      'torch.nn.functional.relu',
      'torch.nn.functional.silu',
      'torch.nn.functional.gelu',
      'torch.tanh',
      'torch.nn.Linear',
    ]);
    assert.equal(formatShape(graph.ops[4]?.outputs[0]?.shape ?? null), '[B, 4]');
  });

  it('follows classes imported from workspace modules and reports their ops at the call site', async () => {
    const layers = [
      'import torch.nn as nn',
      'class MLP(nn.Module):',
      '    def __init__(self, dim, hidden):',
      '        super().__init__()',
      '        self.up = nn.Linear(dim, hidden)',
      '        self.down = nn.Linear(hidden, dim)',
      '    def forward(self, x):',
      '        return self.down(self.up(x).relu())',
    ].join('\n');
    const main = [
      'import torch.nn as nn',
      'from model.layers import MLP',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.mlp = MLP(64, 256)',
      '    # memwall: shape x=[B, 64]',
      '    def forward(self, x):',
      '        return self.mlp(x)',
    ].join('\n');
    const graph = await graphOf(main, new Map([['model.layers', layers]]));
    assert.deepEqual(graph.ops.map((op) => `${op.modulePath}:${op.op}:${formatShape(op.outputs[0]?.shape ?? null)}`), [
      'mlp.up:torch.nn.Linear:[B, hidden]',
      'mlp:torch.Tensor.relu:[B, hidden]',
      'mlp.down:torch.nn.Linear:[B, dim]',
    ]);
    // Every op is reported on `self.mlp(x)` in the analysed file (line 9), not at offsets of the other file.
    assert.ok(graph.ops.every((op) => op.span.startLine === 8));
    assert.deepEqual(graph.codeBindings.map((b) => `${b.symbol}=${b.value}`), ['dim=64', 'hidden=256']);
  });

  it('lists a call into an unknown library as an unknown op rather than dropping it', async () => {
    const graph = await graphOf(['from kornia.filters import gaussian_blur2d', '# memwall: shape x=[B, 3, H, W]', 'def f(x):', '    return gaussian_blur2d(x, (3, 3), (1.5, 1.5))'].join('\n'));
    assert.equal(graph.ops.length, 1);
    assert.equal(graph.ops[0]?.category, 'unknown');
    assert.equal(graph.ops[0]?.op, 'kornia.filters.gaussian_blur2d');
    assert.match(graph.ops[0]?.notes[0] ?? '', /does not know `kornia\.filters\.gaussian_blur2d`/);
  });
});

describe('pytorch frontend: dtypes', () => {
  it('follows dtype=, .to, .half, .float, casts that change nothing, and autocast', async () => {
    const graph = await graphOf(
      [
        'import torch',
        'x = torch.randn(4, 8, dtype=torch.float32)',
        'w = torch.randn(8, 8)',
        'h = x.half()',
        'same = x.float()',
        'b = x.to(torch.bfloat16)',
        'moved = x.to("cuda")',
        'with torch.autocast(device_type="cuda", dtype=torch.bfloat16):',
        '    y = x @ w',
        '    z = torch.relu(y)',
        'ids = torch.arange(0, 8)',
        'mask = x > 0',
      ].join('\n'),
    );
    assert.deepEqual(graph.ops.map(compact), [
      'torch.randn [4, 8]:fp32',
      'torch.randn [8, 8]:default',
      'torch.Tensor.half [4, 8]:fp16',
      'torch.Tensor.to [4, 8]:bf16',
      'torch.matmul [4, 8]:bf16',
      'torch.relu [4, 8]:bf16',
      'torch.arange [8]:int64',
      'torch.gt [4, 8]:bool',
    ]);
  });

  it('casts back to x.dtype when x follows the analysis dtype (transformers upcast_softmax), and compares dtypes', async () => {
    const graph = await graphOf(
      [
        'import torch',
        'def upcast_softmax(x, scale: float, softmax_dtype: torch.dtype):',
        '    input_dtype = x.dtype',
        '    x = x.to(softmax_dtype) * scale',
        '    x = torch.nn.functional.softmax(x, dim=-1).to(input_dtype)',
        '    same = x.to(input_dtype)',
        '    if input_dtype is torch.float32:',
        '        x = x * 2',
        '    if torch.float32 is torch.float16:',
        '        x = x * 3',
        '    mask_value = torch.full([], -1e4, dtype=input_dtype)',
        '    return x @ torch.randn(8, 8)',
        'upcast_softmax(torch.randn(4, 8), 0.5, torch.float32)',
      ].join('\n'),
    );
    const ops = graph.ops.filter((op) => op.span.startLine >= 3 && op.span.startLine <= 11).map(compact);
    // The cast back to the analysis dtype is an op (fp32 → default), and a cast to it again is free; `is` on the
    // analysis dtype is not known (both branches' ops are kept), on two named dtypes it is (torch.float32 is not fp16).
    assert.deepEqual(ops, [
      'torch.Tensor.to [4, 8]:fp32',
      'torch.mul [4, 8]:fp32',
      'torch.nn.functional.softmax [4, 8]:fp32',
      'torch.Tensor.to [4, 8]:default',
      'torch.mul [4, 8]:default',
      'torch.full []:default',
      'torch.randn [8, 8]:default',
      'torch.matmul [4, 8]:default',
    ]);
  });
});

describe('pytorch frontend: containers, helpers and parameters', () => {
  it('follows nn.Sequential, nn.ModuleDict, helper functions and methods, nn.Parameter and register_buffer', async () => {
    const graph = await graphOf(
      [
        'import torch',
        'import torch.nn as nn',
        'def act(x):',
        '    return x * torch.sigmoid(x)',
        'class Net(nn.Module):',
        '    def __init__(self, dim=32):',
        '        super().__init__()',
        '        self.stem = nn.Sequential(nn.Linear(dim, 2 * dim), nn.LayerNorm(2 * dim))',
        '        self.heads = nn.ModuleDict({"a": nn.Linear(2 * dim, 10), "b": nn.Linear(2 * dim, 3)})',
        '        self.scale = nn.Parameter(torch.ones(2 * dim))',
        '        self.register_buffer("offset", torch.zeros(1, 2 * dim))',
        '    def mix(self, h):',
        '        return act(h * self.scale + self.offset)',
        '    # memwall: shape x=[B, dim]',
        '    def forward(self, x):',
        '        h = self.mix(self.stem(x))',
        '        return self.heads["a"](h), self.heads.b(h)',
      ].join('\n'),
    );
    assert.deepEqual(graph.ops.map((op) => `${op.scope} ${op.modulePath} ${op.op} ${formatShape(op.outputs[0]?.shape ?? null)}`), [
      'Net.forward stem.0 torch.nn.Linear [B, 2*dim]',
      'Net.forward stem.1 torch.nn.LayerNorm [B, 2*dim]',
      'Net.mix  torch.mul [B, 2*dim]',
      'Net.mix  torch.add [B, 2*dim]',
      'act  torch.sigmoid [B, 2*dim]',
      'act  torch.mul [B, 2*dim]',
      'Net.forward heads.a torch.nn.Linear [B, 10]',
      'Net.forward heads.b torch.nn.Linear [B, 3]',
    ]);
    const mul = graph.ops[2] as OpNode;
    assert.equal(formatShape(mul.inputs[1]?.shape ?? null), '[2*dim]');
    assert.equal(mul.inputs[1]?.origin, 'self.scale');
  });

  it('binds declared symbols from the sizes a script passes in', async () => {
    const graph = await graphOf(
      [
        'import torch',
        'import torch.nn as nn',
        'class Head(nn.Module):',
        '    def __init__(self, dim, classes):',
        '        super().__init__()',
        '        self.fc = nn.Linear(dim, classes)',
        '    # memwall: shape x=[B, T, dim]',
        '    def forward(self, x):',
        '        return self.fc(x).softmax(-1)',
        'if __name__ == "__main__":',
        '    model = Head(768, 10)',
        '    out = model(torch.randn(8, 128, 768))',
      ].join('\n'),
    );
    const fc = graph.ops.find((op) => op.op === 'torch.nn.Linear') as OpNode;
    assert.equal(formatShape(fc.inputs[0]?.shape ?? null), '[8, 128, 768]');
    assert.deepEqual(graph.codeBindings.map((b) => `${b.symbol}=${b.value} (${b.source})`), [
      'dim=768 (Head(dim=768) (line 11))',
      'classes=10 (Head(classes=10) (line 11))',
      'B=8 (call at line 12)',
      'T=128 (call at line 12)',
    ]);
  });

  it('repeats ops inside `for _ in range(n)` loops and multiplies nested repeats', async () => {
    const loops = (signature: string): string[] => ['import torch', '# memwall: shape x=[N]', `def f(${signature}):`, '    for _ in range(steps):', '        for _ in range(3):', '            x = x * 2', '    return x'];
    const symbolic = await graphOf(loops('x, steps').join('\n'));
    assert.equal(formatDim(symbolic.ops[0]?.repeat ?? { kind: 'num', value: 0 }), 'steps*3');
    const literal = await graphOf(loops('x, steps=4').join('\n'));
    assert.equal(formatDim(literal.ops[0]?.repeat ?? { kind: 'num', value: 0 }), '12');
  });
});

describe('pytorch frontend: einops', () => {
  it('reads rearrange, repeat and reduce patterns, and knows when a rearrange copies', async () => {
    const graph = await graphOf(
      [
        'from einops import rearrange, repeat, reduce',
        '# memwall: shape x=[B, T, 768]',
        'def f(x):',
        "    q = rearrange(x, 'b t (h d) -> b h t d', h=12)",
        "    y = rearrange(q, 'b h t d -> b t (h d)')",
        "    z = repeat(x, 'b t c -> b n t c', n=4)",
        "    w = reduce(x, 'b t c -> b c', 'mean')",
        "    v = rearrange(x, '... c -> (...) c')",
        '    return y, z, w, v',
      ].join('\n'),
    );
    assert.deepEqual(graph.ops.map(compact), [
      'einops.rearrange [B, 12, T, 64]:default',
      'torch.Tensor.contiguous [B, T, 768]:default',
      'einops.repeat [B, 4, T, 768]:default',
      'einops.reduce [B, 768]:default',
      'einops.rearrange [B*T, 768]:default',
    ]);
    assert.deepEqual(graph.ops.map((op) => op.category), ['view', 'copy', 'copy', 'reduction', 'view']);
  });
});

describe('pytorch frontend: control flow on sizes the code fixes', () => {
  it('decides `if dim % 2:` and `x if n else y` on a size a constructor default gives (DiT timestep_embedding)', async () => {
    const source = (size: number): string =>
      [
        'import torch',
        'import torch.nn as nn',
        'def embed(t, dim):',
        '    half = dim // 2',
        '    e = torch.cat([torch.cos(t[:, None] * torch.ones(half)), torch.sin(t[:, None] * torch.ones(half))], dim=-1)',
        '    if dim % 2:',
        '        e = torch.cat([e, torch.zeros_like(e[:, :1])], dim=-1)',
        '    return e',
        'class Timestep(nn.Module):',
        `    def __init__(self, size=${size}):`,
        '        super().__init__()',
        '        self.size = size',
        '        self.mlp = nn.Linear(size, 64)',
        '    def forward(self, t):',
        '        return self.mlp(embed(t, self.size) if self.size % 4 else embed(t, self.size) * 2)',
        'Timestep()(torch.randn(8))',
      ].join('\n');
    // 256 is even: no zero column, and a multiple of 4: the else of the conditional expression (a multiply).
    const even = await graphOf(source(256));
    assert.equal(even.ops.filter((op) => op.op === 'torch.zeros_like').length, 0);
    assert.equal(even.ops.filter((op) => op.op === 'torch.mul' && op.span.startLine === 14).length, 1);
    // The Linear reads the embedding as cos and sin made it (2·(256 // 2) = 256 columns), not one column more.
    assert.equal(formatShape(even.ops.find((op) => op.op === 'torch.nn.Linear')?.inputs[0]?.shape ?? null), '[8, 2*(size//2)]');
    // 255 is odd: the zero column pads the embedding to the 255 columns the first cat leaves one short of.
    const odd = await graphOf(source(255));
    assert.equal(odd.ops.filter((op) => op.op === 'torch.zeros_like').length, 1);
    assert.equal(odd.ops.filter((op) => op.op === 'torch.mul' && op.span.startLine === 14).length, 0);
  });
});

describe('pytorch frontend: sizes handed to ops that make tensors', () => {
  const source = (bound: string): string =>
    [
      'import torch',
      'import torch.nn as nn',
      'class Positions(nn.Module):',
      '    def __init__(self, dim=64, max_len=1024):',
      '        super().__init__()',
      '        self.emb = nn.Embedding(max_len, dim)',
      '    def forward(self, x, n):',
      `        pos = torch.arange(0, ${bound}, device=x.device)`,
      '        return x + self.emb(pos)',
    ].join('\n');

  it('reads a root parameter given as the end of torch.arange as a size, not as a tensor (arange(0, n) is n long)', async () => {
    const graph = await graphOf(source('n'));
    const arange = graph.ops.find((op) => op.op === 'torch.arange');
    assert.deepEqual(arange?.inputs, []);
    assert.equal(formatShape(arange?.outputs[0]?.shape ?? null), '[n]');
    assert.deepEqual(graph.inputs.map((input) => input.name), ['x']);
    // x meets an [n, 64] embedding in the add, not a [0, 64] one.
    const add = graph.ops.find((op) => op.op === 'torch.add');
    assert.equal(formatShape(add?.inputs[1]?.shape ?? null), '[n, dim]');
    assert.notEqual(formatDim(add?.inputs[0]?.shape?.[0] ?? { kind: 'num', value: 0 }), '0');
  });

  it('keeps a size the code reads from a tensor (trap: arange(0, x.shape[0]))', async () => {
    const graph = await graphOf(source('x.shape[0]'));
    const arange = graph.ops.find((op) => op.op === 'torch.arange');
    assert.deepEqual(arange?.inputs, []);
    assert.deepEqual(graph.inputs.map((input) => input.name), ['x']);
    assert.equal(arange?.outputs[0]?.shape?.length, 1);
    assert.notEqual(formatShape(arange?.outputs[0]?.shape ?? null), '[0]');
  });
});
