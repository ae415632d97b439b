// Honest totals: no op priced from a zero or negative size, and "N of M ops priced" with the causes of the rest.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatText } from '../../src/cli/format/text';
import { analyze } from '../../src/core/analyze';
import { resolveHardware } from '../../src/core/cost/hardware';
import { coverage, coverageSentence } from '../../src/core/cost/coverage';
import { choosePeak, priceGraph } from '../../src/core/cost/price';
import { GraphBuilder } from '../../src/core/ir/graph';
import { testParser } from '../helpers/parser';
import { addOp, graphOf, type OpSpecForTest } from './build';

const H100 = resolveHardware('h100-sxm');

const gelu = (shape: (number | string)[]): OpSpecForTest => ({
  op: 'torch.nn.functional.gelu',
  category: 'pointwise',
  inputs: [{ shape }],
  outputs: [{ shape }],
});

describe('zero and negative sizes', () => {
  it('prices no op whose shape holds -1 or 0, and says why', () => {
    const bindings = new Map([['n_kv_heads', -1]]);
    const [sentinel, zero, fine] = priceGraph(graphOf([gelu([8, 'n_kv_heads', 64]), gelu([8, 0, 64]), gelu([8, 4, 64])]), H100, 'bf16', bindings);
    assert.equal(sentinel?.flops, null);
    assert.equal(sentinel?.bound, 'unknown');
    assert.match(sentinel?.explain[0] ?? '', /^not priced: input 1 \[8, -1, 64\] has a zero or negative size/);
    assert.equal(zero?.timeUs, null);
    assert.match(zero?.explain[0] ?? '', /input 1 \[8, 0, 64\] has a zero or negative size/);
    // The trap twin: the same op with a positive size is priced (5 FLOPs per element, erf form).
    assert.equal(fine?.flops, 5 * 8 * 4 * 64);
  });
});

describe('the ridge quoted is the ridge the verdict used', () => {
  it('gives each priced op the ridge its bound was decided with, and MW101 quotes it', async () => {
    const analysis = analyze(readFileSync(path.join(__dirname, '..', 'fixtures', 'rules', 'MW101-memory-bound-hotspot.py'), 'utf8'), { parser: await testParser() });
    const decided = analysis.costs.filter((cost) => cost.bound === 'memory' || cost.bound === 'compute');
    assert.ok(decided.length >= 2, `${decided.length} ops decided`);
    for (const cost of decided) {
      assert.equal(cost.bound === 'compute', (cost.intensity as number) > (cost.ridge as number), `${cost.node.label}: ${cost.intensity} vs ${cost.ridge}`);
    }
    // The vector unit's ridge for a LayerNorm on an H100 at bf16: the peak it is priced at, at η_c 71%, over 3.35 TB/s
    // at η_m 88% (16 FLOP/B; the peak's own ridge is 20).
    const norm = analysis.costs.find((cost) => cost.node.label === 'self.norm');
    const hardware = analysis.hardware;
    const vector = choosePeak(hardware, 'vector', 'bf16', false)?.value as number;
    assert.ok(Math.abs((norm?.ridge as number) - (hardware.computeEfficiency.value * vector) / (hardware.memoryEfficiency.value * hardware.bandwidth.value)) < 1e-9);
    assert.equal(Math.round(norm?.ridge as number), 16);
    const finding = analysis.findings.find((candidate) => candidate.code === 'MW101' && candidate.message.startsWith('self.norm'));
    assert.match(finding?.message ?? '', new RegExp(`against a ridge of ${Math.round(norm?.ridge as number)} FLOP/B \\(vector unit, at achievable efficiency\\)`));
  });
});

describe('coverage', () => {
  it('counts the priced ops among the ops the totals could count, and groups the others by cause', () => {
    const builder = new GraphBuilder();
    addOp(builder, gelu([8, 1024, 768]));
    addOp(builder, gelu([8, 'T', 'n_embd']));
    addOp(builder, gelu([8, 'T', 'n_embd']));
    addOp(builder, { op: 'mylib.fused_thing', category: 'unknown', inputs: [{ shape: [8, 768] }], outputs: [{ shape: null }], label: 'self.fused' });
    addOp(builder, { op: 'torch.Tensor.view', category: 'view', inputs: [{ shape: [8, 768] }], outputs: [{ shape: [8, 768] }] });
    const graph = builder.build({ bindings: [], ignores: new Map() });
    const covered = coverage(priceGraph(graph, H100, 'bf16', new Map([['T', 1024]])));
    assert.equal(covered.total, 4, 'the view is not counted');
    assert.equal(covered.priced, 1);
    assert.deepEqual(covered.causes.map((cause) => [cause.ops, cause.cause]), [
      [2, 'size `n_embd` not bound (give it with --dims or a magic comment)'],
      [1, 'calls MemWall does not know'],
    ]);
    assert.equal(
      coverageSentence(covered),
      '1 of 4 ops priced: totals and shares cover those only; not priced: 2 ops (size `n_embd` not bound (give it with --dims or a magic comment): gelu, …), 1 op (calls MemWall does not know: self.fused)',
    );
    assert.equal(coverageSentence(coverage(priceGraph(graphOf([gelu([8, 4])]), H100, 'bf16', new Map()))), undefined, 'nothing to say when all are priced');
  });

  it('says in the text report what the totals cover, and groups op notes by cause', async () => {
    const analysis = analyze(
      [
        'import torch.nn as nn',
        'from mylib import Mystery',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.blocks = nn.ModuleList([Mystery() for _ in range(4)])',
        '        self.head = nn.Linear(64, 10)',
        '    def forward(self, x):',
        '        for block in self.blocks:',
        '            x = block(x)',
        '        return self.head(x)',
      ].join('\n'),
      { parser: await testParser() },
    );
    const covered = coverage(analysis.costs);
    assert.equal(covered.priced, 0);
    // The four identical blocks are one row repeated 4 times (repeats.ts), so two rows in all.
    assert.match(coverageSentence(covered) ?? '', /^0 of 2 ops priced: totals and shares cover those only; not priced: 1 op \(calls MemWall does not know: block\), 1 op \(a shape lost upstream/);
    assert.deepEqual(analysis.costs.map((cost) => `${cost.node.label} ×${cost.repeat}`), ['block ×4', 'self.head ×1']);
    const text = formatText([{ path: 'net.py', analysis }]);
    assert.match(text, /^ {2}0 of 2 ops priced: totals and shares cover those only;/m);
    // The four instances' shared note is one line.
    assert.equal(text.match(/MemWall does not know `block`/g)?.length, 1);
  });

  it('keeps one note per place, with how many times it arose (a note of each layer instance)', async () => {
    const analysis = analyze(
      [
        'import torch',
        'import torch.nn as nn',
        'class Block(nn.Module):',
        '    def __init__(self, hooks, shift):',
        '        super().__init__()',
        '        self.hooks = hooks',
        '        self.shift = shift',
        '    def forward(self, x):',
        '        for hook in self.hooks:',
        '            x = torch.roll(x, self.shift, 1)',
        '        return x',
        'class Net(nn.Module):',
        '    def __init__(self, hooks):',
        '        super().__init__()',
        // Three instances that differ (their shift, an attribute the op keeps), so each keeps its own row and its own
        // note; identical ones would fold into one row with one note (repeats.ts). A scalar they multiply by would
        // not keep them apart: it costs the same.
        '        self.blocks = nn.Sequential(Block(hooks, 2), Block(hooks, 3), Block(hooks, 4))',
        '    # memwall: shape x=[8, 64]',
        '    def forward(self, x):',
        '        return self.blocks(x)',
      ].join('\n'),
      { parser: await testParser() },
    );
    const loops = analysis.notes.filter((note) => note.code === 'MW903');
    assert.deepEqual(loops.map((note) => note.message), ['Loop over `self.hooks` has an unknown trip count; its body is counted once. (3 times)']);
  });

  it('counts the priced ops whose shapes follow from an output assumed at a call MemWall does not know', async () => {
    const analysis = analyze(
      [
        'import torch.nn as nn',
        'from mylib import Stem',
        'class Net(nn.Module):',
        '    def __init__(self):',
        '        super().__init__()',
        '        self.stem = Stem()',
        '        self.conv = nn.Conv2d(64, 64, 3, padding=1)',
        '    # memwall: shape x=[8, 64, 56, 56]',
        '    def forward(self, x):',
        '        x = self.stem(x)',
        '        return self.conv(x).relu()',
      ].join('\n'),
      { parser: await testParser() },
    );
    const covered = coverage(analysis.costs);
    assert.deepEqual([covered.priced, covered.total, covered.assumed], [2, 3, 2]);
    const conv = analysis.costs.find((cost) => cost.node.label === 'self.conv');
    assert.ok(conv?.node.notes.includes('Its shapes follow from `self.stem` (line 10), a call MemWall does not know whose output was taken to be shaped like its input.'));
    assert.match(coverageSentence(covered) ?? '', /; 2 of the priced ops have shapes that follow from a call MemWall does not know \(its output taken to be shaped like its input\): their figures are guesses$/);
  });
});
