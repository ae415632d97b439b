// Training scripts: sizes from argparse defaults and DataLoader(batch_size=...), against hand computations, with the
// trap twin where the command line alone sets the batch size.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Analysis, CostedOp } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'scripts');

async function analyzeFixture(name: string): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser() });
}

async function analyzeText(lines: string[]): Promise<Analysis> {
  return analyze(lines.join('\n'), { parser: await testParser() });
}

function layer(analysis: Analysis, op: string, index = 0): CostedOp {
  const found = analysis.costs.filter((c) => c.node.op === op);
  assert.ok(found[index], `${op} #${index} in ${analysis.costs.map((c) => c.node.op).join(', ')}`);
  return found[index] as CostedOp;
}

function binding(analysis: Analysis, symbol: string): { value: number | string; source: string } | undefined {
  const found = analysis.assumptions.find((a) => a.symbol === symbol);
  return found ? { value: found.value, source: found.source } : undefined;
}

describe('training scripts: argparse defaults and DataLoader batches', () => {
  it('binds args.batch_size and args.hidden to their argparse defaults and batches the TensorDataset rows by them', async () => {
    const analysis = await analyzeFixture('train_mlp.py');
    assert.deepEqual(binding(analysis, 'batch_size'), { value: 64, source: 'argparse default of --batch-size (line 34)' });
    assert.deepEqual(binding(analysis, 'hidden'), { value: 512, source: 'argparse default of --hidden (line 36)' });
    assert.deepEqual(binding(analysis, 'epochs'), { value: 14, source: 'argparse default of --epochs (line 38)' });
    const fc1 = layer(analysis, 'torch.nn.Linear', 0);
    // A batch of 64 rows of the [60000, 784] images: 2·64·784·512 + 64·512 (bias).
    assert.deepEqual(fc1.inputShapes[0], [64, 784]);
    assert.equal(fc1.flops, 2 * 64 * 784 * 512 + 64 * 512);
    // 14 epochs of ⌈60000 / 64⌉ = 938 batches.
    assert.equal(fc1.repeat, 14 * 938);
    const fc2 = layer(analysis, 'torch.nn.Linear', 1);
    assert.equal(fc2.flops, 2 * 64 * 512 * 10 + 64 * 10);
    // The labels collate to an int64 batch of 64.
    const loss = layer(analysis, 'torch.nn.functional.nll_loss');
    assert.deepEqual(loss.inputShapes, [[64, 10], [64]]);
    assert.equal(loss.node.inputs[1]?.dtype, 'int64');
    // Building the parser and the loader are no ops.
    assert.ok(!analysis.costs.some((c) => /argparse|DataLoader|TensorDataset|add_argument|parse_args/.test(c.node.op)));
  });

  it('leaves a batch size the command line alone sets to the default by role, converts a string default through type=int, and drops the last batch (trap twin)', async () => {
    const analysis = await analyzeFixture('train_mlp_trap.py');
    assert.deepEqual(binding(analysis, 'batch_size'), { value: 8, source: 'default' });
    assert.deepEqual(binding(analysis, 'hidden'), { value: 256, source: 'argparse default of --hidden (line 36)' });
    const fc1 = layer(analysis, 'torch.nn.Linear', 0);
    assert.deepEqual(fc1.inputShapes[0], [8, 784]);
    assert.equal(fc1.flops, 2 * 8 * 784 * 256 + 8 * 256);
    // drop_last: 60000 // 8 = 7500 full batches per epoch, 14 epochs.
    assert.equal(fc1.repeat, 14 * 7500);
  });

  it("collates a Dataset's __getitem__ (a tensor and an int label) and sizes the loop by __len__", async () => {
    const analysis = await analyzeText([
      'import torch',
      'import torch.nn as nn',
      'from torch.utils.data import DataLoader, Dataset',
      '',
      '',
      'class RandomImages(Dataset):',
      '    def __init__(self, length=50000):',
      '        self.length = length',
      '',
      '    def __len__(self):',
      '        return self.length',
      '',
      '    def __getitem__(self, index):',
      '        return torch.randn(3, 32, 32), index % 10',
      '',
      '',
      'model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.Flatten(), nn.Linear(16 * 32 * 32, 10))',
      'loader = DataLoader(RandomImages(), batch_size=32, num_workers=4)',
      'for images, labels in loader:',
      '    logits = model(images)',
      '    loss = nn.functional.cross_entropy(logits, labels)',
    ]);
    assert.deepEqual(binding(analysis, 'batch_size'), { value: 32, source: 'DataLoader(batch_size=…) (line 18)' });
    const conv = layer(analysis, 'torch.nn.Conv2d');
    assert.deepEqual(conv.inputShapes[0], [32, 3, 32, 32]);
    // 2·32·16·32·32·(3·3·3) + 32·16·32·32 (bias), ⌈50000 / 32⌉ = 1563 batches.
    assert.equal(conv.flops, 2 * 32 * 16 * 32 * 32 * 27 + 32 * 16 * 32 * 32);
    assert.equal(conv.repeat, 1563);
    const loss = layer(analysis, 'torch.nn.functional.cross_entropy');
    assert.deepEqual(loss.inputShapes, [[32, 10], [32]]);
    assert.equal(loss.node.inputs[1]?.dtype, 'int64');
    // __getitem__ runs in the loader's workers: its torch.randn is no op of the loop.
    assert.ok(!analysis.costs.some((c) => c.node.op === 'torch.randn'));
  });
});
