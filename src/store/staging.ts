/**
 * Where received images go as soon as an image box N-SET accepts them, before anyone prints: one
 * file per image under <data-dir>/films/.tmp-staging/, written and fdatasynced in the background
 * while the modality sends its next box. At N-ACTION the film links the staged files into its own
 * directory, so the promise "this film is durable" costs a few links and fsyncs, not a copy of its
 * pixels. Staged names are removed when their image is replaced or the association ends (the
 * film's links keep the data); whatever a crash leaves is removed at start-up (.tmp- prefix).
 * Images streamed from the socket are written while they arrive (staging-file.ts); the others
 * (small ones, held whole) are written here once their N-SET accepts them.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { link, mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeSynced } from './durable-fs.js';
import { STAGING_DIR } from './film-files.js';
import { StagingFile } from './staging-file.js';

export interface StagedImage {
  path: string;
  bytes: number;
  /** Resolves once the pixels are on disk (fdatasynced); rejects with the write's error (ENOSPC...). */
  written: Promise<void>;
  /** Set once the write failed: a later N-SET can say so at once. */
  error?: Error & { code?: string };
}

export class Staging {
  readonly dir: string;
  #seq = 0;

  /** `name`: a directory of this instance's own when several share the films directory. */
  constructor(filmsRoot: string, name = STAGING_DIR) {
    this.dir = join(filmsRoot, name);
    // A fresh area at every start: nothing staged by an earlier process is anyone's image now.
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** Start writing an image's pixels; the returned promise never rejects unobserved. */
  stage(parts: readonly Buffer[], bytes: number): StagedImage {
    const path = join(this.dir, `${++this.#seq}.raw`);
    const staged: StagedImage = { path, bytes, written: this.#write(path, parts, bytes) };
    staged.written.catch((e: Error) => {
      staged.error = e;
      // A half-written file is nobody's image.
      void unlink(path).catch(() => undefined);
    });
    return staged;
  }

  /**
   * A staged image written while it arrives (an image box's Pixel Data streamed from the socket):
   * `bytes` is the value's length; the file is the sink the data set stream writes to.
   */
  open(bytes: number): StagingFile {
    return new StagingFile(join(this.dir, `${++this.#seq}.raw`), bytes);
  }

  /** The staging directory may have been removed under us (an operator clearing films): made again. */
  async #write(path: string, parts: readonly Buffer[], bytes: number): Promise<void> {
    try {
      await writeSynced(path, parts, bytes);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(this.dir, { recursive: true });
      await writeSynced(path, parts, bytes);
    }
  }

  /** Give the staged file a second name (in a film's directory) once it is written. */
  async linkInto(s: StagedImage, to: string): Promise<void> {
    await s.written;
    await link(s.path, to);
  }

  /** The staged name is no longer needed (image replaced, association over). */
  discard(s: StagedImage): void {
    void s.written
      .catch(() => undefined)
      .then(() => unlink(s.path))
      .catch(() => undefined);
  }
}
