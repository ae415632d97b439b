// README.md and docs/rules stay true: the rule table and pages are the rules' own header text, and every JSON field the CLI prints is documented.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { toJsonReport } from '../../src/cli/format/json';
import { withRuleTable } from '../../src/cli/rule-table';
import { allRules } from '../../src/core/rules';
import { rulePages } from '../../src/server/rulePages';
import { fixtureAnalysis } from './fixture-analysis';

const README = path.join(__dirname, '..', '..', 'README.md');

describe('README.md', () => {
  it('has the rule table generated from the rule headers (npm run docs:rules rewrites it)', () => {
    const readme = readFileSync(README, 'utf8');
    const expected = withRuleTable(readme);
    // `npm run docs:rules` runs this test with MEMWALL_UPDATE_README=1 to write the table instead of comparing it.
    if (process.env.MEMWALL_UPDATE_README === '1' && expected !== readme) writeFileSync(README, expected);
    else assert.equal(readme, expected, 'README rule table is out of date: run npm run docs:rules');
    for (const rule of allRules()) assert.ok(expected.includes(`<a id="${rule.code.toLowerCase()}"></a>${rule.code}`), rule.code);
  });

  it('docs/rules holds each rule\'s page, the one the extension ships and SARIF links to (npm run docs:rules rewrites them)', () => {
    const folder = path.join(__dirname, '..', '..', 'docs', 'rules');
    const pages = rulePages();
    if (process.env.MEMWALL_UPDATE_README === '1') {
      rmSync(folder, { recursive: true, force: true });
      mkdirSync(folder, { recursive: true });
      for (const page of pages) writeFileSync(path.join(folder, page.file), page.markdown);
    }
    assert.deepEqual(existsSync(folder) ? readdirSync(folder).sort() : [], pages.map((page) => page.file).sort(), 'docs/rules is out of date: run npm run docs:rules');
    for (const page of pages) {
      assert.equal(readFileSync(path.join(folder, page.file), 'utf8'), page.markdown, `docs/rules/${page.file} is out of date: run npm run docs:rules`);
    }
  });

  it('documents every field of the JSON report', () => {
    const readme = readFileSync(README, 'utf8');
    const section = readme.slice(readme.indexOf('### JSON output, version 1'), readme.indexOf('## Rules'));
    const file = toJsonReport([{ path: 'a.py', analysis: fixtureAnalysis() }]).files[0]!;
    const keys = new Set([...Object.keys(file), ...Object.keys(file.ops[0]!), ...Object.keys(file.findings[0]!), ...Object.keys(file.notes[0]!)]);
    const undocumented = [...keys].filter((key) => !section.includes(`\`${key}\``) && !section.includes(`${key}\``) && !section.includes(`].${key}`));
    assert.deepEqual(undocumented, []);
  });

  it('starts with the two commands a newcomer runs', () => {
    const readme = readFileSync(README, 'utf8');
    const top = readme.slice(0, readme.indexOf('## What it shows'));
    assert.match(top, /npm ci && npm run build && node dist\/cli\.js analyze examples\/ .*&& npm run package/);
    assert.match(top, /npm ci && npm test/);
    const ci = readFileSync(path.join(__dirname, '..', '..', '.ci', 'run'), 'utf8');
    assert.match(ci, /^npm ci /m);
    assert.match(ci, / npm test$/m);
    assert.match(top, /npm run test:vscode/);
    assert.match(ci, / npm run test:vscode$/m);
  });
});
