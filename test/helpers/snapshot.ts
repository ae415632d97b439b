// Reviewed snapshot files: compared as text, rewritten when MEMWALL_UPDATE_SNAPSHOTS=1, and a failure says which lines moved.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Set to rewrite every snapshot instead of comparing (then review the diff before committing). */
export const UPDATE_SNAPSHOTS = process.env.MEMWALL_UPDATE_SNAPSHOTS === '1';

/** The command that rewrites every snapshot; failures print it. */
export const UPDATE_COMMAND = 'npm run test:snapshots:update';

/** Where two texts first part, with a few lines of each from there: enough to see the change; `git diff` shows all of it. */
export function firstDifference(expected: string, actual: string, context = 6): string {
  const left = expected.split('\n');
  const right = actual.split('\n');
  let line = 0;
  while (line < Math.max(left.length, right.length) && left[line] === right[line]) line++;
  const show = (lines: string[]): string => lines.slice(line, line + context).map((text) => `    | ${text}`).join('\n') || '    (end of text)';
  const changed = Math.abs(left.length - right.length) + left.filter((text, index) => text !== right[index]).length;
  return `  from line ${line + 1} (about ${changed} lines differ), the snapshot has:\n${show(left)}\n  and now:\n${show(right)}`;
}

/** Compares `actual` with the snapshot file, or writes it when snapshots are being updated. */
export function checkSnapshot(file: string, actual: string, what: string): void {
  if (UPDATE_SNAPSHOTS) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  const shown = path.relative(path.join(__dirname, '..', '..'), file);
  assert.ok(existsSync(file), `no snapshot ${shown} for ${what}: write it with \`${UPDATE_COMMAND}\` and review it`);
  const expected = readFileSync(file, 'utf8');
  if (actual === expected) return;
  assert.fail(
    `${what} differs from ${shown}:\n${firstDifference(expected, actual)}\n` +
      `If the change is intended, rewrite the snapshots with \`${UPDATE_COMMAND}\` and review the diff.`,
  );
}
