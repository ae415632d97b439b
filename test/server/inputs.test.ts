// The language server on inputs: the "Set input shape…" lens on a learned input, the hover on a forward, memwall.entry/inputs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CodeLens } from 'vscode-languageserver-protocol';
import { hoverText, startServer, type Harness } from './lsp';

/** torchvision's shape: forward hands its input to _forward_impl, whose first layer is a convolution. */
const NET = [
  'import torch.nn as nn',
  '',
  'class Net(nn.Module):',
  '    def __init__(self):',
  '        super().__init__()',
  '        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)',
  '',
  '    def _forward_impl(self, x):',
  '        return self.conv1(x)',
  '',
  '    def forward(self, x):',
  '        return self._forward_impl(x)',
  '',
].join('\n');
const NET_URI = 'file:///memwall-test/inputs/net.py';
const FORWARD_LINE = 10;

describe('language server: inputs', () => {
  let server: Harness;

  before(async () => {
    server = await startServer({ gpu: 'h100-sxm', dtype: 'bf16', dims: {}, severity: {}, inlayHints: 'full' });
  });
  after(async () => {
    if (server && server.child.exitCode === null) await server.shutdown();
  });

  it('offers "Set input shape…" on a forward whose input was learned, and its hover says where the shape came from', async () => {
    server.open(NET_URI, NET);
    await server.waitForDiagnostics(NET_URI);
    const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: NET_URI } });
    const input = lenses.find((lens) => lens.command?.command === 'memwall.setInputShape');
    assert.equal(input?.range.start.line, FORWARD_LINE);
    assert.equal(input?.command?.title, 'x = [B, 3, height, width] (learned) · Set input shape…');
    assert.deepEqual(input?.command?.arguments, [NET_URI, FORWARD_LINE, 'x', '[B, 3, height, width]']);
    const hover = hoverText(await server.hover(NET_URI, FORWARD_LINE, 8));
    assert.match(hover, /\*\*Net\.forward\*\*/);
    assert.match(hover, /input `x` \[B, 3, height, width\] = \[8, 3, 224, 224\]: from self\.conv1 \(Conv2d, in_channels=3\) at line 9; B, height, width by default/);
  });

  it('applies memwall.inputs, drops the lens once the shape is given, and warns on an entry the file does not define', async () => {
    server.settings = { ...server.settings, inputs: { x: '[1, 3, 64, 64]' }, entry: ['Net', 'resnet50'] };
    const before = server.published.length;
    await server.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
    let republished;
    while (!republished) {
      republished = server.published.slice(before).find((params) => params.uri === NET_URI);
      if (!republished) await server.waitForDiagnostics(NET_URI);
    }
    const warning = republished.diagnostics.find((diagnostic) => diagnostic.code === 'MW905');
    assert.equal(warning?.severity, 2, 'a warning');
    assert.equal(warning?.range.start.line, 0);
    assert.match(String(warning?.message ?? ''), /^setting memwall\.entry resnet50: no function, class or `Class\.method` of that name is defined in this file\.$/);
    const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: NET_URI } });
    assert.ok(!lenses.some((lens) => lens.command?.command === 'memwall.setInputShape'), 'the given shape needs no lens');
    const hover = hoverText(await server.hover(NET_URI, FORWARD_LINE, 8));
    assert.match(hover, /input `x` \[1, 3, 64, 64\]: setting memwall\.inputs/);
    server.settings = { ...server.settings, inputs: {}, entry: [] };
    await server.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  });
});
