// The long fuzz run the test suite samples: every prefix of both examples, thousands of soups and edits, reused roots
// against full runs, a 5 MB file.
// Run: `node --import tsx scripts/fuzz-long.ts [runs=2000] [seed=20261129]`; exits 1 on the first failure, printing the
// input's size and the counterexample fast-check shrank it to.
import fc from 'fast-check';
import { DEFAULT_MAX_CHARS } from '../src/core/analyze';
import { testParser } from '../test/helpers/parser';
import { applyCodeEdit, applyLineEdit, checkRootCache, codeEdits, lineEdits } from '../test/core/root-cache';
import { analyseWithinBudget, applyEdits, editsOf, GPT_BLOCK, tokenSoup, TRITON_KERNELS } from '../test/robust/helpers';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 2000);
  const seed = Number(process.argv[3] ?? 20261129);
  const parser = await testParser();
  const started = performance.now();
  const step = (name: string) => console.log(`${name} done at ${((performance.now() - started) / 1000).toFixed(0)} s`);

  for (const [name, text] of [['gpt_block.py', GPT_BLOCK], ['triton_kernels.py', TRITON_KERNELS]] as const) {
    for (let length = 0; length <= text.length; length++) analyseWithinBudget(text.slice(0, length), { parser });
    step(`every prefix of ${name} (${text.length + 1})`);
  }
  fc.assert(fc.property(tokenSoup, (text) => void analyseWithinBudget(text, { parser })), { seed, numRuns: runs });
  step(`${runs} token soups`);
  for (const example of [GPT_BLOCK, TRITON_KERNELS]) {
    fc.assert(fc.property(editsOf(example), (edits) => void analyseWithinBudget(applyEdits(example, edits), { parser })), { seed, numRuns: runs });
  }
  step(`${runs} edited copies of each example`);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 20_000 }), (bytes) => void analyseWithinBudget(Buffer.from(bytes).toString('latin1'), { parser })),
    { seed, numRuns: Math.ceil(runs / 10) },
  );
  step(`${Math.ceil(runs / 10)} binary files`);
  // The server's reuse of unchanged roots (src/core/frontends/pytorch/roots.ts): each graph equals a full run's.
  fc.assert(fc.property(lineEdits, (edits) => void checkRootCache(parser, edits, applyLineEdit)), { seed, numRuns: Math.ceil(runs / 10) });
  fc.assert(fc.property(codeEdits, (edits) => void checkRootCache(parser, edits, applyCodeEdit)), { seed, numRuns: Math.ceil(runs / 10) });
  step(`${Math.ceil(runs / 10)} typing and ${Math.ceil(runs / 10)} editing sequences on a file of several models, reused roots against full runs`);
  const unit = `${GPT_BLOCK}\n${TRITON_KERNELS}\n`;
  const analysis = analyseWithinBudget(unit.repeat(Math.ceil(5_000_000 / unit.length)), { parser }, 120_000);
  if (!analysis.notes.some((n) => n.code === 'MW904')) throw new Error('the 5 MB file has no MW904 note');
  step(`5 MB file at the default limit of ${DEFAULT_MAX_CHARS} characters`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
