// The hand-written expectations of bench/realworld/expected/: each file reads, names real lines of its source, and the
// score counts what it should (findings above hints in range, traps hit, verdicts of priced ops).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { defaultManifest, readManifest } from '../../bench/realworld/check';
import { readExpectations, scoreFile, type ScoredOp } from '../../bench/realworld/expectations';
import type { JsonFinding } from '../../src/cli/format/json';

const ROOT = path.join(__dirname, '..', '..');
const EXPECTED = path.join(ROOT, 'bench', 'realworld', 'expected');

const finding = (code: string, line: number, severity: JsonFinding['severity'] = 'warning'): JsonFinding => ({
  code, kind: 'pointwise-chain', severity, line, endLine: line, column: 1, endColumn: 2, message: '', bytesSaved: null, timeSavedUs: null,
});

describe('real-world expectations', () => {
  const files = readdirSync(EXPECTED).filter((name) => name.endsWith('.md')).sort();

  it('covers every PyTorch file of the manifest (when the manifest is at hand)', (context) => {
    const manifest = defaultManifest();
    if (!existsSync(manifest)) return context.skip('no manifest beside the repository');
    const pytorch = readManifest(manifest).filter((entry) => entry.kind === 'pytorch').map((entry) => `${entry.name}.md`);
    assert.deepEqual(pytorch.filter((name) => !files.includes(name)), []);
  });

  for (const name of files) {
    it(`${name} reads, with reasons, and its lines exist in the source`, () => {
      const expected = readExpectations(readFileSync(path.join(EXPECTED, name), 'utf8'));
      for (const row of [...expected.findings, ...expected.traps]) {
        assert.ok(row.first <= row.last, `${name}: lines ${row.first}–${row.last}`);
        assert.ok(row.why.length > 20, `${name}: every row says why`);
      }
      for (const verdict of expected.verdicts) assert.ok(verdict.why.length > 5, `${name}: every verdict says why`);
      const source = path.join(ROOT, 'bench', 'realworld', 'files', name.replace(/\.md$/, '.py'));
      if (!existsSync(source)) return;
      const lines = readFileSync(source, 'utf8').split('\n').length;
      for (const row of [...expected.findings, ...expected.traps]) assert.ok(row.last <= lines, `${name}: line ${row.last} past the end (${lines})`);
      for (const verdict of expected.verdicts) assert.ok(verdict.line <= lines, `${name}: verdict line ${verdict.line}`);
      // A line is never both an expected finding and a trap for the same code.
      for (const trap of expected.traps) {
        for (const row of expected.findings) {
          const overlap = row.first <= trap.last && trap.first <= row.last;
          const sameCode = trap.codes.length === 0 || row.codes.some((code) => trap.codes.includes(code));
          assert.ok(!(overlap && sameCode), `${name}: lines ${row.first}–${row.last} are both expected and a trap`);
        }
      }
    });
  }

  it('scores findings in range above hints, traps hit by any or the listed codes, and verdicts of priced ops', () => {
    const expected = readExpectations([
      '## Findings', '', '| code | lines | why |', '|---|---|---|',
      '| MW206 | 10–20 | attention |', '| MW209 or MW102 | 30 | logits |', '| MW201 | 40 | chain |', '',
      '## Traps', '', '| lines | codes | why |', '|---|---|---|', '| 50 | any | small |', '| 60 | MW102 | a view |', '',
      '## Op verdicts', '', '| line | op | bound | why |', '|---|---|---|---|', '| 12 | torch.matmul | memory | K small |',
      '| 15 | self.proj | compute | big |',
    ].join('\n'));
    const ops: ScoredOp[] = [
      { line: 12, endLine: 12, label: 'torch.matmul', bound: 'compute', priced: true },
      { line: 15, endLine: 15, label: 'self.proj', bound: 'compute', priced: true },
      { line: 40, endLine: 40, label: '*', bound: 'unknown', priced: false },
    ];
    const score = scoreFile([
      finding('MW206', 14), finding('MW102', 30), finding('MW201', 40, 'hint'), finding('MW201', 50), finding('MW301', 60), finding('MW102', 60, 'hint'),
    ], ops, expected);
    assert.deepEqual(score.found.map((row) => row.codes.join('/')), ['MW206', 'MW209/MW102']);
    assert.equal(score.missed.length, 1);
    assert.deepEqual(score.missed[0]?.hints, ['MW201@40 (hint)']);
    assert.equal(score.missed[0]?.ops, 1);
    assert.deepEqual(score.trapsHit.map((hit) => `${hit.finding.code}@${hit.finding.line}`), ['MW201@50']);
    assert.equal(score.verdictsPriced, 2);
    assert.equal(score.verdictsRight, 1);
    assert.deepEqual(score.wrongVerdicts.map((wrong) => wrong.verdict.op), ['torch.matmul']);
    assert.equal(expected.sizes, null);
  });

  it('reads the sizes of ## Sizes, judges verdicts on the ops of that run, and refuses a section without --dims', () => {
    const text = (sizes: string): string => [
      '## Sizes', '', sizes, '',
      '## Op verdicts', '', '| line | op | bound | why |', '|---|---|---|---|', '| 276 | self.layernorm_before | memory | LayerNorm at B=64 |',
    ].join('\n');
    const expected = readExpectations(text('Judged at `--dims batch_size=64,T=2048`: 13 µs of DRAM time.'));
    assert.equal(expected.sizes, 'batch_size=64,T=2048');
    const unsized: ScoredOp[] = [{ line: 276, endLine: 276, label: 'self.layernorm_before', bound: 'overhead', priced: true }];
    const sized: ScoredOp[] = [{ line: 276, endLine: 276, label: 'self.layernorm_before', bound: 'memory', priced: true }];
    assert.equal(scoreFile([], unsized, expected, sized).verdictsRight, 1);
    assert.equal(scoreFile([], unsized, expected).verdictsRight, 0);
    assert.throws(() => readExpectations(text('At B=64.')), /names no `--dims/);
    assert.throws(() => readExpectations(text('`--dims B=sixty-four`')), /not NAME=N pairs/);
  });
});
