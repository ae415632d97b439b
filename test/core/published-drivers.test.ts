// Inference code as published (gemma_pytorch, Meta's reference Llama): a forward whose KV caches, positions and mask
// only its generate() sizes. The forward's inputs come from the driver's first call (the prefill); the driver is
// analysed too, without the forward's ops a second time. Each fixture has a trap twin; figures are by hand (fp32).
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

function input(analysis: Analysis, name: string): string {
  const found = analysis.inputs.find((i) => i.name === name);
  return found ? `${formatShape(found.shape)} ${found.source}` : 'none';
}

function assumed(analysis: Analysis, symbol: string): string | undefined {
  const found = analysis.assumptions.find((a) => a.symbol === symbol);
  return found ? `${found.value} (${found.source})` : undefined;
}

/** FLOPs and bytes of the non-view op on that line with that label, and its repeat. */
function figures(analysis: Analysis, line: number, label: string): string {
  const found = analysis.costs.find((c) => c.node.span.startLine + 1 === line && c.node.label === label && c.node.category !== 'view');
  return found ? `×${found.repeat} ${found.flops} FLOP ${found.bytes} B` : 'none';
}

describe('published inference code: a forward sized by its generate()', () => {
  it('takes the forward\'s inputs from generate()\'s first call: ids, positions, one cache pair per layer, mask rows (cached_decoder_generate.py)', async () => {
    const analysis = await analysisOf('cached_decoder_generate.py');
    const prefill = 'as CachedDecoder.generate() builds it for its first call at line 118 (the prefill)';
    assert.equal(input(analysis, 'input_token_ids'), `[batch_size, min_prompt_len] ${prefill}`);
    assert.equal(input(analysis, 'input_positions'), `[min_prompt_len] ${prefill}`);
    assert.equal(input(analysis, 'mask'), `[1, 1, min_prompt_len, min_prompt_len+32] ${prefill}`);
    assert.equal(input(analysis, 'output_positions'), `[1] ${prefill}`);
    assert.equal(input(analysis, 'temperatures'), `[batch_size] ${prefill}`);
    // `torch.LongTensor([min_prompt_len - 1])` is int64, `torch.FloatTensor([temperature] * batch_size)` fp32.
    assert.deepEqual(analysis.inputs.filter((i) => i.name.endsWith('positions') || i.name === 'temperatures').map((i) => `${i.name} ${i.dtype}`), [
      'input_positions int64', 'output_positions int64', 'temperatures fp32',
    ]);
    const cache = `[batch_size, min_prompt_len+32, num_key_value_heads, head_dim] ${prefill} (num_hidden_layers of them)`;
    assert.equal(input(analysis, 'kv_caches[*][0]'), cache);
    assert.equal(input(analysis, 'kv_caches[*][1]'), cache);
    // The counts of host data (the prompts) take their role's size, each with its line.
    assert.equal(assumed(analysis, 'batch_size'), '8 (default, for `batch_size = len(prompts)` at line 96 (a count of host data MemWall cannot see))');
    assert.equal(
      assumed(analysis, 'min_prompt_len'),
      '1024 (default: a prompt as long as the default sequence T, for `min_prompt_len = min(len(p) for p in prompts)` at line 97 (a count of host data MemWall cannot see))',
    );
    assert.deepEqual(analysis.costs.filter((c) => c.node.category !== 'view' && c.flops === null).map((c) => c.node.label), [], 'every op priced');

    // B = 8, T = 1024 prompt tokens, S = 1024 + 32 = 1056 cache positions, 4 query heads and 2 KV heads of 64, fp32.
    // q_proj: 2·8·1024·256·256 = 1,073,741,824; k_proj: 2·8·1024·256·128 = 536,870,912.
    assert.equal(figures(analysis, 36, 'self.q_proj'), '×2 1073741824 FLOP 17039360 B');
    assert.equal(figures(analysis, 37, 'self.k_proj'), '×2 536870912 FLOP 12713984 B');
    // The new keys go into the cache: read [8, 1024, 2, 64] (4,194,304 B) and the 1,024 int64 positions (8,192 B),
    // write them (4,194,304 B) = 8,396,800 B.
    assert.equal(figures(analysis, 42, 'k_cache.index_copy_'), '×2 0 FLOP 8396800 B');
    // The whole cache repeated to 4 heads: read 8·1056·2·64·4 = 4,325,376 B, write twice that = 12,976,128 B.
    assert.equal(figures(analysis, 44, 'torch.repeat_interleave'), '×2 0 FLOP 12976128 B');
    // q·kᵀ over the whole cache: 2·8·4·1024·1056·64 = 4,429,185,024 FLOPs; q 8,388,608 B + k 8,650,752 B + scores
    // [8, 4, 1024, 1056] 138,412,032 B = 155,451,392 B.
    assert.equal(figures(analysis, 50, 'torch.matmul'), '×2 4429185024 FLOP 155451392 B');
    // + mask: the scores read and written, the [1, 1, 1024, 1056] mask rows read (4,325,376 B): 281,149,440 B.
    assert.equal(figures(analysis, 51, '+'), '×2 34603008 FLOP 281149440 B');
    // The logits of the last position only: 2·8·256·1000 = 4,096,000 FLOPs.
    assert.equal(figures(analysis, 91, 'torch.matmul'), '×1 4096000 FLOP 1064192 B');
    // Divided by the temperatures, [8] fp32 (`torch.FloatTensor([temperature] * batch_size)`): 8·1000 FLOPs; the
    // logits read and written (32,000 B each) and the 32 B of temperatures: 64,032 B.
    assert.equal(figures(analysis, 92, '/'), '×1 8000 FLOP 64032 B');

    // generate() is analysed too: its caches (8·1056·2·64·4 = 4,325,376 B each), and its decode loop, 32 steps;
    // the forward it calls adds no op there (the forward is its own root, at the prefill).
    assert.equal(figures(analysis, 103, 'torch.zeros'), '×2 0 FLOP 4325376 B');
    assert.equal(figures(analysis, 123, '=='), '×32 8 FLOP 72 B');
    const generateScope = analysis.costs.filter((c) => c.node.scope === 'CachedDecoder.generate');
    assert.ok(generateScope.length > 0);
    assert.equal(analysis.costs.filter((c) => c.node.label === 'self.q_proj').length, 1, 'the forward is priced once');
    // The EOS check copies a flag to the host every step (MW301), and the whole cache is repeated per step (MW102).
    const findings = analysis.findings.map((f) => `${f.code}@${f.span.startLine + 1}`);
    assert.ok(findings.includes('MW301@124'), findings.join(' '));
    assert.ok(findings.includes('MW102@44') && findings.includes('MW102@45'), findings.join(' '));
  });

  it('leaves a forward that states its input\'s shape to it, and a driver\'s input of unknown size to the learner (cached_decoder_generate_trap.py)', async () => {
    const analysis = await analysisOf('cached_decoder_generate_trap.py');
    // `B, T = idx.shape` states the shape: generate()'s [1, 4] prompt does not replace it, and generate() is not analysed.
    assert.equal(input(analysis, 'idx'), '[B, T] `B, T = idx.shape` at line 19');
    assert.equal(analysis.costs.filter((c) => c.node.scope === 'TinyLM.generate').length, 0);
    // head: 2·8·1024·128·512 = 1,073,741,824 FLOPs, once.
    assert.equal(figures(analysis, 20, 'self.head'), '×1 1073741824 FLOP 21233664 B');
    // `n_items = len(batch)` has no size by role: score()'s [n_items, 64] does not size the forward, its Linear does.
    assert.equal(input(analysis, 'features'), '[B, T, width] from self.proj (Linear, in_features=width) at line 38; B, T by default');
    assert.equal(assumed(analysis, 'n_items'), undefined);
    // proj: 2·8·1024·64·1 + 8,192 (bias) = 1,056,768 FLOPs; features 8·1024·64·4 = 2,097,152 B, weight 256 B, bias
    // 4 B, output 8·1024·4 = 32,768 B: 2,130,180 B.
    assert.equal(figures(analysis, 38, 'self.proj'), '×1 1056768 FLOP 2130180 B');
  });
});

describe('published inference code: a branch on model sizes the user gives', () => {
  const text = readFileSync(path.join(FIXTURES, 'gqa_branch_at_defaults.py'), 'utf8');
  const withDims = async (dims: Record<string, number>): Promise<Analysis> =>
    analyze(text, { parser: await testParser(), dtype: 'fp32', configs: [{ dims, source: '--dims' }], boundSymbols: Object.keys(dims) });
  const repeats = (analysis: Analysis): string[] =>
    analysis.costs.filter((c) => c.node.op === 'torch.repeat_interleave').map((c) => `${c.node.span.startLine + 1} ${formatShape(c.node.outputs[0]?.shape ?? null)} ${c.bytes} B`);

  it('takes the grouped-query branch that the defaults skip when the user gives the KV head count (gqa_branch_at_defaults.py)', async () => {
    assert.deepEqual(repeats(await analysisOf('gqa_branch_at_defaults.py')), [], 'at the defaults, 8 KV heads of 8: no repeat');
    // --dims num_key_value_heads=2: key [8, 1024, 2, 64] fp32 (4,194,304 B) repeated 8 // 2 = 4 times to
    // [8, 1024, 8, 64] (16,777,216 B): 20,971,520 B moved.
    const repeated = '[batch_size, T, num_key_value_heads*(num_attention_heads//num_key_value_heads), head_dim] 20971520 B';
    assert.deepEqual(repeats(await withDims({ num_key_value_heads: 2 })), [`35 ${repeated}`, `36 ${repeated}`]);
  });

  it('keeps a comparison that reads no size the user gives decided by the defaults (gqa_branch_at_defaults.py, --dims hidden_size)', async () => {
    assert.deepEqual(repeats(await withDims({ hidden_size: 1024 })), []);
  });
});
