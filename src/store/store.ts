/**
 * Everything Lightbox keeps across restarts, in the data directory: the films directory and the
 * index database (films, print jobs, associations, lab fault firings). Opened once at start-up.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AssociationLog, ID_BLOCK } from './association-log.js';
import { CurveLog } from './curve-log.js';
import { type Db, openDatabase } from './database.js';
import { ExportLog } from './export-log.js';
import { FaultLog } from './fault-log.js';
import { type FilmFiles, STAGING_DIR } from './film-files.js';
import { FilmIndex } from './film-index.js';
import { ForwardQueue } from './forward-queue.js';
import { FsFilmFiles } from './fs-film-files.js';
import { Instances } from './instances.js';
import { JobLog } from './job-log.js';
import { OutboundLog } from './outbound-log.js';
import { Staging } from './staging.js';

export const DATABASE_FILE = 'lightbox.db';

export interface StoreOptions {
  /**
   * The index database (--database): a SQLite file path, or a postgres:// URL shared by several
   * instances; absent: lightbox.db in the data directory.
   */
  database?: string;
  /** A write the store could not make (disk full): logged by the caller, never thrown at the DICOM side. */
  onError?: (e: Error, what: string) => void;
}

export class Store {
  readonly dataDir: string;
  readonly db: Db;
  readonly films: FilmIndex;
  readonly filmFiles: FilmFiles;
  readonly jobs: JobLog;
  readonly associations: AssociationLog;
  readonly faults: FaultLog;
  /** Export jobs of rendered films (src/export/). */
  readonly exports: ExportLog;
  /** Replays and forwarded prints (Lightbox as SCU) with their answers. */
  readonly outbound: OutboundLog;
  /** Measured printer curves analysed (film QA), optionally linked to a film. */
  readonly curves: CurveLog;
  /** Films waiting to be printed on to a real printer (tee). */
  readonly forwardQueue: ForwardQueue;
  /** Received images on disk before they are printed. */
  readonly staging: Staging;
  /** This instance, and the others sharing the database (PostgreSQL). */
  readonly instances: Instances;

  constructor(dataDir: string, o: StoreOptions = {}) {
    this.dataDir = dataDir;
    mkdirSync(dataDir, { recursive: true });
    this.db = openDatabase(o.database ?? join(dataDir, DATABASE_FILE));
    const onError = o.onError ?? (() => undefined);
    this.instances = new Instances(this.db, (e) => onError(e, 'instance heartbeat'));
    // A database several instances share goes with a films directory they share.
    const shared = this.instances.shared;
    this.filmFiles = new FsFilmFiles(dataDir, shared);
    this.staging = new Staging(
      this.filmFiles.root,
      shared ? `${STAGING_DIR}-${this.instances.id}` : STAGING_DIR,
    );
    this.films = new FilmIndex(this.db);
    this.jobs = new JobLog(this.db);
    // Shared by several instances: one id per reservation, so that ids follow time across them.
    this.associations = new AssociationLog(
      this.db,
      (e, id) => onError(e, `association ${id}`),
      this.db.dialect === 'postgres' ? 1 : ID_BLOCK,
      shared ? this.instances.id : undefined,
    );
    this.faults = new FaultLog(this.db);
    this.exports = new ExportLog(this.db);
    this.outbound = new OutboundLog(this.db);
    this.forwardQueue = new ForwardQueue(this.db);
    this.curves = new CurveLog(this.db);
  }

  close(): void {
    if (this.db.open) {
      this.instances.stop();
      this.db.close();
    }
  }
}
