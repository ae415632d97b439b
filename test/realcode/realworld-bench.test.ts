// The instruments of bench/realworld.ts: how it finds a Triton file's kernels in the text and groups unpriced ops by cause.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { causeOf, kernelsInSource } from '../../bench/realworld';
import type { JsonOp } from '../../src/cli/format/json';

const TRITON_FILE = `import triton
import triton.language as tl
from .utils import element_mul_kernel, calculate_settings


@triton.autotune(configs=[], key=["n"])
@triton.jit(do_not_specialize=["eps"])
def row_kernel(x_ptr, n, BLOCK: tl.constexpr):
    pass


@triton.jit
def helper(a, b):
    return a + b


def plain(x):
    return x


plain_kernel = triton.jit(plain)


def launch(x, grid):
    row_kernel[(x.shape[0],)](x, x.numel(), BLOCK=1024)
    # row_kernel[grid](x) in a comment is not a launch
    plain_kernel[grid](x)
    element_mul_kernel[(triton.cdiv(n, meta["B"]),)](x, 1.0)
    x = table[key](x)
`;

describe('bench/realworld.ts: kernels read from the source', () => {
  const kernels = new Map(kernelsInSource(TRITON_FILE).map((kernel) => [kernel.name, kernel]));

  it('finds decorated kernels under stacked decorators, with the line of their def', () => {
    assert.deepEqual(kernels.get('row_kernel'), { name: 'row_kernel', definedAt: 8, launchLines: [25] });
    assert.deepEqual(kernels.get('helper'), { name: 'helper', definedAt: 13, launchLines: [] });
  });

  it('finds kernels made by calling triton.jit, and imported kernels that the file launches', () => {
    assert.deepEqual(kernels.get('plain_kernel'), { name: 'plain_kernel', definedAt: 21, launchLines: [27] });
    assert.deepEqual(kernels.get('element_mul_kernel'), { name: 'element_mul_kernel', definedAt: null, launchLines: [28] });
  });

  it('takes neither a plain function, an import never launched, nor a subscripted call of a table for a kernel', () => {
    assert.deepEqual([...kernels.keys()].sort(), ['element_mul_kernel', 'helper', 'plain_kernel', 'row_kernel']);
  });
});

function op(notes: string[], category = 'matmul', label = 'self.proj'): JsonOp {
  return {
    op: 'torch.nn.Linear', label, category, line: 1, endLine: 1, column: 1, scope: 'M.forward', modulePath: 'M', root: 'M', repeat: 1,
    flops: null, bytes: null, bytesRead: null, bytesWritten: null, intensity: null, timeUs: null, bound: 'unknown',
    unit: 'tensor', fusedBy: null, onlyWhenGiven: null, assumed: null, kernel: null, dtype: 'bf16', inputShapes: [null], outputShapes: [null], notes,
  } as JsonOp;
}

describe('bench/realworld.ts: causes of unpriced ops', () => {
  it('groups notes of one shape under one cause and keeps the name they are about', () => {
    assert.deepEqual(causeOf(op(['Shape of `hidden_states` unknown: declare it with `# memwall: shape x=[B, T, C]` above the function.'])),
      { cause: 'input shape unknown', example: 'hidden_states' });
    assert.deepEqual(causeOf(op(['TILE_N = triton.next_power_of_2(?) needs sizes MemWall does not know: bind it with # memwall: TILE_N=...'])),
      { cause: 'launch needs sizes it does not know', example: 'TILE_N' });
  });

  it('passes over notes that qualify a price to reach the one that says why there is none', () => {
    const kernel = op(['masked loads and stores: bytes count the active lanes only', 'call to tanh inside the kernel is not understood'], 'triton_kernel');
    assert.deepEqual(causeOf(kernel), { cause: 'kernel calls a function it does not understand', example: 'tanh' });
  });

  it('names a call it could not resolve as the cause, before any note', () => {
    const unresolved = { ...op(['MemWall does not know `self.act`; it is listed as unknown and not priced.'], 'unknown', 'self.act'),
      assumed: 'output shaped like its first tensor input' };
    assert.deepEqual(causeOf(unresolved), { cause: 'call not resolved (output shape assumed)', example: 'self.act' });
  });

  it('says so when no note gives a cause, and groups unknown notes by their text without names and lines', () => {
    assert.deepEqual(causeOf(op([], 'pointwise', '+')), { cause: 'no note says why (pointwise)', example: '+' });
    assert.deepEqual(causeOf(op(['the loop at line 12 over `xs` is odd'])), { cause: 'the loop at line … over `…` is odd', example: null });
  });
});
