// Vision and diffusion layers as published (DINOv2, lucidrains' vit-pytorch, DiT), analysed with no flags: widths no
// code gives take the defaults by role, einops layers and patterns run as einops does, docstrings give input shapes.
// Each fixture has a trap twin; figures are computed by hand in the comments (B = 8, sequence 1,024, image 224).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze, type AnalyzeOptions } from '../../src/core/analyze';
import { formatShape } from '../../src/core/ir/dims';
import type { Analysis, CostedOp } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'published');

async function analysisOf(name: string, options: Partial<AnalyzeOptions> = {}): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser(), ...options });
}

function assumed(analysis: Analysis, symbol: string): string | undefined {
  const found = analysis.assumptions.find((a) => a.symbol === symbol);
  return found ? `${found.value} (${found.source})` : undefined;
}

function input(analysis: Analysis, name: string): string {
  const found = analysis.inputs.find((i) => i.name === name);
  return found ? `${formatShape(found.shape)} ${found.source}` : 'none';
}

const op = (analysis: Analysis, label: string): CostedOp | undefined => analysis.costs.find((c) => c.node.label === label);

const unpriced = (analysis: Analysis): string[] => analysis.costs.filter((c) => c.node.category !== 'view' && c.flops === null).map((c) => c.node.label);

describe('published vision layers: widths no code gives', () => {
  it('sizes an unbuilt attention layer by role: dim 768, N of `B, N, C = x.shape` the tokens (unsized_attention.py)', async () => {
    const analysis = await analysisOf('unsized_attention.py');
    assert.equal(assumed(analysis, 'dim'), '768 (default: model width of ViT-B/16, BERT-base and GPT-2 small)');
    assert.equal(assumed(analysis, 'N'), '1024 (default: the sequence dim of x, as the layers read it)');
    assert.match(input(analysis, 'x'), /^\[B, N, dim\] from `B, N, C = x.shape` at line 16, then self\.qkv \(Linear, in_features=dim\) at line 17/);
    assert.deepEqual(unpriced(analysis), []);
    // qkv: 2·8·1024·768·2304 (no bias) = 28,991,029,248. SDPA, 8 heads of 96: 2·8·8·1024·1024·(96 + 96) +
    // 5·8·8·1024·1024 = 26,105,348,096. proj: 2·8192·768·768 + 8192·768 (bias) = 9,669,967,872.
    assert.equal(op(analysis, 'self.qkv')?.flops, 28_991_029_248);
    assert.equal(op(analysis, 'nn.functional.scaled_dot_product_attention')?.flops, 26_105_348_096);
    assert.equal(op(analysis, 'self.proj')?.flops, 9_669_967_872);
  });

  it('takes the width the user gives over the default (--dims dim=1024)', async () => {
    const analysis = await analysisOf('unsized_attention.py', { configs: [{ dims: { dim: 1024 }, source: '--dims' }] });
    assert.equal(assumed(analysis, 'dim'), '1024 (--dims)');
    // 2·8·1024·1024·3072 = 51,539,607,552.
    assert.equal(op(analysis, 'self.qkv')?.flops, 51_539_607_552);
  });

  it('keeps a call site\'s width, leaves an axis named dim alone and N before a convolution a batch (the trap)', async () => {
    const analysis = await analysisOf('unsized_attention_trap.py');
    // Tiny builds Attention(384): 2·8·1024·384·1152 = 7,247,757,312.
    assert.equal(op(analysis, 'self.qkv')?.flops, 7_247_757_312);
    assert.equal(assumed(analysis, 'embed_dim'), '384 (Attention(embed_dim=384) (line 22))');
    assert.deepEqual(analysis.inputs.find((i) => i.scope === 'Tiny.forward')?.sizes, [8, 1024, 384]);
    // Scores(dim) only uses dim as the softmax's axis: no width is assumed for it.
    assert.equal(assumed(analysis, 'dim'), undefined);
    // Stem: N of `N, C, H, W = x.shape` meets a Conv2d as its batch: 8. 2·(8·64·224·224)·27 + 8·64·224·224 (bias).
    assert.equal(assumed(analysis, 'N'), '8 (default)');
    assert.equal(op(analysis, 'self.conv')?.flops, 1_412_956_160);
  });
});

describe('published vision layers: einops', () => {
  it('runs Rearrange layers, repeat, map(lambda) and ModuleList pairs as einops and Python do (einops_patches.py)', async () => {
    const analysis = await analysisOf('einops_patches.py');
    assert.deepEqual(unpriced(analysis), []);
    // The image is learned from the pattern, its channels from LayerNorm(patch_dim) read back through it.
    assert.match(input(analysis, 'img'), /^\[B, channels, height, width\] from rearrange \(rearrange, pattern 'b c \(h p1\) \(w p2\)'\) at line 44, then to_patch_embedding\.1 \(LayerNorm/);
    assert.equal(assumed(analysis, 'patch_size'), '16 (default: patch size of ViT-B/16)');
    assert.equal(assumed(analysis, 'depth'), '12 (default: layers of ViT-B/16, BERT-base and GPT-2 small)');
    // Cutting [8, 3, 224, 224] into patches copies it: 8·3·224·224 elements read and written, 2 bytes each.
    const patches = analysis.costs.find((c) => c.node.label.startsWith('rearrange (copies') && c.node.span.startLine === 43);
    assert.equal(patches?.bytes, 2 * 2 * 8 * 3 * 224 * 224);
    // Linear(768, 768) on 196 patches: 2·8·196·768·768 + 8·196·768 = 1,850,892,288.
    assert.equal(op(analysis, 'to_patch_embedding.2')?.flops, 1_850_892_288);
    // The class token [1, 1, 768] repeated to [8, 1, 768]: 768·2 bytes read, 8·768·2 written.
    assert.equal(op(analysis, 'repeat')?.bytes, 768 * 2 + 8 * 768 * 2);
    // 197 tokens, 8 heads of 64, 12 layers: to_qkv 2·8·197·768·1536; q·kᵀ 2·8·8·197·197·64; to_out 2·1576·512·768 + 1576·768.
    assert.equal(op(analysis, 'self.to_qkv')?.flops, 3_718_250_496);
    assert.equal(op(analysis, 'self.to_qkv')?.repeat, 12);
    assert.equal(op(analysis, 'torch.matmul')?.flops, 317_923_328);
    assert.equal(op(analysis, 'self.to_out')?.flops, 1_240_627_200);
  });

  it('prices Reduce as a reduction and a split as a view, and learns nothing from axis names that say nothing (the trap)', async () => {
    const analysis = await analysisOf('einops_patches_trap.py');
    // Reduce('b c h w -> b c', 'mean') over the conv's [8, 16, 224, 224]: one FLOP per input element.
    const reduce = analysis.costs.find((c) => c.node.op === 'einops.reduce');
    assert.equal(reduce?.flops, 8 * 16 * 224 * 224);
    const views = analysis.costs.filter((c) => c.node.op === 'einops.rearrange');
    assert.ok(views.length === 2 && views.every((c) => c.node.category === 'view'), JSON.stringify(views.map((c) => c.node.category)));
    // `x y z -> x (y z)` says nothing of the tokens' shape: they stay unknown and fc is listed unpriced.
    assert.equal(input(analysis, 'tokens'), `${formatShape(null)} nothing in the code says its shape`);
    assert.equal(op(analysis, 'self.fc')?.flops, null);
  });
});

describe('published vision layers: shapes a docstring gives', () => {
  it('reads `t: (N,)` and `x: (N, T, D)` from the forward\'s docstring and prices adaLN modulate (docstring_shapes.py)', async () => {
    const analysis = await analysisOf('docstring_shapes.py');
    assert.match(input(analysis, 't'), /^\[N\] from the docstring of AdaLNBlock\.forward, `t: \(N,\) tensor of diffusion timesteps` at line 24/);
    assert.match(input(analysis, 'x'), /^\[N, T, hidden_size\] from the docstring of AdaLNBlock\.forward/);
    assert.deepEqual(unpriced(analysis), []);
    // t_mlp: Linear(256, 384) on [8, 256]: 2·8·256·384 + 8·384. adaLN: Linear(384, 768) on [8, 384]: 2·8·384·768 + 8·768.
    assert.equal(op(analysis, 'self.t_mlp')?.flops, 1_575_936);
    assert.equal(op(analysis, 'self.adaLN_modulation')?.flops, 4_724_736);
    // modulate: x·(1 + scale) over [8, 1024, 384] = 3,145,728 FLOPs; 1 + scale over [8, 1, 384] = 3,072.
    const pointwise = analysis.costs.filter((c) => c.node.span.startLine === 9).map((c) => c.flops);
    assert.deepEqual(pointwise.filter((flops) => flops !== 0).sort((a, b) => (a as number) - (b as number)), [3_072, 3_145_728, 3_145_728]);
  });

  it('reads no shape from a sentence or a tuple with `*` (the trap)', async () => {
    const analysis = await analysisOf('docstring_shapes_trap.py');
    assert.equal(input(analysis, 't'), `${formatShape(null)} nothing in the code says its shape`);
    assert.match(input(analysis, 'x'), /^\[B, T, hidden_size\] from self\.norm \(LayerNorm/);
    assert.equal(op(analysis, 'self.t_mlp')?.flops, null);
  });
});
