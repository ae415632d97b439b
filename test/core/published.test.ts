// Model code as it is published, analysed with no flags: untyped configs, layers zipped with their caches, configs
// imported from their library. Each fixture has a trap twin; figures are computed by hand in the comments.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
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
});
