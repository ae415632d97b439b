// Findings right on real code: harness code gets hints, chains follow real edges, no saving is counted twice, small
// tensors give hints, and shares say when the forward is only partly priced. Each case has its trap twin.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Analysis, Finding } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

async function analysed(lines: readonly string[]): Promise<Analysis> {
  return analyze(lines.join('\n'), { parser: await testParser() });
}

const at = (findings: readonly Finding[], code: string, line: number): Finding[] =>
  findings.filter((f) => f.code === code && f.span.startLine + 1 === line);

const HEADER = ['# memwall: B=8 T=1024 C=768', 'import torch', 'import torch.nn as nn', 'import pytest', 'import triton, mylib', ''];

describe('harness code gets hints, model code warnings', () => {
  it('tests, benchmarks, references and __main__ blocks: hints that say why; the same chain in model code: a warning', async () => {
    const { findings } = await analysed([
      ...HEADER, // lines 1-6
      'def scale_shift(x):', // 7
      '    return torch.sigmoid(x) * 2.0 + 1.0', // 8: model code, a warning
      '',
      'def scale_shift_ref(x):', // 10
      '    return torch.sigmoid(x) * 2.0 + 1.0', // 11: a reference implementation
      '',
      'def test_scale_shift():', // 13
      '    x = torch.randn(8, 1024, 768)', // 14
      '    y = torch.sigmoid(x) * 2.0 + 1.0', // 15: a test
      '    assert torch.allclose(scale_shift(x), y)', // 16
      '',
      '@pytest.mark.parametrize("n", [1, 2])', // 18
      'def check_shift(n):', // 19
      '    x = torch.randn(8, 1024, 768)', // 20
      '    return torch.sigmoid(x) * 2.0 + 1.0', // 21: a pytest-marked test
      '',
      '@triton.testing.perf_report([])', // 23
      'def shift_speed(size):', // 24
      '    x = torch.randn(8, 1024, 768)', // 25
      '    return torch.sigmoid(x) * 2.0 + 1.0', // 26: a benchmark by its decorator
      '',
      'def bench_shift():', // 28
      '    x = torch.randn(8, 1024, 768)', // 29
      '    return torch.sigmoid(x) * 2.0 + 1.0', // 30: a benchmark by its name
      '',
      'if __name__ == "__main__":', // 32
      '    x = torch.randn(8, 1024, 768)', // 33
      '    y = torch.sigmoid(x) * 2.0 + 1.0', // 34: example code in the __main__ block
      '    scale_shift(x)', // 35
    ]);
    const model = at(findings, 'MW201', 8);
    assert.equal(model.length, 1);
    assert.equal(model[0]?.severity, 'warning');
    assert.doesNotMatch(model[0]?.message ?? '', /exercises the model/);
    const harness: [number, string][] = [
      [11, 'a reference implementation'],
      [15, 'a test'],
      [21, 'a test'],
      [26, 'a benchmark'],
      [30, 'a benchmark'],
      [34, 'a `__main__` block'],
    ];
    for (const [line, reason] of harness) {
      const found = at(findings, 'MW201', line);
      assert.equal(found.length, 1, `line ${line}: one MW201`);
      assert.equal(found[0]?.severity, 'hint', `line ${line}`);
      assert.ok(found[0]?.message.startsWith(`In ${reason}, code that exercises the model rather than being it:`), found[0]?.message);
    }
  });
});

describe('chains follow producer → consumer edges', () => {
  it('a norm upcast and the residual add that both read x are no chain; the norm itself is one finding', async () => {
    const { findings } = await analysed([
      ...HEADER,
      'class RMSNorm(nn.Module):', // 7
      '    def __init__(self, dim, eps=1e-6):',
      '        super().__init__()',
      '        self.eps = eps',
      '        self.weight = nn.Parameter(torch.ones(dim))',
      '',
      '    def forward(self, hidden_states):', // 13
      '        input_dtype = hidden_states.dtype',
      '        hidden_states = hidden_states.to(torch.float32)', // 15
      '        variance = hidden_states.pow(2).mean(-1, keepdim=True)', // 16
      '        hidden_states = hidden_states * torch.rsqrt(variance + self.eps)', // 17
      '        return self.weight * hidden_states.to(input_dtype)', // 18
      '',
      '',
      'class Block(nn.Module):', // 21
      '    def __init__(self, dim):',
      '        super().__init__()',
      '        self.norm = RMSNorm(dim)',
      '        self.proj = nn.Linear(dim, dim)',
      '',
      '    def forward(self, x):', // 27
      '        residual = x',
      '        h = self.proj(self.norm(x))', // 29
      '        return residual + h', // 30
      '',
      '',
      'if __name__ == "__main__":',
      '    Block(768)(torch.randn(8, 1024, 768))',
    ]);
    const chains = findings.filter((f) => f.code === 'MW201');
    assert.deepEqual(chains.map((f) => f.message), [], 'no pointwise chain: the norm is MW204, the add reads the GEMM and x');
    assert.equal(at(findings, 'MW204', 15).length, 1, 'the hand-written RMSNorm is one MW204 finding');
  });
});

describe('no saving counted twice', () => {
  it('a chain inside a hand-written norm is the norm finding only; a chain beside it is still reported', async () => {
    const { findings } = await analysed([
      ...HEADER,
      'def rms_then_scale(x, w):', // 7
      '    h = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w', // 8: MW204
      '    return h',
      '',
      'def scale_shift(x):', // 11
      '    return torch.tanh(x) * 0.5 + 0.5', // 12: MW201, a trap twin with no norm
      '',
      'if __name__ == "__main__":',
      '    rms_then_scale(torch.randn(8, 1024, 768), torch.randn(768))',
      '    scale_shift(torch.randn(8, 1024, 768))',
    ]);
    assert.equal(at(findings, 'MW204', 8).length, 1);
    assert.deepEqual(at(findings, 'MW201', 8), []);
    assert.equal(at(findings, 'MW201', 12).length, 1);
  });
});

describe('small tensors give hints', () => {
  it('a chain over [8, 512] is a hint that says why; the same chain over [8, 1024, 768] is a warning', async () => {
    const { findings } = await analysed([
      ...HEADER,
      'def small(x):', // 7
      '    return torch.sigmoid(x) * 2.0 + 1.0', // 8
      '',
      'def large(x):', // 10
      '    return torch.sigmoid(x) * 2.0 + 1.0', // 11
      '',
      'if __name__ == "__main__":',
      '    small(torch.randn(8, 512))',
      '    large(torch.randn(8, 1024, 768))',
    ]);
    const small = at(findings, 'MW201', 8)[0];
    assert.equal(small?.severity, 'hint');
    assert.match(small?.message ?? '', /its largest tensor is 8\.19 kB, under 250 kB/);
    assert.equal(at(findings, 'MW201', 11)[0]?.severity, 'warning');
  });
});

describe('shares of a partly priced forward say so', () => {
  it('names the unpriced ops beside the share; a fully priced forward says "of the forward"', async () => {
    const { findings } = await analysed([
      ...HEADER,
      'def partly(x):', // 7
      '    y = mylib.mystery(x)', // 8: a library call MemWall does not know
      '    return torch.sigmoid(y) * 2.0 + 1.0', // 9
      '',
      'def fully(x):', // 11
      '    return torch.sigmoid(x) * 2.0 + 1.0', // 12
      '',
      'if __name__ == "__main__":',
      '    partly(torch.randn(8, 1024, 768))',
      '    fully(torch.randn(8, 1024, 768))',
    ]);
    assert.match(at(findings, 'MW201', 9)[0]?.message ?? '', /% of the priced forward \(1 op unpriced\)/);
    assert.match(at(findings, 'MW201', 12)[0]?.message ?? '', /% of the forward\)/);
  });
});

describe('written-out patterns are named', () => {
  it('a tanh GELU written out says so and names F.gelu(approximate="tanh"); a softcap chain with a tanh does not', async () => {
    const { findings } = await analysed([
      ...HEADER,
      'def gelu_new(x):', // 7
      '    return 0.5 * x * (1.0 + torch.tanh(0.7978845608 * (x + 0.044715 * torch.pow(x, 3.0))))', // 8
      '',
      'def softcap(x):', // 10
      '    return torch.tanh(x / 30.0) * 30.0 + 1.0', // 11
      '',
      'if __name__ == "__main__":',
      '    gelu_new(torch.randn(8, 1024, 768))',
      '    softcap(torch.randn(8, 1024, 768))',
    ]);
    assert.match(at(findings, 'MW201', 8)[0]?.message ?? '', /tanh approximation of GELU written out: F\.gelu\(x, approximate="tanh"\)/);
    const chain = at(findings, 'MW201', 11)[0];
    assert.ok(chain, 'the softcap chain is still a chain');
    assert.doesNotMatch(chain.message, /GELU/);
  });
});
