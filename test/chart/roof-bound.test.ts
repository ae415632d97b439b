// No op and no fused group may sit above the roofline at its intensity: a point there would claim a GPU faster than itself.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import { chartDataFromAnalysis } from '../../src/core/chart/data';
import type { ChartData } from '../../src/core/chart/types';
import { testParser } from '../helpers/parser';

const ROOT = path.join(__dirname, '..', '..');
const FOLDERS = ['examples', 'test/fixtures/rules', 'test/fixtures/rules/fixes', 'test/fixtures/models', 'test/fixtures/triton'];
const FILES = FOLDERS.flatMap((folder) =>
  readdirSync(path.join(ROOT, folder)).filter((name) => name.endsWith('.py')).map((name) => `${folder}/${name}`),
);
/** A GPU of each kind of roof set: tensor cores with a faster vector unit (H100), a slower one (A100), no bf16 (T4), AMD. */
const SETTINGS = [
  { gpu: 'h100-sxm', dtype: 'bf16' },
  { gpu: 'a100-80gb-sxm', dtype: 'fp32' },
  { gpu: 't4', dtype: 'bf16' },
  { gpu: 'mi300x', dtype: 'fp16' },
] as const;

/** The attainable FLOP/s at an intensity: the lower of the top compute roof and the top memory roof. */
function roofAt(chart: ChartData, intensity: number): number {
  const compute = Math.max(...chart.roofs.filter((roof) => roof.kind === 'compute').map((roof) => roof.value));
  const bandwidth = Math.max(...chart.roofs.filter((roof) => roof.kind === 'memory').map((roof) => roof.value));
  return Math.min(compute, bandwidth * intensity);
}

describe('roofline points stay under the roof', () => {
  it('finds the files', () => assert.ok(FILES.length > 40, `${FILES.length} files`));

  for (const setting of SETTINGS) {
    it(`every op and fused group of every example and fixture, on ${setting.gpu} in ${setting.dtype}`, async () => {
      const parser = await testParser();
      const above: string[] = [];
      let checked = 0;
      for (const file of FILES) {
        const chart = chartDataFromAnalysis(analyze(readFileSync(path.join(ROOT, file), 'utf8'), { parser, ...setting }));
        const placed = [
          ...chart.points.map((point) => ({ what: `${point.label} (line ${point.line + 1})`, intensity: point.intensity, performance: point.performance })),
          ...chart.fusions.map((fusion) => ({ what: `${fusion.code} fused (line ${fusion.line + 1})`, intensity: fusion.intensity, performance: fusion.performance })),
        ];
        for (const point of placed) {
          checked++;
          const roof = roofAt(chart, point.intensity);
          if (point.performance > roof * (1 + 1e-9)) {
            above.push(`${file}: ${point.what} at ${point.intensity.toFixed(1)} FLOP/B attains ${(point.performance / 1e12).toFixed(1)} TFLOP/s, roof ${(roof / 1e12).toFixed(1)}`);
          }
        }
      }
      assert.ok(checked > 500, `only ${checked} points checked`);
      assert.deepEqual(above, []);
    });
  }
});
