// The node-side workspace helpers: folder walks, import resolution and the pyproject.toml lookup, on real folders.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { collectPythonFiles } from '../../src/workspace/walk';
import { FileView } from '../../src/workspace/file-view';
import { ImportResolver, listImports, type SearchRoot } from '../../src/workspace/imports';
import { testParser } from '../helpers/parser';

let root: string;
let outside: string;

function write(relative: string, text = '') {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

before(() => {
  root = mkdtempSync(path.join(tmpdir(), 'memwall-ws-'));
  outside = mkdtempSync(path.join(tmpdir(), 'memwall-outside-'));
  writeFileSync(path.join(outside, 'secret.py'), 'x = 1\n');
  write('pyproject.toml', '[tool.memwall]\n');
  write('train.py', 'from model.gpt import GPT\nimport model.layers as L\n');
  write('model/__init__.py');
  write('model/gpt.py', 'import torch\nfrom .layers import MLP\nfrom . import attention\n');
  write('model/layers.py', 'import torch.nn as nn\nfrom .norms import RMSNorm\nclass MLP(nn.Module): pass\n');
  write('model/norms.py', 'class RMSNorm: pass\n');
  write('model/attention.py', 'class Attention: pass\n');
  write('model/README.md', 'not python');
  write('.git/hooks/pre-commit.py');
  write('node_modules/pkg/setup.py');
  write('model/__pycache__/gpt.cpython-311.py');
  write('.venv/lib/site.py');
  write('env/pyvenv.cfg', 'home = /usr/bin\n');
  write('env/lib/torch_stub.py');
  write('notes/env/keep.py'); // a folder named env without pyvenv.cfg is ordinary code
  // One file set for the CLI, the workspace report and the server: .py only (stubs hold no code to price), and
  // build outputs, eggs and installed packages skipped like virtual environments.
  write('model/layers.pyi', 'class MLP: ...\n');
  write('build/lib/model/layers.py', 'class MLP: pass\n');
  write('dist/model/layers.py');
  write('.eggs/pkg/setup.py');
  write('vendor/site-packages/pkg/__init__.py');
  write('.env311/pyvenv.cfg', 'home = /usr/bin\n');
  write('.env311/lib/python3.11/site-packages/pkg.py');
  symlinkSync(outside, path.join(root, 'linked-outside'));
  symlinkSync(path.join(root, 'model'), path.join(root, 'model-alias'));
});

after(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('collectPythonFiles', () => {
  it('finds Python files, skipping .git, node_modules, caches, virtual environments, build outputs, stubs and links out of the folder', async () => {
    const { files, unreadable } = await collectPythonFiles([root]);
    assert.deepEqual(unreadable, []);
    assert.deepEqual(files.map((file) => path.relative(root, file)).sort(), [
      'model/__init__.py', 'model/attention.py', 'model/gpt.py', 'model/layers.py', 'model/norms.py', 'notes/env/keep.py', 'train.py',
    ]);
  });
  it('keeps a file the user names whatever its extension, and reports paths it cannot read', async () => {
    symlinkSync('loop-b.py', path.join(root, 'loop-a.py'));
    symlinkSync('loop-a.py', path.join(root, 'loop-b.py'));
    const { files, unreadable } = await collectPythonFiles(['model/README.md', 'nope.py', 'loop-a.py'], root);
    assert.deepEqual(files, [path.join(root, 'model/README.md')]);
    assert.deepEqual(unreadable, [{ path: 'nope.py', reason: 'ENOENT' }, { path: 'loop-a.py', reason: 'ELOOP' }]);
  });
  it('lists a file once when it is named twice', async () => {
    const { files } = await collectPythonFiles(['train.py', './train.py', '.'], root);
    assert.equal(files.filter((file) => file.endsWith('train.py')).length, 1);
  });
});

describe('imports', () => {
  it('lists absolute, aliased, relative and from-imports as written', async () => {
    const parser = await testParser();
    assert.deepEqual(listImports('import torch, model.layers as L\nfrom .layers import MLP, Block as B\nfrom . import attention\ntry:\n    from ..util import f\nexcept ImportError:\n    pass\n', parser), [
      { module: 'torch', names: [] },
      { module: 'model.layers', names: [] },
      { module: '.layers', names: ['MLP', 'Block'] },
      { module: '.', names: ['attention'] },
      { module: '..util', names: ['f'] },
    ]);
  });
  it('finds imports in functions, one-line blocks and after semicolons, and not the word in comments, strings or names', async () => {
    const parser = await testParser();
    const text = [
      '# import commented',
      'important = "import quoted"',
      'def f():',
      '    from model import (',
      '        A,',
      '        B as C,',
      '    )',
      'if True: import os.path',
      'x = 1; import model.norms as norms',
      '"""',
      'import docstring',
      '"""',
    ].join('\n');
    assert.deepEqual(listImports(text, parser), [
      { module: 'model', names: ['A', 'B'] },
      { module: 'os.path', names: [] },
      { module: 'model.norms', names: [] },
    ]);
  });
  // Relative imports are resolved to the dotted names the core looks them up by (`.layers` from model/gpt.py is
  // `model.layers`): the spellings as written (`.layers`) are no longer keys, since the core resolves them itself.
  it('reads relative imports by dotted name, and follows them one hop further', async () => {
    const parser = await testParser();
    const gpt = path.join(root, 'model/gpt.py');
    const modules = await readImportedModules(parser, gpt, 'import torch\nfrom .layers import MLP\nfrom . import attention\n', [root]);
    assert.ok(modules.get('model.layers')?.includes('class MLP'));
    assert.ok(modules.get('model.attention')?.includes('class Attention'));
    assert.ok(modules.get('model.norms')?.includes('class RMSNorm'), 'an import of an import');
    assert.ok(!modules.has('torch'), 'packages outside the workspace are left out');
  });
  it('resolves absolute imports from the project root', async () => {
    const parser = await testParser();
    const modules = await readImportedModules(parser, path.join(root, 'train.py'), 'from model.gpt import GPT\nimport model.layers as L\n', [root], 1);
    assert.ok(modules.get('model.gpt')?.includes('from .layers import MLP'));
    assert.ok(modules.get('model.layers')?.includes('class MLP'));
    assert.ok(!modules.has('model.norms'), 'depth 1 stops after the file\'s own imports');
  });
});

/** The modules the resolver reads for a file, with the given folders as search roots (as the service passes them). */
async function readImportedModules(parser: Awaited<ReturnType<typeof testParser>>, file: string, text: string, folders: string[], depth = 2): Promise<Map<string, string>> {
  const resolver = new ImportResolver(new FileView(), parser);
  const roots: SearchRoot[] = folders.map((folder) => ({ folder, installed: false }));
  const name = await resolver.moduleNameOf(file);
  const read = await resolver.read({ name, text }, [{ folder: name.packageRoot, installed: false }, ...roots], { depth, maxFiles: 50, maxChars: 500_000, maxInstalledFiles: 40, maxInstalledChars: 1_500_000 });
  return read.modules;
}
