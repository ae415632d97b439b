// The GPU database: dense peaks (a guard against sparse figures), sources on every number, lookup and custom GPUs.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { listHardware, resolveHardware } from '../../src/core/cost/hardware';
import { ridgePoint } from '../../src/core/cost/price';
import type { Hardware, SourcedNumber } from '../../src/core/ir/types';

const T = 1e12;
const HARDWARE_DIR = join(__dirname, '../../src/core/cost/hardware');

/**
 * Dense tensor-core peaks from shared/reference/hardware-and-cost-model.md §1 (TFLOP/s; bf16 or, where the GPU has
 * no bf16 tensor cores, fp16). NVIDIA headline figures with sparsity are exactly twice these.
 */
const REFERENCE_DENSE_TENSOR: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  b200: { bf16: 2250, fp16: 2250, tf32: 1100, fp8: 4500, int8: 4500 },
  h200: { bf16: 989.4, fp16: 989.4, tf32: 494.7, fp8: 1978.9, int8: 1978.9 },
  'h100-sxm': { bf16: 989.4, fp16: 989.4, tf32: 494.7, fp8: 1978.9, int8: 1978.9 },
  'h100-pcie': { bf16: 756, fp16: 756, tf32: 378, fp8: 1513, int8: 1513 },
  'a100-80gb-sxm': { bf16: 312, fp16: 312, tf32: 156, int8: 624 },
  'a100-40gb-pcie': { bf16: 312, fp16: 312, tf32: 156, int8: 624 },
  l40s: { bf16: 362.05, fp16: 362.05, tf32: 183, fp8: 733, int8: 733 },
  l4: { bf16: 121, fp16: 121, tf32: 60, fp8: 242.5, int8: 242.5 },
  a10: { bf16: 125, fp16: 125, tf32: 62.5, int8: 250 },
  'rtx-4090': { bf16: 165.2, fp16: 165.2, tf32: 82.6, fp8: 330.3, int8: 660.6 },
  'rtx-3090': { bf16: 71, fp16: 71, tf32: 35.6, int8: 284 },
  'v100-sxm2': { fp16: 125 },
  t4: { fp16: 65, int8: 130 },
  mi300x: { bf16: 1307.4, fp16: 1307.4, tf32: 653.7, fp8: 2614.9, int8: 2614.9 },
  mi250x: { bf16: 383, fp16: 383, int8: 383 },
};

/** Reference bandwidth (GB/s) and fp32 vector peak (TFLOP/s). */
const REFERENCE_MEMORY: Readonly<Record<string, readonly [number, number]>> = {
  b200: [8000, 80], h200: [4800, 66.9], 'h100-sxm': [3350, 66.9], 'h100-pcie': [2000, 51],
  'a100-80gb-sxm': [2039, 19.5], 'a100-40gb-pcie': [1555, 19.5], l40s: [864, 91.6], l4: [300, 30.3], a10: [600, 31.2],
  'rtx-4090': [1008, 82.6], 'rtx-3090': [936, 35.6], 'v100-sxm2': [900, 15.7], t4: [320, 8.1], mi300x: [5300, 163.4],
  mi250x: [3276.8, 47.9],
};

function sourcedNumbers(h: Hardware): [string, SourcedNumber][] {
  const out: [string, SourcedNumber][] = [];
  for (const [d, n] of Object.entries(h.tensorPeak)) out.push([`tensorPeak.${d}`, n as SourcedNumber]);
  for (const [d, n] of Object.entries(h.vectorPeak)) out.push([`vectorPeak.${d}`, n as SourcedNumber]);
  for (const key of ['bandwidth', 'memoryBytes', 'l2Bytes', 'smCount', 'launchOverhead', 'memoryEfficiency', 'computeEfficiency'] as const) {
    out.push([key, h[key]]);
  }
  if (h.lastLevelCacheBytes) out.push(['lastLevelCacheBytes', h.lastLevelCacheBytes]);
  return out;
}

describe('GPU database', () => {
  const all = listHardware();

  it('holds the 15 GPUs of the issue, one JSON file per GPU named by its id', () => {
    assert.deepEqual(all.map((h) => h.id).sort(), Object.keys(REFERENCE_DENSE_TENSOR).sort());
    const files = readdirSync(HARDWARE_DIR).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(files, all.map((h) => `${h.id}.json`).sort());
    for (const file of files) {
      const json = JSON.parse(readFileSync(join(HARDWARE_DIR, file), 'utf8')) as { id: string };
      assert.equal(`${json.id}.json`, file);
      assert.match(json.id, /^[a-z0-9-]+$/);
    }
  });

  it('quotes dense peaks: H100 SXM bf16 989.4 TFLOP/s and A100 312, never the 2× sparse figure', () => {
    assert.equal(resolveHardware('h100-sxm').tensorPeak.bf16?.value, 989.4e12);
    assert.equal(resolveHardware('a100-80gb-sxm').tensorPeak.bf16?.value, 312e12);
    for (const [id, peaks] of Object.entries(REFERENCE_DENSE_TENSOR)) {
      const h = resolveHardware(id);
      for (const [dtype, dense] of Object.entries(peaks)) {
        const value = h.tensorPeak[dtype as keyof Hardware['tensorPeak']]?.value;
        assert.ok(value !== undefined, `${id} ${dtype} tensor peak missing`);
        assert.ok(Math.abs(value - dense * T) < 1e-6 * dense * T, `${id} ${dtype}: ${value / T} TFLOP/s, reference dense ${dense}`);
        assert.notEqual(Math.round(value / T), Math.round(2 * dense), `${id} ${dtype} looks like a sparse figure`);
      }
    }
  });

  it('every NVIDIA tensor bf16/fp16 peak is at most 16× its fp32 vector peak (a sparse figure would be 32×)', () => {
    // Dense bf16 tensor ÷ fp32 vector: Hopper 14.8, A100 16, Ada/GA102 2-4, Blackwell 28 for HGX B200's 2250/80.
    for (const h of all.filter((g) => g.vendor === 'nvidia' && g.id !== 'b200')) {
      const tensorPeak = (h.tensorPeak.bf16 ?? h.tensorPeak.fp16)?.value as number;
      assert.ok(tensorPeak / (h.vectorPeak.fp32?.value as number) <= 16.01, `${h.id}: ${tensorPeak / T}`);
    }
  });

  it('bandwidth and fp32 vector peaks match the reference table', () => {
    for (const [id, [gbs, fp32]] of Object.entries(REFERENCE_MEMORY)) {
      const h = resolveHardware(id);
      assert.equal(h.bandwidth.value, gbs * 1e9, id);
      assert.ok(Math.abs((h.vectorPeak.fp32?.value as number) - fp32 * T) < 1e-3 * T, id);
    }
  });

  it('ridge points match the reference (H100 SXM bf16 295, A100 80GB 153, H100 fp32 vector 20)', () => {
    assert.ok(Math.abs((ridgePoint(resolveHardware('h100-sxm'), 'tensor', 'bf16') as number) - 989.4 / 3.35) < 1e-9);
    assert.equal(Math.round(ridgePoint(resolveHardware('h100-sxm'), 'tensor', 'bf16') as number), 295);
    assert.equal(Math.round(ridgePoint(resolveHardware('a100-80gb-sxm'), 'tensor', 'bf16') as number), 153);
    assert.equal(Math.round(ridgePoint(resolveHardware('h100-sxm'), 'vector', 'bf16') as number), 20);
    assert.equal(Math.round(ridgePoint(resolveHardware('mi300x'), 'tensor', 'bf16') as number), 247);
  });

  it('gives every number a source tagged [V], [3P] or [U], verified exactly when [V]', () => {
    for (const h of all) {
      for (const [name, n] of sourcedNumbers(h)) {
        assert.match(n.source, /^\[(V|3P|U)\] .{10,}/, `${h.id} ${name}`);
        assert.equal(n.verified, n.source.startsWith('[V]'), `${h.id} ${name}`);
        assert.ok(Number.isFinite(n.value) && n.value > 0, `${h.id} ${name}`);
      }
    }
  });

  it('keeps η and launch overhead in their documented ranges', () => {
    for (const h of all) {
      assert.ok(h.memoryEfficiency.value >= 0.75 && h.memoryEfficiency.value <= 0.9, h.id);
      assert.ok(h.computeEfficiency.value >= 0.4 && h.computeEfficiency.value <= 0.85, h.id);
      assert.equal(h.launchOverhead.value, 4e-6);
    }
    assert.equal(resolveHardware('h100-sxm').memoryEfficiency.value, 0.88);
    assert.equal(resolveHardware('a100-80gb-sxm').memoryEfficiency.value, 0.81);
    assert.equal(resolveHardware('h200').memoryEfficiency.value, 0.85);
    assert.equal(resolveHardware('mi300x').memoryEfficiency.value, 0.77);
  });

  it('lists vector fp32 and, where known, fp16/bf16 vector peaks (A100: fp16 4×, bf16 2×; H100 2×; Ada 1×)', () => {
    const a100 = resolveHardware('a100-80gb-sxm');
    assert.equal(a100.vectorPeak.fp16?.value, 78e12);
    assert.equal(a100.vectorPeak.bf16?.value, 39e12);
    assert.equal(resolveHardware('h100-sxm').vectorPeak.bf16?.value, 133.8e12);
    assert.equal(resolveHardware('rtx-4090').vectorPeak.fp16?.value, resolveHardware('rtx-4090').vectorPeak.fp32?.value);
  });

  it('has no bf16 tensor cores on V100 and T4, and no fp8 before Hopper/Ada', () => {
    assert.equal(resolveHardware('v100-sxm2').tensorPeak.bf16, undefined);
    assert.equal(resolveHardware('t4').tensorPeak.bf16, undefined);
    assert.equal(resolveHardware('a100-80gb-sxm').tensorPeak.fp8, undefined);
  });
});

describe('resolveHardware', () => {
  it('finds ids case-insensitively and rejects unknown ones naming the known ids', () => {
    assert.equal(resolveHardware('H100-SXM').id, 'h100-sxm');
    assert.throws(() => resolveHardware('x100'), (error: Error) =>
      error.message.startsWith('unknown GPU "x100"; known: ') && error.message.includes('h100-sxm') && error.message.includes('mi250x'));
  });

  it('merges a user override over a known GPU, marking the overridden figures unverified', () => {
    const h = resolveHardware('h100-sxm', [{ id: 'h100-sxm', bandwidth: 3.0e12, tensorPeak: { bf16: 800e12 }, source: 'setting memwall.customGpus' }]);
    assert.equal(h.bandwidth.value, 3.0e12);
    assert.equal(h.bandwidth.source, 'setting memwall.customGpus');
    assert.equal(h.bandwidth.verified, false);
    assert.equal(h.tensorPeak.bf16?.value, 800e12);
    assert.equal(h.tensorPeak.fp8?.value, 1978.9e12, 'untouched peaks are kept');
    assert.equal(h.name, 'NVIDIA H100 SXM');
    assert.equal(resolveHardware('h100-sxm').bandwidth.value, 3.35e12, 'the built-in entry is not mutated');
  });

  it('defines a new GPU from a base or from the required fields, and explains what is missing', () => {
    const derived = resolveHardware('my-h100', [{ id: 'my-h100', base: 'h100-sxm', memoryEfficiency: 0.8 }]);
    assert.equal(derived.tensorPeak.bf16?.value, 989.4e12);
    assert.equal(derived.memoryEfficiency.value, 0.8);
    const fresh = resolveHardware('lab-gpu', [{ id: 'lab-gpu', name: 'Lab GPU', bandwidth: { value: 1e12, source: 'our datasheet', verified: true }, vectorPeak: { fp32: 20e12 }, tensorPeak: { bf16: 200e12 } }]);
    assert.equal(fresh.name, 'Lab GPU');
    assert.equal(fresh.bandwidth.verified, true);
    assert.equal(fresh.launchOverhead.value, 4e-6);
    assert.throws(() => resolveHardware('bare', [{ id: 'bare', vectorPeak: { fp32: 1e12 } }]), /needs bandwidth/);
    assert.throws(() => resolveHardware('bare', [{ id: 'bare', bandwidth: 1e12 }]), /vectorPeak\.fp32 or a tensorPeak/);
    assert.throws(() => resolveHardware('x', [{ id: 'x', base: 'nope' }]), /unknown base GPU "nope"/);
    assert.throws(() => resolveHardware('h100-sxm', [{ id: 'h100-sxm', memoryEfficiency: 1.5 }]), /memoryEfficiency must be in \(0, 1\]/);
    assert.throws(() => resolveHardware('h100-sxm', [{ id: 'h100-sxm', bandwidth: -1 }]), /bandwidth must be a positive number/);
  });

  it('lists custom GPUs with the built-in ones', () => {
    const ids = listHardware([{ id: 'my-h100', base: 'h100-sxm' }]).map((h) => h.id);
    assert.equal(ids.length, 16);
    assert.ok(ids.includes('my-h100'));
  });
});

describe('src/core/cost/README.md GPU table', () => {
  it('lists every GPU with the database\'s bf16/fp16 tensor peak, fp32 vector peak and bandwidth', () => {
    const readme = readFileSync(join(__dirname, '../../src/core/cost/README.md'), 'utf8');
    for (const h of listHardware()) {
      const row = readme.split('\n').find((line) => line.startsWith(`| ${h.id} |`));
      assert.ok(row, `${h.id} has a row`);
      const cells = row.split('|').map((c) => c.trim());
      const tensor = (h.tensorPeak.bf16 ?? h.tensorPeak.fp16)?.value as number;
      assert.equal(parseFloat(cells[3] as string), +(tensor / T).toFixed(1), `${h.id} tensor peak`);
      assert.equal(parseFloat(cells[6] as string), +((h.vectorPeak.fp32?.value as number) / T).toFixed(1), `${h.id} fp32 vector`);
      assert.equal(parseFloat(cells[8] as string), +(h.bandwidth.value / 1e9).toFixed(1), `${h.id} bandwidth`);
    }
  });
});
