// --entry, --input and --dims as the bundled CLI reads them, [tool.memwall] entry/inputs, and the exit 2 for an override that applies to nothing.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
let folder: string;

function memwall(args: string[], cwd = folder) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function write(relative: string, lines: readonly string[]): void {
  const file = path.join(folder, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** A model file as torchvision writes them: a class and two builders. */
const NETS = [
  'import torch.nn as nn',
  '',
  'class Net(nn.Module):',
  '    def __init__(self, width, num_classes=10):',
  '        super().__init__()',
  '        self.conv = nn.Conv2d(3, width, 3, padding=1)',
  '        self.fc = nn.Linear(width, num_classes)',
  '',
  '    def forward(self, x):',
  '        return self.fc(self.conv(x).mean((2, 3)))',
  '',
  'def net_small(**kwargs):',
  '    return Net(16, **kwargs)',
  '',
  'def net_large(**kwargs):',
  '    return Net(64, **kwargs)',
];

/** A Llama-style config whose n_kv_heads defaults to None and is filled in by the model. */
const LLAMA = [
  'from dataclasses import dataclass',
  'from typing import Optional',
  'import torch.nn as nn',
  '',
  '@dataclass',
  'class ModelArgs:',
  '    dim: int = 512',
  '    n_heads: int = 8',
  '    n_kv_heads: Optional[int] = None',
  '',
  'class Attention(nn.Module):',
  '    def __init__(self, args: ModelArgs):',
  '        super().__init__()',
  '        self.n_kv_heads = args.n_heads if args.n_kv_heads is None else args.n_kv_heads',
  '        self.head_dim = args.dim // args.n_heads',
  '        self.wk = nn.Linear(args.dim, self.n_kv_heads * self.head_dim, bias=False)',
  '',
  '    def forward(self, x):',
  '        return self.wk(x)',
];

before(() => {
  if (!existsSync(CLI)) execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  folder = mkdtempSync(path.join(tmpdir(), 'memwall-entries-'));
  write('nets.py', NETS);
  write('llama.py', LLAMA);
  write('project/pyproject.toml', ['[tool.memwall]', 'entry = "net_large"', 'inputs = { x = "[2, 3, 32, 32]" }']);
  write('project/nets.py', NETS);
});

after(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
});

interface JsonFile {
  readonly inputs: { scope: string; name: string; shape: string | null; sizes: number[] | null; dtype: string; source: string }[];
  readonly ops: { label: string; inputShapes: (number[] | null)[]; flops: number | null }[];
  readonly notes: { code: string; message: string }[];
}

function json(args: string[], cwd = folder): JsonFile {
  const { code, stdout, stderr } = memwall([...args, '--format', 'json'], cwd);
  assert.equal(code, 0, stderr);
  return (JSON.parse(stdout) as { files: JsonFile[] }).files[0] as JsonFile;
}

describe('memwall analyze --entry / --input', () => {
  it('analyses the named builder\'s model with the given input shape, and lists the input with its source', () => {
    const file = json(['analyze', 'nets.py', '--entry', 'net_large', '--input', 'x=[1,3,32,32]']);
    assert.deepEqual(file.inputs, [{ scope: 'Net.forward', name: 'x', shape: '[1, 3, 32, 32]', sizes: [1, 3, 32, 32], dtype: 'default', source: '--input' }]);
    const conv = file.ops.find((op) => op.label === 'self.conv');
    assert.deepEqual(conv?.inputShapes, [[1, 3, 32, 32], [64, 3, 3, 3], [64]]);
    // Conv2d(3, 64, 3, padding=1) on [1, 3, 32, 32]: 2·(64·32·32)·27 + 64·32·32 for the bias.
    assert.equal(conv?.flops, 2 * 64 * 32 * 32 * 27 + 64 * 32 * 32);
  });

  it('takes an input dtype and symbolic dims', () => {
    const file = json(['analyze', 'nets.py', '--entry', 'net_small', '--input', 'x=[B, 3, 64, 64]:fp32', '--dims', 'B=4']);
    assert.deepEqual(file.inputs.map((input) => [input.shape, input.sizes, input.dtype]), [['[B, 3, 64, 64]', [4, 3, 64, 64], 'fp32']]);
  });

  it('exits 2 naming an entry, an input or a size that applies to nothing', () => {
    const entry = memwall(['analyze', 'nets.py', '--entry', 'net_medium']);
    assert.equal(entry.code, 2);
    assert.match(entry.stderr, /nets\.py: --entry net_medium: no function, class or `Class\.method` of that name is defined in this file\.\n$/);
    const input = memwall(['analyze', 'nets.py', '--entry', 'net_small', '--input', 'images=[1,3,32,32]']);
    assert.equal(input.code, 2);
    assert.match(input.stderr, /--input images: no function analysed here has a parameter named `images` \(entries: net_small\)/);
    const dims = memwall(['analyze', 'nets.py', '--dims', 'n_embd=768']);
    assert.equal(dims.code, 2);
    assert.match(dims.stderr, /--dims n_embd=768: no op here has a size named n_embd/);
    const malformed = memwall(['analyze', 'nets.py', '--input', 'x=[1,3,0,32]']);
    assert.equal(malformed.code, 2);
    assert.match(malformed.stderr, /--input x: the size 0 must be a positive integer/);
  });

  it('runs when an override applies in one of several files, with a note in the others', () => {
    const { code, stdout, stderr } = memwall(['analyze', 'nets.py', 'llama.py', '--entry', 'net_small', '--format', 'json']);
    assert.equal(code, 0, stderr);
    const [nets, llama] = (JSON.parse(stdout) as { files: JsonFile[] }).files as [JsonFile, JsonFile];
    assert.ok(nets.ops.length > 0);
    assert.deepEqual(llama.notes.map((note) => note.code), ['MW905']);
  });

  it('applies --dims to a config field whose default is None', () => {
    const without = json(['analyze', 'llama.py']);
    assert.deepEqual(without.ops.find((op) => op.label === 'self.wk')?.inputShapes[1], [512, 512], 'n_kv_heads falls back to n_heads');
    const withDims = json(['analyze', 'llama.py', '--dims', 'n_kv_heads=2']);
    assert.deepEqual(withDims.ops.find((op) => op.label === 'self.wk')?.inputShapes[1], [128, 512], 'the given n_kv_heads applies');
  });

  it('reads entry and inputs from [tool.memwall]; the command line outranks them', () => {
    const file = json(['analyze', 'nets.py'], path.join(folder, 'project'));
    assert.deepEqual(file.inputs.map((input) => [input.sizes, input.source]), [[[2, 3, 32, 32], 'pyproject.toml [tool.memwall] inputs']]);
    assert.deepEqual(file.ops.find((op) => op.label === 'self.conv')?.inputShapes[1], [64, 3, 3, 3]);
    const given = json(['analyze', 'nets.py', '--entry', 'net_small', '--input', 'x=[1,3,8,8]'], path.join(folder, 'project'));
    assert.deepEqual(given.inputs.map((input) => [input.sizes, input.source]), [[[1, 3, 8, 8], '--input']]);
    assert.deepEqual(given.ops.find((op) => op.label === 'self.conv')?.inputShapes[1], [16, 3, 3, 3]);
  });
});
