// The command line: what is accepted, and the one-line message each mistake gets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine, parseDims, UsageError } from '../../src/cli/args';

const usageError = (argv: string[], pattern: RegExp) =>
  assert.throws(() => parseCommandLine(argv), (error: unknown) => error instanceof UsageError && pattern.test(error.message));

describe('command line', () => {
  it('reads analyze with every option', () => {
    assert.deepEqual(
      parseCommandLine(['analyze', 'a.py', 'models/', '--gpu', 'a100-80gb-sxm', '--dtype', 'fp16', '--dims', 'B=8,T=1024', '--format', 'json', '--fail-on', 'MW201,warning']),
      { command: 'analyze', paths: ['a.py', 'models/'], gpu: 'a100-80gb-sxm', dtype: 'fp16', dims: { B: 8, T: 1024 }, format: 'json', failOn: ['MW201', 'warning'] },
    );
  });
  it('defaults to text with no dims and no gate', () => {
    assert.deepEqual(parseCommandLine(['analyze', 'a.py']), { command: 'analyze', paths: ['a.py'], gpu: undefined, dtype: undefined, dims: undefined, format: 'text', failOn: [] });
  });
  it('reads --python for analyze and roofline only', () => {
    const request = parseCommandLine(['analyze', 'a.py', '--python', '.venv/bin/python']);
    assert.ok(request.command === 'analyze');
    assert.equal(request.python, '.venv/bin/python');
    usageError(['gpus', '--python', '/usr/bin/python3'], /--python does not apply to gpus/);
    usageError(['analyze', 'a.py', '--python', ' '], /--python: empty path/);
  });
  it('accepts repeated --dims and --fail-on', () => {
    const request = parseCommandLine(['analyze', 'a.py', '--dims', 'B=2', '--dims', 'T=16', '--fail-on', 'mw101', '--fail-on', 'ERROR']);
    assert.ok(request.command === 'analyze');
    assert.deepEqual(request.dims, { B: 2, T: 16 });
    assert.deepEqual(request.failOn, ['MW101', 'error']);
  });
  it('reads gpus, explain, help and version', () => {
    assert.deepEqual(parseCommandLine(['gpus', '--format', 'json']), { command: 'gpus', format: 'json' });
    assert.deepEqual(parseCommandLine(['explain', 'mw201']), { command: 'explain', codes: ['MW201'], format: 'text' });
    assert.deepEqual(parseCommandLine([]), { command: 'help' });
    assert.deepEqual(parseCommandLine(['analyze', '--help']), { command: 'help' });
    assert.deepEqual(parseCommandLine(['--version']), { command: 'version' });
  });
  it('rejects mistakes with a message naming the mistake', () => {
    usageError(['frobnicate'], /unknown command 'frobnicate'/);
    usageError(['analyze'], /name at least one file/);
    usageError(['analyze', 'a.py', '--dtype', 'int4'], /--dtype: 'int4' is not one of bf16, fp16, fp32, fp8/);
    usageError(['analyze', 'a.py', '--format', 'xml'], /--format: 'xml'/);
    usageError(['gpus', '--format', 'sarif'], /--format: 'sarif' is not one of text, json for gpus/);
    usageError(['analyze', 'a.py', '--dims', 'B=eight'], /--dims: .*'B=eight'/);
    usageError(['analyze', 'a.py', '--dims', 'B=0'], /size of B must be a positive integer/);
    usageError(['analyze', 'a.py', '--fail-on', 'sometimes'], /--fail-on: .*'sometimes'/);
    usageError(['analyze', 'a.py', '--colour'], /Unknown option '--colour'/);
    usageError(['analyze', 'a.py', '--gpu'], /--gpu/);
    usageError(['explain'], /name a rule code/);
  });
  it('parses dims pairs with spaces', () => {
    assert.deepEqual(parseDims([' B = 4 , n_embd=768 ']), { B: 4, n_embd: 768 });
  });
});
