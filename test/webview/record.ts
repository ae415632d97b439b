// Records the panel's input for examples/gpt_block.py on two GPUs from the real pipeline, as the webview test's data.
// Run after a pipeline change: `node --import tsx test/webview/record.ts`.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze } from '../../src/core/analyze';
import { chartDataFromAnalysis } from '../../src/core/chart/data';
import { listHardware } from '../../src/core/cost/hardware';
import { formatBandwidth, formatRate } from '../../src/core/format';
import type { RooflineResult } from '../../src/protocol';
import { testParser } from '../helpers/parser';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'gpt_block.py');
export const RECORDINGS = { 'h100-sxm': 'gpt_block.h100-sxm.json', 'a100-80gb-sxm': 'gpt_block.a100-80gb-sxm.json' } as const;

async function main(): Promise<void> {
  const text = readFileSync(EXAMPLE, 'utf8');
  const parser = await testParser();
  // The same GPU list the server's memwall/gpus request returns.
  const gpus = listHardware().map((h) => ({
    id: h.id, name: h.name,
    detail: `${h.tensorPeak.bf16 ? `bf16 ${formatRate(h.tensorPeak.bf16.value)} · ` : ''}HBM ${formatBandwidth(h.bandwidth.value)}`,
  }));
  for (const [gpu, file] of Object.entries(RECORDINGS)) {
    const analysis = analyze(text, { parser, gpu, dtype: 'bf16' });
    const result: RooflineResult = {
      uri: pathToFileURL(EXAMPLE).toString(), version: 1, chart: chartDataFromAnalysis(analysis), gpus,
      notes: analysis.notes.map((note) => `${note.code} ${note.message}`),
    };
    writeFileSync(path.join(__dirname, 'fixtures', file), JSON.stringify(result, null, 1) + '\n');
    console.log(`${file}: ${result.chart?.points.length} points, ${result.chart?.fusions.length} fusions`);
  }
}

if (require.main === module) void main();
