// Where sizes come from: magic comments, pyproject.toml, code bindings and defaults, in that priority; shape algebra.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extract } from '../../src/core/analyze';
import { formatDim, formatShape, num, sym } from '../../src/core/ir/dims';
import { resolveBindings } from '../../src/core/shapes/bindings';
import { broadcast, convOutputSize, flatten, matmul, reduce, reshape, transpose } from '../../src/core/shapes/infer';
import { parseDimText, readMagicComments, readShapeDeclarations } from '../../src/core/shapes/magic';
import { readPyprojectConfig } from '../../src/core/shapes/pyproject';
import { testParser } from '../helpers/parser';

describe('magic comments', () => {
  it('reads bindings, dtype, gpu and ignores with their lines', () => {
    const magic = readMagicComments(['# memwall: B=8 T=1_024 dtype=bfloat16 gpu=a100-80gb-sxm', 'x = 1  # memwall: ignore[MW201, MW202]', '# memwall: ignore', 'y = 2', '# memwall: B=16'].join('\n'));
    assert.deepEqual(magic.bindings, [
      { symbol: 'B', value: 8, source: 'magic comment (line 1)' },
      { symbol: 'T', value: 1024, source: 'magic comment (line 1)' },
    ]);
    assert.equal(magic.dtype, 'bf16');
    assert.equal(magic.gpu, 'a100-80gb-sxm');
    assert.deepEqual(magic.ignores.get(1), ['MW201', 'MW202']);
    // A standalone ignore covers its own line and the next one.
    assert.deepEqual(magic.ignores.get(2), ['*']);
    assert.deepEqual(magic.ignores.get(3), ['*']);
  });

  it('reads shape declarations with expressions', () => {
    const [first, second] = readShapeDeclarations('# memwall: shape x=[B, T, 4*n_embd], mask=[T, T]\n');
    assert.equal(first?.name, 'x');
    assert.equal(formatShape(first?.shape ?? null), '[B, T, 4*n_embd]');
    assert.equal(formatShape(second?.shape ?? null), '[T, T]');
    assert.equal(formatDim(parseDimText('n_embd // n_head')), 'n_embd//n_head');
    assert.equal(formatDim(parseDimText('(a+1)*2')), '(a+1)*2');
    assert.equal(parseDimText('x$').kind, 'unknown');
  });
});

describe('binding resolution', () => {
  it('ranks magic comment > configs in order > code > defaults, and lists defaults as assumptions', async () => {
    const text = [
      '# memwall: T=2048',
      'import torch',
      'from dataclasses import dataclass',
      '@dataclass',
      'class Config:',
      '    n_embd: int = 768',
      '    n_head: int = 12',
      '# memwall: shape x=[B, T, n_embd, n_head, S]',
      'def f(x, config: Config):',
      '    return torch.relu(x) + config.n_embd',
    ].join('\n');
    const graph = extract(text, { parser: await testParser() });
    const { bindings, assumptions } = resolveBindings(graph, [
      { dims: { n_head: 16 }, source: '--dims' },
      { dims: { n_head: 4, T: 99 }, source: 'setting memwall.dims' },
    ]);
    assert.equal(bindings.get('T'), 2048);
    assert.equal(bindings.get('n_head'), 16);
    assert.equal(bindings.get('n_embd'), 768);
    assert.equal(bindings.get('B'), 8);
    assert.equal(bindings.get('S'), 1024);
    const bySymbol = Object.fromEntries(assumptions.map((a) => [a.symbol, a.source]));
    assert.deepEqual(bySymbol, {
      T: 'magic comment (line 1)',
      n_head: '--dims',
      n_embd: 'Config.n_embd',
      B: 'default',
      S: 'default',
    });
  });

  it('prefers constructor arguments to class defaults', async () => {
    const text = [
      'import torch.nn as nn',
      'from dataclasses import dataclass',
      '@dataclass',
      'class Config:',
      '    n_embd: int = 768',
      'class M(nn.Module):',
      '    def __init__(self, config):',
      '        super().__init__()',
      '        self.fc = nn.Linear(config.n_embd, config.n_embd)',
      '    # memwall: shape x=[B, n_embd]',
      '    def forward(self, x):',
      '        return self.fc(x)',
      'model = M(Config(n_embd=64))',
    ].join('\n');
    const graph = extract(text, { parser: await testParser() });
    const { bindings, assumptions } = resolveBindings(graph, []);
    assert.equal(bindings.get('n_embd'), 64);
    assert.equal(assumptions.find((a) => a.symbol === 'n_embd')?.source, 'Config(n_embd=…) (line 13)');
  });
});

describe('pyproject.toml [tool.memwall]', () => {
  it('reads dims, dtype, gpu, severities and custom GPUs', () => {
    const config = readPyprojectConfig(
      ['[project]', 'name = "x"', '[tool.memwall]', 'gpu = "a100-80gb-sxm"', 'dtype = "fp16"', 'dims = { B = 16, T = 2048 }', 'severity = { MW201 = "off" }', '[[tool.memwall.custom-gpus]]', 'id = "mine"', 'base = "h100-sxm"', 'bandwidth = 3000000000000'].join('\n'),
    );
    assert.deepEqual(config.external, { dims: { B: 16, T: 2048 }, dtype: 'fp16', gpu: 'a100-80gb-sxm', source: 'pyproject.toml [tool.memwall]' });
    assert.deepEqual(config.severities, { MW201: 'off' });
    assert.equal(config.customGpus?.[0]?.bandwidth, 3e12);
  });

  it('is empty without the table and names the problem on bad values', () => {
    assert.deepEqual(readPyprojectConfig('[project]\nname = "x"\n'), {});
    assert.throws(() => readPyprojectConfig('[tool.memwall]\ndims = { B = -1 }\n'), /dims\.B must be a positive integer/);
    assert.throws(() => readPyprojectConfig('[tool.memwall]\ndtype = "fp7"\n'), /dtype "fp7"/);
    assert.throws(() => readPyprojectConfig('[tool.memwall\n'), /./);
  });

  it('reads the Python environment to read installed packages from', () => {
    assert.equal(readPyprojectConfig('[tool.memwall]\npython = ".venv/bin/python"\n').python, '.venv/bin/python');
    assert.throws(() => readPyprojectConfig('[tool.memwall]\npython = 3\n'), /python must be the path of a Python interpreter/);
  });
});

describe('shape algebra', () => {
  const B = sym('B');
  const T = sym('T');
  const C = sym('C');
  it('broadcasts, transposes, reduces and flattens', () => {
    assert.equal(formatShape(broadcast([[B, T, C], [C]])), '[B, T, C]');
    assert.equal(formatShape(broadcast([[B, num(1), T], [num(1), num(4), T]])), '[B, 4, T]');
    assert.equal(formatShape(transpose([B, T, C], -2, -1)), '[B, C, T]');
    assert.equal(formatShape(reduce([B, T, C], [num(-1)], true)), '[B, T, 1]');
    assert.equal(formatShape(reduce([B, T, C], [num(0), num(1)], false)), '[C]');
    assert.equal(formatShape(flatten([B, T, C], 0, 1)), '[B*T, C]');
  });
  it('infers -1 in reshapes by cancelling factors', () => {
    assert.equal(formatShape(reshape([B, T, C], [num(-1), C])), '[B*T, C]');
    assert.equal(formatShape(reshape([B, T, num(768)], [B, T, num(12), num(-1)])), '[B, T, 12, 64]');
    assert.equal(formatShape(reshape([num(8), num(6)], [num(-1)])), '[48]');
  });
  it('follows matmul broadcasting and conv arithmetic', () => {
    assert.equal(formatShape(matmul([B, num(12), T, num(64)], [B, num(12), num(64), T])), '[B, 12, T, T]');
    assert.equal(formatShape(matmul([B, T, C], [C, num(10)])), '[B, T, 10]');
    // ⌊(224 + 2·3 − 1·(7−1) − 1)/2⌋ + 1 = 112 (ResNet's stem).
    assert.deepEqual(convOutputSize(num(224), num(7), num(2), num(3), num(1)), num(112));
    // A 3×3, stride 1, padding 1 conv keeps a symbolic size.
    assert.equal(formatDim(convOutputSize(sym('H'), num(3), num(1), num(1), num(1))), 'H');
  });
});

describe('pooling with ceil_mode', () => {
  it('rounds up as PyTorch does, and drops a last window that would start past the input and its left padding', () => {
    // squeezenet's MaxPool2d(3, 2, ceil_mode=True) on 54: ceil((54 − 3) / 2) + 1 = 27 (floor gives 26).
    assert.equal(formatDim(convOutputSize(num(54), num(3), num(2), num(0), num(1), true)), '27');
    assert.equal(formatDim(convOutputSize(num(54), num(3), num(2), num(0), num(1))), '26');
    // 5 with kernel 2, stride 2, padding 1: ceil((5 + 2 − 1 − 1) / 2) + 1 = 4, but window 4 would start at 6 ≥ 5 + 1.
    assert.equal(formatDim(convOutputSize(num(5), num(2), num(2), num(1), num(1), true)), '3');
    // Symbolic sizes keep the rounded-up form.
    assert.equal(formatDim(convOutputSize(sym('H'), num(3), num(2), num(0), num(1), true)), '(H-2-1+1)//2+1');
  });
});
