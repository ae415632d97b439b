// Roof, ridge and count labels never overlap and stay in the plot, at every chart size the panel and the CLI draw:
// measured in Chromium (the real glyph boxes), not from the renderer's own width table.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { analyze } from '../../src/core/analyze';
import { chartDataFromAnalysis } from '../../src/core/chart/data';
import { MARGIN, renderRoofline } from '../../src/core/chart/render';
import { ridgesOf } from '../../src/core/chart/ridges';
import type { ChartData } from '../../src/core/chart/types';
import { testParser } from '../helpers/parser';

const ROOT = path.join(__dirname, '..', '..');
const CHROMIUM = '/usr/bin/chromium';
/** The panel's narrowest chart (420 wide, 0.62 high), steps up to its widest, the CLI's default and the PNG export. */
const SIZES = [[420, 260], [480, 298], [560, 347], [640, 397], [760, 480], [900, 558], [1100, 682], [1200, 744]] as const;
/** Charts with two, three and four compute roofs, on GPUs whose ridges sit close together or far apart. */
const CHARTS = [
  { file: 'examples/gpt_block.py', gpu: 'h100-sxm', dtype: 'bf16' },
  { file: 'examples/llama_block.py', gpu: 'h100-sxm', dtype: 'bf16' },
  { file: 'examples/llama_block.py', gpu: 'mi300x', dtype: 'fp16' },
  { file: 'examples/vit.py', gpu: 't4', dtype: 'bf16' },
  { file: 'examples/vit.py', gpu: 'a100-80gb-sxm', dtype: 'fp32' },
  { file: 'examples/triton_kernels.py', gpu: 'a100-80gb-sxm', dtype: 'fp32' },
  { file: 'examples/triton_kernels.py', gpu: 'l4', dtype: 'fp8' },
] as const;

interface Measured {
  readonly className: string;
  readonly text: string;
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

async function measure(page: Page, svg: string): Promise<Measured[]> {
  await page.setContent(`<!DOCTYPE html><html><body style="margin:0">${svg}</body></html>`);
  return page.evaluate(() =>
    [...document.querySelectorAll('text.roof-label, text.ridge-label, text.count-label, text.repeat-label')].map((element) => {
      const box = element.getBoundingClientRect();
      return { className: element.getAttribute('class') ?? '', text: element.textContent ?? '', left: box.left, top: box.top, right: box.right, bottom: box.bottom };
    }),
  );
}

const overlap = (a: Measured, b: Measured): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

describe('roofline labels', () => {
  let browser: Browser;
  let charts: { name: string; data: ChartData }[];
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    const parser = await testParser();
    charts = CHARTS.map(({ file, gpu, dtype }) => ({
      name: `${path.basename(file)} on ${gpu} (${dtype})`,
      data: chartDataFromAnalysis(analyze(readFileSync(path.join(ROOT, file), 'utf8'), { parser, gpu, dtype })),
    }));
  });
  after(async () => {
    await browser?.close();
  });

  it('never overlap one another, stay inside the plot, and every roof and ridge keeps its label', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    let measured = 0;
    for (const { name, data } of charts) {
      const memory = data.roofs.find((roof) => roof.kind === 'memory');
      const ridges = ridgesOf(data.roofs).filter((ridge) => ridge.memoryRoof === memory?.id);
      for (const [width, height] of SIZES) {
        const where = `${name} at ${width}×${height}`;
        const labels = await measure(page, renderRoofline(data, { width, height, standalone: true }));
        measured += labels.length;
        for (let i = 0; i < labels.length; i++) {
          const a = labels[i]!;
          if (a.left < MARGIN.left || a.right > width - MARGIN.right || a.top < MARGIN.top || a.bottom > height - MARGIN.bottom) {
            problems.push(`${where}: "${a.text}" leaves the plot (${a.left.toFixed(0)}..${a.right.toFixed(0)} × ${a.top.toFixed(0)}..${a.bottom.toFixed(0)})`);
          }
          for (let j = i + 1; j < labels.length; j++) {
            const b = labels[j]!;
            if (overlap(a, b)) problems.push(`${where}: "${a.text}" overlaps "${b.text}"`);
          }
        }
        // Roofs and ridges are what the chart is read by: their labels are never dropped.
        const texts = labels.map((label) => label.text);
        for (const roof of data.roofs) if (!texts.includes(roof.label)) problems.push(`${where}: no label for the roof "${roof.label}"`);
        const ridgeLabels = labels.filter((label) => label.className === 'ridge-label').length;
        if (ridgeLabels !== ridges.length) problems.push(`${where}: ${ridgeLabels} ridge labels for ${ridges.length} ridges`);
      }
    }
    await page.close();
    assert.ok(measured > 200, `only ${measured} labels measured`);
    assert.deepEqual(problems, []);
  });
});
