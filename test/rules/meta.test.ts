// Every rule is complete: a unique code, a documented header, a fixture, a severity setting and a README row.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { allRules, findRule } from '../../src/core/rules';
import type { FindingKind } from '../../src/core/rules/types';
import { RULE_TABLE_END, RULE_TABLE_START, ruleTableMarkdown, withRuleTable } from '../../src/cli/rule-table';
import { FIXTURE_DIR, parseFixture } from './fixture-tags';

const root = path.join(__dirname, '..', '..');
const rules = allRules();

/** The JSON families by code range (issue 5): a rule's kind must belong to its range. */
const KINDS_BY_RANGE: Readonly<Record<string, readonly FindingKind[]>> = {
  '1': ['memory-bound', 'copy'],
  '2': ['pointwise-chain', 'matmul-epilogue', 'norm-residual', 'norm', 'softmax', 'attention', 'swiglu', 'rope', 'cross-entropy', 'horizontal-gemm', 'dropout-residual'],
  '3': ['overhead'],
  '4': ['triton-kernel'],
};

describe('rule catalogue', () => {
  it('has unique, well-formed codes and names, in code order', () => {
    const codes = rules.map((rule) => rule.code);
    assert.equal(new Set(codes).size, codes.length, 'duplicate codes');
    assert.equal(new Set(rules.map((rule) => rule.name)).size, rules.length, 'duplicate names');
    assert.deepEqual([...codes].sort(), codes, 'rules are listed in code order');
    for (const rule of rules) {
      assert.match(rule.code, /^MW[1-4]\d\d$/);
      assert.match(rule.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(KINDS_BY_RANGE[rule.code[2] as string]?.includes(rule.kind), `${rule.code}: kind ${rule.kind} outside its range`);
      assert.equal(findRule(rule.code), rule);
    }
  });

  it('documents every rule: summary, what it finds, why it costs, example, use instead', () => {
    for (const rule of rules) {
      const { summary, finds, whyCosts, example, useInstead } = rule.doc;
      for (const [field, value] of Object.entries({ summary, finds, whyCosts, example, useInstead })) {
        assert.ok(value.trim().length > 0, `${rule.code}: empty doc.${field}`);
      }
      assert.ok(!summary.includes('\n') && summary.length <= 90, `${rule.code}: the summary is one short line`);
      assert.ok(rule.underCompile.note.trim().length > 0, `${rule.code}: no torch.compile note`);
    }
  });

  it('gives every rule an annotated fixture with expected findings and trap lines', () => {
    for (const rule of rules) {
      const file = `${rule.code}-${rule.name}.py`;
      const full = path.join(FIXTURE_DIR, file);
      assert.ok(existsSync(full), `missing fixture test/fixtures/rules/${file}`);
      const fixture = parseFixture(file, readFileSync(full, 'utf8'));
      assert.ok(fixture.expectations.some((e) => e.code === rule.code), `${file}: no "# expect: ${rule.code}" line`);
      assert.ok(fixture.okLines.length > 0, `${file}: no "# ok" trap line`);
    }
  });

  it('lists every code in the memwall.severity setting', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const configuration = manifest.contributes?.configuration;
    const sections = Array.isArray(configuration) ? configuration : [configuration];
    const setting = sections.map((section) => section?.properties?.['memwall.severity']).find(Boolean);
    assert.ok(setting, 'package.json declares no memwall.severity setting');
    const text = `${JSON.stringify(setting.properties ?? {})} ${setting.description ?? ''} ${setting.markdownDescription ?? ''}`;
    for (const rule of rules) {
      assert.ok(text.includes(rule.code), `memwall.severity does not list ${rule.code}: run node --import tsx test/rules/sync-severity-setting.ts`);
    }
  });

  it('keeps the README rule table in step with the rules (npm run docs:rules rewrites it)', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    assert.ok(readme.includes(RULE_TABLE_START) && readme.includes(RULE_TABLE_END), 'README.md lacks the rule-table markers');
    assert.equal(withRuleTable(readme), readme, 'README rule table is stale: run npm run docs:rules');
    const table = ruleTableMarkdown();
    for (const rule of rules) assert.ok(table.includes(`${rule.code} |`) && readme.includes(`\`${rule.name}\``), `README lacks ${rule.code}`);
  });
});
