// The example models that are also oracle fixtures keep the fixture's model code, so the oracle's check covers them too.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLES = path.join(ROOT, 'examples');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'models');

/**
 * The model code of a file: without its opening comment lines, if any, and without the fixture's `example()` and its
 * closing `# memwall:` line, which only size the model for tracing.
 */
function modelCode(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => !line.startsWith('#'));
  const example = lines.findIndex((line) => line.startsWith('def example('));
  return lines.slice(start, example < 0 ? lines.length : example).join('\n').trimEnd();
}

describe('examples that are oracle fixtures at real sizes', () => {
  const fixtures = new Set(readdirSync(FIXTURES));
  const shared = readdirSync(EXAMPLES).filter((name) => name.endsWith('.py') && fixtures.has(name)).sort();

  it('are the GPT, the Llama and the ViT (the Triton kernels need a GPU to trace)', () => {
    assert.deepEqual(shared, ['gpt_block.py', 'llama_block.py', 'vit.py']);
  });

  for (const name of shared) {
    it(`${name}: the same model code as the fixture, sized only by its config and constructor defaults`, () => {
      const example = readFileSync(path.join(EXAMPLES, name), 'utf8');
      const fixture = readFileSync(path.join(FIXTURES, name), 'utf8');
      assert.ok(!/^def example\(/m.test(example), 'the example has no tracing entry point');
      assert.match(fixture, /^def example\(/m, 'the fixture is traced through example()');
      assert.equal(modelCode(example), modelCode(fixture), `examples/${name} and test/fixtures/models/${name} have drifted apart`);
    });
  }
});
