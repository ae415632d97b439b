// `memwall roofline`: the chart the panel draws, written as a standalone SVG or as an HTML page of charts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { parseCommandLine, UsageError } from '../../src/cli/args';
import { rooflineHtml, rooflineSvg } from '../../src/cli/roofline';
import { fixtureAnalysis } from './fixture-analysis';

describe('roofline output', () => {
  it('writes one well-formed standalone SVG with a point per priced op', () => {
    const svg = rooflineSvg({ path: 'models/mlp.py', analysis: fixtureAnalysis() });
    assert.equal(XMLValidator.validate(svg), true);
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<style>/);
    assert.match(svg, /<title>models\/mlp\.py: NVIDIA H100 SXM, bf16<\/title>/);
    // self.c_fc and F.gelu are priced; custom_op has no intensity and cannot be placed.
    assert.deepEqual(svg.match(/data-op="[^"]+"/g), ['data-op="torch.nn.Linear:10"', 'data-op="torch.nn.functional.gelu:11"']);
  });
  it('writes an HTML page with a section per file and escaped names', () => {
    const html = rooflineHtml([
      { path: 'a<b>.py', analysis: fixtureAnalysis() },
      { path: 'b.py', analysis: fixtureAnalysis() },
    ]);
    assert.match(html, /^<!doctype html>/);
    assert.equal(html.match(/<section>/g)?.length, 2);
    assert.equal(html.match(/<svg /g)?.length, 2);
    assert.match(html, /<h2>a&lt;b&gt;\.py<\/h2>/);
    assert.match(html, /≈ 1\.13 ms per call on NVIDIA H100 SXM, bf16/);
  });
  it('puts the class table and the op table under each chart: kernels slowest first, free views left out', () => {
    const html = rooflineHtml([{ path: 'mlp.py', analysis: fixtureAnalysis() }]);
    assert.match(html, /<tr><td>contraction<\/td><td>[^<]+<\/td><td>[^<]+<\/td><td>673 µs<\/td>/);
    const rows = [...html.matchAll(/<tr><td>([^<]+)<\/td><td>(\d+)<\/td>/g)].map((m) => `${m[1]}:${m[2]}`);
    // c_fc (56.1 µs ×12) before F.gelu (38.2 µs ×12); the unpriced custom op last; y.view (free) absent.
    assert.deepEqual(rows, ['self.c_fc:10', 'F.gelu:11', 'custom_op:12']);
    assert.match(html, /<td>38 µs<\/td><td>memory<\/td><td>×12<\/td>/);
  });
});

describe('roofline command line', () => {
  it('takes the format from --format, then from the --out extension', () => {
    assert.deepEqual(parseCommandLine(['roofline', 'a.py', '--out', 'chart.svg']),
      { command: 'roofline', paths: ['a.py'], gpu: undefined, dtype: undefined, dims: undefined, format: 'svg', out: 'chart.svg' });
    const html = parseCommandLine(['roofline', 'models/', '-o', 'report.HTM', '--gpu', 'h200']);
    assert.ok(html.command === 'roofline' && html.format === 'html' && html.gpu === 'h200');
    const chosenLater = parseCommandLine(['roofline', 'a.py']);
    assert.ok(chosenLater.command === 'roofline' && chosenLater.format === undefined);
  });
  it('rejects an output it cannot name and options of other commands', () => {
    const fails = (argv: string[], pattern: RegExp) =>
      assert.throws(() => parseCommandLine(argv), (error: unknown) => error instanceof UsageError && pattern.test(error.message));
    fails(['roofline', 'a.py', '--out', 'chart.png'], /neither \.svg nor \.html/);
    fails(['roofline', 'a.py', '--format', 'png'], /--format: 'png' is not one of svg, html/);
    fails(['roofline', 'a.py', '--fail-on', 'MW201'], /--fail-on does not apply to roofline/);
    fails(['gpus', '--dims', 'B=1'], /--dims does not apply to gpus/);
    fails(['analyze', 'a.py', '--out', 'x.svg'], /--out does not apply to analyze/);
  });
});
