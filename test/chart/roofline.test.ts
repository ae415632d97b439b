// The roofline renderer: roofs, ridges and points at hand-computed coordinates for two GPUs, and well-formed SVG.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { resolveHardware } from '../../src/core/cost/hardware';
import { roofsFor } from '../../src/core/chart/data';
import { formatBytes, formatIntensity, formatTick, formatTime } from '../../src/core/format';
import { MARGIN, renderRoofline } from '../../src/core/chart/render';
import type { ChartData, ChartPoint } from '../../src/core/chart/types';

const WIDTH = 760;
const HEIGHT = 480;
const X_DOMAIN = [0.01, 10_000] as const;
const Y_DOMAIN = [1e10, 1e16] as const;

/** The log-scale mapping, written out by hand: decades are equal steps across the plot box. */
const xAt = (intensity: number): number =>
  MARGIN.left + ((WIDTH - MARGIN.left - MARGIN.right) * (Math.log10(intensity) - Math.log10(X_DOMAIN[0]))) / (Math.log10(X_DOMAIN[1]) - Math.log10(X_DOMAIN[0]));
const yAt = (flopsPerSecond: number): number =>
  HEIGHT - MARGIN.bottom - ((HEIGHT - MARGIN.top - MARGIN.bottom) * (Math.log10(flopsPerSecond) - Math.log10(Y_DOMAIN[0]))) / (Math.log10(Y_DOMAIN[1]) - Math.log10(Y_DOMAIN[0]));

function point(id: number, line: number, flops: number, bytes: number, timeUs: number, bound: ChartPoint['bound'], share: number): ChartPoint {
  return {
    id, op: id === 1 ? 'torch.nn.functional.gelu' : 'torch.nn.Linear', label: id === 1 ? 'F.gelu' : 'self.c_fc', category: id === 1 ? 'pointwise' : 'matmul',
    scope: 'MLP.forward', modulePath: '', line, endLine: line, repeat: 12, flops, bytes, intensity: flops / bytes, timeUs,
    performance: flops / (timeUs * 1e-6), share, bound, unit: id === 1 ? 'vector' : 'tensor', inputs: ['[8, 1024, 3072] bf16'], outputs: ['[8, 1024, 3072] bf16'], sizes: ['B=8 from magic comment (line 1)'],
  };
}

/** GELU on [8,1024,3072] bf16: 8 FLOP per element, 2 bytes read + 2 written per element; a 768→3072 Linear on 8·1024 rows. */
const ELEMENTS = 8 * 1024 * 3072;
const GELU = point(1, 87, 8 * ELEMENTS, 4 * ELEMENTS, 40, 'memory', 0.2);
const LINEAR = point(2, 86, 2 * 8192 * 768 * 3072, 2 * (8192 * 768 + 768 * 3072 + 8192 * 3072), 90, 'compute', 0.5);

function chartFor(gpuId: string): ChartData {
  const hardware = resolveHardware(gpuId);
  return {
    gpu: { id: hardware.id, name: hardware.name }, dtype: 'bf16', roofs: roofsFor(hardware, 'bf16'),
    points: [GELU, LINEAR], unplotted: [], fusions: [], totalTimeUs: 12 * 130 / 0.7, boundShares: { memory: 0.2, compute: 0.5, overhead: 0 },
    assumptions: [], scopes: ['MLP.forward'],
  };
}

type Element = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (_name, _path, _leaf, isAttribute) => !isAttribute });

/** Every element with the given tag anywhere in the parsed tree. */
function all(tree: unknown, tag: string, into: Element[] = []): Element[] {
  if (Array.isArray(tree)) for (const item of tree) all(item, tag, into);
  else if (tree && typeof tree === 'object') {
    for (const [key, value] of Object.entries(tree)) {
      if (key === tag) into.push(...(value as Element[]));
      all(value, tag, into);
    }
  }
  return into;
}

const near = (actual: unknown, expected: number, what: string): void =>
  assert.ok(Math.abs(Number(actual) - expected) < 0.01, `${what}: ${actual} should be ${expected.toFixed(2)}`);

// Datasheet figures (dense) from shared/reference/hardware-and-cost-model.md; vector-unit work is priced at fp32.
const GPUS = [
  { id: 'h100-sxm', bandwidth: 3.35e12, tensor: 989.4e12, vector: 66.9e12, tensorRidge: 295.3, vectorRidge: 19.97 },
  { id: 'a100-80gb-sxm', bandwidth: 2.039e12, tensor: 312e12, vector: 19.5e12, tensorRidge: 153.0, vectorRidge: 9.56 },
];

describe('roofline chart', () => {
  for (const gpu of GPUS) {
    describe(gpu.id, () => {
      const svg = renderRoofline(chartFor(gpu.id), { width: WIDTH, height: HEIGHT, xDomain: X_DOMAIN, yDomain: Y_DOMAIN, standalone: true });
      const tree = parser.parse(svg);
      const lines = all(tree, 'line');
      const circles = all(tree, 'circle');

      it('has the HBM, tensor-core and vector roofs of the datasheet', () => {
        const roofs = roofsFor(resolveHardware(gpu.id), 'bf16');
        assert.deepEqual(roofs.map((roof) => [roof.id, roof.value]), [['hbm', gpu.bandwidth], ['tensor', gpu.tensor], ['vector', gpu.vector]]);
      });

      it('puts each ridge at peak ÷ bandwidth, on both roofs', () => {
        for (const [roofId, peak, ridge] of [['tensor', gpu.tensor, gpu.tensorRidge], ['vector', gpu.vector, gpu.vectorRidge]] as const) {
          const marker = circles.find((c) => c['data-ridge'] === roofId);
          assert.ok(marker, `no ridge marker for ${roofId}`);
          assert.ok(Math.abs(Number(marker['data-intensity']) - ridge) < 0.01 * ridge, `${roofId} ridge ${marker['data-intensity']} ≠ ${ridge}`);
          near(marker.cx, xAt(peak / gpu.bandwidth), `${roofId} ridge x`);
          near(marker.cy, yAt(peak), `${roofId} ridge y`);
          const roof = lines.find((l) => l['data-roof'] === roofId);
          assert.ok(roof, `no ${roofId} roof`);
          near(roof.x1, xAt(peak / gpu.bandwidth), `${roofId} roof starts at its ridge`);
          near(roof.y1, yAt(peak), `${roofId} roof height`);
          near(roof.y2, yAt(peak), `${roofId} roof is flat`);
          near(roof.x2, WIDTH - MARGIN.right, `${roofId} roof runs to the right edge`);
        }
      });

      it('draws the memory roof as bandwidth × intensity up to the tensor ridge', () => {
        const roof = lines.find((l) => l['data-roof'] === 'hbm');
        assert.ok(roof);
        near(roof.x1, xAt(X_DOMAIN[0]), 'memory roof starts at the left edge');
        near(roof.y1, yAt(gpu.bandwidth * X_DOMAIN[0]), 'memory roof at the left edge');
        near(roof.x2, xAt(gpu.tensor / gpu.bandwidth), 'memory roof ends at the tensor ridge (x)');
        near(roof.y2, yAt(gpu.tensor), 'memory roof ends at the tensor ridge (y)');
      });

      it('places one point per op at (intensity, attained FLOP/s), with data-op and its line', () => {
        const points = circles.filter((c) => typeof c.class === 'string' && c.class.split(' ').includes('point') && c['data-op']);
        assert.equal(points.length, 2);
        const gelu = points.find((p) => p['data-op'] === 'torch.nn.functional.gelu:88');
        assert.ok(gelu, 'the GELU point carries data-op "op:line" (1-based)');
        assert.equal(gelu['data-line'], '88');
        assert.equal(gelu['data-node'], '1');
        assert.match(String(gelu.class), /bound-memory/);
        // GELU: 8 FLOP per 4 bytes = intensity 2; 8·25.2M FLOP in 40 µs.
        near(gelu.cx, xAt(2), 'GELU x');
        near(gelu.cy, yAt((8 * ELEMENTS) / 40e-6), 'GELU y');
        // Repeated ops are drawn once, with their count beside them and in the tooltip, as are the sizes used.
        assert.equal(all(tree, 'text').filter((t) => t.class === 'repeat-label').length, 2);
        assert.match(String((gelu.title as unknown[])[0]), /line 88 ×12: memory-bound[\s\S]*sizes: B=8 from magic comment \(line 1\)/);
        const linear = points.find((p) => p['data-op'] === 'torch.nn.Linear:87');
        assert.ok(linear);
        assert.match(String(linear.class), /bound-compute/);
      });
    });
  }

  it('writes well-formed SVG, standalone with namespace and style, and panel SVG without inline style', () => {
    const standalone = renderRoofline(chartFor('h100-sxm'), { standalone: true });
    assert.equal(XMLValidator.validate(standalone), true);
    assert.match(standalone, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(standalone, /<style>/);
    const panel = renderRoofline(chartFor('h100-sxm'));
    assert.equal(XMLValidator.validate(panel), true);
    // The panel's CSP forbids inline styles: no <style> element and no style attribute.
    assert.doesNotMatch(panel, /<style|style="/);
  });

  it('escapes op labels, so source text cannot break the SVG', () => {
    const chart = chartFor('h100-sxm');
    const hostile = { ...chart, points: [{ ...GELU, label: 'x < y && "z"', op: '<script>' }] };
    const svg = renderRoofline(hostile);
    assert.equal(XMLValidator.validate(svg), true);
    assert.doesNotMatch(svg, /<script>/);
  });

  it('filters points by scope and computes its own domain that holds every point and ridge', () => {
    const chart = { ...chartFor('h100-sxm'), points: [GELU, { ...LINEAR, scope: 'Other.forward' }] };
    const svg = renderRoofline(chart, { scope: 'MLP.forward' });
    assert.equal((svg.match(/data-op="/g) ?? []).length, 1);
    const [xMin, xMax] = (/data-x-domain="([^"]+)"/.exec(svg)?.[1] ?? '').split(' ').map(Number);
    assert.ok(xMin! <= 2 && xMax! >= 295, `x domain ${xMin}..${xMax} holds GELU (2) and the ridge (295)`);
  });

  it('draws ops that coincide as one point with their count, and keeps each op in its tooltip', () => {
    // Two LayerNorms with the same shapes have the same intensity and FLOP/s: one circle, not one hidden under another.
    const twin = { ...GELU, id: 3, line: 95, label: 'F.gelu (second)' };
    const svg = renderRoofline({ ...chartFor('h100-sxm'), points: [GELU, twin, LINEAR] }, { width: WIDTH, height: HEIGHT, xDomain: X_DOMAIN, yDomain: Y_DOMAIN });
    const tree = parser.parse(svg);
    const points = all(tree, 'circle').filter((c) => typeof c.class === 'string' && c.class.split(' ').includes('point') && c['data-op']);
    assert.equal(points.length, 2);
    const group = points.find((p) => p['data-count'] === '2');
    assert.ok(group, 'the two GELUs are one point');
    assert.equal(group['data-nodes'], '1 3');
    // The first of them (by share, then line) is the one a click reveals.
    assert.equal(group['data-line'], '88');
    near(group.cx, xAt(2), 'grouped x');
    // Area tracks time: the radius is that of both shares together.
    near(group.r, 3 + 12 * Math.sqrt(0.4), 'grouped radius');
    const title = String((group.title as unknown[])[0]);
    assert.match(title, /^2 ops with the same intensity and FLOP\/s:/);
    assert.match(title, /F\.gelu \(torch\.nn\.functional\.gelu\), line 88 ×12/);
    assert.match(title, /F\.gelu \(second\) \(torch\.nn\.functional\.gelu\), line 96 ×12/);
    assert.deepEqual([...svg.matchAll(/<text class="count-label"[^>]*>([^<]*)</g)].map((match) => match[1]), ['2 ops ×12 each']);
  });

  it('formats figures the way hovers and the panel print them', () => {
    assert.equal(formatBytes(100_663_296), '100.7 MB');
    assert.equal(formatIntensity(2), '2.0');
    assert.equal(formatIntensity(295.34), '295');
    assert.equal(formatTime(34.2), '34 µs');
    assert.equal(formatTime(1900), '1.90 ms');
    assert.equal(formatTime(0.4), '0.40 µs');
    assert.equal(formatTime(4), '4.0 µs');
    assert.equal(formatTime(0), '0 µs');
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatIntensity(0), '0');
    assert.equal(formatTick(1e15), '1 P');
    assert.equal(formatTick(0.1), '0.1');
    assert.equal(formatTick(1000), '1 k');
  });
});
