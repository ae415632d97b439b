// Typing the examples character by character: every sampled prefix analyses within the budget, spans inside the prefix.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { PythonParser } from '../../src/core/parse/parser';
import { testParser } from '../helpers/parser';
import { analyseWithinBudget, GPT_BLOCK, TRITON_KERNELS } from './helpers';

/**
 * Every prefix of a 4,000-character example would be 4,000 analyses (~80 s here): the test takes every 23rd character
 * plus every line end, which still cuts inside each kind of token; scripts/fuzz-long.ts runs every prefix.
 */
const STRIDE = 23;

function sampledPrefixLengths(text: string): number[] {
  const lengths = new Set<number>();
  for (let length = 0; length <= text.length; length += STRIDE) lengths.add(length);
  for (let index = text.indexOf('\n'); index >= 0; index = text.indexOf('\n', index + 1)) lengths.add(index + 1);
  lengths.add(text.length);
  return [...lengths].sort((a, b) => a - b);
}

describe('typing the examples: prefixes', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await testParser();
  });

  for (const [name, text] of [['gpt_block.py', GPT_BLOCK], ['triton_kernels.py', TRITON_KERNELS]] as const) {
    it(`${name}: every line end and every ${STRIDE}rd character`, (t) => {
      const lengths = sampledPrefixLengths(text);
      let slowestMs = 0;
      for (const length of lengths) {
        const started = performance.now();
        const analysis = analyseWithinBudget(text.slice(0, length), { parser });
        slowestMs = Math.max(slowestMs, performance.now() - started);
        assert.ok(analysis.findings.every((f) => f.span.end <= length));
      }
      assert.ok(analyseWithinBudget(text, { parser }).costs.length > 0, 'the whole example has ops');
      t.diagnostic(`${lengths.length} prefixes, slowest ${slowestMs.toFixed(0)} ms (machine shared)`);
    });
  }
});
