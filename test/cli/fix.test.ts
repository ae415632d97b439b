// `memwall fix` and SARIF fixes: the CLI applies the same fix edits the server offers, re-analysing each result.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const FIXES = path.join(ROOT, 'test', 'fixtures', 'rules', 'fixes');

let scratch: string;

function memwall(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: scratch, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A pointwise chain Inductor fuses, in a function: its only fix is Wrap in torch.compile (unsafe). */
const CHAIN = ['import torch.nn.functional as F', '', '', 'def scaled(x):  # memwall: shape x=[8192, 8192]', '    y = x * 0.5', '    z = y + 1.0', '    return z * x', ''].join('\n');

before(() => {
  if (!existsSync(CLI)) execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  scratch = mkdtempSync(path.join(tmpdir(), 'memwall-fix-'));
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('memwall fix', () => {
  it('writes each MW206 fix pair\'s expected output and says what it fixed', () => {
    for (const name of ['MW206.in.py', 'MW206-masked.in.py']) {
      copyFileSync(path.join(FIXES, name), path.join(scratch, name.replace('.in.py', '.py')));
    }
    const { code, stdout, stderr } = memwall(['fix', '.', '--code', 'MW206']);
    assert.equal(code, 0, stderr);
    for (const name of ['MW206', 'MW206-masked']) {
      assert.equal(readFileSync(path.join(scratch, `${name}.py`), 'utf8'), readFileSync(path.join(FIXES, `${name}.out.py`), 'utf8'), name);
    }
    assert.match(stdout, /^MW206-masked\.py: fixed \d+ \(MW206 ×\d+\)$/m);
    assert.match(stdout, /^MW206\.py: fixed 2 \(MW206 ×2\)$/m);
    // Fixed, the files have nothing left to fix: a second run changes nothing.
    const again = memwall(['fix', '.', '--code', 'MW206']);
    assert.match(again.stdout, /^No fixes applied\.$/m);
  });

  it('applies Wrap in torch.compile only with --unsafe-fixes, once per function', () => {
    const file = path.join(scratch, 'chain.py');
    writeFileSync(file, CHAIN);
    const safe = memwall(['fix', 'chain.py']);
    assert.equal(safe.code, 0, safe.stderr);
    assert.equal(readFileSync(file, 'utf8'), CHAIN);
    assert.match(safe.stdout, /No fixes applied\.\nNot applied: 1 fix that changes how the code runs \(Wrap in torch\.compile\); add --unsafe-fixes/);
    const unsafe = memwall(['fix', 'chain.py', '--unsafe-fixes']);
    assert.equal(unsafe.code, 0, unsafe.stderr);
    const fixed = readFileSync(file, 'utf8');
    assert.equal(fixed.match(/@torch\.compile/g)?.length, 1);
    assert.ok(fixed.startsWith('import torch\nimport torch.nn.functional as F\n'), fixed);
    assert.match(unsafe.stdout, /^chain\.py: fixed 1 \(MW201 ×1\)$/m);
  });

  it('refuses a code that is not a rule and an option of another command', () => {
    assert.equal(memwall(['fix', '.', '--code', 'MW905']).code, 2);
    assert.equal(memwall(['fix', '.', '--code', 'bogus']).code, 2);
    assert.equal(memwall(['fix', '.', '--fail-on', 'MW201']).code, 2);
  });
});

describe('SARIF fixes', () => {
  it('carry the fix edits as replacements, with whether each is safe', () => {
    const file = path.join(scratch, 'attention.py');
    copyFileSync(path.join(FIXES, 'MW206.in.py'), file);
    writeFileSync(path.join(scratch, 'chain.py'), CHAIN);
    const { code, stdout, stderr } = memwall(['analyze', 'attention.py', 'chain.py', '--format', 'sarif']);
    assert.equal(code, 0, stderr);
    const results = JSON.parse(stdout).runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[]; fixes?: { description: { text: string }; artifactChanges: { artifactLocation: { uri: string }; replacements: { deletedRegion: { startLine: number; startColumn: number; endLine: number; endColumn: number }; insertedContent: { text: string } }[] }[]; properties: { safe: boolean } }[] }[];
    const attention = results.filter((result) => result.ruleId === 'MW206' && result.locations[0]?.physicalLocation.artifactLocation.uri === 'attention.py');
    assert.ok(attention.length >= 1);
    // Applying the replacements by hand, as a SARIF consumer would, gives the fix pair's expected output.
    const source = readFileSync(file, 'utf8').split('\n');
    const offset = (line: number, column: number) => source.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0) + column - 1;
    const replacements = attention.flatMap((result) => result.fixes?.filter((fix) => fix.properties.safe) ?? []).flatMap((fix) => fix.artifactChanges[0]!.replacements);
    let text = source.join('\n');
    for (const replacement of replacements.sort((a, b) => offset(b.deletedRegion.startLine, b.deletedRegion.startColumn) - offset(a.deletedRegion.startLine, a.deletedRegion.startColumn))) {
      const { startLine, startColumn, endLine, endColumn } = replacement.deletedRegion;
      text = text.slice(0, offset(startLine, startColumn)) + replacement.insertedContent.text + text.slice(offset(endLine, endColumn));
    }
    assert.equal(text, readFileSync(path.join(FIXES, 'MW206.out.py'), 'utf8'));
    const chain = results.find((result) => result.ruleId === 'MW201' && result.locations[0]?.physicalLocation.artifactLocation.uri === 'chain.py');
    assert.deepEqual(chain?.fixes?.map((fix) => [fix.description.text, fix.properties.safe]), [['Wrap scaled in torch.compile (Inductor fuses unfused pointwise chain)', false]]);
  });
});
