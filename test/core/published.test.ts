// Model code as it is published, analysed with no flags: untyped configs, layers zipped with their caches, configs
// imported from their library. Each fixture has a trap twin; figures are computed by hand in the comments.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import { formatShape } from '../../src/core/ir/dims';
import type { Analysis } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'published');

async function analysisOf(name: string): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser(), dtype: 'fp32' });
}

/** `modulePath op ×repeat flops` of each non-view op. */
function rows(analysis: Analysis): string[] {
  return analysis.costs.filter((c) => c.node.category !== 'view').map((c) => `${c.node.modulePath} ${c.node.op.replace('torch.nn.', '')} ×${c.repeat} ${c.flops}`);
}

function assumed(analysis: Analysis, symbol: string): string | undefined {
  const found = analysis.assumptions.find((a) => a.symbol === symbol);
  return found ? `${found.value} (${found.source})` : undefined;
}

describe('published code: untyped configs and zipped layers', () => {
  it('builds a root module\'s untyped config from the file\'s config class and walks zip(layers, caches) (decoder_untyped_config.py)', async () => {
    const analysis = await analysisOf('decoder_untyped_config.py');
    assert.equal(assumed(analysis, 'hidden_size'), '256 (DecoderConfig.hidden_size)');
    assert.equal(assumed(analysis, 'num_hidden_layers'), '6 (DecoderConfig.num_hidden_layers)');
    const lines = rows(analysis);
    // B·T = 8·1024 = 8192 rows (the defaults). up: 2·8192·256·1024 + 8192·1024 (bias) = 4,303,355,904; down:
    // 2·8192·1024·256 + 8192·256 = 4,297,064,448; lm_head (no bias): 2·8192·256·1000 = 4,194,304,000.
    assert.ok(lines.includes('layers[*].up Linear ×6 4303355904'), lines.join('\n'));
    assert.ok(lines.includes('layers[*].down Linear ×6 4297064448'), lines.join('\n'));
    assert.ok(lines.includes('lm_head Linear ×1 4194304000'), lines.join('\n'));
    // Each cache entry is the None that `tuple([None] * len(self.layers))` holds: the cat under `is not None` never runs.
    assert.ok(!lines.some((line) => line.includes('cat')), lines.join('\n'));
    assert.equal(analysis.costs.filter((c) => c.node.category !== 'view' && c.flops === null).length, 0, 'every op priced');
  });

  it('guesses no config among two and runs every pass of a zip whose companion changes (decoder_zip_trap.py)', async () => {
    const analysis = await analysisOf('decoder_zip_trap.py');
    // Two config classes: `config.hidden_size` is a size the user must give, not one of them picked.
    assert.equal(assumed(analysis, 'hidden_size'), undefined);
    // steps [1, 1, 4]: the first two passes are alike, the third is not: 1 + 1 + 4 = 6 runs of a 64→64 Linear,
    // 2·8192·64·64 + 8192·64 = 67,633,152 FLOPs each.
    const blocks = analysis.costs.filter((c) => c.node.op === 'torch.nn.Linear' && c.node.scope === 'Refiner.forward');
    assert.equal(blocks.reduce((sum, c) => sum + c.repeat, 0), 6, rows(analysis).join('\n'));
    assert.ok(blocks.every((c) => c.flops === 67_633_152), rows(analysis).join('\n'));
  });

  it('builds a transformers model from the config class it names, imported from the package (hf_style_encoder.py)', async () => {
    const analysis = await analysisOf('hf_style_encoder.py');
    // ViTConfig's defaults: width 768, 12 heads (head_dim from getattr's default, 768 // 12 = 64), 12 layers.
    assert.equal(assumed(analysis, 'hidden_size'), '768 (ViTConfig.hidden_size)');
    assert.equal(assumed(analysis, 'num_hidden_layers'), '12 (ViTConfig.num_hidden_layers)');
    const lines = rows(analysis);
    // input_ids (the first input, default None, seen through input_ids.view(-1, input_shape[-1])) is learned as
    // [B, T] = [8, 1024]: 8192 rows. qkv: 2·8192·768·2304 +
    // 8192·2304 (bias) = 29,009,903,616; scores: 2·8·12·1024·1024·64 = 12,884,901,888; each ×12 layers.
    assert.ok(lines.includes('encoder.layers[*].qkv Linear ×12 29009903616'), lines.join('\n'));
    assert.ok(lines.includes('encoder.layers[*] torch.matmul ×12 12884901888'), lines.join('\n'));
    // get_head_mask gives None per layer and attention_mask stays None: no multiply by either.
    assert.ok(!lines.some((line) => line.includes('torch.mul')), lines.join('\n'));
    assert.equal(analysis.costs.filter((c) => c.node.category !== 'view' && c.flops === null).length, 0, 'every op priced');
    // The model does not say it supports sdpa: eager attention, as transformers picks it (no SDPA op).
    assert.ok(!lines.some((line) => line.includes('scaled_dot_product')), lines.join('\n'));
    // outputs[0] is the ModelOutput's first field set, [B, T, 768]: the classifier reads its first token, [8, 768],
    // into ViTConfig's 2 labels: 2·8·768·2 + 8·2 = 24,592 FLOPs.
    assert.ok(lines.includes('classifier Linear ×1 24592'), lines.join('\n'));
  });

  it('keeps the sizes of a config it cannot read the user\'s, and fills a sentinel in __post_init__ (hf_style_trap.py)', async () => {
    const analysis = await analysisOf('hf_style_trap.py');
    // MysteryConfig is not readable: not the getattr default 64, not the file's other config class.
    assert.equal(assumed(analysis, 'hidden_size'), undefined);
    assert.equal(assumed(analysis, 'head_dim'), undefined);
    const proj = analysis.costs.find((c) => c.node.modulePath === 'proj');
    assert.equal(proj?.flops, null);
    // ModelArgs: n_kv_heads None → n_heads (8), head_dim = 512 // 8 = 64: wk is 512 → 512, 2·8192·512·512 FLOPs.
    const wk = analysis.costs.find((c) => c.node.modulePath === 'wk');
    assert.equal(wk?.flops, 4_294_967_296);
  });

  it('keeps a broadcast dim of 1 when a slice bound is a size (cos_cached[:seq_len] of a [1, 1, n, d] cache)', async () => {
    const text = [
      'import torch',
      'from torch import nn',
      '',
      '',
      'class Rotary(nn.Module):',
      '    def __init__(self, dim=64, max_positions=2048):',
      '        super().__init__()',
      '        self.register_buffer("cos_cached", torch.ones(1, 1, max_positions, dim))',
      '',
      '    def forward(self, x):',
      '        # memwall: shape x=[B, 16, T, 64]',
      '        seq_len = x.shape[-2]',
      '        return x * self.cos_cached[:seq_len, ...][..., :seq_len, :]',
    ].join('\n');
    const analysis = analyze(text, { parser: await testParser(), dtype: 'fp32' });
    const multiply = analysis.graph.ops.find((op) => op.category === 'pointwise');
    // Python clamps `[:seq_len]` to the dim of 1: the cache read is [1, 1, T, dim], not [T, 1, T, dim].
    assert.equal(formatShape(multiply?.inputs[1]?.shape ?? null), '[1, 1, T, dim]');
  });

  it('walks `for i in range(len(self.layers))` layer by layer, so `self.layers[i]` is that layer (as Gemma writes it)', async () => {
    const text = [
      'from torch import nn',
      '',
      '',
      'class Stack(nn.Module):',
      '    def __init__(self, width=64, depth=4):',
      '        super().__init__()',
      '        self.layers = nn.ModuleList()',
      '        for i in range(depth):',
      '            self.layers.append(nn.Linear(width, width, bias=i % 2 == 0))',
      '',
      '    def forward(self, x):',
      '        for i in range(len(self.layers)):',
      '            layer = self.layers[i]',
      '            x = layer(x)',
      '        return x',
    ].join('\n');
    const analysis = analyze(text, { parser: await testParser(), dtype: 'fp32' });
    // Layers 0 and 2 have a bias, 1 and 3 do not: two rows of two. x is learned as [B, T, 64] = 8192 rows:
    // 2·8192·64·64 = 67,108,864 FLOPs, + 8192·64 = 67,633,152 with the bias.
    const linears = analysis.costs.filter((c) => c.node.op === 'torch.nn.Linear').map((c) => `${c.node.modulePath} ×${c.repeat} ${c.flops}`);
    assert.deepEqual(linears.sort(), ['layers[0:3:2] ×2 67633152', 'layers[1:4:2] ×2 67108864'], linears.join('\n'));
  });

  it('indexes with a slice object as a slice (HF\'s logits_to_keep), and never drops a dim for an index it cannot read', async () => {
    const text = (index: string): string => [
      'from torch import nn',
      '',
      '',
      'class Head(nn.Module):',
      '    def __init__(self, d=64, v=100):',
      '        super().__init__()',
      '        self.lm_head = nn.Linear(d, v, bias=False)',
      '',
      '    def forward(self, hidden_states, logits_to_keep: int = 0, positions=None):',
      '        # memwall: shape hidden_states=[B, T, 64]',
      '        slice_indices = slice(-logits_to_keep, None)',
      `        return self.lm_head(hidden_states[:, ${index}, :])`,
    ].join('\n');
    const sliced = analyze(text('slice_indices'), { parser: await testParser(), dtype: 'fp32' });
    // slice(-0, None) keeps every position: [8, 1024, 64] @ [64, 100]: 2·8192·64·100 = 104,857,600 FLOPs.
    assert.equal(sliced.costs.find((c) => c.node.modulePath === 'lm_head')?.flops, 104_857_600);
    // The trap: an index of unknown kind may be a tensor or a slice; the shape is unknown rather than one dim less.
    const unread = analyze(text('positions.unknown_attribute'), { parser: await testParser(), dtype: 'fp32' });
    assert.equal(unread.costs.find((c) => c.node.modulePath === 'lm_head')?.flops, null);
  });
});
