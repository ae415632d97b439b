// Roots' inputs: shapes learned from what the code does with them, entries (builders, --entry) and given shapes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze, type AnalyzeOptions } from '../../src/core/analyze';
import { lookupEntry } from '../../src/core/ir/catalog';
import { INPUT_SHAPES } from '../../src/core/ir/catalog/inputs';
import { formatShape } from '../../src/core/ir/dims';
import type { Analysis, CostedOp } from '../../src/core/ir/types';
import { parseDimText } from '../../src/core/shapes/magic';
import { testParser } from '../helpers/parser';

async function analysisOf(lines: readonly string[], options: Partial<AnalyzeOptions> = {}): Promise<Analysis> {
  return analyze(lines.join('\n'), { parser: await testParser(), ...options });
}

const inputsOf = (analysis: Analysis): string[] =>
  analysis.inputs.map((input) => `${input.scope} ${input.name}=${formatShape(input.shape)}${input.dtype === 'default' ? '' : `:${input.dtype}`} ${JSON.stringify(input.sizes)}`);

const opsNamed = (analysis: Analysis, label: string): CostedOp[] => analysis.costs.filter((cost) => cost.node.label === label);

const priced = (analysis: Analysis): boolean => analysis.costs.every((cost) => cost.timeUs !== null);

/** An image classifier written as published code is: no annotations, no magic comment. */
const SMALL_NET = [
  'import torch',
  'import torch.nn as nn',
  'import torch.nn.functional as F',
  '',
  'class SmallNet(nn.Module):',
  '    def __init__(self, num_classes=10):',
  '        super().__init__()',
  '        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, padding=1)',
  '        self.pool = nn.AdaptiveAvgPool2d((1, 1))',
  '        self.fc = nn.Linear(16, num_classes)',
  '',
  '    def forward(self, x):',
  '        x = F.relu(self.conv1(x))',
  '        x = self.pool(x)',
  '        x = torch.flatten(x, 1)',
  '        return self.fc(x)',
];

describe('learned input shapes', () => {
  it('has an input template only for ops the catalog knows, and the catalog entry carries it', () => {
    for (const name of Object.keys(INPUT_SHAPES)) assert.equal(lookupEntry(name)?.inputShape, INPUT_SHAPES[name], name);
  });

  it('learns an image input from the first convolution it meets, with role defaults, and prices every op', async () => {
    const analysis = await analysisOf(SMALL_NET);
    assert.deepEqual(inputsOf(analysis), ['SmallNet.forward x=[B, 3, height, width] [8,3,224,224]']);
    assert.match(analysis.inputs[0]?.source ?? '', /^from self\.conv1 \(Conv2d, in_channels=3\) at line 13; B, height, width by default$/);
    assert.ok(priced(analysis), 'every op is priced');
    // Conv2d(3, 16, 3, padding=1) on [8, 3, 224, 224]: 2·(8·16·224·224)·(3·3·3) + the bias once per output.
    const outputs = 8 * 16 * 224 * 224;
    assert.equal(opsNamed(analysis, 'self.conv1')[0]?.flops, 2 * outputs * 27 + outputs);
    assert.ok(!analysis.costs.some((cost) => cost.node.notes.some((note) => /Shape of/.test(note))), 'no op says a shape is unknown');
  });

  it('learns nothing from a layer that reads what an unknown call returned (trap twin)', async () => {
    const lines = SMALL_NET.map((line) => line.replace('x = F.relu(self.conv1(x))', 'x = F.relu(self.conv1(self.backbone(x)))'));
    lines.splice(7, 0, '        self.backbone = timm.create_model("resnet18")');
    const analysis = await analysisOf(['import timm', ...lines]);
    assert.deepEqual(inputsOf(analysis), ['SmallNet.forward x=[?] null']);
    assert.equal(analysis.inputs[0]?.source, 'nothing in the code says its shape');
    assert.equal(opsNamed(analysis, 'self.conv1')[0]?.flops, null, 'the conv reads the unknown call\'s output: not priced');
  });

  it('follows shape-preserving ops to the layer that teaches the shape (dropout, then Linear)', async () => {
    const analysis = await analysisOf([
      'import torch.nn as nn',
      'class Head(nn.Module):',
      '    def __init__(self, d_model=512, vocab=1000):',
      '        super().__init__()',
      '        self.drop = nn.Dropout(0.1)',
      '        self.proj = nn.Linear(d_model, vocab)',
      '    def forward(self, x):',
      '        x = self.drop(x)',
      '        x = x.to(torch.float32)',
      '        return self.proj(x)',
    ]);
    assert.deepEqual(inputsOf(analysis), ['Head.forward x=[B, T, d_model] [8,1024,512]']);
    assert.match(analysis.inputs[0]?.source ?? '', /self\.proj \(Linear, in_features=d_model\) at line 10; B, T by default/);
  });

  it('does not learn from a layer after an op that changes the shape (trap twin: a mean over a dim)', async () => {
    const analysis = await analysisOf([
      'import torch.nn as nn',
      'class Pooler(nn.Module):',
      '    def __init__(self, d_model=512):',
      '        super().__init__()',
      '        self.proj = nn.Linear(d_model, d_model)',
      '    def forward(self, x):',
      '        x = x.mean(dim=1)',
      '        return self.proj(x)',
    ]);
    assert.deepEqual(inputsOf(analysis), ['Pooler.forward x=[?] null']);
  });

  it('reads unpacking in a helper and an assert on the image size (ViT style)', async () => {
    const analysis = await analysisOf([
      'import torch',
      'import torch.nn as nn',
      'class PatchEmbed(nn.Module):',
      '    def __init__(self, image_size=64, patch_size=16, hidden_dim=192):',
      '        super().__init__()',
      '        self.image_size = image_size',
      '        self.patch_size = patch_size',
      '        self.hidden_dim = hidden_dim',
      '        self.conv_proj = nn.Conv2d(3, hidden_dim, kernel_size=patch_size, stride=patch_size)',
      '    def _process_input(self, x):',
      '        n, c, h, w = x.shape',
      '        p = self.patch_size',
      '        torch._assert(h == self.image_size, "Wrong image height!")',
      '        torch._assert(w == self.image_size, "Wrong image width!")',
      '        n_h = h // p',
      '        n_w = w // p',
      '        x = self.conv_proj(x)',
      '        x = x.reshape(n, self.hidden_dim, n_h * n_w)',
      '        return x.permute(0, 2, 1)',
      '    def forward(self, x):',
      '        return self._process_input(x)',
    ]);
    assert.deepEqual(inputsOf(analysis), ['PatchEmbed.forward x=[B, 3, image_size, image_size] [8,3,64,64]']);
    assert.match(analysis.inputs[0]?.source ?? '', /`n, c, h, w = x\.shape` at line 11.*self\.conv_proj \(Conv2d, in_channels=3\) at line 17/);
    assert.ok(priced(analysis));
    // 4×4 patches of 16×16: the conv does 2·(8·192·16)·(3·16·16) FLOPs plus the bias.
    const outputs = 8 * 192 * 16;
    assert.equal(opsNamed(analysis, 'self.conv_proj')[0]?.flops, 2 * outputs * 3 * 256 + outputs);
  });

  it('learns token indices, as integers, from an embedding', async () => {
    const analysis = await analysisOf([
      'import torch.nn as nn',
      'class TinyLM(nn.Module):',
      '    def __init__(self, vocab_size=50257, n_embd=768):',
      '        super().__init__()',
      '        self.wte = nn.Embedding(vocab_size, n_embd)',
      '        self.ln_f = nn.LayerNorm(n_embd)',
      '    def forward(self, idx):',
      '        return self.ln_f(self.wte(idx))',
    ]);
    assert.deepEqual(inputsOf(analysis), ['TinyLM.forward idx=[B, T]:int64 [8,1024]']);
    assert.equal(opsNamed(analysis, 'self.wte')[0]?.node.inputs[0]?.dtype, 'int64');
  });

  it('leaves a parameter used only as a size alone (trap twin: n is a loop count, not a tensor)', async () => {
    const analysis = await analysisOf([
      'import torch.nn as nn',
      'class Repeat(nn.Module):',
      '    def __init__(self, d=64):',
      '        super().__init__()',
      '        self.fc = nn.Linear(d, d)',
      '    def forward(self, x, n):',
      '        for _ in range(n):',
      '            x = self.fc(x)',
      '        return x',
    ]);
    assert.deepEqual(inputsOf(analysis), ['Repeat.forward x=[B, T, d] [8,1024,64]']);
  });

  it('runs the forward on the model as __init__ left it: the trial that learns the input sets no attribute for good', async () => {
    // Meta's Llama casts its cache in the forward (`self.cache_k = self.cache_k.to(x)`); here each forward doubles a
    // width it keeps. The trial run that learns x's shape ran the forward once already; the real run must not see it.
    const analysis = await analysisOf([
      'import torch.nn as nn',
      '',
      'class Widening(nn.Module):',
      '    def __init__(self, dim=64):',
      '        super().__init__()',
      '        self.proj = nn.Linear(dim, dim)',
      '        self.width = 8',
      '',
      '    def forward(self, x):',
      '        self.width = self.width * 2',
      '        return self.proj(x)[..., : self.width]',
    ]);
    const [slice] = analysis.costs.filter((cost) => cost.node.op === 'torch.Tensor.__getitem__');
    assert.ok(slice, 'the slice is an op');
    assert.equal(formatShape(slice.node.outputs[0]?.shape ?? null), '[B, T, 16]');
  });

  it('gives the same figures as the same shape declared by a magic comment', async () => {
    const learned = await analysisOf(SMALL_NET);
    const declared = await analysisOf(SMALL_NET.map((line) => (line === '    def forward(self, x):' ? '    def forward(self, x):  # memwall: shape x=[B, 3, height, width]' : line)));
    assert.equal(declared.inputs[0]?.source, 'magic comment (line 12)', 'the comment on the def line applies');
    const figures = (analysis: Analysis): string => JSON.stringify(analysis.costs.map((cost) => [cost.node.op, cost.inputShapes, cost.outputShapes, cost.flops, cost.bytes, cost.timeUs]));
    assert.equal(figures(learned), figures(declared));
    assert.deepEqual(learned.summary.total, declared.summary.total);
  });

  it('declares top-level unpacking as the input\'s shape, with its line', async () => {
    const analysis = await analysisOf([
      'import torch.nn as nn',
      'class Block(nn.Module):',
      '    def __init__(self, n_embd=768):',
      '        super().__init__()',
      '        self.c_attn = nn.Linear(n_embd, 3 * n_embd)',
      '    def forward(self, x):',
      '        B, T, C = x.size()',
      '        return self.c_attn(x)',
    ]);
    // C has no size of its own: the unpacking names the dims and the Linear it meets says C is n_embd (768), so
    // c_attn is priced: 2·8·1024·768·2304 + 8·1024·2304 (bias). Before, x stayed [B, T, C] with C unbound.
    assert.deepEqual(analysis.inputs.map((input) => `${input.name}=${formatShape(input.shape)} ${input.source}`), [
      'x=[B, T, n_embd] from `B, T, C = x.size()` at line 7, then self.c_attn (Linear, in_features=n_embd) at line 8; B, T by default',
    ]);
    assert.equal(analysis.costs.find((cost) => cost.node.op === 'torch.nn.Linear')?.flops, 2 * 8 * 1024 * 768 * 2304 + 8 * 1024 * 2304);
    // Every name sized by its role: the unpacking is the declaration, with its line.
    const tokens = await analysisOf([
      'import torch.nn as nn',
      'class Embed(nn.Module):',
      '    def __init__(self, vocab=100, n_embd=768):',
      '        super().__init__()',
      '        self.wte = nn.Embedding(vocab, n_embd)',
      '    def forward(self, idx):',
      '        B, T = idx.size()',
      '        return self.wte(idx)',
    ]);
    assert.deepEqual(tokens.inputs.map((input) => `${input.name}=${formatShape(input.shape)} ${input.source}`), ['idx=[B, T] `B, T = idx.size()` at line 7']);
  });
});

/** A model file with builders, as torchvision writes them. */
const BUILDERS = [
  'import torch.nn as nn',
  '',
  'class Net(nn.Module):',
  '    """A network; see also net_small, which builds it."""',
  '    def __init__(self, width, num_classes=10):',
  '        super().__init__()',
  '        self.conv = nn.Conv2d(3, width, 3, padding=1)',
  '        self.fc = nn.Linear(width, num_classes)',
  '    def forward(self, x):',
  '        x = self.conv(x).mean((2, 3))',
  '        return self.fc(x)',
  '',
  'def _net(width, weights, **kwargs):',
  '    model = Net(width, **kwargs)',
  '    if weights is not None:',
  '        model.load_state_dict(weights.get_state_dict())',
  '    return model',
  '',
  'def net_small(*, weights=None, **kwargs):',
  '    return _net(16, weights, **kwargs)',
  '',
  'def net_large(*, weights=None, **kwargs):',
  '    return _net(64, weights, **kwargs)',
];

describe('entries', () => {
  it('analyses the model a builder returns, once for several builders of one class', async () => {
    const analysis = await analysisOf(BUILDERS);
    const convs = opsNamed(analysis, 'self.conv');
    assert.equal(convs.length, 1, 'one forward of Net, from the first builder');
    assert.deepEqual(convs[0]?.inputShapes[1], [16, 3, 3, 3]);
    // Net(width) binds `width` to the layer's width: the image's dims take the input's name instead.
    assert.deepEqual(inputsOf(analysis), ['Net.forward x=[B, 3, x_height, x_width] [8,3,224,224]']);
    assert.match(analysis.inputs[0]?.source ?? '', /; B, x_height, x_width by default$/);
  });

  it('runs only the named entries, each builder\'s own model', async () => {
    const large = await analysisOf(BUILDERS, { entries: [{ name: 'net_large', source: '--entry' }] });
    assert.deepEqual(opsNamed(large, 'self.conv').map((cost) => cost.inputShapes[1]), [[64, 3, 3, 3]]);
    const both = await analysisOf(BUILDERS, { entries: [{ name: 'net_small', source: '--entry' }, { name: 'net_large', source: '--entry' }] });
    assert.deepEqual(opsNamed(both, 'self.conv').map((cost) => cost.inputShapes[1]), [[16, 3, 3, 3], [64, 3, 3, 3]]);
    const method = await analysisOf(BUILDERS, { entries: [{ name: 'Net.forward', source: '--entry' }] });
    assert.equal(opsNamed(method, 'self.conv').length, 1);
  });

  it('applies --input shapes to the entry\'s forward, and says which names apply to nothing', async () => {
    const analysis = await analysisOf(BUILDERS, {
      entries: [{ name: 'net_large', source: '--entry' }],
      inputs: [
        { name: 'x', shape: [1, 3, 32, 32].map((size) => parseDimText(String(size))), source: '--input' },
        { name: 'images', shape: [parseDimText('B')], source: '--input' },
      ],
    });
    assert.deepEqual(inputsOf(analysis), ['Net.forward x=[1, 3, 32, 32] [1,3,32,32]']);
    assert.equal(analysis.inputs[0]?.source, '--input');
    assert.deepEqual(analysis.notes.filter((note) => note.code === 'MW905').map((note) => note.message), [
      '--input images: no function analysed here has a parameter named `images` (entries: net_large).',
    ]);
  });

  it('names an entry that is not in the file, and analyses every root when no entry is there', async () => {
    const analysis = await analysisOf(BUILDERS, { entries: [{ name: 'net_medium', source: 'setting memwall.entry' }] });
    assert.equal(opsNamed(analysis, 'self.conv').length, 1, 'every root, as with no entry');
    assert.deepEqual(analysis.notes.map((note) => `${note.code} ${note.message}`), [
      'MW905 setting memwall.entry net_medium: no function, class or `Class.method` of that name is defined in this file. Every root was analysed instead.',
    ]);
    const some = await analysisOf(BUILDERS, { entries: [{ name: 'net_medium', source: '--entry' }, { name: 'net_large', source: '--entry' }] });
    assert.deepEqual(opsNamed(some, 'self.conv').map((cost) => cost.inputShapes[1]), [[64, 3, 3, 3]]);
    assert.deepEqual(some.notes.map((note) => note.override?.name), ['net_medium']);
  });

  it('leaves out the module-level script\'s ops when entries are named, and uses the instance it builds', async () => {
    const analysis = await analysisOf(
      [
        ...BUILDERS,
        'if __name__ == "__main__":',
        '    import torch',
        '    model = Net(32)',
        '    model(torch.randn(2, 3, 8, 8))',
      ],
      { entries: [{ name: 'Net', source: '--entry' }] },
    );
    assert.deepEqual(analysis.costs.map((cost) => `${cost.node.scope} ${cost.node.label}`), ['Net.forward self.conv', 'Net.forward self.conv(x).mean', 'Net.forward self.fc']);
    assert.deepEqual(analysis.costs[0]?.inputShapes[1], [32, 3, 3, 3]);
  });

  it('runs an autograd.Function\'s forward where .apply is called', async () => {
    const analysis = await analysisOf([
      'import torch',
      'class ScaledGelu(torch.autograd.Function):',
      '    @staticmethod',
      '    def forward(ctx, x, scale):',
      '        ctx.save_for_backward(x)',
      '        return torch.nn.functional.gelu(x) * scale',
      '    @staticmethod',
      '    def backward(ctx, grad):',
      '        return grad, None',
      '',
      '# memwall: shape x=[B, T, 768]',
      'def scaled_gelu(x):',
      '    return ScaledGelu.apply(x, 0.5)',
    ]);
    assert.deepEqual(analysis.costs.map((cost) => `${cost.node.scope} ${cost.node.op}`), ['ScaledGelu.forward torch.nn.functional.gelu', 'ScaledGelu.forward torch.mul']);
    assert.ok(priced(analysis));
  });

  it('analyses a class on a base it cannot read as a module when it has a forward', async () => {
    const analysis = await analysisOf([
      'import torch.nn as nn',
      'from transformers import PreTrainedModel',
      'class Classifier(PreTrainedModel):',
      '    def __init__(self, config):',
      '        super().__init__(config)',
      '        self.head = nn.Linear(768, 2)',
      '    def forward(self, hidden_states):',
      '        return self.head(hidden_states)',
      '',
      'class Settings:',
      '    """Not a module: no forward (trap twin)."""',
      '    def __init__(self, size):',
      '        self.size = size',
    ]);
    assert.deepEqual(inputsOf(analysis), ['Classifier.forward hidden_states=[B, T, 768] [8,1024,768]']);
    assert.ok(priced(analysis));
  });
});
