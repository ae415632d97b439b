// Compiles the extension-host suite (test/vscode/*.ts) into out/test/vscode/, one CommonJS bundle per file.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SUITE_OUT = path.join(ROOT, 'out', 'test', 'vscode');

/** Entry points: index.ts (run()) and every *.vscode.ts test file; helpers are bundled into each. */
export async function buildSuite(outDir = SUITE_OUT): Promise<string> {
  const here = path.join(ROOT, 'test', 'vscode');
  const entries = fs.readdirSync(here).filter((name) => name === 'index.ts' || name.endsWith('.vscode.ts'));
  fs.rmSync(outDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries.map((name) => path.join(here, name)),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    // vscode is provided by the extension host; mocha is loaded from the project's node_modules (it reads its own files).
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return path.join(outDir, 'index');
}

if (require.main === module) {
  buildSuite().then(
    (entry) => console.log(`built ${entry}.js`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
