// Reads the tags of annotated rule fixtures: `# expect: MW201`, `# expect: MW206(hint), MW101`, `# ok`.
import path from 'node:path';
import type { Severity } from '../../src/core/ir/types';

export const FIXTURE_DIR = path.join(__dirname, '..', 'fixtures', 'rules');
export const FIX_DIR = path.join(FIXTURE_DIR, 'fixes');

/** Codes an `# ok` line may still carry: information about hotspots and analysis notes, not advice to change code. */
export const INFORMATIONAL = /^MW(101|9\d\d)$/;

export interface Expectation {
  readonly code: string;
  /** 0-based line. */
  readonly line: number;
  readonly severity?: Severity;
}

export interface Fixture {
  /** `MW201` from `MW201-unfused-pointwise-chain.py`. */
  readonly code: string;
  readonly name: string;
  readonly expectations: readonly Expectation[];
  readonly okLines: readonly number[];
  /** The fixture's own code and every code tagged in it: these must report exactly on their tagged lines. */
  readonly checkedCodes: ReadonlySet<string>;
}

const EXPECT = /#\s*expect:\s*([A-Z0-9(),\s a-z]+?)\s*(?:#.*)?$/;
const OK = /#\s*ok\b/;
const ITEM = /^(MW\d{3})(?:\((error|warning|information|hint)\))?$/;

export function parseFixture(fileName: string, text: string): Fixture {
  const match = /^(MW\d{3})-([a-z0-9-]+)\.py$/.exec(fileName);
  if (!match) throw new Error(`fixture name ${fileName} is not MWxxx-name.py`);
  const code = match[1] as string;
  const expectations: Expectation[] = [];
  const okLines: number[] = [];
  text.split('\n').forEach((line, index) => {
    const expect = EXPECT.exec(line);
    if (expect) {
      for (const item of (expect[1] as string).split(',').map((s) => s.trim()).filter(Boolean)) {
        const parsed = ITEM.exec(item);
        if (!parsed) throw new Error(`${fileName}:${index + 1}: cannot read the tag "${item}"`);
        expectations.push({ code: parsed[1] as string, line: index, ...(parsed[2] ? { severity: parsed[2] as Severity } : {}) });
      }
    }
    if (OK.test(line)) okLines.push(index);
  });
  return { code, name: match[2] as string, expectations, okLines, checkedCodes: new Set([code, ...expectations.map((e) => e.code)]) };
}
