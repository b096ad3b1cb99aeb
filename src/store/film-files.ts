/**
 * Where films' files are kept, behind one small interface: the filesystem today (FsFilmFiles, a
 * directory per film under <data-dir>/films, on a volume several instances may share); object
 * storage could implement it later. Film directories appear whole (written under a temporary name,
 * then renamed); what reads and serves films (HTTP routes, exports, retention, the render) goes
 * through this, never through paths of its own.
 */
import type { Readable } from 'node:stream';
import type { FilmIndex } from './film-index.js';

export const TMP_PREFIX = '.tmp-';
/** Images received but not yet printed (src/store/staging.ts cleans it itself). */
export const STAGING_DIR = `${TMP_PREFIX}staging`;
/**
 * A films directory shared by several instances: a temporary entry is another instance's film being
 * written (or deleted) unless it is older than this, when it is a crash's leftover.
 */
export const SHARED_TMP_AGE_MS = 3_600_000;
/** Film ids are directory names: no path separators, no dot first. */
export const FILM_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$';
export const FILM_ID = new RegExp(FILM_ID_PATTERN);

export interface FileStat {
  size: number;
  mtimeMs: number;
}

export interface Recovery {
  /** Temporary directories and files removed (half-written films, unfinished renders, deletions). */
  removed: number;
  /** Film directories found without an index row, and indexed. */
  indexed: number;
  /** Index rows whose directory was gone, dropped. */
  dropped: number;
  /** Films whose film.json could not be read: listed as broken. */
  broken: string[];
}

export interface FilmFiles {
  /** Several instances keep films here (--database postgres://): start-up leaves their work alone. */
  readonly shared: boolean;
  /** The local directory films are assembled in before they appear (the spool; staged images). */
  readonly root: string;
  /** One file of a film (film.json, film.png, ...); undefined when it has none of that name. */
  read(id: string, name: string): Promise<Buffer | undefined>;
  /** Write one file of a film whole: readers see the old bytes or the new, never part. */
  write(id: string, name: string, bytes: Uint8Array): Promise<void>;
  stat(id: string, name: string): Promise<FileStat | undefined>;
  /** The names of a film's files ([] for no such film). */
  list(id: string): Promise<string[]>;
  /** A file opened for streaming (an HTTP reply); undefined when it cannot be opened. */
  stream(id: string, name: string): Promise<Readable | undefined>;
  /** Bytes of all of a film's files. */
  bytes(id: string): Promise<number>;
  /** Remove a film's files; a crash midway never leaves half a film. */
  remove(id: string): Promise<void>;
  /**
   * A local directory holding the film's files, for tools that work on paths (the render process,
   * sharp, the PDF and DICOM builders, the spool's rename): on the filesystem the film's own
   * directory; an object store would fetch into (and publish from) a local cache here.
   */
  local(id: string): string;
  /** A fresh temporary directory for a film being written (published by renaming it to local(id)). */
  tmpDir(id: string): string;
  /** Start-up: clear temporary leftovers and bring the index in line with the files. */
  recover(index: FilmIndex): Recovery;
}
