/**
 * FilmFiles on a filesystem (<data-dir>/films/): one directory per printed film, named by its id.
 * Films appear by rename, so a directory either holds a whole film or starts with ".tmp-" and is
 * removed at start-up. The index (FilmIndex) is reconciled with the directory at start-up: a film
 * whose row was lost is indexed again, a row whose directory is gone is dropped.
 */
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { renameSynced, writeSynced } from './durable-fs.js';
import {
  FILM_ID,
  type FileStat,
  type FilmFiles,
  type Recovery,
  SHARED_TMP_AGE_MS,
  STAGING_DIR,
  TMP_PREFIX,
} from './film-files.js';
import type { FilmIndex, FilmSummary, RenderState } from './film-index.js';
import { filmWarnings } from './outcome.js';

/** What film.json says of itself that the index keeps (the fields the spool writes). */
interface FilmJsonHead {
  printer: { aeTitle: string };
  callingAeTitle: string;
  associationId?: string;
  job: { uid: string };
  filmBox: { uid: string; statuses?: number[] };
  imageBoxes: { image?: unknown; statuses?: number[] }[];
  printedAt: string;
}

export class FsFilmFiles implements FilmFiles {
  readonly root: string;
  /** Several instances write this directory (--database postgres://): start-up leaves their work alone. */
  readonly shared: boolean;

  constructor(dataDir: string, shared = false) {
    this.shared = shared;
    this.root = join(dataDir, 'films');
    mkdirSync(this.root, { recursive: true });
  }

  local(id: string): string {
    if (!FILM_ID.test(id)) throw new Error(`not a film id: ${id}`);
    return join(this.root, id);
  }

  /** A file of the film by name (no directories: a name with a separator is not one of its files). */
  #path(id: string, name: string): string {
    if (!FILE_NAME.test(name)) throw new Error(`not a film file name: ${name}`);
    return join(this.local(id), name);
  }

  async read(id: string, name: string): Promise<Buffer | undefined> {
    return readFile(this.#path(id, name)).catch(() => undefined);
  }

  async write(id: string, name: string, bytes: Uint8Array): Promise<void> {
    const path = this.#path(id, name);
    const data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    try {
      await writeSynced(`${path}.tmp`, [data], data.length);
      await renameSynced(`${path}.tmp`, path);
    } catch (e) {
      await rm(`${path}.tmp`, { force: true });
      throw e;
    }
  }

  async stat(id: string, name: string): Promise<FileStat | undefined> {
    const s = await stat(this.#path(id, name)).catch(() => undefined);
    return s?.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : undefined;
  }

  async list(id: string): Promise<string[]> {
    const entries = await readdir(this.local(id), { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isFile())
      .map((e) => e.name)
      .sort();
  }

  stream(id: string, name: string): Promise<Readable | undefined> {
    const stream = createReadStream(this.#path(id, name));
    return new Promise((resolve) => {
      stream.once('open', () => resolve(stream));
      stream.once('error', () => resolve(undefined));
    });
  }

  /** A fresh temporary directory name for a film being written. */
  tmpDir(id: string): string {
    return join(this.root, `${TMP_PREFIX}${id}`);
  }

  /** Bytes of every file in a film's directory. */
  async bytes(id: string): Promise<number> {
    const dir = this.local(id);
    let total = 0;
    for (const n of await readdir(dir)) total += (await stat(join(dir, n)).catch(() => ({ size: 0 }))).size;
    return total;
  }

  /**
   * Remove a film's directory: renamed to a temporary name first, so a crash midway leaves a
   * directory that start-up removes, never half a film.
   */
  async remove(id: string): Promise<void> {
    const dir = this.local(id);
    const doomed = join(this.root, `${TMP_PREFIX}del-${id}`);
    try {
      await rename(dir, doomed);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    await rm(doomed, { recursive: true, force: true });
  }

  /** Start-up: clear temporary leftovers and bring the index in line with the directory. */
  recover(index: FilmIndex): Recovery {
    const r: Recovery = { removed: 0, indexed: 0, dropped: 0, broken: [] };
    const indexed = index.ids();
    const present = new Set<string>();
    const now = Date.now();
    for (const name of readdirSync(this.root)) {
      if (name === STAGING_DIR) continue;
      if (name.startsWith(TMP_PREFIX)) {
        if (this.shared && !olderThan(join(this.root, name), now - SHARED_TMP_AGE_MS)) continue;
        rmSync(join(this.root, name), { recursive: true, force: true });
        r.removed++;
        continue;
      }
      if (!FILM_ID.test(name)) continue;
      present.add(name);
      if (indexed.has(name)) continue;
      index.add(this.#summaryOf(name, r));
      r.indexed++;
    }
    for (const id of indexed) {
      if (present.has(id)) continue;
      index.remove(id);
      r.dropped++;
    }
    // Films indexed before warnings were kept get them from their film.json, once.
    for (const id of index.withoutWarnings()) {
      try {
        const f = JSON.parse(readFileSync(join(this.root, id, 'film.json'), 'utf8')) as FilmJsonHead;
        index.setWarnings(id, filmWarnings(f.filmBox, f.imageBoxes));
      } catch {
        index.setWarnings(id, []); // unreadable: none known, and not read again
      }
    }
    // Renders a crash interrupted may have left *.tmp files; they are about to be rendered again.
    // (Shared: another instance may be rendering it now; a leftover is overwritten by the next render.)
    for (const id of this.shared ? [] : index.pendingRender()) {
      const dir = join(this.root, id);
      if (!existsSync(dir)) continue;
      for (const n of readdirSync(dir)) {
        if (!n.endsWith('.tmp')) continue;
        rmSync(join(dir, n), { force: true });
        r.removed++;
      }
    }
    return r;
  }

  /** Index a film directory from its files (start-up only: synchronous). */
  #summaryOf(id: string, r: Recovery): FilmSummary {
    const dir = join(this.root, id);
    let bytes = 0;
    for (const n of readdirSync(dir)) {
      try {
        bytes += statSync(join(dir, n)).size;
      } catch {
        // vanished meanwhile
      }
    }
    try {
      const f = JSON.parse(readFileSync(join(dir, 'film.json'), 'utf8')) as FilmJsonHead;
      let render: RenderState = 'pending';
      let error: string | undefined;
      try {
        const rendered = JSON.parse(readFileSync(join(dir, 'render.json'), 'utf8')) as {
          failed?: boolean;
          error?: string;
        };
        render = rendered.failed ? 'failed' : 'rendered';
        error = rendered.error?.split('\n')[0];
      } catch {
        // not rendered, or the render was cut short: render it again
      }
      return {
        id,
        printer: f.printer.aeTitle,
        callingAeTitle: f.callingAeTitle,
        jobUid: f.job.uid,
        filmBoxUid: f.filmBox.uid,
        associationId: f.associationId,
        printedAt: f.printedAt,
        imageBoxes: f.imageBoxes.filter((b) => b.image).length,
        bytes,
        render,
        error,
        pinned: false,
        warnings: filmWarnings(f.filmBox, f.imageBoxes),
      };
    } catch (e) {
      r.broken.push(id);
      const st = statSync(dir);
      return {
        id,
        printer: '',
        callingAeTitle: '',
        jobUid: '',
        printedAt: st.mtime.toISOString(),
        imageBoxes: 0,
        bytes,
        render: 'broken',
        error: `film.json unreadable: ${(e as Error).message.split('\n')[0]}`,
        pinned: false,
      };
    }
  }
}

/** A film's own file: no path separator, no dot first. */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;

/** Last modified before `t` (ms); a vanished entry is not. */
function olderThan(path: string, t: number): boolean {
  try {
    return statSync(path).mtimeMs < t;
  } catch {
    return false;
  }
}
