// Builds every bundle: the extension host client, the language server, the CLI (Node, CommonJS) and the webview (browser).
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const dist = path.join(__dirname, 'dist');

/** The tree-sitter runtime and the Python grammar travel next to the bundles that load them. */
const WASM_FILES = [
  require.resolve('web-tree-sitter/web-tree-sitter.wasm'),
  path.join(path.dirname(require.resolve('@vscode/tree-sitter-wasm/package.json')), 'wasm', 'tree-sitter-python.wasm'),
];

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'warning',
};

const node = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // esbuild would pick web-tree-sitter's ESM build, which crashes in Parser.init once bundled to CommonJS.
  // require.resolve from this CommonJS script resolves the package's "require" export: its .cjs build.
  alias: { 'web-tree-sitter': require.resolve('web-tree-sitter') },
};

const builds = [
  { ...node, entryPoints: { extension: 'src/client/extension.ts' }, outdir: dist, external: ['vscode'] },
  { ...node, entryPoints: { server: 'src/server/server.ts' }, outdir: dist },
  { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: dist, banner: { js: '#!/usr/bin/env node' } },
  // The webview's own folder: the panel lets the webview read dist/webview/ and nothing else of the extension.
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: { webview: 'webview/main.ts' }, outdir: path.join(dist, 'webview') },
].filter((b) => Object.values(b.entryPoints).every((entry) => fs.existsSync(entry)));

function copyWasm() {
  fs.mkdirSync(dist, { recursive: true });
  for (const file of WASM_FILES) fs.copyFileSync(file, path.join(dist, path.basename(file)));
}

/** The panel's stylesheet goes beside the webview bundle, in the one folder the webview may read. */
function copyWebviewStyle() {
  fs.mkdirSync(path.join(dist, 'webview'), { recursive: true });
  fs.copyFileSync(path.join(__dirname, 'media', 'panel.css'), path.join(dist, 'webview', 'panel.css'));
}

/**
 * One Markdown page per rule in dist/rules/, from the rules' own header data (the text `memwall explain` prints): the
 * diagnostics' codeDescription links point at these files inside the installed extension, so they work offline.
 */
async function writeRulePages() {
  const entry = path.join(__dirname, 'src/server/rulePages.ts');
  if (!fs.existsSync(entry)) return;
  const { outputFiles } = await esbuild.build({ ...node, entryPoints: [entry], write: false, sourcemap: false, minify: false, logLevel: 'error' });
  const pages = new Module(entry, module);
  pages.paths = module.paths;
  pages._compile(outputFiles[0].text, entry);
  const folder = path.join(dist, 'rules');
  fs.rmSync(folder, { recursive: true, force: true });
  fs.mkdirSync(folder, { recursive: true });
  for (const page of pages.exports.rulePages()) fs.writeFileSync(path.join(folder, page.file), page.markdown);
}

async function main() {
  copyWasm();
  copyWebviewStyle();
  if (watch) {
    for (const options of builds) await (await esbuild.context(options)).watch();
    console.log('[esbuild] watching');
    return;
  }
  await Promise.all([...builds.map((options) => esbuild.build(options)), writeRulePages()]);
  if (fs.existsSync(path.join(dist, 'cli.js'))) fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
