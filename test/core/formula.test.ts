// Per-program formulas as the hover and the op table write them: like terms combined, quotients cancelled, plain numbers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bin, num, sym } from '../../src/core/ir/dims';
import { formatFormula } from '../../src/core/ir/formula';

describe('formatFormula', () => {
  it('combines one term per access and cancels the block a mask divides by', () => {
    const block = sym('BLOCK');
    const perLoad = bin('*', block, bin('/', sym('n_cols'), block));
    assert.equal(formatFormula(bin('+', bin('+', block, block), block)), '3*BLOCK');
    assert.equal(formatFormula(bin('+', perLoad, perLoad)), '2*n_cols');
  });

  it('writes a number alone as a short decimal, not its floating-point residue', () => {
    assert.equal(formatFormula(num(0.1 + 0.2)), '0.3');
    assert.equal(formatFormula(num(6144)), '6144');
  });
});
