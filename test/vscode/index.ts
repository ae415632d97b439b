// Extension-host test entry: the module that VS Code loads as extensionTestsPath, in the format @vscode/test-electron runs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Mocha from 'mocha';
import { facts, measurements, recordMeasurement } from './helpers';

/** One finished test, as the harness prints and counts it. */
interface TestOutcome {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

/**
 * Runs every `*.vscode.js` file next to this one with mocha (tdd interface). The outcome of each test and the
 * measurements the tests record are written as JSON to $MEMWALL_E2E_RESULTS when the harness sets it (the extension
 * host inherits the VS Code server's environment), because a web workbench only hands back an exit code.
 */
export async function run(): Promise<void> {
  // MEMWALL_E2E_GREP runs only the tests whose full title matches (for working on one test).
  const grep = process.env.MEMWALL_E2E_GREP;
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec', ...(grep ? { grep } : {}) });
  const here = __dirname;
  for (const file of fs.readdirSync(here).filter((name) => name.endsWith('.vscode.js')).sort()) {
    mocha.addFile(path.join(here, file));
  }
  // Timings depend on what else the machine runs: the load average is recorded beside them.
  recordMeasurement('load average (1 min) when the suite started', os.loadavg()[0]!, `on ${os.cpus().length} cores`);
  const outcomes: TestOutcome[] = [];
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on('pass', (test) => outcomes.push({ title: test.fullTitle(), state: 'passed', durationMs: test.duration }));
    runner.on('pending', (test) => outcomes.push({ title: test.fullTitle(), state: 'pending' }));
    runner.on('fail', (test, error: Error) =>
      outcomes.push({ title: test.fullTitle(), state: 'failed', error: String(error?.stack ?? error).slice(0, 2000) }),
    );
  });
  recordMeasurement('load average (1 min) when the suite ended', os.loadavg()[0]!, `on ${os.cpus().length} cores`);
  const resultsFile = process.env.MEMWALL_E2E_RESULTS;
  if (resultsFile) {
    fs.writeFileSync(resultsFile, JSON.stringify({ outcomes, measurements: measurements(), facts: facts() }, null, 2));
  }
  if (failures > 0) throw new Error(`${failures} extension-host test(s) failed`);
}
