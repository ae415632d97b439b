// Imports as a Python tool resolves them, through the analysis service: a package's __init__ re-exports, a src/
// layout, namespace packages, `import a.b as c`, `from . import x`, and installed packages found from a Python
// environment's files (never by running it) with a bound on what is read; the fixture project is
// test/fixtures/projects/visionlib, the installed package Debian's python3-torchvision.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commandLineLayer } from '../../src/workspace/configuration';
import { findEnvironment, readPyvenvCfg } from '../../src/workspace/environment';
import { FileView } from '../../src/workspace/file-view';
import { absoluteModule, ImportResolver } from '../../src/workspace/imports';
import { AnalysisService } from '../../src/workspace/service';
import { testParser } from '../helpers/parser';

const ROOT = path.join(__dirname, '..', '..');
const VISIONLIB = path.join(ROOT, 'test', 'fixtures', 'projects', 'visionlib');
const TORCHVISION = '/usr/lib/python3/dist-packages/torchvision';
const MOBILENET = path.join(TORCHVISION, 'models', 'mobilenetv2.py');

async function service(): Promise<AnalysisService> {
  return new AnalysisService(await testParser());
}

/** What the service reads for a file, with the configuration the CLI would give it. */
async function modulesOf(file: string, flags: Parameters<typeof commandLineLayer>[0] = {}, analysis?: AnalysisService) {
  const svc = analysis ?? (await service());
  const warnings: string[] = [];
  const { project, configuration } = await svc.configure({ file, layers: [commandLineLayer(flags, process.cwd())] }, warnings);
  const text = (await svc.files.read(file))!;
  const read = await svc.modulesFor(file, text, undefined, project, configuration, warnings);
  return { ...read, warnings };
}

describe('dotted names, as importlib computes them', () => {
  it('resolves relative imports from modules and packages', () => {
    assert.equal(absoluteModule('..ops.misc', 'torchvision.models.mobilenetv2', false), 'torchvision.ops.misc');
    assert.equal(absoluteModule('._utils', 'torchvision.models.mobilenetv2', false), 'torchvision.models._utils');
    assert.equal(absoluteModule('.mlp', 'visionlib.layers', true), 'visionlib.layers.mlp');
    assert.equal(absoluteModule('..', 'visionlib.models.vit', false), 'visionlib');
    assert.equal(absoluteModule('.', 'visionlib', true), 'visionlib');
    assert.equal(absoluteModule('...x', 'a.b', false), undefined, 'beyond the top-level package');
    assert.equal(absoluteModule('.layers', 'train', false), 'layers', 'a loose script finds its neighbours');
  });

  it('names a file from the packages above it', async () => {
    const resolver = new ImportResolver(new FileView(), await testParser());
    assert.deepEqual(await resolver.moduleNameOf(path.join(VISIONLIB, 'src/visionlib/models/vit.py')), {
      name: 'visionlib.models.vit', isPackage: false, packageRoot: path.join(VISIONLIB, 'src'),
    });
    assert.deepEqual(await resolver.moduleNameOf(path.join(VISIONLIB, 'src/visionlib/layers/__init__.py')), {
      name: 'visionlib.layers', isPackage: true, packageRoot: path.join(VISIONLIB, 'src'),
    });
    assert.deepEqual(await resolver.moduleNameOf(path.join(VISIONLIB, 'scripts/profile_blocks.py')), {
      name: 'profile_blocks', isPackage: false, packageRoot: path.join(VISIONLIB, 'scripts'),
    });
    assert.equal((await resolver.moduleNameOf(MOBILENET)).name, 'torchvision.models.mobilenetv2', 'up through the __init__.py files');
  });
});

describe('a project in src/ layout, with re-exports and namespace packages', () => {
  it('reads what scripts/profile_blocks.py imports, and not the reference or build copies of Mlp', async () => {
    const { name, modules } = await modulesOf(path.join(VISIONLIB, 'scripts/profile_blocks.py'));
    assert.equal(name.name, 'profile_blocks');
    const read = [...modules.modules.keys()].sort();
    for (const expected of ['visionlib.layers', 'visionlib.layers.attention', 'visionlib.layers.mlp', 'plugins', 'plugins.norms', 'plugins.norms.rms']) {
      assert.ok(read.includes(expected), `${expected} read: ${read.join(', ')}`);
    }
    // `from visionlib.layers import Mlp` follows layers/__init__.py's `from .mlp import Mlp`, not the same-named class
    // in mlp_reference.py, and never the stale build/lib copy.
    assert.ok(!read.includes('visionlib.layers.mlp_reference'));
    assert.ok(modules.files.every((file) => !file.includes(`${path.sep}build${path.sep}`)), modules.files.join('\n'));
    assert.equal(modules.modules.get('plugins'), '', 'a namespace package has no code');
    assert.ok(modules.packages.has('plugins.norms') && modules.packages.has('visionlib.layers') && !modules.packages.has('visionlib.layers.mlp'));
    assert.ok(modules.modules.get('visionlib.layers.mlp')?.includes('hidden_features = hidden_features or in_features'));
  });

  it('prices the layers it found: Attention through `import a.b as c`, RMSNorm from a namespace package', async () => {
    const svc = await service();
    const file = path.join(VISIONLIB, 'scripts/profile_blocks.py');
    const { analysis } = await svc.analyse({ file, text: (await svc.files.read(file))!, layers: [], strict: true });
    assert.ok(analysis);
    const byPath = (modulePath: string) => analysis.costs.filter((cost) => cost.node.modulePath === modulePath);
    // attn.qkv: tokens [8, 196, 384] @ [384, 1152]: 2 · 8·196 · 384 · 1152 FLOPs.
    const qkv = byPath('qkv')[0]!;
    assert.equal(qkv.node.op, 'torch.nn.Linear');
    assert.equal(qkv.flops, 2 * 8 * 196 * 384 * 1152);
    // The RMSNorm's x.pow(2) runs twice, once per spelling of the import.
    assert.equal(analysis.costs.filter((cost) => cost.node.op === 'torch.Tensor.pow').length, 2);
    for (const pow of analysis.costs.filter((cost) => cost.node.op === 'torch.Tensor.pow')) assert.equal(pow.flops, 8 * 196 * 384);
    // Mlp's fc1 is the one layers/__init__.py re-exports: hidden width 1536 once the interpreter reads
    // `hidden_features or in_features`, never mlp_reference's 768 or the build copy's 3072.
    const fc1 = byPath('fc1')[0]!;
    assert.ok(fc1.outputShapes[0] === null || fc1.outputShapes[0]?.[2] === 1536, JSON.stringify(fc1.outputShapes));
  });

  it('resolves `from .. import layers` and a star re-export from a module of the package, in src/', async () => {
    const svc = await service();
    const file = path.join(VISIONLIB, 'src/visionlib/models/vit.py');
    const { name, modules } = await modulesOf(file, {}, svc);
    assert.equal(name.name, 'visionlib.models.vit');
    assert.ok(modules.modules.has('visionlib.layers.patch_embed'), 'PatchEmbed comes through `from .patch_embed import *`');
    const { analysis } = await svc.analyse({ file, text: (await svc.files.read(file))!, layers: [], strict: true });
    const ops = new Set(analysis!.graph.ops.map((op) => op.op));
    assert.ok(ops.has('torch.nn.Conv2d'), `PatchEmbed's projection: ${[...ops].join(', ')}`);
    assert.ok(analysis!.graph.ops.some((op) => op.modulePath?.endsWith('attn.qkv')), 'Attention from ..layers');
    assert.ok(analysis!.graph.ops.some((op) => op.modulePath?.endsWith('mlp.fc1')), 'layers.Mlp through `from .. import layers`');
  });
});

describe('installed packages: Debian python3-torchvision', () => {
  before(() => assert.ok(existsSync(MOBILENET), `${MOBILENET} is missing: apt-get install python3-torchvision`));

  it('reads ..ops.misc and ._utils for models/mobilenetv2.py, and nothing of torch', async () => {
    const { name, modules } = await modulesOf(MOBILENET);
    assert.equal(name.name, 'torchvision.models.mobilenetv2');
    assert.ok(modules.modules.get('torchvision.ops.misc')?.includes('class Conv2dNormActivation'));
    assert.ok(modules.modules.get('torchvision.models._utils')?.includes('def _make_divisible'));
    assert.ok(![...modules.modules.keys()].some((module) => module === 'torch' || module.startsWith('torch.')), 'torch is priced by the catalog, never read');
    assert.ok(modules.installedFiles > 0 && modules.installedFiles <= 40, `${modules.installedFiles} installed modules read`);
  });

  it('prices Conv2dNormActivation as its Conv2d, BatchNorm2d and ReLU6 children', async () => {
    const svc = await service();
    const { analysis } = await svc.analyse({ file: MOBILENET, text: (await svc.files.read(MOBILENET))!, layers: [], strict: true });
    const stem = analysis!.graph.ops.filter((op) => /^features\.0\.\d$/.test(op.modulePath ?? '')).map((op) => op.op);
    assert.deepEqual(stem, ['torch.nn.Conv2d', 'torch.nn.BatchNorm2d', 'torch.nn.ReLU6']);
  });

  it('finds the system interpreter\'s packages from --python /usr/bin/python3, and reads a library a script imports', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'memwall-installed-'));
    try {
      const script = path.join(folder, 'train.py');
      writeFileSync(script, 'import torch\nfrom torchvision.ops.misc import Conv2dNormActivation\nstem = Conv2dNormActivation(3, 32, stride=2)\ny = stem(torch.randn(1, 3, 224, 224))\n');
      const { modules, warnings } = await modulesOf(script, { python: '/usr/bin/python3' });
      assert.deepEqual(warnings, []);
      assert.ok(modules.modules.has('torchvision.ops.misc'));
      assert.ok(modules.installedFiles >= 1);
      const none = await modulesOf(script);
      assert.ok(!none.modules.modules.has('torchvision.ops.misc'), 'without an environment, installed packages are not searched');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('Python environments, read and never run', () => {
  let folder: string;
  const make = (relative: string, text = '') => {
    const file = path.join(folder, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  /** An "interpreter" that would leave a mark if anything ran it. */
  const interpreter = (relative: string) => {
    const file = make(relative, `#!/bin/sh\ntouch ${path.join(folder, 'RAN')}\n`);
    chmodSync(file, 0o755);
    return file;
  };

  before(() => {
    folder = mkdtempSync(path.join(tmpdir(), 'memwall-env-'));
    make('venv/pyvenv.cfg', 'home = /usr/bin\ninclude-system-site-packages = true\nversion = 3.11.2\n');
    interpreter('venv/bin/python');
    make('venv/lib/python3.11/site-packages/mylib/__init__.py');
    make('venv/lib/python3.11/site-packages/editable.pth', `# an editable install\n${path.join(folder, 'checkout/src')}\nimport sys; sys.path.insert(0, '/nowhere')\n`);
    make('checkout/src/editable_pkg/__init__.py');
    make('conda/lib/python3.10/site-packages/pkg/__init__.py');
    make('windows/Lib/site-packages/pkg/__init__.py');
    interpreter('windows/python.exe');
  });
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('reads pyvenv.cfg', () => {
    assert.deepEqual(Object.fromEntries(readPyvenvCfg('home = /usr/bin\r\ninclude-system-site-packages = false\nversion_info = 3.12.1.final.0\n')), {
      home: '/usr/bin', 'include-system-site-packages': 'false', version_info: '3.12.1.final.0',
    });
  });

  it('finds a virtual environment\'s packages, its base\'s when it includes them, and .pth folders', async () => {
    const found = await findEnvironment(path.join(folder, 'venv/bin/python'), '--python', new FileView());
    assert.equal(found.problem, undefined);
    assert.deepEqual(found.sitePackages.slice(0, 2), [path.join(folder, 'venv/lib/python3.11/site-packages'), path.join(folder, 'checkout/src')]);
    assert.ok(found.sitePackages.includes('/usr/lib/python3/dist-packages'), `system packages included: ${found.sitePackages.join(', ')}`);
    assert.ok(!existsSync(path.join(folder, 'RAN')), 'the interpreter was never run');
  });

  it('takes an environment folder (conda) or a Windows layout, and says when there is nothing', async () => {
    assert.deepEqual((await findEnvironment(path.join(folder, 'conda'), 'setting memwall.pythonPath', new FileView())).sitePackages, [path.join(folder, 'conda/lib/python3.10/site-packages')]);
    assert.deepEqual((await findEnvironment('windows/python.exe', '--python', new FileView(), folder)).sitePackages, [path.join(folder, 'windows/Lib/site-packages')]);
    assert.match((await findEnvironment(path.join(folder, 'nope/python'), '--python', new FileView())).problem ?? '', /^--python: .*nope\/python does not exist$/);
    assert.match((await findEnvironment(path.join(folder, 'checkout'), '[tool.memwall] python', new FileView())).problem ?? '', /found no site-packages/);
    // Debian's order: /usr/local's packages, then the distribution's (python3-torch lives there).
    const system = (await findEnvironment('/usr/bin/python3', '--python', new FileView())).sitePackages;
    assert.deepEqual(system.filter((site) => site.startsWith('/usr/')).slice(0, 2), [
      ...(existsSync('/usr/local/lib/python3.11/dist-packages') ? ['/usr/local/lib/python3.11/dist-packages'] : []),
      '/usr/lib/python3/dist-packages',
    ]);
    assert.ok(!existsSync(path.join(folder, 'RAN')));
  });

  it('stops reading installed packages at its limit, and says which modules it left out, on the import line', async () => {
    for (let index = 0; index < 6; index++) make(`venv/lib/python3.11/site-packages/biglib/part${index}.py`, `import torch\nclass Part${index}(torch.nn.Module):\n    pass\n`);
    make('venv/lib/python3.11/site-packages/biglib/__init__.py', Array.from({ length: 6 }, (_, index) => `from .part${index} import Part${index}`).join('\n'));
    const script = make('project/train.py', `import torch\nfrom biglib import ${Array.from({ length: 6 }, (_, index) => `Part${index}`).join(', ')}\n`);
    const svc = new AnalysisService(await testParser(), { limits: { depth: 2, maxFiles: 50, maxChars: 500_000, maxInstalledFiles: 3, maxInstalledChars: 1_500_000 } });
    const text = (await svc.files.read(script))!;
    const { analysis } = await svc.analyse({ file: script, text, layers: [commandLineLayer({ python: path.join(folder, 'venv/bin/python') }, folder)], strict: true });
    const note = analysis!.notes.find((candidate) => candidate.code === 'MW908');
    assert.ok(note, JSON.stringify(analysis!.notes));
    assert.ok(!analysis!.notes.some((candidate) => candidate.code === 'MW906' && candidate.message.startsWith('Not read:')), 'MW906 is the unresolved call\'s assumed output, not this note');
    assert.equal(note.span?.startLine, 1, 'on the import that led to them');
    assert.match(note.message, /^Not read: biglib\.part2, biglib\.part3, biglib\.part4, biglib\.part5 \(MemWall reads at most 3 modules of installed packages for one file; read 3 installed modules, [\d,]+ characters\)\./);
  });
});

describe('the file view', () => {
  it('gives imports the unsaved text of an open buffer, and reads the disk once until a change is reported', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'memwall-view-'));
    try {
      const layers = path.join(folder, 'layers.py');
      writeFileSync(layers, 'import torch.nn as nn\nclass Block(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(64, 64)\n    def forward(self, x):\n        return self.fc(x)\n');
      const main = path.join(folder, 'main.py');
      const text = 'import torch\nfrom layers import Block\ny = Block()(torch.randn(8, 64))\n';
      writeFileSync(main, text);
      const svc = await service();
      const width = async () => {
        const { analysis } = await svc.analyse({ file: main, text, layers: [], strict: true });
        return analysis!.costs.find((cost) => cost.node.op === 'torch.nn.Linear')?.outputShapes[0];
      };
      assert.deepEqual(await width(), [8, 64]);
      const reads = svc.files.diskReads;
      assert.deepEqual(await width(), [8, 64]);
      assert.equal(svc.files.diskReads, reads, 'a second analysis (a keystroke) reads nothing from disk');
      // The user edits layers.py without saving: the importer sees the buffer.
      svc.files.setOverlay(layers, readFileSync(layers, 'utf8').replace('nn.Linear(64, 64)', 'nn.Linear(64, 256)'));
      assert.deepEqual(await width(), [8, 256]);
      svc.files.deleteOverlay(layers);
      assert.deepEqual(await width(), [8, 64]);
      // Saved to disk: stale until the watcher reports it, then read again.
      writeFileSync(layers, readFileSync(layers, 'utf8').replace('nn.Linear(64, 64)', 'nn.Linear(64, 32)'));
      assert.deepEqual(await width(), [8, 64]);
      svc.changed([layers]);
      assert.deepEqual(await width(), [8, 32]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
