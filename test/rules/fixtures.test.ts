// Runs every annotated rule fixture: lines tagged `# expect: MWxxx` must get that finding, `# ok` lines none.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Finding } from '../../src/core/ir/types';
import { RULE_FAILURE_CODE } from '../../src/core/rules';
import { testParser } from '../helpers/parser';
import { parseFixture, FIXTURE_DIR, INFORMATIONAL } from './fixture-tags';

const fixtures = readdirSync(FIXTURE_DIR).filter((name) => /^MW\d{3}-[a-z0-9-]+\.py$/.test(name)).sort();

describe('rule fixtures', () => {
  it('finds the fixtures', () => assert.ok(fixtures.length > 0));
  for (const name of fixtures) {
    it(name, async () => {
      const text = readFileSync(path.join(FIXTURE_DIR, name), 'utf8');
      const fixture = parseFixture(name, text);
      const analysis = analyze(text, { parser: await testParser() });
      const failures = analysis.findings.filter((f) => f.code === RULE_FAILURE_CODE);
      assert.deepEqual(failures.map((f) => f.message), [], 'a rule threw');
      const problems: string[] = [];
      const at = (code: string, line: number): Finding[] => analysis.findings.filter((f) => f.code === code && f.span.startLine === line);
      // Every expected finding is there, with the expected severity when the tag names one.
      for (const expectation of fixture.expectations) {
        const found = at(expectation.code, expectation.line);
        if (found.length === 0) problems.push(`line ${expectation.line + 1}: expected ${expectation.code}, got none`);
        else if (expectation.severity && !found.some((f) => f.severity === expectation.severity)) {
          problems.push(`line ${expectation.line + 1}: expected ${expectation.code} as ${expectation.severity}, got ${found.map((f) => f.severity).join(', ')}`);
        }
      }
      // Codes the fixture is about report only on tagged lines.
      for (const finding of analysis.findings) {
        if (!fixture.checkedCodes.has(finding.code)) continue;
        const tagged = fixture.expectations.some((e) => e.code === finding.code && e.line === finding.span.startLine);
        if (!tagged) problems.push(`line ${finding.span.startLine + 1}: unexpected ${finding.code}: ${finding.message}`);
      }
      // Trap lines get no finding of the fixture's rule at all, and no warning of any other rule; hints, hotspots
      // (MW101) and analysis notes (MW9xx) may remain.
      for (const line of fixture.okLines) {
        for (const finding of analysis.findings) {
          if (finding.span.startLine !== line || INFORMATIONAL.test(finding.code)) continue;
          if (finding.code !== fixture.code && (finding.severity === 'hint' || finding.severity === 'information')) continue;
          if (fixture.expectations.some((e) => e.line === line && e.code === finding.code)) continue;
          problems.push(`line ${line + 1} (# ok): unexpected ${finding.code}: ${finding.message}`);
        }
      }
      assert.deepEqual(problems, []);
    });
  }
});
