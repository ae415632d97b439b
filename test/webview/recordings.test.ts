// The panel test's recorded data must be what the language server sends today: each recording is asked of the real server.
//
// test/webview/fixtures/gpt_block.<gpu>.json feed the webview test in Chromium; if the server's memwall/roofline
// answer changes (a new field, a figure, a GPU's detail line) and the recordings do not, the panel is tested on data it
// never receives. Rewrite them (after `npm run build`) with `npm run test:snapshots:update` and review the diff.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOFLINE_REQUEST, type RooflineResult } from '../../src/protocol';
import { ROOT, startServer, type Harness } from '../server/lsp';
import { checkSnapshot } from '../helpers/snapshot';

/** The GPUs the panel test draws, and the file each recording lives in. */
export const RECORDINGS = { 'h100-sxm': 'gpt_block.h100-sxm.json', 'a100-80gb-sxm': 'gpt_block.a100-80gb-sxm.json' } as const;

/** A URI that names no folder of this machine, so the recordings are the same wherever they are made. */
const URI = 'file:///memwall/examples/gpt_block.py';
const TEXT = readFileSync(path.join(ROOT, 'examples', 'gpt_block.py'), 'utf8');

describe('recorded webview data', () => {
  let server: Harness;
  before(async () => {
    server = await startServer({ gpu: 'h100-sxm', dtype: 'bf16', dims: {}, severity: {}, inlayHints: 'full' });
    server.open(URI, TEXT);
    await server.waitForDiagnostics(URI, 1, 20_000);
  });
  after(async () => {
    if (server && server.child.exitCode === null) await server.shutdown();
  });

  for (const [gpu, file] of Object.entries(RECORDINGS)) {
    it(`${file} is the server's memwall/roofline answer for examples/gpt_block.py on ${gpu}`, async () => {
      if (server.settings.gpu !== gpu) {
        // The GPU comes from the settings, as in the editor; the server re-analyses and republishes.
        const seen = server.published.length;
        server.settings = { ...server.settings, gpu };
        await server.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
        while (!server.published.slice(seen).some((published) => published.uri === URI)) await server.waitForDiagnostics(URI, undefined, 20_000);
      }
      const result = await server.request<RooflineResult>(ROOFLINE_REQUEST, { uri: URI });
      checkSnapshot(path.join(__dirname, 'fixtures', file), JSON.stringify(result, null, 1) + '\n', `the server's roofline answer on ${gpu}`);
    });
  }
});
