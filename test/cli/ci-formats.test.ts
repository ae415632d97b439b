// CLI parity for CI: SARIF 2.1.0 as GitHub code scanning reads it, the Markdown report, --fail-on and explain.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { explain } from '../../src/cli/explain';
import { failOnMatches } from '../../src/cli/fail-on';
import { formatMarkdown } from '../../src/cli/format/markdown';
import { formatSarif, SARIF_SCHEMA } from '../../src/cli/format/sarif';
import { UsageError } from '../../src/cli/args';
import { allRules } from '../../src/core/rules';
import { fixtureAnalysis } from './fixture-analysis';

const ROOT = path.join(__dirname, '..', '..');
const reports = () => [{ path: 'models/my mlp.py', analysis: fixtureAnalysis() }];

describe('SARIF', () => {
  const sarif = JSON.parse(formatSarif(reports()));
  const run = sarif.runs[0];

  it('is a SARIF 2.1.0 log with one run of the MemWall driver', () => {
    assert.equal(sarif.$schema, SARIF_SCHEMA);
    assert.equal(sarif.version, '2.1.0');
    assert.equal(sarif.runs.length, 1);
    assert.equal(run.tool.driver.name, 'MemWall');
    assert.match(run.tool.driver.version, /^\d+\.\d+\.\d+/);
  });
  it('describes every rule that fired, with an id, a short description, its help text and a helpUri to its page', () => {
    const ids = run.tool.driver.rules.map((rule: { id: string }) => rule.id);
    assert.deepEqual(ids, ['MW202', 'MW901']);
    const { repository, homepage } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { repository: { url: string }; homepage: string };
    const web = repository.url.replace(/\.git$/, '');
    for (const rule of run.tool.driver.rules) {
      assert.ok(rule.shortDescription.text.length > 0);
      assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration.level));
    }
    // A rule's helpUri is its page in the repository, a file that exists there; an analysis note (MW9xx) has no page.
    const [fusion, note] = run.tool.driver.rules;
    assert.equal(fusion.helpUri, `${web}/blob/main/docs/rules/MW202.md`);
    assert.ok(existsSync(path.join(ROOT, 'docs', 'rules', 'MW202.md')), 'docs/rules/MW202.md is missing: npm run docs:rules');
    assert.equal(note.helpUri, undefined);
    assert.equal(run.tool.driver.informationUri, homepage);
  });
  it('gives one result per finding with level, message and a 1-based region in a relative, encoded uri', () => {
    assert.equal(run.results.length, 2);
    const [fusion, note] = run.results;
    assert.equal(fusion.ruleId, 'MW202');
    assert.equal(run.tool.driver.rules[fusion.ruleIndex].id, 'MW202');
    assert.equal(fusion.level, 'warning');
    assert.equal(note.level, 'note'); // information → note
    assert.match(fusion.message.text, /GELU after c_fc/);
    const location = fusion.locations[0].physicalLocation;
    assert.deepEqual(location.artifactLocation, { uri: 'models/my%20mlp.py', uriBaseId: '%SRCROOT%' });
    // The gelu span sits on 0-based line 10, columns 12..21 (end exclusive).
    assert.deepEqual(location.region, { startLine: 11, startColumn: 13, endLine: 11, endColumn: 22 });
    assert.equal(typeof fusion.partialFingerprints.memwallFinding, 'string');
    assert.notEqual(fusion.partialFingerprints.memwallFinding, note.partialFingerprints.memwallFinding);
  });
  it('puts file-level analysis notes in the invocation, not among the alerts', () => {
    const notifications = run.invocations[0].toolExecutionNotifications;
    assert.equal(run.invocations[0].executionSuccessful, true);
    assert.equal(notifications[0].descriptor.id, 'MW902');
  });
  it('uses the rule header for a real rule', () => {
    const rule = allRules()[0]!;
    const analysis = fixtureAnalysis();
    const finding = { ...analysis.findings[1]!, code: rule.code, kind: rule.kind };
    const log = JSON.parse(formatSarif([{ path: 'a.py', analysis: { ...analysis, findings: [finding] } }]));
    const descriptor = log.runs[0].tool.driver.rules[0];
    assert.equal(descriptor.id, rule.code);
    assert.equal(descriptor.shortDescription.text, rule.doc.summary);
    assert.ok(descriptor.help.markdown.includes(rule.doc.useInstead));
  });
});

describe('Markdown report', () => {
  const markdown = formatMarkdown(reports());
  it('has the summary, the class table, ranked findings and the per-op table', () => {
    assert.match(markdown, /^# MemWall report\n\n1 file · 2 findings/);
    assert.match(markdown, /## `models\/my mlp\.py`/);
    assert.match(markdown, /\*\*≈ 1\.13 ms per call\*\* on NVIDIA H100 SXM, bf16/);
    assert.match(markdown, /\| contraction \| 463\.9 GFLOP \| 99\.5% \| 673 µs \| 59\.5% \|/);
    // The code links to the rule's page in the repository.
    assert.match(markdown, /\| 11 \| \[MW202\]\(https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/blob\/main\/docs\/rules\/MW202\.md\) \| warning \| ≈ 381 µs, 1\.21 GB \| GELU after c_fc/);
    assert.match(markdown, /\| 11 \| `F\.gelu` \| MLP\.forward \| 201\.3 MFLOP \| 100\.7 MB \| 2\.0 \| 38 µs \| memory \| ×12 \|/);
    assert.match(markdown, /\| 12 \| `custom_op` \| MLP\.forward \| unknown \| unknown \| unknown \| unknown \| unknown \| {2}\|/);
    assert.match(markdown, /^Free \(views and other ops with no FLOPs and no DRAM traffic\): y\.view \(13\)$/m);
    assert.match(markdown, /\| n_layer \| 12 \| GPTConfig\.n_layer \|\n\| DRAM bandwidth \| 3\.35 TB\/s \|/);
  });
  it('ranks findings by time saved, unknown savings last', () => {
    assert.ok(markdown.indexOf('| MW202 |') < markdown.indexOf('| MW901 |'));
  });
  it('escapes pipes in cells', () => {
    const analysis = fixtureAnalysis();
    const finding = { ...analysis.findings[1]!, message: 'a | b' };
    assert.match(formatMarkdown([{ path: 'a.py', analysis: { ...analysis, findings: [finding] } }]), /a \\\| b/);
  });
});

describe('--fail-on', () => {
  it('matches a code, or a severity and anything worse', () => {
    const codes = (conditions: string[]) => failOnMatches(reports(), conditions).map((finding) => finding.code).sort();
    assert.deepEqual(codes(['MW202']), ['MW202']);
    assert.deepEqual(codes(['MW101']), []);
    assert.deepEqual(codes(['error']), []);
    assert.deepEqual(codes(['warning']), ['MW202']);
    assert.deepEqual(codes(['information']), ['MW202', 'MW901']);
    assert.deepEqual(codes([]), []);
  });
});

describe('explain', () => {
  it('prints a rule from its header data', () => {
    for (const rule of allRules()) {
      const text = explain([rule.code.toLowerCase()], 'text');
      assert.ok(text.startsWith(`${rule.code} ${rule.name}`));
      for (const part of [rule.doc.summary, 'What it finds:', 'Why it costs:', 'Example:', 'Use instead:']) assert.ok(text.includes(part.split('\n')[0]!), part);
    }
  });
  it('prints JSON with the same fields', () => {
    const rule = allRules()[0]!;
    const [json] = JSON.parse(explain([rule.code], 'json'));
    assert.equal(json.code, rule.code);
    assert.equal(json.summary, rule.doc.summary);
  });
  it('rejects an unknown code, naming the known ones', () => {
    assert.throws(() => explain(['MW999'], 'text'), (error: unknown) => error instanceof UsageError && /unknown rule code 'MW999' \(known: MW/.test(error.message));
  });
});
