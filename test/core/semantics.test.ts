// Python as published code writes it: layers built in loops and helpers fold into repeated rows, sizes fold as Python
// computes them, containers hold their layers. Figures are computed by hand in the comments.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze, extract } from '../../src/core/analyze';
import { formatDim, formatShape } from '../../src/core/ir/dims';
import type { Analysis, OpGraph } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'semantics');

async function analysisOf(text: string, options: Partial<Parameters<typeof analyze>[1]> = {}): Promise<Analysis> {
  return analyze(text, { parser: await testParser(), dtype: 'fp32', ...options });
}

async function graphOf(text: string): Promise<OpGraph> {
  return extract(text, { parser: await testParser() });
}

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** `modulePath op ×repeat [output shape]` of each costed op, shapes as numbers. */
function rows(analysis: Analysis): string[] {
  return analysis.costs.filter((c) => c.node.scope !== 'example').map((c) => `${c.node.modulePath} ${c.node.op.replace('torch.nn.', '')} ×${c.repeat} [${c.outputShapes[0]?.join(',') ?? '?'}]`);
}

describe('python as published: layers built in loops fold into repeated rows', () => {
  it('folds identical blocks of a _make_layer helper, keeps the strided first block apart (resnet_layers.py)', async () => {
    const analysis = await analysisOf(fixture('resnet_layers.py'));
    const lines = rows(analysis);
    // layer1: three identical blocks, one row each ×3. layer2: the strided block with its downsample, then three alike.
    assert.ok(lines.includes('layer1[*].conv1 Conv2d ×3 [2,16,32,32]'), lines.join('\n'));
    assert.ok(lines.includes('layer2.0.conv1 Conv2d ×1 [2,32,16,16]'), lines.join('\n'));
    assert.ok(lines.includes('layer2.0.downsample.0 Conv2d ×1 [2,32,16,16]'), lines.join('\n'));
    assert.ok(lines.includes('layer2[1:4].conv2 Conv2d ×3 [2,32,16,16]'), lines.join('\n'));
    assert.equal(lines.length, 29, 'rows: stem 3, layer1 7, layer2.0 9, layer2[1:4] 7, head 3');
    // Conv FLOPs, 2·N·Cout·Hout·Wout·Cin·k²: stem 2·2·16·32·32·3·9 = 1,769,472; each 16→16 3×3 conv at 32×32 and
    // each 32→32 3×3 conv at 16×16: 9,437,184 (6 + 7 of them); the strided 16→32 conv: 4,718,592; the 1×1
    // downsample: 2·2·32·16·16·16 = 524,288. Sum 1,769,472 + 13·9,437,184 + 4,718,592 + 524,288 = 129,695,744.
    const conv = analysis.costs.filter((c) => c.node.category === 'conv').reduce((sum, c) => sum + (c.flops ?? 0) * c.repeat, 0);
    assert.equal(conv, 129_695_744);
  });

  it('keeps layers apart that are built alike but see other shapes or arguments (strided_stack.py, the trap twin)', async () => {
    const lines = rows(await analysisOf(fixture('strided_stack.py')));
    // Three stride-2 blocks from one comprehension: 64→32→16→8, three rows, never one row ×3.
    assert.ok(lines.includes('down.0.conv Conv2d ×1 [2,8,32,32]'), lines.join('\n'));
    assert.ok(lines.includes('down.1.conv Conv2d ×1 [2,8,16,16]'), lines.join('\n'));
    assert.ok(lines.includes('down.2.conv Conv2d ×1 [2,8,8,8]'), lines.join('\n'));
    // Dilations 1, 2, 4 from `2**i`: same shapes, other arguments, so three rows.
    assert.deepEqual(lines.filter((l) => l.startsWith('dilated')).map((l) => l.split(' ')[0]), ['dilated[0].conv', 'dilated[0]', 'dilated[1].conv', 'dilated[1]', 'dilated[2].conv', 'dilated[2]']);
    assert.ok(lines.includes('pools[0] MaxPool2d ×1 [2,8,4,4]') && lines.includes('pools[1] MaxPool2d ×1 [2,8,2,2]'), lines.join('\n'));
  });

  it('folds a 32-layer ModuleList built by append in a loop into one row per op, repeated n_layers times', async () => {
    const text = [
      'import torch.nn as nn',
      'class Block(nn.Module):',
      '    def __init__(self, layer_id, dim):',
      '        super().__init__()',
      '        self.layer_id = layer_id',
      '        self.norm = nn.LayerNorm(dim)',
      '        self.proj = nn.Linear(dim, dim)',
      '    def forward(self, x):',
      '        return x + self.proj(self.norm(x))',
      'class Model(nn.Module):',
      '    def __init__(self, dim=512, n_layers=32):',
      '        super().__init__()',
      '        self.layers = nn.ModuleList()',
      '        for layer_id in range(n_layers):',
      '            self.layers.append(Block(layer_id, dim))',
      '    # memwall: shape x=[B, T, dim]',
      '    def forward(self, x):',
      '        for layer in self.layers:',
      '            x = layer(x)',
      '        return x',
    ].join('\n');
    const graph = await graphOf(text);
    assert.deepEqual(graph.ops.map((op) => `${op.modulePath} ${op.op} ×${formatDim(op.repeat)}`), [
      'layers[*].norm torch.nn.LayerNorm ×n_layers',
      'layers[*].proj torch.nn.Linear ×n_layers',
      'layers[*] torch.add ×n_layers',
    ]);
  });

  it('runs each layer of a list whose layers differ, and folds those alike wherever they are (alternate layers)', async () => {
    const text = [
      'import torch.nn as nn',
      'class Model(nn.Module):',
      '    def __init__(self, dim=64, n_layer=6):',
      '        super().__init__()',
      '        self.h = nn.ModuleList([nn.Linear(dim, dim) for _ in range(n_layer)])',
      '        self.gates = nn.ModuleDict({str(i): nn.Linear(dim, dim) for i in range(n_layer) if i % 2 == 1})',
      '    # memwall: shape x=[B, dim]',
      '    def forward(self, x):',
      '        for i, block in enumerate(self.h):',
      '            x = block(x)',
      '            if str(i) in self.gates:',
      '                x = x * self.gates[str(i)](x).sigmoid()',
      '        return x',
    ].join('\n');
    const graph = await graphOf(text);
    // Even layers: a Linear; odd layers: a Linear, a gate Linear, sigmoid and multiply. Each kind ×3.
    assert.deepEqual(graph.ops.map((op) => `${op.modulePath} ${op.op} ×${formatDim(op.repeat)}`), [
      'h[0:5:2] torch.nn.Linear ×3',
      'h[1:6:2] torch.nn.Linear ×3',
      'gates[1:6:2] torch.nn.Linear ×3',
      ' torch.Tensor.sigmoid ×3',
      ' torch.mul ×3',
    ]);
  });
});

describe('python as published: sizes fold as Python computes them', () => {
  /** The output shape of the only Linear of a module whose hidden size the snippet computes, as numbers. */
  async function hiddenOf(lines: readonly string[], dims: Record<string, number> = {}): Promise<string> {
    const text = ['import math', 'import torch.nn as nn', 'class M(nn.Module):', '    def __init__(self):', '        super().__init__()', ...lines.map((l) => `        ${l}`), '        self.proj = nn.Linear(8, hidden)', '    # memwall: shape x=[2, 8]', '    def forward(self, x):', '        return self.proj(x)'].join('\n');
    const analysis = analyze(text, { parser: await testParser(), configs: [{ dims, source: 'test' }] });
    const linear = analysis.costs.find((c) => c.node.op === 'torch.nn.Linear');
    return `${formatShape(linear?.node.outputs[0]?.shape ?? null)} = [${linear?.outputShapes[0]?.join(', ') ?? '?'}]`;
  }

  it('folds shifts, powers, floor division and modulo of whole numbers', async () => {
    assert.match(await hiddenOf(['hidden = (1 << 6) + 2 ** 5 + 7 // 2 + (-7) % 3']), /= \[2, 101\]$/); // 64 + 32 + 3 + 2
    assert.match(await hiddenOf(['hidden = 1024 >> 3']), /= \[2, 128\]$/);
  });

  it('takes int() of a float formula over sizes as Python floors it (Llama: 4096 → 11008)', async () => {
    // hidden = 4·4096 = 16384; int(2·16384/3) = 10922; rounded up to a multiple of 256: 43·256 = 11008.
    const llama = ['dim = 4096', 'hidden = 4 * dim', 'hidden = int(2 * hidden / 3)', 'multiple_of = 256', 'hidden = multiple_of * ((hidden + multiple_of - 1) // multiple_of)'];
    assert.match(await hiddenOf(llama), /= \[2, 11008\]$/);
    // int(100 · 0.29) is 28 in Python (100 · 0.29 = 28.999999999999996): the float is kept, never made a fraction.
    assert.match(await hiddenOf(['hidden = int(100 * 0.29)']), /= \[2, 28\]$/);
    // int(planes · (base_width / 64.0)) · groups, torchvision's Bottleneck width: 64 · (4 / 64.0) · 32 = 128.
    assert.match(await hiddenOf(['planes = 64', 'base_width = 4', 'groups = 32', 'hidden = int(planes * (base_width / 64.0)) * groups']), /= \[2, 128\]$/);
  });

  it('keeps a symbol through int() of a float, so --dims re-prices it', async () => {
    assert.equal(await hiddenOf(['hidden = int(width * 2.5)'], { width: 100 }), '[2, int(width*2.5)] = [2, 250]');
    assert.equal(await hiddenOf(['hidden = int(width * 0.29)'], { width: 100 }), '[2, int(width*0.29)] = [2, 28]');
  });

  it('rounds half to even as round() does, and folds math functions', async () => {
    assert.match(await hiddenOf(['hidden = round(2.5) + round(3.5) + round(7.2)']), /= \[2, 13\]$/); // 2 + 4 + 7
    assert.match(await hiddenOf(['hidden = math.ceil(1000 / 64) + math.floor(2.9) + math.isqrt(17) + math.gcd(12, 18)']), /= \[2, 28\]$/); // 16 + 2 + 4 + 6
  });

  it("folds torchvision's _make_divisible as the code computes it", async () => {
    const makeDivisible = [
      'def _make_divisible(v, divisor, min_value=None):',
      '    if min_value is None:',
      '        min_value = divisor',
      '    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)',
      '    if new_v < 0.9 * v:',
      '        new_v += divisor',
      '    return new_v',
    ];
    const text = (width: string): string =>
      ['import torch.nn as nn', ...makeDivisible, 'class M(nn.Module):', '    def __init__(self):', '        super().__init__()', `        hidden = _make_divisible(${width}, 8)`, '        self.proj = nn.Linear(8, hidden)', '    # memwall: shape x=[2, 8]', '    def forward(self, x):', '        return self.proj(x)'].join('\n');
    const widthOf = async (width: string): Promise<number | undefined> => (await analysisOf(text(width))).costs.find((c) => c.node.op === 'torch.nn.Linear')?.outputShapes[0]?.[1];
    // 32 · 1.0 → int(36.0) // 8 · 8 = 32. 16 · 0.75 = 12 → int(16.0) // 8 · 8 = 16. 24 · 0.35 = 8.4 → max(8, 8) = 8.
    // 100 · 1.3 = 130 → int(134.0) // 8 · 8 = 128 (not below 0.9 · 130 = 117).
    assert.equal(await widthOf('32 * 1.0'), 32);
    assert.equal(await widthOf('16 * 0.75'), 16);
    assert.equal(await widthOf('24 * 0.35'), 8);
    assert.equal(await widthOf('100 * 1.3'), 128);
  });

  it('takes min/max by the sizes the code gives, keeping the chosen symbol', async () => {
    const shape = await hiddenOf(['hidden = min(n_embd, 4 * 32)', 'hidden = max(hidden, 16)'], {});
    // n_embd is unbound while the code runs: the first argument is kept (a bound like block_size is the second).
    assert.equal(shape, '[2, n_embd] = [?]');
  });

  it('counts len() of known lists and keys ModuleDicts by f-strings, % formatting and str()', async () => {
    const text = [
      'import torch.nn as nn',
      'class M(nn.Module):',
      '    def __init__(self, widths=(8, 16, 32)):',
      '        super().__init__()',
      '        self.blocks = nn.ModuleDict()',
      '        for i in range(len(widths) - 1):',
      '            self.blocks[f"block{i}"] = nn.Linear(widths[i], widths[i + 1])',
      '        self.extra = nn.ModuleDict({"head%d" % (i + 1): nn.Linear(32, 4) for i in range(1)})',
      '    # memwall: shape x=[2, 8]',
      '    def forward(self, x):',
      '        x = self.blocks["block0"](x)',
      '        x = self.blocks[f"block{len(self.blocks) - 1}"](x)',
      '        return self.extra[str("head") + str(1)](x)',
    ].join('\n');
    const analysis = await analysisOf(text);
    assert.deepEqual(rows(analysis), ['blocks.block0 Linear ×1 [2,16]', 'blocks.block1 Linear ×1 [2,32]', 'extra.head1 Linear ×1 [2,4]']);
  });

  it('tells strings from sizes: `v == "M"` over a VGG config list is false for numbers', async () => {
    const text = [
      'import torch.nn as nn',
      'from typing import cast',
      'def make_layers(cfg):',
      '    layers = []',
      '    in_channels = 3',
      '    for v in cfg:',
      '        if v == "M":',
      '            layers += [nn.MaxPool2d(kernel_size=2, stride=2)]',
      '        else:',
      '            v = cast(int, v)',
      '            layers += [nn.Conv2d(in_channels, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]',
      '            in_channels = v',
      '    return nn.Sequential(*layers)',
      'class VGG(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.features = make_layers([8, "M", 16, 16, "M"])',
      '    # memwall: shape x=[1, 3, 32, 32]',
      '    def forward(self, x):',
      '        return self.features(x)',
    ].join('\n');
    assert.deepEqual(rows(await analysisOf(text)), [
      'features.0 Conv2d ×1 [1,8,32,32]',
      'features.1 ReLU ×1 [1,8,32,32]',
      'features.2 MaxPool2d ×1 [1,8,16,16]',
      'features.3 Conv2d ×1 [1,16,16,16]',
      'features[4:7:2] ReLU ×2 [1,16,16,16]',
      'features.5 Conv2d ×1 [1,16,16,16]',
      'features.7 MaxPool2d ×1 [1,16,8,8]',
    ]);
  });
});

describe('python as published: containers hold their layers', () => {
  it('runs subclasses of nn.Sequential filled by super().__init__(*layers) and add_module, and iterates ModuleDict subclasses', async () => {
    const text = [
      'from collections import OrderedDict',
      'from typing import Callable, Optional',
      'import torch',
      'import torch.nn as nn',
      'class ConvNormActivation(torch.nn.Sequential):',
      '    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, padding: Optional[int] = None,',
      '                 norm_layer: Optional[Callable[..., torch.nn.Module]] = torch.nn.BatchNorm2d, inplace: Optional[bool] = True):',
      '        if padding is None:',
      '            if isinstance(kernel_size, int):',
      '                padding = (kernel_size - 1) // 2',
      '            else:',
      '                padding = tuple((k - 1) // 2 for k in kernel_size)',
      '        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding, bias=norm_layer is None)]',
      '        if norm_layer is not None:',
      '            layers.append(norm_layer(out_channels))',
      '        params = {} if inplace is None else {"inplace": inplace}',
      '        layers.append(nn.ReLU(**params))',
      '        super().__init__(*layers)',
      '        self.out_channels = out_channels',
      'class _Transition(nn.Sequential):',
      '    def __init__(self, num_input_features: int, num_output_features: int) -> None:',
      '        super().__init__()',
      '        self.norm = nn.BatchNorm2d(num_input_features)',
      '        self.relu = nn.ReLU(inplace=True)',
      '        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)',
      '        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)',
      'class _DenseBlock(nn.ModuleDict):',
      '    def __init__(self, num_layers: int, num_input_features: int, growth_rate: int) -> None:',
      '        super().__init__()',
      '        for i in range(num_layers):',
      '            self.add_module("denselayer%d" % (i + 1), nn.Conv2d(num_input_features + i * growth_rate, growth_rate, 3, padding=1))',
      '    def forward(self, init_features):',
      '        features = [init_features]',
      '        for name, layer in self.items():',
      '            features.append(layer(torch.cat(features, 1)))',
      '        return torch.cat(features, 1)',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.features = nn.Sequential(OrderedDict([("conv0", ConvNormActivation(3, 8))]))',
      '        self.features.add_module("denseblock1", _DenseBlock(2, 8, 4))',
      '        self.features.add_module("transition1", _Transition(16, 8))',
      '        assert len(self.features) == 3 and isinstance(self.features[0], ConvNormActivation)',
      '    # memwall: shape x=[1, 3, 16, 16]',
      '    def forward(self, x):',
      '        return self.features(x)',
    ].join('\n');
    assert.deepEqual(rows(await analysisOf(text)), [
      'features.conv0.0 Conv2d ×1 [1,8,16,16]',
      'features.conv0.1 BatchNorm2d ×1 [1,8,16,16]',
      'features.conv0.2 ReLU ×1 [1,8,16,16]',
      'features.denseblock1 torch.cat ×1 [1,8,16,16]',
      'features.denseblock1.denselayer1 Conv2d ×1 [1,4,16,16]',
      'features.denseblock1 torch.cat ×1 [1,12,16,16]',
      'features.denseblock1.denselayer2 Conv2d ×1 [1,4,16,16]',
      'features.denseblock1 torch.cat ×1 [1,16,16,16]',
      'features.transition1.norm BatchNorm2d ×1 [1,16,16,16]',
      'features.transition1.relu ReLU ×1 [1,16,16,16]',
      'features.transition1.conv Conv2d ×1 [1,8,16,16]',
      'features.transition1.pool AvgPool2d ×1 [1,8,8,8]',
    ]);
  });
});

describe('python as published: callables (partial, norm_layer, lambdas, layer subclasses, configs built in code)', () => {
  it('builds torchvision-style EfficientNet stages: partial configs, _make_divisible, copy.copy, dataclass super().__init__ (efficientnet_style.py)', async () => {
    const lines = rows(await analysisOf(fixture('efficientnet_style.py')));
    // depth_mult 1.1: ceil(1·1.1) = 2, ceil(2·1.1) = 3, ceil(3·1.1) = 4 blocks; the first block of a stage is apart.
    assert.ok(lines.includes('features.1.0.block.0.0 Conv2d ×1 [2,16,16,16]'), lines.join('\n'));
    assert.ok(lines.includes('features.1.1.block.0.0 Conv2d ×1 [2,8,16,16]'), lines.join('\n'));
    assert.ok(lines.includes('features.2[1:3].block.0.0 Conv2d ×2 [2,64,8,8]'), lines.join('\n'));
    assert.ok(lines.includes('features.3[1:4].block.1.0 Conv2d ×3 [2,96,4,4]'), lines.join('\n'));
    // partial(nn.SiLU, inplace=True) in squeeze-excitation, partial(nn.BatchNorm2d, eps=1e-3) everywhere.
    assert.ok(lines.includes('features.2.0.block.2.activation SiLU ×1 [2,2,1,1]'), lines.join('\n'));
    assert.ok(!lines.some((line) => line.includes('stochastic_depth')), 'rate 0 runs no stochastic depth');
  });

  it('prices stochastic depth at a rate above zero: noise.bernoulli_ writes its draws and reads nothing', async () => {
    const text = fixture('efficientnet_style.py').replace('efficientnet_tiny(stochastic_depth_prob=0.0)', 'efficientnet_tiny()');
    const analysis = await analysisOf(text);
    const draws = analysis.costs.filter((c) => c.node.op === 'torch.Tensor.bernoulli_');
    // The blocks of stage 2 after its first fold (rates 3/9 and 4/9 of 0.2, both above zero); each draws [2, 1, 1, 1]:
    // 2 FLOPs per element (draw, compare) = 4; 2 fp32 elements written = 8 bytes, nothing read.
    const stage2 = draws.find((c) => c.node.modulePath === 'features.2[1:3].stochastic_depth');
    assert.ok(stage2, draws.map((c) => c.node.modulePath).join(', '));
    assert.equal(stage2.repeat, 2);
    assert.equal(stage2.flops, 4);
    assert.equal(stage2.bytesRead, 0);
    assert.equal(stage2.bytesWritten, 8);
  });

  it("gives a call's keyword over partial()'s, partial()'s positionals first, and keeps copies apart (callables_trap.py)", async () => {
    assert.deepEqual(rows(await analysisOf(fixture('callables_trap.py'))), [
      'conv3 Conv2d ×1 [2,8,8,8]',
      // self.act = lambda t: F.gelu(self.conv1(t)): conv1 is the 1×1 the call asked for, run by the lambda.
      'conv1 Conv2d ×1 [2,8,8,8]',
      ' functional.gelu ×1 [2,8,8,8]',
      'fc Linear ×1 [2,32]',
      // ScaledLinear(32, 8) asks nn.Linear for 2·8 outputs: weight [16, 32], scaled, then F.linear.
      'scaled torch.mul ×1 [16,32]',
      'scaled functional.linear ×1 [2,16]',
      'head.norm LayerNorm ×1 [2,16]',
      'head.proj Linear ×1 [2,16]',
      'wide_head.norm LayerNorm ×1 [2,32]',
      'wide_head.proj Linear ×1 [2,32]',
    ]);
  });
});

describe('python as published: factories and computed names (functools.partial, zip, setattr, range starts)', () => {
  /** FLOPs × repeat of the costed ops of one category. */
  const flopsOf = (analysis: Analysis, category: string): number =>
    analysis.costs.filter((c) => c.node.category === category).reduce((sum, c) => sum + (c.flops ?? 0) * c.repeat, 0);
  const stagenet = { entries: [{ name: 'stagenet', source: '--entry' as const }] };

  it('builds layers from partial factories and stages from zip() + setattr over f"stage{i}" (factory_layers.py)', async () => {
    const analysis = await analysisOf(fixture('factory_layers.py'), stagenet);
    const lines = rows(analysis);
    // range(1, len(widths) + 1) starts at 1: the stages are stage1 and stage2, which the forward calls by name.
    assert.ok(lines.includes('stage1[1:3].dw Conv2d ×2 [2,16,8,8]'), lines.join('\n'));
    assert.ok(lines.includes('stage2.1.pw Conv2d ×1 [2,32,4,4]'), lines.join('\n'));
    // The default norm_layer, partial(nn.BatchNorm2d, eps=1e-3), is a BatchNorm2d of the block's width.
    assert.ok(lines.includes('stage2.1.norm BatchNorm2d ×1 [2,32,4,4]'), lines.join('\n'));
    assert.equal(analysis.costs.filter((c) => c.flops === null).length, 0, 'every op priced');
    // Conv FLOPs, 2·N·Cout·Hout·Wout·(Cin/groups)·kh·kw, plus N·Cout·Hout·Wout for a bias:
    //   stem 3→16 3×3 s2 at 16×16: 2·2·16·16·16·3·9 = 442,368 + bias 8,192 = 450,560;
    //   stage1.0 16→16 1×1 s2 at 8×8: 65,536 + bias 2,048 = 67,584; stage2.0 16→32 1×1 s2 at 4×4: 32,768 + 1,024 = 33,792;
    //   depthwise 3×3 (groups = channels, Cin/groups = 1): 2·2·16·8·8·1·9 = 36,864 (×2), 2·2·32·4·4·1·9 = 18,432;
    //   pointwise 1×1 (the call's kernel_size=1 overrides the partial's 3): 2·2·16·8·8·16 = 65,536 (×2), 2·2·32·4·4·32 = 65,536.
    //   450,560 + 67,584 + 33,792 + 2·36,864 + 18,432 + 3·65,536 = 840,704.
    assert.equal(flopsOf(analysis, 'conv'), 840_704);
    // partial(nn.Linear, in_channels)(num_classes) is Linear(32, 10): 2·2·32·10 + bias 20 = 1,300.
    assert.equal(flopsOf(analysis, 'matmul'), 1_300);
  });

  it('prices the dense twin as dense, and zip() stops at the shorter list (factory_layers_twin.py, the trap twin)', async () => {
    const analysis = await analysisOf(fixture('factory_layers_twin.py'), stagenet);
    const lines = rows(analysis);
    // Three widths, two depths: two stages; stage3 is never built and the classifier takes the 32 channels of stage2.
    assert.ok(!lines.some((line) => line.startsWith('stage3')), lines.join('\n'));
    assert.ok(lines.includes('fc Linear ×1 [2,10]'), lines.join('\n'));
    assert.equal(analysis.costs.filter((c) => c.flops === null).length, 0, 'every op priced');
    // The 3×3 conv called without groups is dense: 2·2·16·8·8·16·9 = 589,824 (×2) and 2·2·32·4·4·32·9 = 589,824,
    // in place of the grouped 36,864 and 18,432: 840,704 − 2·36,864 − 18,432 + 3·589,824 = 2,518,016.
    assert.equal(flopsOf(analysis, 'conv'), 2_518_016);
    assert.equal(flopsOf(analysis, 'matmul'), 1_300);
  });

  it('reads range(1, n) inside zip() from its start: f"conv{i}" names conv1 and conv2', async () => {
    const text = [
      'import torch.nn as nn',
      'class Net(nn.Module):',
      '    def __init__(self, widths=(8, 16)):',
      '        super().__init__()',
      '        in_channels = 3',
      '        for i, width in zip(range(1, len(widths) + 1), widths):',
      '            setattr(self, f"conv{i}", nn.Conv2d(in_channels, width, 1))',
      '            in_channels = width',
      '    # memwall: shape x=[1, 3, 4, 4]',
      '    def forward(self, x):',
      '        return self.conv2(self.conv1(x))',
    ].join('\n');
    const analysis = await analysisOf(text);
    // conv1 3→8 1×1 at 4×4: 2·1·8·16·3 = 768 + bias 128 = 896; conv2 8→16: 2·1·16·16·8 = 4,096 + bias 256 = 4,352.
    assert.deepEqual(rows(analysis), ['conv1 Conv2d ×1 [1,8,4,4]', 'conv2 Conv2d ×1 [1,16,4,4]']);
    assert.equal(flopsOf(analysis, 'conv'), 896 + 4_352);
  });

  it('binds partial arguments as Python does: stored positionals first, the call\'s keywords over stored ones', async () => {
    const text = [
      'from functools import partial',
      'import torch.nn as nn',
      'class Net(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        conv = partial(nn.Conv2d, 8, kernel_size=3, padding=1)',
      '        self.a = conv(16)',
      '        self.b = conv(16, kernel_size=1, padding=0, bias=False)',
      '    # memwall: shape x=[1, 8, 4, 4]',
      '    def forward(self, x):',
      '        return self.a(x) + self.b(x)',
    ].join('\n');
    const analysis = await analysisOf(text);
    const conv = analysis.costs.filter((c) => c.node.category === 'conv').map((c) => c.flops);
    // a: Conv2d(8, 16, 3, padding=1): 2·1·16·4·4·8·9 = 36,864 + bias 256 = 37,120; b: Conv2d(8, 16, 1), no bias: 4,096.
    assert.deepEqual(conv.sort((x, y) => (x ?? 0) - (y ?? 0)), [4_096, 37_120]);
  });
});

describe('python as published: configs as they are written', () => {
  /** A nanoGPT-shaped root module: `__init__(self, config)` with no annotation and nobody building it. */
  const model = (configs: string): string => [
    'from dataclasses import dataclass',
    'import torch.nn as nn',
    configs,
    'class GPT(nn.Module):',
    '    def __init__(self, config):',
    '        super().__init__()',
    '        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)',
    '    def forward(self, x):',
    '        return self.c_fc(x)',
  ].join('\n');
  const config = (name: string, width: number): string => `@dataclass\nclass ${name}:\n    n_embd: int = ${width}\n    bias: bool = False\n`;

  it("builds an untyped config of a root module from the file's only config class", async () => {
    const analysis = await analysisOf(model(config('GPTConfig', 768)));
    const linear = analysis.costs.find((c) => c.node.op === 'torch.nn.Linear');
    assert.equal(formatShape(linear?.node.outputs[0]?.shape ?? null), '[B, T, 4*n_embd]');
    assert.ok(analysis.assumptions.some((a) => a.symbol === 'n_embd' && a.value === 768 && a.source === 'GPTConfig.n_embd'), JSON.stringify(analysis.assumptions));
    // x learned as [B, T, n_embd] = [8, 1024, 768] (defaults for B and T): 2·8·1024·768·3072 FLOPs, no bias.
    assert.equal(linear?.flops, 2 * 8 * 1024 * 768 * 3072);
  });

  it('takes no class of class-level attributes for a config unless it is named like one (transformers files)', async () => {
    // GPTPreTrainedModel holds `config_class` and `base_model_prefix` and no __init__: no one's configuration. The
    // root's config stays unknown, so the layer it configures keeps its own default width (768), as before.
    const text = [
      'import torch.nn as nn',
      'from transformers import PreTrainedModel',
      'class GPTPreTrainedModel(PreTrainedModel):',
      '    config_class = None',
      '    base_model_prefix = "gpt"',
      'class Embeddings(nn.Module):',
      '    def __init__(self, hidden_size=768):',
      '        super().__init__()',
      '        self.dense = nn.Linear(hidden_size, hidden_size)',
      '    def forward(self, x):',
      '        return self.dense(x)',
      'class GPTEmbeddings(nn.Module):',
      '    def __init__(self, config):',
      '        super().__init__()',
      '        self.embeddings = Embeddings(hidden_size=config.hidden_size)',
      '    def forward(self, x):',
      '        return self.embeddings(x)',
    ].join('\n');
    const analysis = await analysisOf(text);
    // x learned as [B, T, 768] = [8, 1024, 768]: 2·8·1024·768·768 FLOPs and one add of the bias per output element.
    assert.equal(analysis.costs.find((c) => c.node.op === 'torch.nn.Linear')?.flops, 2 * 8 * 1024 * 768 * 768 + 8 * 1024 * 768);
  });

  it('leaves the config unbound when the file has two config classes to choose from (the trap)', async () => {
    const analysis = await analysisOf(model(`${config('SmallConfig', 256)}\n${config('LargeConfig', 1024)}`));
    const linear = analysis.costs.find((c) => c.node.op === 'torch.nn.Linear');
    assert.equal(linear?.flops, null);
    assert.ok(!analysis.assumptions.some((a) => a.symbol === 'n_embd'), JSON.stringify(analysis.assumptions));
  });
});

describe("python as published: Meta's Llama reference code", () => {
  /** The rotary embedding and key/value cache of Meta's Llama model.py, at 4 heads of 16 channels. */
  const rotary = [
    'import torch',
    'import torch.nn as nn',
    '# memwall: seqlen=32',
    '',
    'def precompute_freqs_cis(dim: int, end: int, theta: float = 10000.0):',
    '    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2)[: (dim // 2)].float() / dim))',
    '    t = torch.arange(end, device=freqs.device)',
    '    freqs = torch.outer(t, freqs).float()',
    '    return torch.polar(torch.ones_like(freqs), freqs)',
    '',
    'def reshape_for_broadcast(freqs_cis, x):',
    '    ndim = x.ndim',
    '    shape = [d if i == 1 or i == ndim - 1 else 1 for i, d in enumerate(x.shape)]',
    '    return freqs_cis.view(*shape)',
    '',
    'class Attention(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    '        self.wq = nn.Linear(64, 64, bias=False)',
    '        self.cache_k = torch.zeros((8, 64, 4, 16))',
    '        self.freqs_cis = precompute_freqs_cis(16, 64)',
    '',
    '    # memwall: shape x=[_bsz, seqlen, 64]',
    '    def forward(self, x, start_pos: int):',
    '        _bsz, seqlen, _ = x.shape',
    '        xq = self.wq(x).view(_bsz, seqlen, 4, 16)',
    '        freqs_cis = self.freqs_cis[start_pos : start_pos + seqlen]',
    '        xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))',
    '        freqs_cis = reshape_for_broadcast(freqs_cis, xq_)',
    '        xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3).type_as(xq)',
    '        self.cache_k[:_bsz, start_pos : start_pos + seqlen] = xq_out',
    '        return self.cache_k[:_bsz, : start_pos + seqlen]',
  ].join('\n');

  it('sizes an unpacked `_bsz` as a batch and a cache position `start_pos` as the start of the cache', async () => {
    const analysis = await analysisOf(rotary);
    // `_bsz` is the batch (Python's underscore marks it unread), start_pos = 0 is a forward over a whole prompt.
    assert.ok(analysis.assumptions.some((a) => a.symbol === '_bsz' && a.value === 8 && a.source === 'default'), JSON.stringify(analysis.assumptions));
    assert.ok(analysis.assumptions.some((a) => a.symbol === 'start_pos' && a.value === 0 && a.source === 'default'), JSON.stringify(analysis.assumptions));
    assert.deepEqual(analysis.costs.filter((c) => c.flops === null).map((c) => c.node.label), [], 'every op priced');
    // The cache read back holds start_pos + seqlen = 32 positions.
    assert.deepEqual(analysis.costs.at(-1)?.outputShapes, [[8, 32, 4, 16]]);
  });

  it('broadcasts freqs_cis to [1, seqlen, 1, head_dim / 2] through the comprehension over enumerate(x.shape)', async () => {
    const analysis = await analysisOf(rotary);
    const view = analysis.costs.find((c) => c.node.op === 'torch.Tensor.view' && c.node.scope === 'reshape_for_broadcast');
    assert.deepEqual(view?.outputShapes, [[1, 32, 1, 8]]);
  });

  it('prices the complex multiply at 8 bytes and 6 real FLOPs per complex64 element, and view_as_real back to fp32', async () => {
    const analysis = await analysisOf(rotary);
    const multiply = analysis.costs.find((c) => c.node.op === 'torch.mul');
    // xq_ is [8, 32, 4, 8] complex64 (8·32·4·8 = 8,192 elements) and freqs_cis [1, 32, 1, 8] complex64 (256).
    // (a+bi)(c+di) = (ac-bd) + (ad+bc)i: 4 multiplies and 2 adds, 6 FLOPs per element.
    assert.equal(multiply?.node.outputs[0]?.dtype, 'complex64');
    assert.equal(multiply?.flops, 6 * 8192);
    // Read 8,192 + 256 complex64 elements, write 8,192: (8,192 + 256 + 8,192) · 8 bytes.
    assert.equal(multiply?.bytes, (8192 + 256 + 8192) * 8);
    const real = analysis.costs.find((c) => c.node.op === 'torch.view_as_real');
    assert.equal(real?.node.outputs[0]?.dtype, 'fp32');
    // torch.polar built the table of rotations as complex64 from fp32 magnitudes and angles.
    const table = analysis.costs.find((c) => c.node.op === 'torch.Tensor.view' && c.node.scope === 'reshape_for_broadcast');
    assert.equal(table?.node.inputs[0]?.dtype, 'complex64');
  });
});

describe('python as published: indexing with a list', () => {
  it("reads a list index's integers as the int64 tensor PyTorch copies to the device (nanoGPT's x[:, [-1], :])", async () => {
    const analysis = await analysisOf([
      'import torch.nn as nn',
      'class Head(nn.Module):',
      '    # memwall: shape x=[2, 16, 64]',
      '    def forward(self, x):',
      '        return x[:, [-1], :]',
    ].join('\n'));
    const gather = analysis.costs.find((c) => c.node.op === 'torch.Tensor.index');
    assert.deepEqual(gather?.outputShapes, [[2, 1, 64]]);
    // 2·1·64 fp32 elements gathered (512 bytes) and written (512 bytes), plus the one int64 index (8 bytes).
    assert.equal(gather?.bytesRead, 512 + 8);
    assert.equal(gather?.bytesWritten, 512);
  });
});

describe('python as published: defaults written with `or`', () => {
  it("keeps a computed size through `hidden_features or in_features` (timm's Mlp built with int(dim * mlp_ratio))", async () => {
    const analysis = await analysisOf([
      'import torch.nn as nn',
      'class Mlp(nn.Module):',
      '    def __init__(self, in_features, hidden_features=None, out_features=None):',
      '        super().__init__()',
      '        out_features = out_features or in_features',
      '        hidden_features = hidden_features or in_features',
      '        self.fc1 = nn.Linear(in_features, hidden_features)',
      '        self.fc2 = nn.Linear(hidden_features, out_features)',
      '    def forward(self, x):',
      '        return self.fc2(self.fc1(x))',
      'class Net(nn.Module):',
      '    def __init__(self, dim=64, mlp_ratio=4.):',
      '        super().__init__()',
      '        self.mlp = Mlp(in_features=dim, hidden_features=int(dim * mlp_ratio))',
      '    # memwall: shape x=[2, 10, 64]',
      '    def forward(self, x):',
      '        return self.mlp(x)',
    ].join('\n'));
    const [fc1, fc2] = ['mlp.fc1', 'mlp.fc2'].map((path) => analysis.costs.find((c) => c.node.modulePath === path));
    // fc1: 64 → int(64 · 4.0) = 256 over 2·10 rows: 2·20·64·256 + 20·256 bias = 660,480 FLOPs; fc2: 256 → 64 (None or 64).
    assert.deepEqual(fc1?.outputShapes, [[2, 10, 256]]);
    assert.equal(fc1?.flops, 2 * 20 * 64 * 256 + 20 * 256);
    assert.deepEqual(fc2?.outputShapes, [[2, 10, 64]]);
    assert.equal(fc2?.flops, 2 * 20 * 256 * 64 + 20 * 64);
  });
});

describe('python as published: numbers computed with torch while the model is built (RegNet-style width schedules)', () => {
  const flopsOf = (analysis: Analysis, category: string): number =>
    analysis.costs.filter((c) => c.node.category === category).reduce((sum, c) => sum + (c.flops ?? 0) * c.repeat, 0);
  const entry = { entries: [{ name: 'quantized_net', source: '--entry' as const }] };

  it('folds torch arithmetic on known numbers into the widths and depths it computes (quantized_widths.py)', async () => {
    const analysis = await analysisOf(fixture('quantized_widths.py'), entry);
    // widths_cont = 8 + 6·[0..5] = 8, 14, 20, 26, 32, 38; log2(w / 8) = 0, 0.81, 1.32, 1.70, 2, 2.25 rounds to 0, 1, 1,
    // 2, 2, 2; 8·2^c = 8, 16, 16, 32, 32, 32: stages of widths 8, 16, 32 starting at blocks 0, 1, 3 (and 6 at the end),
    // so depths diff([0, 1, 3, 6]) = 1, 2, 3. The host arithmetic is configuration: no op of the model.
    assert.deepEqual(rows(analysis), [
      'trunk_output.block1.block1-0 Conv2d ×1 [2,8,16,16]',
      'trunk_output.block2.block2-0 Conv2d ×1 [2,16,8,8]',
      'trunk_output.block2.block2-1 Conv2d ×1 [2,16,8,8]',
      'trunk_output.block3.block3-0 Conv2d ×1 [2,32,4,4]',
      'trunk_output.block3[block3-1:3] Conv2d ×2 [2,32,4,4]',
      ' torch.Tensor.mean ×1 [2,32]',
      'fc Linear ×1 [2,10]',
    ]);
    // 3×3 convs without bias, 2·N·Cout·Hout·Wout·Cin·9: 3→8 at 16×16 221,184; 8→16 at 8×8 294,912; 16→16 at 8×8
    // 589,824; 16→32 at 4×4 294,912; 32→32 at 4×4 589,824 (×2): 2,580,480.
    assert.equal(flopsOf(analysis, 'conv'), 2_580_480);
  });

  it('rounds halves to even as torch.round does (quantized_widths_twin.py, the trap twin)', async () => {
    const analysis = await analysisOf(fixture('quantized_widths_twin.py'), entry);
    // widths_cont = 8, 16, 24, 32, 40; log4(w / 8) = 0, 0.5, 0.79, 1, 1.16 rounds to 0, 0, 1, 1, 1 (0.5 to even):
    // widths 8, 8, 32, 32, 32, depths 2 and 3 (rounding 0.5 up would give depths 1 and 4).
    assert.deepEqual(rows(analysis).filter((line) => line.includes('Conv2d')), [
      'trunk_output.block1.block1-0 Conv2d ×1 [2,8,16,16]',
      'trunk_output.block1.block1-1 Conv2d ×1 [2,8,16,16]',
      'trunk_output.block2.block2-0 Conv2d ×1 [2,32,8,8]',
      'trunk_output.block2[block2-1:3] Conv2d ×2 [2,32,8,8]',
    ]);
    // 221,184 + 8→8 at 16×16 589,824 + 8→32 at 8×8 589,824 + 32→32 at 8×8 2,359,296 (×2) = 6,119,424.
    assert.equal(flopsOf(analysis, 'conv'), 6_119_424);
  });

  it('keeps torch arithmetic in a forward as ops, and prices torch.diff', async () => {
    const text = [
      'import torch',
      'import torch.nn as nn',
      'class Net(nn.Module):',
      '    # memwall: shape x=[2, 5]',
      '    def forward(self, x):',
      '        steps = torch.arange(5) * 2',
      '        return torch.diff(x + steps, dim=1), torch.diff(x, n=2, dim=1)',
    ].join('\n');
    const analysis = await analysisOf(text);
    assert.ok(analysis.costs.some((c) => c.node.op === 'torch.arange'), 'arange in a forward is an op');
    const diffs = analysis.costs.filter((c) => c.node.op === 'torch.diff');
    // n = 1 on [2, 5]: [2, 4], 2·4 = 8 subtractions; n = 2: [2, 3], 2·(4 + 3) = 14.
    assert.deepEqual(diffs.map((c) => [c.outputShapes[0], c.flops]), [[[2, 4], 8], [[2, 3], 14]]);
  });
});
