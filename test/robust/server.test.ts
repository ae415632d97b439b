// The bundled server over stdio on bad input, bursts of edits and an oversized file: it answers every time and never exits.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ROOFLINE_REQUEST, type RooflineResult } from '../../src/protocol';
import { startServer, type Harness } from '../server/lsp';
import { applyEdits, editsOf, GPT_BLOCK, SEED, tokenSoup, TRITON_KERNELS } from './helpers';

const SETTINGS = { gpu: 'h100-sxm', dtype: 'bf16', dims: {}, severity: {}, inlayHints: 'full', maxFileSize: 20_000 };

/** Inputs that once broke parsers or analysers, each opened as its own document. */
function badInputs(): [string, string][] {
  const soup = fc.sample(tokenSoup, { seed: SEED, numRuns: 12 });
  const edited = fc.sample(editsOf(GPT_BLOCK), { seed: SEED, numRuns: 8 }).map((edits) => applyEdits(GPT_BLOCK, edits));
  const bytes = fc.sample(fc.uint8Array({ maxLength: 2000 }), { seed: SEED, numRuns: 4 }).map((b) => Buffer.from(b).toString('latin1'));
  const notebook = JSON.stringify({ cells: [{ cell_type: 'code', source: GPT_BLOCK.split('\n') }] });
  return [
    ...soup.map((text, i): [string, string] => [`soup${i}.py`, text]),
    ...edited.map((text, i): [string, string] => [`edited${i}.py`, text]),
    ...bytes.map((text, i): [string, string] => [`bytes${i}.py`, text]),
    ['calls.py', `import torch\nx = ${'torch.relu('.repeat(1000)}torch.randn(4, 4)${')'.repeat(1000)}\n`],
    ['methods.py', `import torch\nx = torch.randn(4, 4)${'.relu()'.repeat(1000)}\n`],
    ['parens.py', `x = ${'('.repeat(1000)}\n`],
    ['longline.py', `import torch\nx = torch.randn(4)\ny = "${'a'.repeat(100_000)}"\n`],
    ['crlf.py', GPT_BLOCK.replace(/\n/g, '\r\n')],
    ['tabs.py', TRITON_KERNELS.replace(/^((?: {4})+)/gm, (indent) => '\t'.repeat(indent.length / 4))],
    ['unicode.py', 'import torch\nσ = torch.randn(8, 16)\n変数 = σ.relu() * 2\n'],
    ['python2.py', 'print "x"\nexec "y = 1"\ntry:\n    pass\nexcept Exception, e:\n    print e\n'],
    ['broken.ipynb', notebook.slice(0, notebook.length / 2)],
  ];
}

describe('server robustness over stdio', () => {
  let server: Harness;
  before(async () => {
    server = await startServer({ ...SETTINGS });
  });
  after(async () => {
    if (server && server.child.exitCode === null) await server.shutdown();
  });

  it('publishes diagnostics for every bad input, answers a hover and a roofline request, and stays up', async () => {
    for (const [name, text] of badInputs()) {
      const uri = `file:///memwall-robust/${name}`;
      server.open(uri, text);
      const published = await server.waitForDiagnostics(uri, 1, 20_000);
      assert.ok(Array.isArray(published.diagnostics), name);
      await server.hover(uri, 0, 0);
      const roofline = await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri });
      assert.ok(roofline.chart !== null || roofline.error, `${name}: a chart or a reason`);
      server.close(uri);
      assert.equal(server.child.exitCode, null, `the server is still running after ${name}`);
    }
    assert.deepEqual(server.messages.filter((m) => /could not/.test(m.message)), [], 'no analysis failed');
  });

  it('analyses notebook cells (vscode-notebook-cell URIs) like files', async () => {
    const uri = 'vscode-notebook-cell:/memwall-robust/model.ipynb#W0sZmlsZQ%3D%3D';
    server.open(uri, 'import torch\nimport torch.nn.functional as F\nx = torch.randn(8, 1024, 3072)\ny = F.gelu(x) * 2 + x\n');
    const published = await server.waitForDiagnostics(uri, 1);
    assert.ok(published.diagnostics.some((d) => d.code === 'MW201'), published.diagnostics.map((d) => d.code).join(','));
    server.close(uri);
  });

  it('a file over memwall.maxFileSize is analysed in part, with MW904 on the first line left out', async () => {
    const uri = 'file:///memwall-robust/huge.py';
    const unit = `${GPT_BLOCK}\n`;
    const text = unit.repeat(Math.ceil(1_000_000 / unit.length));
    server.open(uri, text);
    const published = await server.waitForDiagnostics(uri, 1, 20_000);
    const note = published.diagnostics.find((d) => d.code === 'MW904');
    assert.ok(note, published.diagnostics.map((d) => d.code).join(','));
    assert.match(typeof note.message === 'string' ? note.message : note.message.value, /over the limit of 20,000 \(setting memwall\.maxFileSize\)/);
    // The cut falls at a top-level statement within the first 20,000 characters.
    const lastLineIn = text.slice(0, 20_000).split('\n').length - 1;
    assert.ok(note.range.start.line > 0 && note.range.start.line <= lastLineIn, `note at line ${note.range.start.line}`);
    assert.ok(published.diagnostics.every((d) => d.range.start.line <= note.range.start.line), 'nothing past the cut');
    server.close(uri);
  });

  it('typing a burst of 60 characters publishes only the last version', async () => {
    const uri = 'file:///memwall-robust/typing.py';
    server.open(uri, GPT_BLOCK);
    await server.waitForDiagnostics(uri, 1);
    const before = server.published.length;
    const addition = '\nclass Extra(nn.Module):\n    def forward(self, x):\n        return F.relu(x)';
    for (let typed = 1; typed <= 60; typed++) server.change(uri, typed + 1, GPT_BLOCK + addition.slice(0, typed));
    await server.waitForDiagnostics(uri, 61, 20_000);
    const versions = server.published.slice(before).filter((p) => p.uri === uri).map((p) => p.version as number);
    // Unloaded, only v61 is published. On a loaded machine the client can stall 150 ms between two sends, which the
    // server rightly takes as a pause; what must hold is that versions only increase, the last one is published,
    // and the burst is coalesced rather than analysed keystroke by keystroke.
    assert.equal(versions.at(-1), 61);
    assert.ok(versions.every((version, i) => i === 0 || version > versions[i - 1]!), `in order: ${versions.join(', ')}`);
    assert.ok(versions.length <= 6, `60 keystrokes coalesced into ${versions.length} analyses: ${versions.join(', ')}`);
    server.close(uri);
  });

  it('an edit arriving while the first analysis runs supersedes it: the old version is never published', async () => {
    const uri = 'file:///memwall-robust/superseded.py';
    const before = server.published.length;
    // A file near the size limit takes the longest to analyse; the change is sent while its analysis runs.
    server.open(uri, `${GPT_BLOCK}\n`.repeat(4));
    server.change(uri, 2, `${GPT_BLOCK}\n`.repeat(4) + 'z = 1\n');
    await server.waitForDiagnostics(uri, 2, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const versions = server.published.slice(before).filter((p) => p.uri === uri).map((p) => p.version);
    assert.deepEqual(versions, [2]);
    server.close(uri);
  });

  it('is still up and answering after all of it', async () => {
    assert.equal(server.child.exitCode, null);
    const uri = 'file:///memwall-robust/last.py';
    server.open(uri, GPT_BLOCK);
    assert.ok((await server.waitForDiagnostics(uri, 1)).diagnostics.length > 0);
    assert.deepEqual(server.stderr.join('').match(/RangeError|TypeError|Unhandled/g) ?? [], []);
  });
});
