// Three kernels of published Triton files priced against hand figures: one launch at the sizes the file states, one
// program of a launch its wrapper cannot size, one program as formulas. The files live in the git-ignored
// bench/realworld/files/ (bench/realworld/README.md says how to get them); a test whose file is absent is skipped.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeText } from './helpers';

const FILES = path.join(__dirname, '..', '..', 'bench', 'realworld', 'files');
const present = (name: string): boolean => existsSync(path.join(FILES, `${name}.py`));

async function kernel(name: string, label: string) {
  const analysis = await analyzeText(readFileSync(path.join(FILES, `${name}.py`), 'utf8'), 'bf16');
  const costs = analysis.costs.filter((c) => c.node.label === label);
  assert.ok(costs.length > 0, `${label} priced in ${name}`);
  return costs;
}

describe('published Triton kernels, by hand', () => {
  it('triton tutorial 01-vector-add: add_kernel on the two 98432-element tensors of the module-level check', { skip: !present('triton_vector_add') }, async () => {
    // `size = 98432; x = torch.rand(size)`: no dtype, so the analysis dtype (bf16) prices it, 2 bytes an element.
    const n = 98432;
    const launches = await kernel('triton_vector_add', 'add_kernel');
    const sized = launches.find((c) => c.kernel?.pricedPer === 'launch')!;
    // grid = lambda meta: (triton.cdiv(n_elements, meta['BLOCK_SIZE']),) with BLOCK_SIZE=1024: 97 programs.
    assert.equal(sized.kernel?.programs, Math.ceil(n / 1024));
    assert.equal(sized.kernel?.grid, '(97)');
    // One add on every lane of every block, the masked tail of the last block included: 97·1024.
    assert.equal(sized.flops, 97 * 1024);
    // x and y read once, output written once, only the n active lanes: 3·98432·2 = 590,592 bytes.
    assert.equal(sized.bytesRead, 2 * n * 2);
    assert.equal(sized.bytesWritten, n * 2);
    assert.equal(sized.bound, 'overhead'); // 0.6 MB take 0.2 µs at 3.35 TB/s, under the 4 µs launch
  });

  it('unsloth swiglu: one program of _fg_kernel (BLOCK_SIZE=1024) while the hidden size hd is unbound', { skip: !present('unsloth_swiglu') }, async () => {
    const [cost] = await kernel('unsloth_swiglu', '_fg_kernel');
    assert.equal(cost!.kernel?.pricedPer, 'program');
    assert.deepEqual(cost!.kernel?.unbound, ['hd']);
    // Per lane: e·sigmoid(e) is sigmoid's 4 (negate, exp, add, divide) and a multiply, then ·g: 6 FLOPs.
    assert.equal(cost!.flops, 6 * 1024);
    // e and g read, h written, 1024 elements of 2 bytes each (a whole block: the mask only cuts the last program).
    assert.equal(cost!.bytesRead, 2 * 1024 * 2);
    assert.equal(cost!.bytesWritten, 1024 * 2);
    assert.equal(cost!.timeUs, null);
  });

  it('liger geglu: one program of _geglu_tanh_forward_kernel as formulas over n_cols and BLOCK_SIZE', { skip: !present('liger_geglu') }, async () => {
    const [cost] = await kernel('liger_geglu', '_geglu_tanh_forward_kernel');
    assert.equal(cost!.kernel?.pricedPer, 'program');
    // calculate_settings(n_cols) is imported: BLOCK_SIZE stays a symbol, and so does the row length n_cols.
    assert.deepEqual([...cost!.kernel!.unbound].sort(), ['BLOCK_SIZE', 'n_cols', 'n_rows']);
    // a and b read, c written over the n_cols active lanes of the row, 2 bytes each.
    assert.equal(cost!.kernel?.perProgramBytesFormula, '6*n_cols');
    // Per lane: a·a·a (2), 0.044715· (1), a + (1), sqrt(2/π)· (1), tanh (1), 0.5·a (1), 1 + (1), · (1), ·b (1): 10.
    assert.equal(cost!.kernel?.perProgramFlopsFormula, '10*BLOCK_SIZE');
    assert.equal(cost!.flops, null);
  });
});
