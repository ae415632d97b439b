// Runs the extension-host suite in a downloaded desktop VS Code with @vscode/test-electron (needs internet access).
//
// Here, where VS Code cannot be downloaded, `npm run test:vscode` runs the same suite in code-server's VS Code instead.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { buildSuite, ROOT } from './build';

async function main(): Promise<void> {
  // Its own output folder, so it can run while the code-server route runs.
  const extensionTestsPath = await buildSuite(path.join(ROOT, 'out', 'test', 'vscode-desktop'));
  // The suite edits and creates files in its workspace, so it gets a throw-away copy of examples/.
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memwall-vscode-'));
  const workspace = path.join(runDir, 'workspace');
  fs.cpSync(path.join(ROOT, 'examples'), workspace, { recursive: true });
  const resultsFile = path.join(runDir, 'suite-results.json');
  try {
    await runTests({
      extensionDevelopmentPath: ROOT,
      extensionTestsPath,
      launchArgs: [workspace, '--disable-extensions', '--user-data-dir', path.join(runDir, 'user-data')],
      extensionTestsEnv: { MEMWALL_E2E_RESULTS: resultsFile },
    });
  } finally {
    if (fs.existsSync(resultsFile)) {
      const { measurements } = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as { measurements: { name: string; value: number; unit: string }[] };
      for (const measurement of measurements) console.log(`measured: ${measurement.name} = ${measurement.value} ${measurement.unit}`);
    }
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`test:vscode:desktop failed: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
});
