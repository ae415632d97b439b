// The files an analysis reads: editor buffers first (unsaved text is what an import reads), then the disk, read
// asynchronously once and cached until a change event for the path drops the entry.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** What a folder entry is, as import resolution needs it; links are followed (a linked package is a package). */
export type EntryKind = 'file' | 'folder';

export class FileView {
  /** Texts of open editor buffers by absolute path; they outrank the disk. */
  private readonly overlays = new Map<string, string>();
  private readonly texts = new Map<string, Promise<string | undefined>>();
  private readonly listings = new Map<string, Promise<ReadonlyMap<string, EntryKind>>>();
  /** Disk reads so far (not cache hits): what a test checks to see that a keystroke does not read the disk. */
  diskReads = 0;
  /**
   * Bumped by every change that can move a module (a file or folder created, deleted or changed on disk), so that
   * caches derived from listings (where `a.b` lives) know to start again.
   */
  generation = 0;

  /** The text of an editor buffer for a file on disk, in place of the file's saved text. */
  setOverlay(file: string, text: string): void {
    this.overlays.set(path.resolve(file), text);
  }

  /** The buffer closed: the file reads from disk again (its saved text, which may differ from the buffer's last). */
  deleteOverlay(file: string): void {
    this.overlays.delete(path.resolve(file));
  }

  hasOverlay(file: string): boolean {
    return this.overlays.has(path.resolve(file));
  }

  /** The file's text, or undefined when it cannot be read (missing, a folder, no permission). */
  read(file: string): Promise<string | undefined> {
    const absolute = path.resolve(file);
    const overlay = this.overlays.get(absolute);
    if (overlay !== undefined) return Promise.resolve(overlay);
    let text = this.texts.get(absolute);
    if (!text) {
      this.diskReads++;
      text = readFile(absolute, 'utf8').then(
        (read) => read,
        () => undefined,
      );
      this.texts.set(absolute, text);
    }
    return text;
  }

  /**
   * The text of a file read for one analysis only (a file of the workspace report that is not open): a buffer or a
   * cached text when there is one, else the disk, without keeping the text, so that a report over a large workspace
   * does not keep every file in memory.
   */
  readOnce(file: string): Promise<string | undefined> {
    const absolute = path.resolve(file);
    const known = this.overlays.get(absolute);
    if (known !== undefined) return Promise.resolve(known);
    const cached = this.texts.get(absolute);
    if (cached) return cached;
    this.diskReads++;
    return readFile(absolute, 'utf8').then(
      (read) => read,
      () => undefined,
    );
  }

  /** The folder's entries by name, or an empty map when it cannot be read. */
  list(folder: string): Promise<ReadonlyMap<string, EntryKind>> {
    const absolute = path.resolve(folder);
    let listing = this.listings.get(absolute);
    if (!listing) {
      this.diskReads++;
      listing = readFolder(absolute);
      this.listings.set(absolute, listing);
    }
    return listing;
  }

  /** Whether `name` is a file (or a folder) in `folder`, from the cached listing. */
  async has(folder: string, name: string, kind: EntryKind): Promise<boolean> {
    return (await this.list(folder)).get(name) === kind;
  }

  /**
   * A file or folder changed, appeared or went away: its text and listing are read again on next use, and so is
   * its parent's listing. Nothing else is dropped, so one saved file costs one read.
   */
  invalidate(file: string): void {
    const absolute = path.resolve(file);
    this.texts.delete(absolute);
    this.listings.delete(absolute);
    this.listings.delete(path.dirname(absolute));
    this.generation++;
  }

  /** Everything read from disk is read again (a new Python environment, a restart of the service). */
  clear(): void {
    this.texts.clear();
    this.listings.clear();
    this.generation++;
  }
}

async function readFolder(folder: string): Promise<ReadonlyMap<string, EntryKind>> {
  const entries = new Map<string, EntryKind>();
  let listed;
  try {
    listed = await readdir(folder, { withFileTypes: true });
  } catch {
    return entries;
  }
  for (const entry of listed) {
    if (entry.isFile()) entries.set(entry.name, 'file');
    else if (entry.isDirectory()) entries.set(entry.name, 'folder');
    else if (entry.isSymbolicLink()) {
      // A link is what it points to; a dangling link is nothing.
      try {
        const target = await stat(path.join(folder, entry.name));
        if (target.isFile()) entries.set(entry.name, 'file');
        else if (target.isDirectory()) entries.set(entry.name, 'folder');
      } catch {
        // Dangling: left out.
      }
    }
  }
  return entries;
}
