// What-if: the same extracted graph re-priced for another GPU, dtype or size binding, without re-parsing.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { extract, price } from '../../src/core/analyze';
import type { PythonParser } from '../../src/core/parse/parser';
import { testParser } from '../helpers/parser';

const TEXT = `# memwall: B=8 T=1024
import torch
import torch.nn.functional as F

x = torch.randn(B, T, 3072)
h = F.gelu(x, approximate="tanh")
w = torch.randn(3072, 768)
y = h @ w
`;

describe('what-if re-pricing', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await testParser();
  });

  const geluOf = (analysis: ReturnType<typeof price>) => {
    const cost = analysis.costs.find((c) => c.node.op === 'torch.nn.functional.gelu');
    assert.ok(cost && cost.timeUs !== null, 'the gelu is priced');
    return cost;
  };

  it('moves a memory-bound op by the ratio of effective bandwidths when the GPU goes from H100 SXM to A100', () => {
    const graph = extract(TEXT, { parser });
    const onH100 = geluOf(price(graph, TEXT, { gpu: 'h100-sxm' }));
    const onA100 = geluOf(price(graph, TEXT, { gpu: 'a100-80gb-sxm' }));
    assert.equal(onH100.bound, 'memory');
    assert.equal(onA100.bound, 'memory');
    assert.equal(onH100.bytes, onA100.bytes, 'bytes do not depend on the GPU');
    // GPU time = bytes / (η_m·BW): the ratio is (0.88 × 3.35 TB/s) / (0.81 × 2.039 TB/s) = 1.785.
    const ratio = ((onA100.timeUs as number) - 4) / ((onH100.timeUs as number) - 4);
    assert.ok(Math.abs(ratio - (0.88 * 3.35e12) / (0.81 * 2.039e12)) < 1e-9, `ratio ${ratio}`);
    assert.equal(onA100.node, onH100.node, 'the very same op node: no re-parse');
  });

  it('doubles a memory-bound op\'s GPU time when the dtype goes from bf16 to fp32 or a size doubles', () => {
    const graph = extract(TEXT, { parser });
    const bf16 = geluOf(price(graph, TEXT, { gpu: 'h100-sxm', dtype: 'bf16' }));
    const fp32 = geluOf(price(graph, TEXT, { gpu: 'h100-sxm', dtype: 'fp32' }));
    assert.equal(fp32.bytes, 2 * (bf16.bytes as number));
    assert.ok(Math.abs(((fp32.timeUs as number) - 4) / ((bf16.timeUs as number) - 4) - 2) < 1e-9);
    // A binding from outside the file: the magic comment outranks it, so rewrite B in a copy of the graph's magic.
    const bigger = { ...graph, magic: { ...graph.magic, bindings: graph.magic.bindings.map((b) => (b.symbol === 'B' ? { ...b, value: 16 } : b)) } };
    const doubled = geluOf(price(bigger, TEXT, { gpu: 'h100-sxm' }));
    assert.deepEqual(doubled.inputShapes, [[16, 1024, 3072]]);
    assert.equal(doubled.bytes, 2 * (bf16.bytes as number));
  });

  it('re-prices the summary too: the total drops on a faster GPU', () => {
    const graph = extract(TEXT, { parser });
    const h100 = price(graph, TEXT, { gpu: 'h100-sxm' });
    const b200 = price(graph, TEXT, { gpu: 'b200' });
    assert.ok(b200.summary.total.timeUs < h100.summary.total.timeUs);
    assert.equal(b200.summary.total.flops, h100.summary.total.flops);
    assert.equal(b200.hardware.id, 'b200');
  });
});
