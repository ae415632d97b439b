// [tool.memwall] in pyproject.toml as the CLI reads it: found above the file, applied, and named when it is wrong.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileView } from '../../src/workspace/file-view';
import { findPyproject, ProjectConfigs } from '../../src/workspace/project';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
let project: string;

function write(relative: string, text: string) {
  const file = path.join(project, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function memwall(args: string[], cwd = project) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

before(() => {
  if (!existsSync(CLI)) execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  project = mkdtempSync(path.join(tmpdir(), 'memwall-project-'));
  write('pyproject.toml', [
    '[project]',
    'name = "demo"',
    '',
    '[tool.memwall]',
    'gpu = "a100-80gb-sxm"',
    'dtype = "fp16"',
    'dims = { B = 2, T = 64 }',
    '',
    '[[tool.memwall.custom-gpus]]',
    'id = "half-h100"',
    'base = "h100-sxm"',
    'bandwidth = 1.675e12',
    '',
  ].join('\n'));
  write('model/gelu.py', 'import torch\nimport torch.nn.functional as F\nx = torch.randn(8, 1024, 3072, dtype=torch.bfloat16)\ny = F.gelu(x)\n');
  write('broken/pyproject.toml', '[tool.memwall]\ndims = { B = "eight" }\n');
  write('broken/a.py', 'x = 1\n');
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('pyproject.toml [tool.memwall]', () => {
  it('is found above the file and read once per cache', async () => {
    const cache = new ProjectConfigs();
    const first = await cache.forFile(path.join(project, 'model/gelu.py'));
    assert.equal(first.pyprojectPath, path.join(project, 'pyproject.toml'));
    assert.equal(first.root, project);
    assert.deepEqual(first.config?.external?.dims, { B: 2, T: 64 });
    assert.equal(first.config?.gpu, 'a100-80gb-sxm');
    assert.equal(await cache.forFile(path.join(project, 'model/other.py')), first);
    assert.equal(await findPyproject(path.join(tmpdir(), 'no-project-here', 'a.py'), new FileView(), tmpdir()), undefined);
  });

  it('sets the GPU and dtype of the CLI run; --gpu outranks it and may name a custom GPU from it', () => {
    const fromProject = JSON.parse(memwall(['analyze', 'model/gelu.py', '--format', 'json']).stdout).files[0];
    assert.equal(fromProject.gpu, 'a100-80gb-sxm');
    assert.equal(fromProject.dtype, 'fp16');
    const custom = memwall(['analyze', 'model/gelu.py', '--format', 'json', '--gpu', 'half-h100']);
    assert.equal(custom.code, 0, custom.stderr);
    const gelu = JSON.parse(custom.stdout).files[0].ops.find((op: { op: string }) => op.op === 'torch.nn.functional.gelu');
    assert.equal(JSON.parse(custom.stdout).files[0].gpu, 'half-h100');
    assert.equal(gelu.bytes, 2 * 8 * 1024 * 3072 * 2);
  });

  it('lists the project\'s custom GPUs in memwall gpus', () => {
    const json = JSON.parse(memwall(['gpus', '--format', 'json']).stdout);
    const custom = json.gpus.find((gpu: { id: string }) => gpu.id === 'half-h100');
    assert.ok(custom, 'half-h100 listed');
    assert.equal(custom.bandwidth.value, 1.675e12);
    assert.ok(json.gpus.some((gpu: { id: string }) => gpu.id === 'h100-sxm'));
  });

  it('names the pyproject.toml and the bad value in one line, exit 2', () => {
    const { code, stderr } = memwall(['analyze', 'broken/a.py']);
    assert.equal(code, 2);
    assert.equal(stderr.trimEnd().split('\n').length, 1);
    assert.match(stderr, /pyproject\.toml.*dims\.B must be a positive integer/);
  });

  it('names a GPU id it does not know, and where it was written', () => {
    write('typo/pyproject.toml', '[tool.memwall]\ngpu = "h100-sxn"\n');
    write('typo/a.py', 'x = 1\n');
    const { code, stderr } = memwall(['analyze', 'typo/a.py']);
    assert.equal(code, 2);
    assert.match(stderr, /^memwall: typo\/pyproject\.toml \[tool\.memwall\] gpu: unknown GPU "h100-sxn"/);
  });
});

describe('the Python environment whose installed packages imports read', () => {
  const script = 'import torch\nfrom torchvision.ops.misc import Conv2dNormActivation\nstem = Conv2dNormActivation(3, 32, stride=2)\ny = stem(torch.randn(1, 3, 224, 224))\n';
  const convOf = (stdout: string) => (JSON.parse(stdout).files[0].ops as { op: string; modulePath: string; flops: number | null }[]).find((op) => op.op === 'torch.nn.Conv2d');

  it('comes from --python, and from [tool.memwall] python relative to the pyproject.toml', () => {
    write('installed/train.py', script);
    const without = memwall(['analyze', 'installed/train.py', '--format', 'json']);
    assert.equal(without.code, 0, without.stderr);
    assert.equal(convOf(without.stdout), undefined, 'no environment: torchvision is not read');
    const flag = memwall(['analyze', 'installed/train.py', '--format', 'json', '--python', '/usr/bin/python3']);
    assert.equal(flag.code, 0, flag.stderr);
    // The stem's conv read from torchvision/ops/misc.py: 3 → 32 channels, 3×3, stride 2 on 224×224 → 112×112.
    assert.equal(convOf(flag.stdout)?.flops, 2 * 32 * 112 * 112 * 3 * 3 * 3);
    write('installed/pyproject.toml', '[tool.memwall]\npython = "../bin/python3"\n');
    mkdirSync(path.join(project, 'bin'), { recursive: true });
    symlinkSync('/usr/bin/python3', path.join(project, 'bin', 'python3'));
    const fromProject = memwall(['analyze', 'installed/train.py', '--format', 'json']);
    assert.equal(fromProject.code, 0, fromProject.stderr);
    assert.equal(convOf(fromProject.stdout)?.flops, 2 * 32 * 112 * 112 * 3 * 3 * 3);
  });

  it('is a usage error when it does not exist, named where it was set', () => {
    const missing = memwall(['analyze', 'model/gelu.py', '--python', 'nowhere/bin/python']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'memwall: --python: nowhere/bin/python does not exist\n');
    write('badenv/pyproject.toml', '[tool.memwall]\npython = ".venv/bin/python"\n');
    write('badenv/a.py', 'x = 1\n');
    const fromProject = memwall(['analyze', 'badenv/a.py']);
    assert.equal(fromProject.code, 2);
    assert.match(fromProject.stderr, /^memwall: badenv\/pyproject\.toml \[tool\.memwall\] python: \.venv\/bin\/python does not exist\n$/);
  });
});
