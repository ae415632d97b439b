// Finds where a Python environment keeps its installed packages by reading its files (pyvenv.cfg, the lib/pythonX.Y
// layout, Debian's dist-packages), never by running the interpreter: MemWall runs no code of the user's.
import { homedir } from 'node:os';
import path from 'node:path';
import { realpath, stat } from 'node:fs/promises';
import type { FileView } from './file-view';

export interface PythonEnvironment {
  /** The interpreter or environment folder as the user named it. */
  readonly python: string;
  /** Where that name came from: `--python`, `setting memwall.pythonPath`, `the Python extension's interpreter`. */
  readonly source: string;
  /** The folders installed packages are imported from, in the order Python searches them. */
  readonly sitePackages: readonly string[];
  /** Why no packages folder was found, when there is none; shown to the user once. */
  readonly problem?: string;
}

/** `version = 3.11.2` or `version_info = 3.11.2.final.0` → `3.11`. */
const VERSION_KEYS = ['version', 'version_info'];

/** `key = value` lines of pyvenv.cfg. */
export function readPyvenvCfg(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([\w-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (match) values.set(match[1]!.toLowerCase(), match[2]!);
  }
  return values;
}

function majorMinor(version: string | undefined): string | undefined {
  return version ? /^(\d+\.\d+)/.exec(version)?.[1] : undefined;
}

/** The `pythonX.Y` folders under `lib`, newest first, when the version is not known. */
async function libVersions(prefix: string, files: FileView): Promise<string[]> {
  const entries = await files.list(path.join(prefix, 'lib'));
  return [...entries.keys()]
    .map((name) => /^python(\d+\.\d+)$/.exec(name)?.[1])
    .filter((version): version is string => !!version)
    .sort((a, b) => Number(b.split('.')[1]) - Number(a.split('.')[1]));
}

/** Packages folders of one installation prefix, in Python's order (Debian's /usr/local first, then /usr). */
function prefixCandidates(prefix: string, version: string): string[] {
  return [
    path.join(prefix, 'local', 'lib', `python${version}`, 'dist-packages'),
    path.join(prefix, 'lib', 'python3', 'dist-packages'),
    path.join(prefix, 'lib', `python${version}`, 'site-packages'),
    path.join(prefix, 'lib', `python${version}`, 'dist-packages'),
  ];
}

async function existingFolders(candidates: readonly string[], files: FileView): Promise<string[]> {
  const found: string[] = [];
  for (const candidate of candidates) {
    if (!found.includes(candidate) && (await files.has(path.dirname(candidate), path.basename(candidate), 'folder'))) found.push(candidate);
  }
  return found;
}

/** A prefix's packages folders; Windows keeps them in `Lib/site-packages` whatever the version. */
async function sitePackagesOf(prefix: string, version: string | undefined, files: FileView): Promise<string[]> {
  const versions = version ? [version] : await libVersions(prefix, files);
  const candidates = versions.flatMap((each) => prefixCandidates(prefix, each));
  candidates.push(path.join(prefix, 'Lib', 'site-packages'));
  return existingFolders(candidates, files);
}

/**
 * Folders that `.pth` files in a packages folder add to the search path (editable installs write one). Lines that
 * start with `import` are code Python would run at startup: they are skipped, never run.
 */
async function pthFolders(site: string, files: FileView): Promise<string[]> {
  const added: string[] = [];
  for (const [name, kind] of await files.list(site)) {
    if (kind !== 'file' || !name.endsWith('.pth')) continue;
    const text = (await files.read(path.join(site, name))) ?? '';
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || /^import[\s\t]/.test(line)) continue;
      const folder = path.resolve(site, line);
      if (await files.has(path.dirname(folder), path.basename(folder), 'folder')) added.push(folder);
    }
  }
  return added;
}

async function withPthFolders(sites: readonly string[], files: FileView): Promise<string[]> {
  const all: string[] = [];
  for (const site of sites) {
    all.push(site);
    for (const folder of await pthFolders(site, files)) if (!all.includes(folder)) all.push(folder);
  }
  return all;
}

/**
 * The packages folders of the environment an interpreter (`.venv/bin/python`, `/usr/bin/python3`) or environment
 * folder (`.venv`, a conda prefix) belongs to. A virtual environment is known by its `pyvenv.cfg`; with
 * `include-system-site-packages = true` its base installation's folders follow its own. Relative names are taken
 * from `cwd` (the CLI's working folder, the pyproject.toml's folder, the workspace folder).
 */
export async function findEnvironment(python: string, source: string, files: FileView, cwd: string = process.cwd()): Promise<PythonEnvironment> {
  const named = path.resolve(cwd, python.replace(/^~(?=$|[\\/])/, homedir()));
  let isFolder: boolean;
  try {
    isFolder = (await stat(named)).isDirectory();
  } catch {
    return { python, source, sitePackages: [], problem: `${source}: ${python} does not exist` };
  }
  // An interpreter sits in `bin/` (or `Scripts\` on Windows) under its prefix; a folder is the prefix itself.
  const prefixes = isFolder ? [named] : [path.dirname(path.dirname(named)), path.dirname(named)];
  for (const prefix of prefixes) {
    const cfgText = await files.read(path.join(prefix, 'pyvenv.cfg'));
    if (cfgText === undefined) continue;
    const cfg = readPyvenvCfg(cfgText);
    const version = majorMinor(VERSION_KEYS.map((key) => cfg.get(key)).find(Boolean));
    const sites = await sitePackagesOf(prefix, version, files);
    const home = cfg.get('home');
    if (cfg.get('include-system-site-packages')?.toLowerCase() === 'true' && home) {
      // `home` is the folder of the base interpreter: `/usr/bin` (prefix /usr), or the prefix itself on Windows.
      for (const basePrefix of [path.dirname(home), home]) {
        for (const site of await sitePackagesOf(basePrefix, version, files)) if (!sites.includes(site)) sites.push(site);
      }
    }
    return finish(python, source, await withPthFolders(sites, files));
  }

  // A base installation: its prefix holds the lib folders; the version is in the interpreter's real name.
  let real = named;
  try {
    real = await realpath(named);
  } catch {
    // The stat above succeeded, so this is a race with a deletion; the name as given will do.
  }
  const version = majorMinor(/python(\d+\.\d+)/.exec(path.basename(real))?.[1]);
  const sites: string[] = [];
  const basePrefixes = isFolder ? [real] : [path.dirname(path.dirname(real)), path.dirname(real)];
  for (const prefix of basePrefixes) for (const site of await sitePackagesOf(prefix, version, files)) if (!sites.includes(site)) sites.push(site);
  // The user's own packages (`pip install --user`) come before the system's, as in Python's sys.path.
  const versions = version ? [version] : [];
  const userSites = await existingFolders(versions.map((each) => path.join(homedir(), '.local', 'lib', `python${each}`, 'site-packages')), files);
  return finish(python, source, await withPthFolders([...userSites, ...sites], files));
}

function finish(python: string, source: string, sitePackages: string[]): PythonEnvironment {
  return sitePackages.length
    ? { python, source, sitePackages }
    : { python, source, sitePackages, problem: `${source}: found no site-packages or dist-packages folder for ${python}` };
}
