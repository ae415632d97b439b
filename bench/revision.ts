// An older revision's core beside the working tree's, in one process: for side-by-side timing and output comparison.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.join(__dirname, '..');

/** One side: a checkout's analyze() and its parser. */
export interface Side {
  readonly core: typeof import('../src/core/analyze');
  readonly parser: Awaited<ReturnType<typeof import('../test/helpers/parser').testParser>>;
}

/** The side of a checkout folder (the working tree is ROOT). */
export async function loadSide(root: string): Promise<Side> {
  const core = (await import(path.join(root, 'src/core/analyze.ts'))) as Side['core'];
  const helpers = (await import(path.join(root, 'test/helpers/parser.ts'))) as typeof import('../test/helpers/parser');
  return { core, parser: await helpers.testParser() };
}

/**
 * Runs `work` with the revision's src/ and test/helpers/ extracted to a temporary folder (with this checkout's
 * node_modules), then removes the folder.
 */
export async function withRevision<T>(revision: string, work: (folder: string) => Promise<T>): Promise<T> {
  const folder = mkdtempSync(path.join(tmpdir(), 'memwall-revision-'));
  try {
    const archive = execFileSync('git', ['archive', revision, 'src', 'test/helpers'], { cwd: ROOT, maxBuffer: 1 << 28 });
    execFileSync('tar', ['-x', '-C', folder], { input: archive });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(folder, 'node_modules'));
    return await work(folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
