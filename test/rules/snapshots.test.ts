// Every rule fixture's diagnostics, in full, against a reviewed snapshot file: a change of wording, range or fix shows in review.
//
// The snapshots hold what the language server publishes with default settings (code, severity, range, message,
// tags, related information) and the quick fixes it offers, one readable file per fixture under
// test/rules/snapshots/. After an intended change, rewrite them and review the diff: `npm run test:snapshots:update`
// (MEMWALL_UPDATE_SNAPSHOTS=1 on this file alone does the same for the rules).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { CodeAction, Diagnostic, Range, TextEdit } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze } from '../../src/core/analyze';
import { codeActions } from '../../src/server/codeActions';
import { toDiagnostics } from '../../src/server/diagnostics';
import { testParser } from '../helpers/parser';
import { checkSnapshot, UPDATE_COMMAND, UPDATE_SNAPSHOTS } from '../helpers/snapshot';
import { FIX_DIR, FIXTURE_DIR } from './fixture-tags';

const SNAPSHOT_DIR = path.join(__dirname, 'snapshots');
const SEVERITY_NAMES = ['', 'error', 'warning', 'information', 'hint'];
const TAG_NAMES = ['', 'unnecessary', 'deprecated'];

/** The annotated rule fixtures and the inputs of the quick-fix pairs, as paths relative to test/fixtures/rules. */
const FIXTURES = [
  ...readdirSync(FIXTURE_DIR).filter((name) => /^MW\d{3}-[a-z0-9-]+\.py$/.test(name)),
  ...readdirSync(FIX_DIR).filter((name) => /\.in\.py$/.test(name)).map((name) => `fixes/${name}`),
].sort();

const snapshotName = (fixture: string): string => `${fixture.replace(/^fixes\//, 'fixes.').replace(/\.py$/, '')}.snap`;

/** `12:5` with 1-based line and column, as editors and ruff print positions. */
const position = (p: Range['start']): string => `${p.line + 1}:${p.character + 1}`;
const range = (r: Range): string => `${position(r.start)}-${position(r.end)}`;

/** The source line a range starts on, with carets under the range (to the line's end when the range goes on). */
function excerpt(document: TextDocument, r: Range): string[] {
  const lines = document.getText().split('\n');
  const text = (lines[r.start.line] ?? '').replace(/\r$/, '');
  const end = r.end.line === r.start.line ? r.end.character : text.length;
  const gutter = String(r.start.line + 1);
  const carets = '^'.repeat(Math.max(1, end - r.start.character));
  const more = r.end.line > r.start.line ? ` (to ${position(r.end)})` : '';
  return [`  ${gutter} | ${text}`, `  ${' '.repeat(gutter.length)} | ${' '.repeat(r.start.character)}${carets}${more}`];
}

function edits(action: CodeAction, uri: string): TextEdit[] {
  return action.edit?.changes?.[uri] ?? [];
}

/** An edit as `range → "text"`, `range → delete`, or the inserted lines below it, one `|` line each. */
function renderEdit(edit: TextEdit): string[] {
  const at = `    ${range(edit.range)} →`;
  if (edit.newText === '') return [`${at} delete`];
  if (!edit.newText.includes('\n')) return [`${at} ${JSON.stringify(edit.newText)}`];
  return [`${at} lines:`, ...edit.newText.split('\n').map((line) => `      | ${line}`.trimEnd())];
}

/** One diagnostic: its header, the source under it, the message, related places and the fixes offered for it. */
function renderDiagnostic(document: TextDocument, diagnostic: Diagnostic, fixes: readonly CodeAction[]): string[] {
  const tags = (diagnostic.tags ?? []).map((tag) => TAG_NAMES[tag] ?? String(tag));
  const out = [
    `${diagnostic.code} ${SEVERITY_NAMES[diagnostic.severity ?? 0] ?? diagnostic.severity} at ${range(diagnostic.range)}${tags.length ? ` [${tags.join(', ')}]` : ''}`,
    ...excerpt(document, diagnostic.range),
    `  message: ${diagnostic.message}`,
  ];
  for (const related of diagnostic.relatedInformation ?? []) out.push(`  related: ${range(related.location.range)} ${related.message}`);
  for (const fix of fixes) {
    out.push(`  fix: ${fix.title}${fix.isPreferred ? ' (preferred)' : ''}`);
    for (const edit of edits(fix, document.uri)) out.push(...renderEdit(edit));
  }
  return out;
}

/** The whole snapshot of one fixture: a header that says how it was made, then each diagnostic in the server's order. */
async function snapshotOf(fixture: string): Promise<string> {
  const text = readFileSync(path.join(FIXTURE_DIR, fixture), 'utf8');
  const document = TextDocument.create(`file:///fixtures/${fixture}`, 'python', 1, text);
  const analysis = analyze(text, { parser: await testParser() });
  const diagnostics = toDiagnostics(document, analysis, {});
  const blocks = diagnostics.map((diagnostic) => {
    // Suppression and Explain are offered on every diagnostic alike; the snapshot keeps the fixes that change code.
    const fixes = codeActions(document, analysis, [diagnostic]).filter((action) => action.edit && !action.title.startsWith('Suppress '));
    return renderDiagnostic(document, diagnostic, fixes).join('\n');
  });
  return [
    `# ${fixture}: ${diagnostics.length} diagnostics, as the language server publishes them with default settings`,
    `# (${analysis.hardware.name}, ${analysis.dtype}). Rewrite: ${UPDATE_COMMAND}`,
    '',
    blocks.join('\n\n'),
    '',
  ].join('\n');
}

describe('rule fixture snapshots', () => {
  it('finds the fixtures', () => assert.ok(FIXTURES.length > 0));

  for (const fixture of FIXTURES) {
    it(fixture, async () => {
      checkSnapshot(path.join(SNAPSHOT_DIR, snapshotName(fixture)), await snapshotOf(fixture), `the diagnostics of ${fixture}`);
    });
  }

  it('keeps no snapshot of a fixture that is gone', () => {
    const wanted = new Set(FIXTURES.map(snapshotName));
    const stale = existsSync(SNAPSHOT_DIR) ? readdirSync(SNAPSHOT_DIR).filter((name) => !wanted.has(name)) : [];
    if (UPDATE_SNAPSHOTS) for (const name of stale) rmSync(path.join(SNAPSHOT_DIR, name));
    else assert.deepEqual(stale, [], `snapshots without a fixture (\`${UPDATE_COMMAND}\` removes them)`);
  });
});
