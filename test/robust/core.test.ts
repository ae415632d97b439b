// Bad input through the pure core: token soup, edits, deep nesting, long lines, megabytes, bytes, CRLF, unicode, Python 2.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { analysedLength, analyze, DEFAULT_MAX_CHARS } from '../../src/core/analyze';
import type { PythonParser } from '../../src/core/parse/parser';
import { testParser } from '../helpers/parser';
import { analyseWithinBudget, applyEdits, editsOf, GPT_BLOCK, SEED, tokenSoup, TRITON_KERNELS } from './helpers';

const opLabels = (text: string, parser: PythonParser): string[] => analyze(text, { parser }).costs.map((c) => `${c.node.op} ${c.node.span.startLine}`);

describe('core robustness: every input gives an analysis or a note, within the budget', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await testParser();
  });

  it('token soup (60 random programs of up to 120 tokens)', () => {
    fc.assert(fc.property(tokenSoup, (text) => void analyseWithinBudget(text, { parser })), { seed: SEED, numRuns: 60 });
  });

  it('random deletions, insertions and duplicated lines in both examples (30 each)', () => {
    for (const example of [GPT_BLOCK, TRITON_KERNELS]) {
      fc.assert(fc.property(editsOf(example), (edits) => void analyseWithinBudget(applyEdits(example, edits), { parser })), { seed: SEED, numRuns: 30 });
    }
  });

  it('binary bytes, read as UTF-8 (with replacement characters) and as Latin-1 (20 each)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), (bytes) => {
        analyseWithinBudget(Buffer.from(bytes).toString('utf8'), { parser });
        analyseWithinBudget(Buffer.from(bytes).toString('latin1'), { parser });
      }),
      { seed: SEED, numRuns: 20 },
    );
    // NUL bytes between real statements: the statements around them still parse.
    analyseWithinBudget(GPT_BLOCK.replace(/\n\n/g, '\n\u0000\u0001\uFFFD\n'), { parser });
  });

  it('1,000 nested parentheses, calls, chained methods, brackets and unclosed parentheses: no stack overflow', () => {
    const deep = 1000;
    const cases: Record<string, string> = {
      parentheses: `x = ${'('.repeat(deep)}1${')'.repeat(deep)}\n`,
      calls: `import torch\nx = ${'torch.relu('.repeat(deep)}torch.randn(4, 4)${')'.repeat(deep)}\n`,
      methods: `import torch\nx = torch.randn(4, 4)${'.relu()'.repeat(deep)}\n`,
      sums: `import torch\nx = torch.randn(4, 4)\ny = ${Array(deep).fill('x').join(' + ')}\n`,
      lists: `x = ${'['.repeat(deep)}${']'.repeat(deep)}\n`,
      unclosed: `x = ${'('.repeat(deep)}\n`,
      lambdas: `f = ${'lambda: '.repeat(deep)}1\n`,
      tritonCalls: `import triton\nimport triton.language as tl\n@triton.jit\ndef k(x_ptr, BLOCK: tl.constexpr):\n    offs = tl.arange(0, BLOCK)\n    x = tl.load(x_ptr + offs)\n    tl.store(x_ptr + offs, ${'tl.exp('.repeat(deep)}x${')'.repeat(deep)})\ndef run(x):\n    k[(1,)](x, BLOCK=1024)\n`,
      blocks: `${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}if x:\n`).join('')}${' '.repeat(300)}pass\n`,
    };
    for (const [name, text] of Object.entries(cases)) {
      const analysis = analyseWithinBudget(text, { parser }, 10_000);
      if (name === 'calls' || name === 'methods') {
        assert.ok(analysis.notes.some((n) => n.code === 'MW903' && /nested deeper than 200/.test(n.message)), `${name}: a note says the inner part was skipped`);
        // torch.relu(...) of an unknown value is still an op; a method on an unknown value is not (its receiver is lost).
        if (name === 'calls') assert.ok(analysis.costs.length >= 100, `${name}: the outer 200 levels are still ops (${analysis.costs.length})`);
      }
    }
  });

  it('a 200,000-character line, and a 20,000-element list literal', () => {
    analyseWithinBudget(`import torch\nx = torch.randn(4, 4)\ny = "${'a'.repeat(200_000)}"\nz = x + x\n`, { parser }, 10_000);
    const analysis = analyseWithinBudget(`import torch\nx = torch.randn(4, 4)\ny = [${Array(20_000).fill('x').join(', ')}]\nz = x * 2\n`, { parser }, 10_000);
    assert.ok(analysis.costs.some((c) => c.node.span.startLine === 3), 'the op after the long line is found');
  });

  it('CRLF line ends and tab indents give the same ops as the example itself', () => {
    const expected = opLabels(GPT_BLOCK, parser);
    assert.ok(expected.length >= 10);
    assert.deepEqual(opLabels(GPT_BLOCK.replace(/\n/g, '\r\n'), parser), expected);
    assert.deepEqual(opLabels(GPT_BLOCK.replace(/^((?: {4})+)/gm, (indent) => '\t'.repeat(indent.length / 4)), parser), expected);
  });

  it('unicode identifiers name tensors like ASCII ones', () => {
    const ascii = 'import torch\nimport torch.nn.functional as F\nx = torch.randn(8, 1024, 768)\nh = F.gelu(x)\nout = h * x\n';
    const unicode = ascii.replace(/\bx\b/g, 'σ').replace(/\bh\b/g, '変数').replace(/\bout\b/g, 'выход');
    const a = analyseWithinBudget(ascii, { parser });
    const b = analyseWithinBudget(unicode, { parser });
    assert.deepEqual(b.costs.map((c) => [c.node.op, c.bytes]), a.costs.map((c) => [c.node.op, c.bytes]));
  });

  it('Python 2 syntax: print and exec statements, old except and octal literals, backticks', () => {
    const python2 = 'import torch\nprint "shapes"\nexec "x = 1"\ntry:\n    y = torch.randn(4, 4)\nexcept Exception, e:\n    print e\nz = 0777L\nw = `z`\nu = ur"raw"\nprint >>sys.stderr, "done"\n';
    analyseWithinBudget(python2, { parser });
  });

  it('a notebook (.ipynb JSON, whole and broken) read as if it were Python', () => {
    const notebook = JSON.stringify({ cells: [{ cell_type: 'code', source: GPT_BLOCK.split('\n').map((l) => `${l}\n`) }], nbformat: 4 }, null, 1);
    analyseWithinBudget(notebook, { parser });
    analyseWithinBudget(notebook.slice(0, Math.floor(notebook.length / 2)), { parser });
  });

  it('a 5 MB file is cut at a top-level statement within the limit, with an MW904 note on the first line left out', () => {
    const unit = `${GPT_BLOCK}\n${TRITON_KERNELS}\n`;
    const huge = unit.repeat(Math.ceil(5_000_000 / unit.length));
    assert.ok(huge.length >= 5_000_000);
    const cut = analysedLength(huge, DEFAULT_MAX_CHARS);
    assert.ok(cut <= DEFAULT_MAX_CHARS && cut > DEFAULT_MAX_CHARS - unit.length, `cut at ${cut}`);
    assert.match(huge.charAt(cut), /[A-Za-z_@]/);
    assert.equal(huge.charAt(cut - 1), '\n');

    // A smaller limit keeps the test quick on a shared machine; the default limit is run by scripts/fuzz-long.ts.
    const limit = 3 * unit.length + 100;
    const analysis = analyseWithinBudget(huge, { parser, maxChars: limit }, 15_000);
    const note = analysis.notes.find((n) => n.code === 'MW904');
    assert.ok(note?.span, 'MW904 note with a place');
    assert.match(note.message, /5,\d{3},\d{3} characters, over the limit of [\d,]+ \(setting memwall\.maxFileSize\): MemWall analysed its first [\d,]+ lines only\./);
    assert.equal(note.span.startLine, huge.slice(0, note.span.start).split('\n').length - 1);
    assert.ok(analysis.costs.every((c) => c.node.span.end <= limit), 'no op past the limit');
    // The analysed part is analysed as the same text alone would be.
    const alone = analyze(huge.slice(0, note.span.start), { parser });
    assert.equal(analysis.costs.length, alone.costs.length);
  });

  it('the cut: at a top-level statement, else at the last line break, else nothing', () => {
    assert.equal(analysedLength('a = 1\nb = 2\n', 100), 12);
    assert.equal(analysedLength('a = 1\n    b = 2\nc = 3\n', 17), 16);
    assert.equal(analysedLength('a = 1\n    b = 2\nc = 3\n', 15), 6);
    assert.equal(analysedLength('def f():\n    x = 1\n    y = 2\n', 20), 19);
    assert.equal(analysedLength('x'.repeat(1000), 10), 0);
  });
});
