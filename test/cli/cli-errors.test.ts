// The bundled `memwall` command on bad arguments and unreadable files: exit code 2 and one line naming the mistake.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

let scratch: string;

function memwall(args: string[], cwd = ROOT) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

before(() => {
  // `npm test` builds first; a lone run of this file builds the bundle if it is missing.
  if (!existsSync(CLI)) execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  scratch = mkdtempSync(path.join(tmpdir(), 'memwall-cli-'));
  writeFileSync(path.join(scratch, 'gelu.py'), 'import torch\nimport torch.nn.functional as F\ny = F.gelu(torch.randn(8, 16))\n');
});

after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('memwall on bad input', () => {
  const usage = (args: string[], message: RegExp) => {
    const { code, stdout, stderr } = memwall(args, scratch);
    assert.equal(code, 2, `exit code for ${args.join(' ')}`);
    assert.equal(stdout, '');
    assert.equal(stderr.trimEnd().split('\n').length, 1, `one line: ${stderr}`);
    assert.match(stderr.trimEnd(), message);
  };

  it('exits 2 with one line on bad arguments', () => {
    usage(['analyze'], /^memwall: analyze: name at least one file/);
    usage(['analyze', 'gelu.py', '--dtype', 'int4'], /--dtype: 'int4'/);
    usage(['analyze', 'gelu.py', '--gpu', 'h900'], /--gpu: unknown GPU "h900"; known: .*h100-sxm/);
    usage(['analyze', 'gelu.py', '--dims', 'B=x'], /--dims/);
    usage(['analyze', 'gelu.py', '--format', 'yaml'], /--format: 'yaml'/);
    usage(['analyze', 'gelu.py', '--frobnicate'], /Unknown option '--frobnicate'/);
    usage(['launch'], /unknown command 'launch'/);
    usage(['explain', 'MW999'], /unknown rule code 'MW999'/);
  });

  it('exits 2 naming a file that does not exist or cannot be read', () => {
    usage(['analyze', 'gelu.py', 'missing.py'], /^memwall: cannot read missing\.py: no such file or folder$/);
    symlinkSync('loop2.py', path.join(scratch, 'loop1.py'));
    symlinkSync('loop1.py', path.join(scratch, 'loop2.py'));
    usage(['analyze', 'loop1.py'], /^memwall: cannot read loop1\.py: ELOOP$/);
    if (process.getuid?.() !== 0) {
      // root reads any file, so an unreadable file can only be made for other users.
      writeFileSync(path.join(scratch, 'secret.py'), 'x = 1\n');
      chmodSync(path.join(scratch, 'secret.py'), 0o000);
      usage(['analyze', 'secret.py'], /^memwall: cannot read secret\.py: EACCES$/);
    }
  });

  it('exits 2 when a folder holds no Python file', () => {
    const emptyFolder = mkdtempSync(path.join(scratch, 'nothing-'));
    usage(['analyze', emptyFolder], /no Python files under/);
  });
});
