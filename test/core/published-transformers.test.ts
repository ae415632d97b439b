// Transformer code as torchvision publishes it: functools.partial layers, **kwargs popped with defaults, parameters
// filled in place, nn.MultiheadAttention called with keywords. Figures are computed by hand in the comments; the
// fixtures are also traced by real PyTorch in test/oracle (their matmul and conv FLOPs agree there).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Analysis, CostedOp } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'semantics');

async function analysisOf(text: string): Promise<Analysis> {
  return analyze(text, { parser: await testParser(), dtype: 'fp32' });
}

function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

function model(analysis: Analysis): CostedOp[] {
  return analysis.costs.filter((c) => c.node.scope !== 'example');
}

function flopsAt(analysis: Analysis, line: number, op?: string): number[] {
  return model(analysis)
    .filter((c) => c.node.span.startLine + 1 === line && (!op || c.node.op === op))
    .map((c) => (c.flops ?? Number.NaN) * c.repeat);
}

describe('transformers as torchvision writes them', () => {
  it('prices a ViT whose norm layer is a partial default, whose layers sit in an OrderedDict (vit_encoder.py)', async () => {
    const analysis = await analysisOf(fixture('vit_encoder.py'));
    const ops = model(analysis);
    assert.ok(ops.every((c) => c.flops !== null || c.node.category === 'view'), ops.filter((c) => c.flops === null).map((c) => c.node.label).join(', '));
    // N=2, 32×32 image, patch 8: 16 patches + the class token = 17 tokens of width 64; 2 layers, 4 heads, MLP 128.
    // MultiheadAttention per layer, 34 tokens: projections 2·34·64²·(1 + 2 + 1) = 1,114,112; QKᵀ and PV
    // 4·2·17·17·64 = 147,968; softmax 5·2·4·17·17 = 11,560. Sum 1,273,640, twice.
    assert.deepEqual(flopsAt(analysis, 36), [2 * 1_273_640]);
    // The layer norms are nn.LayerNorm from the partial, with its frozen eps.
    const norms = ops.filter((c) => c.node.op === 'torch.nn.LayerNorm');
    assert.equal(norms.length, 3, 'ln_1, ln_2 (each ×2) and the final ln');
    assert.ok(norms.every((c) => c.node.attrs.eps === 1e-6), JSON.stringify(norms.map((c) => c.node.attrs.eps)));
    // The position embedding [1, 17, 64] from torch.empty(...).normal_() is added to the [2, 17, 64] tokens.
    assert.deepEqual(model(analysis).filter((c) => c.node.span.startLine + 1 === 79).map((c) => c.outputShapes[0]), [[2, 17, 64]]);
    // Matmul + conv: conv 2·2·64·16·3·64 + bias 2·64·16 = 788,480; per layer the two MLP linears 2·34·64·128 (+ bias
    // 34·128 and 34·64) = 561,408 + 559,232; head 2·2·64·10 + 20 = 2,580. Sum 788,480 + 2·1,120,640 + 2,580.
    const contraction = ops.filter((c) => c.node.category === 'matmul' || c.node.category === 'conv').reduce((sum, c) => sum + (c.flops ?? 0) * c.repeat, 0);
    assert.equal(contraction, 788_480 + 2 * 1_120_640 + 2_580);
  });

  it('reads what the caller passed through **kwargs, a partial\'s frozen first argument and sequence-first attention (vit_traps.py)', async () => {
    const analysis = await analysisOf(fixture('vit_traps.py'));
    // kwargs.pop("image_size", 224) returns the caller's 48: 6×6 = 36 patches, so the position add is [36, 2, 64]
    // (with the default 224 it would be 784 patches).
    assert.deepEqual(model(analysis).filter((c) => c.node.span.startLine + 1 === 45).map((c) => c.outputShapes[0]), [[36, 2, 64]]);
    // partial(nn.Linear, 64)(7) is Linear(64, 7), num_classes 7 from setdefault: 2·2·64·7 + bias 14 = 1,806.
    assert.deepEqual(flopsAt(analysis, 46, 'torch.nn.Linear'), [1_806]);
    // batch_first=False: L = S = 36 and the batch is 2. Projections 2·72·64²·4 = 2,359,296; QKᵀ and PV
    // 4·2·36·36·64 = 663,552; softmax 5·2·4·36·36 = 51,840. Read batch-first it would be L = 2 and B = 36.
    assert.deepEqual(flopsAt(analysis, 23), [3_074_688]);
    // The keyword a call gives overrides the partial's: ln_2 has eps 1e-5, ln_1 the frozen 1e-6.
    const eps = model(analysis).filter((c) => c.node.op === 'torch.nn.LayerNorm').map((c) => `${c.node.label} ${String(c.node.attrs.eps)}`);
    assert.deepEqual(eps.sort(), ['self.ln_1 0.000001', 'self.ln_2 0.00001']);
  });

  it('gives torch.meshgrid one view per input, [len(a), len(b)] for "ij" and [len(b), len(a)] for "xy"', async () => {
    const analysis = await analysisOf(
      [
        'import torch',
        'def grid():',
        '    coords_h = torch.arange(7)',
        '    coords_w = torch.arange(5)',
        '    coords = torch.stack(torch.meshgrid(coords_h, coords_w, indexing="ij"))',
        '    gx, gy = torch.meshgrid([coords_h, coords_w], indexing="xy")',
        '    return torch.flatten(coords, 1), gx + gy',
      ].join('\n'),
    );
    const rows = analysis.costs.map((c) => `${c.node.label} ${c.node.category} ${JSON.stringify(c.outputShapes)}`);
    assert.ok(rows.includes('torch.meshgrid view [[7,5],[7,5]]'), rows.join('\n'));
    assert.ok(rows.includes('torch.meshgrid view [[5,7],[5,7]]'), rows.join('\n'));
    // The stack copies the two [7, 5] views into [2, 7, 5]: 70 int64 elements written, 70 read.
    const stack = analysis.costs.find((c) => c.node.op === 'torch.stack');
    assert.deepEqual([stack?.outputShapes[0], stack?.bytes], [[2, 7, 5], 2 * 70 * 8]);
    assert.ok(rows.includes('+ pointwise [[5,7]]'), rows.join('\n'));
  });

  it('builds MaxViT-style stages from zip(), numpy.linspace rates, `+=` on a ModuleList and a typing.OrderedDict (maxvit_style.py)', async () => {
    const analysis = await analysisOf(fixture('maxvit_style.py'));
    const ops = model(analysis);
    assert.ok(ops.every((c) => c.flops !== null), ops.filter((c) => c.flops === null).map((c) => c.node.label).join(', '));
    // N=2, 32×32 image. Stem 3→8, stride 2: 2·2·8·16·16·27 + bias 4,096 = 225,280. Stage 0 (one layer, 16 channels,
    // 8×8, 4 windows of 16 tokens, 2 heads of 8): conv 296,960, qkv 202,752, two einsums 2·2·4·2·16·16·8 = 65,536
    // each, merge 67,584. Stage 1 (two layers, 32 channels, 4×4, one window, 4 heads): convs 295,936 and 590,848,
    // each layer qkv 199,680, einsums 32,768 each, merge 66,560. Head 32→10: 1,300. Sum 2,475,284.
    const contraction = ops.filter((c) => c.node.category === 'matmul' || c.node.category === 'conv').reduce((sum, c) => sum + (c.flops ?? 0) * c.repeat, 0);
    assert.equal(contraction, 2_475_284);
    assert.deepEqual(flopsAt(analysis, 50), [65_536, 32_768, 32_768]);
    // The bias table of (2·4 − 1)² rows is gathered by the 16×16 index from meshgrid: [256, heads] per layer, where
    // the side 4 is int(math.sqrt(partition_size**2)).
    assert.deepEqual(ops.filter((c) => c.node.span.startLine + 1 === 52 && c.node.category !== 'view').map((c) => c.outputShapes[0]), [[256, 2], [256, 4], [256, 4]]);
  });

  it('stops zip() at its shortest list, skips only the zero rate of linspace, keeps a tensor `+=` an add (maxvit_traps.py)', async () => {
    const analysis = await analysisOf(fixture('maxvit_traps.py'));
    const ops = model(analysis);
    // zip([8, 16, 32], [16, 32], [1, 2, 5]) makes two stages: proj 8→16 over 128 tokens 2·128·8·16 + 2,048 = 34,816
    // and 16→32 2·128·16·32 + 4,096 = 135,168.
    assert.deepEqual(flopsAt(analysis, 52), [34_816, 135_168]);
    // linspace(0, 0.2, 8) starts at 0: the first mixer skips its drop path, the next two multiply by the mask.
    assert.equal(ops.filter((c) => c.node.span.startLine + 1 === 25).reduce((sum, c) => sum + c.repeat, 0), 2);
    // The side is int(math.sqrt(64)) = 8: depthwise convs 2·2·16·64·9 + 2,048 = 38,912 and 2·2·32·64·9 + 4,096 = 77,824 (×2).
    assert.deepEqual(flopsAt(analysis, 37, 'torch.nn.Conv2d'), [38_912, 2 * 77_824]);
    assert.deepEqual(ops.filter((c) => c.node.span.startLine + 1 === 37 && c.node.category === 'conv').map((c) => c.outputShapes[0]), [[2, 16, 8, 8], [2, 32, 8, 8]]);
    // `x += ...` of tensors: three adds, one per mixer.
    const adds = ops.filter((c) => c.node.span.startLine + 1 === 38 && c.node.category === 'pointwise');
    assert.equal(adds.reduce((sum, c) => sum + c.repeat, 0), 3);
  });

  it('names folded layers that a loop numbered by their prefix and numbers: [encoder_layer_*], [conv1:4:2]; other names listed', async () => {
    const mlp = model(await analysisOf(fixture('vit_encoder.py'))).filter((c) => c.node.span.startLine + 1 === 40 && c.node.category === 'matmul');
    assert.deepEqual(mlp.map((c) => c.node.modulePath), ['layers[encoder_layer_*].mlp.0', 'layers[encoder_layer_*].mlp.3']);
    const analysis = await analysisOf(
      [
        'from collections import OrderedDict',
        'import torch.nn as nn',
        'class Net(nn.Module):',
        '    def __init__(self, c=16):',
        '        super().__init__()',
        '        self.odd = nn.Sequential(OrderedDict([("conv1", nn.Conv2d(c, c, 3, padding=1)), ("conv3", nn.Conv2d(c, c, 3, padding=1))]))',
        '        self.mixed = nn.Sequential(OrderedDict([("a1", nn.Conv2d(c, c, 1)), ("b2", nn.Conv2d(c, c, 1))]))',
        '    # memwall: shape x=[2, 16, 8, 8]',
        '    def forward(self, x):',
        '        return self.mixed(self.odd(x))',
      ].join('\n'),
    );
    const paths = analysis.costs.filter((c) => c.node.category === 'conv').map((c) => `${c.node.modulePath} ×${c.repeat}`);
    assert.deepEqual(paths, ['odd[conv1:4:2] ×2', 'mixed[a1,b2] ×2']);
  });

  it('keeps an item assigned into a list: a window as large as the feature map turns the shift off (Swin), a smaller one keeps it', async () => {
    const source = (side: number): string =>
      [
        'import torch',
        'from typing import List',
        'def shifted_window(input, window_size: List[int], shift_size: List[int]):',
        '    B, H, W, C = input.shape',
        '    shift_size = shift_size.copy()',
        '    if window_size[0] >= H:',
        '        shift_size[0] = 0',
        '    if window_size[1] >= W:',
        '        shift_size[-1] = 0',
        '    if sum(shift_size) > 0:',
        '        input = torch.roll(input, shifts=(-shift_size[0], -shift_size[1]), dims=(1, 2))',
        '    return input * 2',
        'def stage(x):',
        `    # memwall: shape x=[1, ${side}, ${side}, 8]`,
        '    return shifted_window(x, [7, 7], [3, 3])',
      ].join('\n');
    const ops = async (side: number): Promise<string[]> => (await analysisOf(source(side))).costs.map((c) => c.node.op);
    // 7×7 features, 7×7 windows: both shifts become 0 and PyTorch never rolls; 14×14 features roll by 3.
    assert.deepEqual(await ops(7), ['torch.mul']);
    assert.deepEqual(await ops(14), ['torch.roll', 'torch.mul']);
  });
});
