// Layers a model builds from a class its library config names (litgpt's `config.mlp_class(config)`), against hand
// computations, with the trap twin where the named class is not in the file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Analysis } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'libraries');

async function analyzeFixture(name: string): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser() });
}

// litgpt.config.Config's defaults: n_embd 4096, intermediate_size 4·4096, 16 layers, biased Linears; B=8, T=1024.
const M = 8 * 1024;
const FC_FLOPS = 2 * M * 16384 * 4096 + M * 16384;
const PROJ_FLOPS = 2 * M * 4096 * 16384 + M * 4096;

describe('layers built from the class a library config names', () => {
  it("runs litgpt's `config.mlp_class(config)` as the file's GptNeoxMLP, once, in each of the 16 blocks", async () => {
    const analysis = await analyzeFixture('litgpt_mlp_class.py');
    const mlp = analysis.costs.filter((c) => c.node.scope === 'GptNeoxMLP.forward');
    assert.deepEqual(mlp.map((c) => [c.node.op, c.node.modulePath, c.repeat]), [
      ['torch.nn.Linear', 'h[*].mlp.fc', 16],
      ['torch.nn.functional.gelu', 'h[*].mlp', 16],
      ['torch.nn.Linear', 'h[*].mlp.proj', 16],
    ]);
    assert.deepEqual(mlp[0]?.inputShapes[0], [8, 1024, 4096]);
    assert.equal(mlp[0]?.flops, FC_FLOPS);
    assert.equal(mlp[2]?.flops, PROJ_FLOPS);
    // The config does not name LLaMAMLP: it is analysed alone, as a root of its own.
    assert.deepEqual(analysis.costs.filter((c) => c.node.scope === 'LLaMAMLP.forward').map((c) => c.node.modulePath), ['fc_1', 'fc_2', '', '', 'proj']);
    assert.ok(!analysis.notes.some((note) => note.code === 'MW906'), analysis.notes.map((note) => note.message).join('\n'));
  });

  it('leaves `config.mlp_class(config)` unresolved when the file does not define the class the config names (trap twin)', async () => {
    const analysis = await analyzeFixture('litgpt_mlp_class_trap.py');
    const unresolved = analysis.costs.filter((c) => c.node.op === 'self.mlp');
    assert.equal(unresolved.length, 2);
    assert.ok(unresolved.every((c) => c.flops === null));
    assert.ok(analysis.notes.some((note) => note.code === 'MW906' && note.message.startsWith('`self.mlp` could not be resolved')));
    // The file's LLaMAMLP does not stand in for the missing GptNeoxMLP: its ops run once, in its own root.
    const llama = analysis.costs.filter((c) => c.node.scope === 'LLaMAMLP.forward');
    assert.equal(llama.length, 5);
    assert.ok(llama.every((c) => !c.node.modulePath.startsWith('h[')));
    assert.equal(llama[0]?.flops, FC_FLOPS);
  });
});

describe("a config as transformers writes it: sizes as __init__'s parameters with defaults", () => {
  const PUBLISHED = path.join(__dirname, '..', 'fixtures', 'published');
  const analyzePublished = async (name: string) => analyze(readFileSync(path.join(PUBLISHED, name), 'utf8'), { parser: await testParser() });
  const flopsOf = (analysis: Analysis, label: string) => analysis.costs.find((c) => c.node.label === label)?.flops;
  const assumption = (analysis: Analysis, symbol: string) => {
    const found = analysis.assumptions.find((a) => a.symbol === symbol);
    return found && `${found.value} (${found.source})`;
  };

  it('sizes the model `config_class` names from the defaults, the None sentinel filled and head_dim derived as __init__ does', async () => {
    const analysis = await analyzePublished('hf_init_config.py');
    assert.equal(assumption(analysis, 'hidden_size'), '512 (DecoderConfig.__init__(hidden_size=512))');
    assert.equal(assumption(analysis, 'num_hidden_layers'), '4 (DecoderConfig.__init__(num_hidden_layers=4))');
    // q_proj and k_proj: 2·8192·512·(8·64); num_key_value_heads = num_attention_heads = 8. Each in 4 layers.
    assert.equal(flopsOf(analysis, 'self.q_proj'), 2 * 8192 * 512 * 512);
    assert.equal(flopsOf(analysis, 'self.k_proj'), 2 * 8192 * 512 * 512);
    assert.deepEqual(analysis.costs.filter((c) => c.node.category === 'matmul').map((c) => c.repeat), [4, 4]);
    assert.deepEqual(analysis.costs.filter((c) => c.node.category !== 'view' && c.flops === null).map((c) => c.node.label), []);
  });

  it("takes the file's own call over the defaults, and no other class of __init__ defaults (trap twin)", async () => {
    const analysis = await analyzePublished('hf_init_config_trap.py');
    assert.equal(assumption(analysis, 'num_key_value_heads'), '2 (DecoderConfig(num_key_value_heads=2) (line 73))');
    assert.equal(assumption(analysis, 'hidden_size'), '512 (DecoderConfig.__init__(hidden_size=512))');
    // k_proj: 2·8192·512·(2·64); two layers.
    assert.equal(flopsOf(analysis, 'self.k_proj'), 2 * 8192 * 512 * 128);
    assert.deepEqual(analysis.costs.filter((c) => c.node.category === 'matmul').map((c) => c.repeat), [2, 2]);
  });
});
