// The e2e harness: starts code-server's VS Code, runs the extension-host suite in it, then the Playwright UI pass.
//
// Run by .ci/e2e.sh, which provides MEMWALL_E2E_NODE (Node 24) and MEMWALL_E2E_VSCODE (code-server's lib/vscode).
// Prints `vscode suite: N passed, N failed`, `ui pass: N passed, N failed` and the screenshot folder.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSuite, ROOT } from '../vscode/build';
import { startVscodeServer } from './server';
import { runUiPass, type SeenDiagnostic, type UiOutcome } from './ui';
import { launchChromium, runSuiteInWorkbench } from './workbench';

export const SCREENSHOTS = path.join(ROOT, 'test-results', 'vscode');

/** User settings written before the server starts: without them the Welcome page and a chat panel cover the editor. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'editor.hover.delay': 100,
  // The sticky header would cover the top lines of the editor, where clicks and squiggles are looked for.
  'editor.stickyScroll.enabled': false,
  'workbench.tips.enabled': false,
};

interface SuiteResults {
  outcomes: { title: string; state: string; durationMs?: number; error?: string }[];
  measurements: { name: string; value: number; unit: string }[];
  facts?: { diagnostics?: SeenDiagnostic[] };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run this through .ci/e2e.sh`);
  return value;
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

async function main(): Promise<number> {
  const node = required('MEMWALL_E2E_NODE');
  const vscodeDir = required('MEMWALL_E2E_VSCODE');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) {
    console.error('e2e: dist/extension.js is missing: build first (node esbuild.js)');
  }
  const started = performance.now();
  const testsPath = await buildSuite();

  // Everything this run writes lives in one temporary folder, and the workspace is a copy of examples/, so the
  // suite may edit and create files without touching the repository.
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memwall-e2e-'));
  const workspace = path.join(runDir, 'workspace');
  fs.cpSync(path.join(ROOT, 'examples'), workspace, { recursive: true });
  fs.mkdirSync(path.join(runDir, 'user-data', 'User'), { recursive: true });
  fs.writeFileSync(path.join(runDir, 'user-data', 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const resultsFile = path.join(runDir, 'suite-results.json');
  const xdg = path.join(runDir, 'xdg');

  const server = await startVscodeServer({
    node,
    vscodeDir,
    runDir,
    env: {
      XDG_CONFIG_HOME: path.join(xdg, 'config'),
      XDG_DATA_HOME: path.join(xdg, 'data'),
      XDG_CACHE_HOME: path.join(xdg, 'cache'),
      MEMWALL_E2E_RESULTS: resultsFile,
      ...(process.env.MEMWALL_E2E_GREP ? { MEMWALL_E2E_GREP: process.env.MEMWALL_E2E_GREP } : {}),
    },
  });
  console.log(`e2e: VS Code server up at ${server.url} after ${seconds(started)} (log ${server.logFile})`);
  const browser = await launchChromium();
  let suitePassed: number;
  let suiteFailed: number;
  let ui: UiOutcome[];
  try {
    const suiteStarted = performance.now();
    const suite = await runSuiteInWorkbench(browser, { serverUrl: server.url, workspace, extensionPath: ROOT, testsPath }, 600_000);
    fs.writeFileSync(path.join(SCREENSHOTS, 'suite.log'), suite.log.join('\n') + '\n');
    const results: SuiteResults = fs.existsSync(resultsFile)
      ? JSON.parse(fs.readFileSync(resultsFile, 'utf8'))
      : { outcomes: [], measurements: [] };
    console.log(`\ne2e: extension-host suite (exit code ${suite.exitCode}, ${seconds(suiteStarted)})`);
    for (const outcome of results.outcomes) {
      const mark = outcome.state === 'passed' ? 'ok  ' : outcome.state === 'failed' ? 'FAIL' : 'skip';
      console.log(`  ${mark} ${outcome.title}${outcome.durationMs !== undefined ? ` (${outcome.durationMs} ms)` : ''}`);
      if (outcome.error) console.log(outcome.error.split('\n').slice(0, 6).map((line) => `         ${line}`).join('\n'));
    }
    suitePassed = results.outcomes.filter((outcome) => outcome.state === 'passed').length;
    // A skipped test hides a feature that may be gone: it counts as a failure.
    suiteFailed = results.outcomes.filter((outcome) => outcome.state !== 'passed').length;
    // A suite that crashed before writing results, or hung, counts as a failure even with no failed test listed.
    if (suite.exitCode !== 0 && suiteFailed === 0) {
      suiteFailed = 1;
      console.log(`  FAIL the suite ended with exit code ${suite.exitCode}; its log: ${path.join(SCREENSHOTS, 'suite.log')}`);
      console.log(suite.log.slice(-15).map((line) => `         ${line}`).join('\n'));
    }
    for (const measurement of results.measurements) console.log(`  measured: ${measurement.name} = ${measurement.value} ${measurement.unit}`);

    const uiStarted = performance.now();
    // The UI pass gets its own copy of examples/: the suite's settings, edits and restored tabs stay out of its way.
    const uiWorkspace = path.join(runDir, 'workspace-ui');
    fs.cpSync(path.join(ROOT, 'examples'), uiWorkspace, { recursive: true });
    ui = process.env.MEMWALL_E2E_SKIP_UI ? [] : await runUiPass(browser, { serverUrl: server.url, workspace: uiWorkspace, extensionPath: ROOT }, SCREENSHOTS, results.facts?.diagnostics ?? []);
    console.log(`\ne2e: Playwright UI pass (${seconds(uiStarted)})`);
    for (const outcome of ui) {
      console.log(`  ${outcome.ok ? 'ok  ' : 'FAIL'} ${outcome.name}${outcome.detail ? `: ${outcome.detail}` : ''}`);
    }
    fs.writeFileSync(
      path.join(SCREENSHOTS, 'summary.json'),
      JSON.stringify({ suite: results, suiteExitCode: suite.exitCode, ui }, null, 2),
    );
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
  const uiPassed = ui.filter((outcome) => outcome.ok).length;
  const uiFailed = ui.length - uiPassed;
  console.log(`\nvscode suite: ${suitePassed} passed, ${suiteFailed} failed`);
  console.log(`ui pass: ${uiPassed} passed, ${uiFailed} failed`);
  console.log(`screenshots: ${SCREENSHOTS}`);
  console.log(`e2e run: ${seconds(started)}`);
  const failed = suiteFailed > 0 || uiFailed > 0 || suitePassed === 0;
  if (failed) console.log(`e2e: kept ${runDir} (server log, workspace) for inspection`);
  else fs.rmSync(runDir, { recursive: true, force: true });
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
