// The one Markdown report writer (editor report and `--format markdown`): links, headings, notes, free ops, fallbacks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Analysis, CostedOp } from '../../src/core/ir/types';
import { failedSection, reportDocument, reportSection } from '../../src/core/report/markdown';
import { fixtureAnalysis } from '../cli/fixture-analysis';

/** The fixture with its costs changed one op at a time. */
function withCosts(change: (cost: CostedOp) => CostedOp): Analysis {
  const analysis = fixtureAnalysis();
  return { ...analysis, costs: analysis.costs.map(change) };
}

describe('Markdown report section', () => {
  const section = reportSection('models/mlp.py', fixtureAnalysis());

  it('heads the section with the name as code, so that __init__.py is not read as emphasis', () => {
    assert.match(section, /^## `models\/mlp\.py`\n/);
    assert.match(reportSection('pkg/__init__.py', fixtureAnalysis()), /^## `pkg\/__init__\.py`\n/);
    assert.match(reportSection('odd`name.py', fixtureAnalysis()), /^## `` odd`name\.py ``\n/);
  });

  it('links rule codes only where the caller gives a link', () => {
    assert.match(section, /\| 11 \| MW202 \| warning \|/);
    const linked = reportSection('a.py', fixtureAnalysis(), (code) => (code === 'MW202' ? `vscode://file/rules/${code}.md` : undefined));
    assert.match(linked, /\| 11 \| \[MW202\]\(vscode:\/\/file\/rules\/MW202\.md\) \| warning \|/);
    assert.match(linked, /\| 12 \| MW901 \| information \| — \|/);
  });

  it('puts the notes under the findings, before the op table and the assumptions', () => {
    const notes = section.indexOf('### Notes');
    assert.ok(notes > section.indexOf('### Findings (2)'));
    assert.ok(notes < section.indexOf('### Ops'));
    assert.ok(section.indexOf('### Ops') < section.indexOf('### Assumptions'));
    assert.match(section, /^- MW902 The file has syntax errors/m);
  });

  it('counts unpriced ops in the singular and the plural', () => {
    assert.match(section, /0% overhead-bound · 1 op not priced$/m);
    const two = fixtureAnalysis();
    const total = { ...two.summary.total, unpricedOps: 2 };
    assert.match(reportSection('a.py', { ...two, summary: { ...two.summary, total } }), /· 2 ops not priced$/m);
  });

  it('says that an op on the fallback path is not counted, in its bound cell', () => {
    const fallback = withCosts((cost) => (cost.node.op === 'torch.nn.functional.gelu' ? { ...cost, node: { ...cost.node, fusedBy: 'fallback' } } : cost));
    assert.match(reportSection('a.py', fallback), /\| 11 \| `F\.gelu` \| MLP\.forward \| .* \| memory \(fallback path, not counted\) \| ×12 \|/);
  });

  it('lists free ops in one line, a long name keeping the end where its op is', () => {
    assert.ok(!/^\| \d+ \| `y\.view`/m.test(section), 'a view is not a row');
    const long = withCosts((cost) => (cost.node.label === 'y.view' ? { ...cost, node: { ...cost.node, label: 'x.view(8, 1024, 12, 64).transpose' } } : cost));
    assert.match(reportSection('a.py', long), /^Free \(views and other ops with no FLOPs and no DRAM traffic\): …ew\(8, 1024, 12, 64\)\.transpose \(13\)$/m);
  });

  it('says so when there is nothing to list', () => {
    const empty = { ...fixtureAnalysis(), costs: [], findings: [] };
    const text = reportSection('empty.py', empty);
    assert.match(text, /### Findings\n\nNone\./);
    assert.match(text, /### Ops\n\nNo tensor ops recognised\./);
  });
});

describe('Markdown report document', () => {
  it('counts files and findings under the title, then gives each section in order', () => {
    const document = reportDocument([
      { section: reportSection('a.py', fixtureAnalysis()), findings: 2 },
      { section: failedSection('b.py', 'The file is not open.'), findings: 0 },
    ], 'MemWall report: pkg');
    assert.match(document, /^# MemWall report: pkg\n\n2 files · 2 findings\n\n## `a\.py`\n/);
    assert.match(document, /\n\n## `b\.py`\n\nThe file is not open\.\n$/);
    assert.match(reportDocument([{ section: failedSection('c.py', 'x'), findings: 1 }]), /^# MemWall report\n\n1 file · 1 finding\n\n/);
  });
});
