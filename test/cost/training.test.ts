// A training step priced: loss.backward() from the forward it differentiates, optimizer.step() per parameter element.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Analysis, CostedOp } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'training');
const PYTHON = '/usr/bin/python3';
const ORACLE = path.join(__dirname, '..', 'oracle', 'backward-oracle.py');

async function analyzeFixture(name: string): Promise<Analysis> {
  return analyze(readFileSync(path.join(FIXTURES, name), 'utf8'), { parser: await testParser() });
}

async function analyzeText(text: string): Promise<Analysis> {
  return analyze(text, { parser: await testParser() });
}

function only(analysis: Analysis, op: string): CostedOp {
  const found = analysis.costs.filter((cost) => cost.node.op === op);
  assert.equal(found.length, 1, `one ${op}: ${found.length}`);
  return found[0] as CostedOp;
}

/** The priced op of a fixture's step (repeat 100) by label: its one-execution figures. */
function stepOp(analysis: Analysis, label: string): CostedOp {
  const found = analysis.costs.find((cost) => cost.node.label === label && cost.repeat === 100);
  assert.ok(found, label);
  return found;
}

// ConvNet of the fixtures, batch 64 of 3×32×32: 3×3 convolutions with padding 1 keep 32×32.
const CONV1 = 2 * 64 * 32 * 32 * 32 * (3 * 9) + 64 * 32 * 32 * 32; // 2·M·N·K + bias
const CONV2 = 2 * 64 * 64 * 32 * 32 * (32 * 9) + 64 * 64 * 32 * 32;
const RELU1 = 64 * 32 * 32 * 32;
const RELU2 = 64 * 64 * 32 * 32;
const MEAN = 64 * 64 * 32 * 32;
const LINEAR = 2 * 64 * 10 * 64 + 64 * 10;
const CROSS_ENTROPY = 6 * 64 * 10;
const PARAMETERS = { conv1: 32 * 3 * 9 + 32, conv2: 64 * 32 * 9 + 64, classifier: 10 * 64 + 10 };

describe('loss.backward() in a classification recipe (test/fixtures/training/train_classifier.py)', () => {
  it('differentiates every forward op: the first conv 1× (its input is data), the rest of the contractions 2×, the others 1×', async () => {
    const analysis = await analyzeFixture('train_classifier.py');
    const backward = only(analysis, 'torch.Tensor.backward');
    assert.equal(backward.node.category, 'training');
    assert.equal(backward.repeat, 100);
    assert.equal(backward.flops, CONV1 + RELU1 + 2 * CONV2 + RELU2 + MEAN + 2 * LINEAR + CROSS_ENTROPY);
    // Bytes and time: each gradient product about its forward op's, the same factors.
    const factors: [string, number][] = [['features.0', 1], ['features.1', 1], ['features.2', 2], ['features.3', 1], ['x.mean', 1], ['self.classifier', 2], ['criterion', 1]];
    const sum = (field: 'bytes' | 'timeUs' | 'bytesRead'): number => factors.reduce((total, [label, factor]) => total + factor * (stepOp(analysis, label)[field] as number), 0);
    assert.equal(backward.bytes, sum('bytes'));
    assert.equal(backward.bytesRead, sum('bytesRead'));
    assert.ok(Math.abs((backward.timeUs as number) - sum('timeUs')) < 1e-9);
    assert.equal(backward.unit, 'tensor');
    assert.match(backward.explain[0] as string, /^backward of 7 forward ops \(9 gradient products\), estimated from their priced forward/);
    assert.ok(backward.explain.some((line) => /features\.2 \(line 19\) 2× \(input and weight gradients\)/.test(line)), backward.explain.join('\n'));
  });

  it('prices SGD with momentum and weight decay: 7 FLOPs per parameter element, param, grad and buffer read, param and buffer written', async () => {
    const analysis = await analyzeFixture('train_classifier.py');
    const step = only(analysis, 'torch.optim.SGD.step');
    const n = PARAMETERS.conv1 + PARAMETERS.conv2 + PARAMETERS.classifier;
    assert.deepEqual(step.inputShapes, [[n]]);
    // weight decay d_p.add(param, alpha) 2 + buf.mul_(momentum).add_(d_p, alpha) 3 + param.add_(d_p, alpha=-lr) 2.
    assert.equal(step.flops, 7 * n);
    assert.equal(step.bytesRead, 3 * n * 2);
    assert.equal(step.bytesWritten, 2 * n * 2);
    assert.equal(step.node.category, 'training');
  });

  it('lists no op for zero_grad() or torch.save(), and no unknown op at all', async () => {
    const analysis = await analyzeFixture('train_classifier.py');
    assert.deepEqual(analysis.costs.filter((cost) => cost.node.category === 'unknown').map((cost) => cost.node.op), []);
    assert.ok(!analysis.costs.some((cost) => /zero_grad|save/.test(cost.node.op)));
  });
});

describe('the trap twin: a frozen backbone, accuracy beside the loss, evaluation under no_grad (train_classifier_trap.py)', () => {
  it('differentiates the head alone (its weight gradient) and the loss', async () => {
    const analysis = await analyzeFixture('train_classifier_trap.py');
    const backward = only(analysis, 'torch.Tensor.backward');
    assert.equal(backward.flops, LINEAR + CROSS_ENTROPY);
    assert.match(backward.explain[0] as string, /^backward of 2 forward ops \(2 gradient products\)/);
  });

  it('updates the head\'s parameters alone with AdamW: 14 FLOPs per element, 4 tensors read and 3 written', async () => {
    const analysis = await analyzeFixture('train_classifier_trap.py');
    const step = only(analysis, 'torch.optim.AdamW.step');
    assert.deepEqual(step.inputShapes, [[PARAMETERS.classifier]]);
    // param.mul_(1 - lr·wd) 1 (AdamW's default weight_decay 1e-2) + exp_avg 3 + exp_avg_sq 4 + denom 3 + addcdiv_ 3.
    assert.equal(step.flops, 14 * PARAMETERS.classifier);
    assert.equal(step.bytesRead, 4 * PARAMETERS.classifier * 2);
    assert.equal(step.bytesWritten, 3 * PARAMETERS.classifier * 2);
  });

  it('marks the evaluation\'s ops no_grad, and runs no backward there', async () => {
    const analysis = await analyzeFixture('train_classifier_trap.py');
    const evaluation = analysis.costs.filter((cost) => cost.node.scope === 'evaluate');
    assert.ok(evaluation.length > 0 && evaluation.every((cost) => cost.node.noGrad === true));
    assert.ok(analysis.costs.filter((cost) => cost.node.scope === 'train_one_epoch').every((cost) => cost.node.noGrad !== true));
  });
});

describe('the backward against PyTorch (test/oracle/backward-oracle.py: matmul-like aten ops of a real backward)', () => {
  const torch = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;
  for (const [fixture, freeze] of [['train_classifier.py', undefined], ['train_classifier_trap.py', 'features']] as const) {
    it(`${fixture}: the contractions' gradient FLOPs within 1% of what PyTorch dispatches (biases aside)`, { skip: torch ? false : 'no python3-torch' }, async () => {
      const run = spawnSync(PYTHON, [ORACLE, path.join(FIXTURES, fixture), 'ConvNet', '64,3,32,32', '10', ...(freeze ? ['--freeze', freeze] : [])], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const oracle = JSON.parse(run.stdout) as { backward: number };
      const analysis = await analyzeFixture(fixture);
      const backward = only(analysis, 'torch.Tensor.backward');
      // The static backward less its 1× terms on pointwise, reduction and loss ops: the contractions' gradients.
      const others = freeze ? CROSS_ENTROPY : RELU1 + RELU2 + MEAN + CROSS_ENTROPY;
      const contractions = (backward.flops as number) - others;
      const error = Math.abs(contractions - oracle.backward) / oracle.backward;
      console.log(`${fixture}: static backward contractions ${contractions} FLOPs, PyTorch ${oracle.backward}: ${(error * 100).toFixed(2)}%`);
      assert.ok(error < 0.01, `${contractions} vs ${oracle.backward}`);
    });
  }
});

describe('pytorch/examples\' MNIST recipe (test/fixtures/scripts/train_mlp.py): Adadelta', () => {
  it('prices Adadelta\'s step at 16 FLOPs per element: param, grad and both accumulators read, param and accumulators written', async () => {
    const analysis = await analyzeText(readFileSync(path.join(__dirname, '..', 'fixtures', 'scripts', 'train_mlp.py'), 'utf8'));
    const step = only(analysis, 'torch.optim.Adadelta.step');
    // fc1 784→512 and fc2 512→10 with biases.
    const n = 784 * 512 + 512 + 512 * 10 + 10;
    assert.deepEqual(step.inputShapes, [[n]]);
    // square_avg 4, std 2, delta 4, acc_delta 4, param.add_ 2 (torch/optim/adadelta.py); no weight decay by default.
    assert.equal(step.flops, 16 * n);
    assert.equal(step.bytesRead, 4 * n * 2);
    assert.equal(step.bytesWritten, 3 * n * 2);
    // The backward: fc1 on data 1× (its weight gradient), fc2 2×, ReLU, log_softmax and nll_loss 1×.
    const cost = (label: string): number => analysis.costs.find((c) => c.node.label === label)?.flops as number;
    assert.equal(only(analysis, 'torch.Tensor.backward').flops, cost('self.fc1') + 2 * cost('self.fc2') + cost('F.relu') + cost('F.log_softmax') + cost('F.nll_loss'));
  });
});

describe('backward forms and limits', () => {
  const model = `
import torch
import torch.nn as nn
import torch.nn.functional as F

class Attention(nn.Module):
    def __init__(self, dim=512, heads=8):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        k = k.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        v = v.view(B, T, self.heads, C // self.heads).transpose(1, 2)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return y.transpose(1, 2).reshape(B, T, C)
`;

  it('prices fused attention 2.5× its forward FLOPs, and scaler.scale(loss).backward(), clipping and scaler.step(optimizer)', async () => {
    const analysis = await analyzeText(`${model}
def main():
    model = Attention().cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    scaler = torch.cuda.amp.GradScaler()
    for it in range(10):
        x = torch.randn(4, 256, 512, device="cuda")
        loss = model(x).float().pow(2).mean()
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
`);
    const backward = only(analysis, 'torch.Tensor.backward');
    const byOp = (op: string): CostedOp => analysis.costs.find((cost) => cost.node.op === op && cost.repeat === 10) as CostedOp;
    const attention = byOp('torch.nn.functional.scaled_dot_product_attention');
    const linear = byOp('torch.nn.Linear');
    // Linear on data: 1×; attention 2.5×; the reshape copy, the cast, pow, mean and the scale's multiply 1× each.
    const ones = ['torch.Tensor.reshape', 'torch.Tensor.contiguous', 'torch.Tensor.float', 'torch.Tensor.pow', 'torch.Tensor.mean', 'torch.mul']
      .map((op) => analysis.costs.find((cost) => cost.node.op === op && cost.repeat === 10 && (cost.flops ?? 0) + (cost.bytes ?? 0) > 0)?.flops ?? 0)
      .reduce((a, b) => a + b, 0);
    assert.equal(backward.flops, (linear.flops as number) + 2.5 * (attention.flops as number) + ones);
    // Adam without weight decay: 13 FLOPs per element (3 + 4 + 3 + 3), after the unscale pass (2 per element).
    const n = 512 * 1536 + 1536;
    assert.equal(only(analysis, 'torch.optim.Adam.step').flops, 13 * n);
    assert.equal(only(analysis, 'torch.cuda.amp.GradScaler.unscale_').flops, 2 * n);
    // Clipping: the 2-norm (a square and an add) and the scaling (a multiply); gradients read twice, written once.
    const clip = only(analysis, 'torch.nn.utils.clip_grad_norm_');
    assert.equal(clip.flops, 3 * n);
    assert.equal(clip.bytesRead, 2 * n * 2);
    assert.equal(clip.bytesWritten, n * 2);
  });

  it('differentiates a leaf made with requires_grad=True, and nothing when no parameter or such leaf is upstream (trap)', async () => {
    const analysis = await analyzeText(`
import torch

def main():
    x = torch.randn(8, 64, device="cuda", requires_grad=True)
    mask = torch.ones(8, 64, device="cuda")
    loss = (x * mask).sum()
    loss.backward()
    other = (mask * mask).sum()
    other.backward()
`);
    const [first, second] = analysis.costs.filter((cost) => cost.node.op === 'torch.Tensor.backward');
    assert.equal(first?.flops, 8 * 64 + 8 * 64);
    assert.equal(second?.flops, null);
    assert.match(second?.explain[0] as string, /^not priced: no op upstream of the loss reads a trainable parameter/);
  });

  it('leaves the backward unpriced, and says why, when an op it differentiates is not priced', async () => {
    const analysis = await analyzeText(`
import torch
import torch.nn as nn
from somewhere import mystery

def main():
    layer = nn.Linear(64, 64).cuda()
    x = torch.randn(8, 64, device="cuda")
    loss = mystery(layer(x)).sum()
    loss.backward()
`);
    const backward = only(analysis, 'torch.Tensor.backward');
    assert.equal(backward.flops, null);
    assert.equal(backward.timeUs, null);
    assert.match(backward.explain[0] as string, /^not priced: 1 of the forward ops it differentiates is not priced \(mystery \(line 9\)\)/);
  });

  it('scales a layer repeated inside one step by its repeat over the backward\'s', async () => {
    const analysis = await analyzeText(`
import torch
import torch.nn as nn

class Stack(nn.Module):
    def __init__(self, depth=12, dim=256):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(dim, dim) for _ in range(depth)])

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

def main():
    model = Stack().cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(5):
        loss = model(torch.randn(32, 256, device="cuda")).sum()
        loss.backward()
        optimizer.step()
`);
    const backward = only(analysis, 'torch.Tensor.backward');
    const linear = analysis.costs.find((cost) => cost.node.op === 'torch.nn.Linear') as CostedOp;
    const sum = analysis.costs.find((cost) => cost.node.op === 'torch.Tensor.sum') as CostedOp;
    assert.equal(linear.repeat, 60);
    assert.equal(backward.repeat, 5);
    // 12 weight gradients, and 11 input gradients: the first linear reads data, each later one the previous output.
    assert.equal(backward.flops, (12 + 11) * (linear.flops as number) + (sum.flops as number));
    // SGD without momentum or weight decay: param.add_(grad, alpha=-lr), 2 FLOPs per element over 12 layers.
    assert.equal(only(analysis, 'torch.optim.SGD.step').flops, 2 * 12 * (256 * 256 + 256));
  });
});
