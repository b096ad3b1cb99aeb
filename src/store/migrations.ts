/**
 * The index database's schema, one migration per version (PRAGMA user_version). A migration is
 * applied once, in a transaction with the version bump, so a crash leaves the previous version
 * whole. Never edit a migration that has shipped: add the next one.
 *
 * Pixel data and rendered images stay in the film directories; the index references them by film
 * id (the directory name).
 */
export interface Migration {
  version: number;
  why: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    why: 'films, print jobs with their state history, associations with their messages, lab fault firings',
    sql: `
      CREATE TABLE films (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        printer TEXT NOT NULL,
        calling_ae TEXT NOT NULL,
        job_uid TEXT NOT NULL,
        film_box_uid TEXT,
        association_id TEXT,
        printed_at TEXT NOT NULL,
        image_boxes INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        render TEXT NOT NULL,
        render_error TEXT
      );
      CREATE INDEX films_printed_at ON films (printed_at);
      CREATE INDEX films_printer ON films (printer, seq);
      CREATE INDEX films_calling_ae ON films (calling_ae, seq);
      CREATE INDEX films_job ON films (job_uid);
      CREATE INDEX films_render ON films (render, seq);

      CREATE TABLE jobs (
        seq INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        printer TEXT NOT NULL,
        originator TEXT NOT NULL,
        association_id TEXT,
        status TEXT NOT NULL,
        status_info TEXT NOT NULL,
        priority TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        printer_name TEXT,
        label TEXT,
        copies INTEGER NOT NULL,
        films TEXT NOT NULL
      );
      CREATE INDEX jobs_created_at ON jobs (created_at);
      CREATE INDEX jobs_printer ON jobs (printer, seq);
      CREATE INDEX jobs_originator ON jobs (originator, seq);
      CREATE INDEX jobs_status ON jobs (status, seq);

      CREATE TABLE job_states (
        job_uid TEXT NOT NULL,
        at TEXT NOT NULL,
        status TEXT NOT NULL,
        info TEXT NOT NULL
      );
      CREATE INDEX job_states_job ON job_states (job_uid);

      CREATE TABLE associations (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        peer TEXT NOT NULL,
        calling_ae TEXT,
        called_ae TEXT,
        printer TEXT,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        message_count INTEGER NOT NULL,
        warnings INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        summary TEXT NOT NULL
      );
      CREATE INDEX associations_started_at ON associations (started_at);
      CREATE INDEX associations_printer ON associations (printer, seq);
      CREATE INDEX associations_calling_ae ON associations (calling_ae, seq);

      CREATE TABLE association_messages (
        seq INTEGER PRIMARY KEY,
        messages TEXT NOT NULL
      );

      CREATE TABLE fault_firings (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        printer TEXT NOT NULL,
        fault TEXT NOT NULL,
        kind TEXT NOT NULL,
        description TEXT NOT NULL,
        association_id TEXT
      );
      CREATE INDEX fault_firings_association ON fault_firings (association_id);

      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    why: 'retention: pinned films are kept, the oldest unpinned ones go first',
    sql: `
      ALTER TABLE films ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX films_unpinned ON films (pinned, seq);
    `,
  },
  {
    version: 3,
    why: 'outcomes: the warning statuses the SCU got for each film, so listings show and filter them',
    // JSON array of status codes; NULL for films indexed before it was recorded.
    sql: `
      ALTER TABLE films ADD COLUMN warnings TEXT;
    `,
  },
  {
    version: 4,
    why: 'Lightbox as SCU: replays and forwarded prints with their answers, and the durable forward (tee) queue',
    sql: `
      CREATE TABLE outbound (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        source TEXT NOT NULL,
        target TEXT NOT NULL,
        film_id TEXT,
        association_id TEXT,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        ok INTEGER NOT NULL,
        summary TEXT NOT NULL,
        report TEXT NOT NULL
      );
      CREATE INDEX outbound_film ON outbound (film_id, seq);
      CREATE INDEX outbound_association ON outbound (association_id, seq);

      CREATE TABLE forward_queue (
        seq INTEGER PRIMARY KEY,
        film_id TEXT NOT NULL UNIQUE,
        printer TEXT NOT NULL,
        target TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_at INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_error TEXT,
        last_outbound TEXT
      );
      CREATE INDEX forward_queue_due ON forward_queue (state, next_at);
      CREATE INDEX films_association ON films (association_id);
    `,
  },
  {
    version: 5,
    why: 'film out: one durable export job per rendered film and target (directory, STOW-RS, C-STORE), retried with backoff',
    sql: `
      CREATE TABLE exports (
        seq INTEGER PRIMARY KEY,
        film_id TEXT NOT NULL,
        printer TEXT NOT NULL,
        target TEXT NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_at INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        sent_at TEXT,
        last_error TEXT,
        UNIQUE (film_id, target)
      );
      CREATE INDEX exports_due ON exports (state, next_at);
    `,
  },
  {
    version: 6,
    why: 'film QA: measured printer curves (densitometer readings and their analysis) kept, optionally linked to a film',
    sql: `
      CREATE TABLE curve_analyses (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        film_id TEXT,
        label TEXT,
        created_at TEXT NOT NULL,
        pass INTEGER NOT NULL,
        summary TEXT NOT NULL,
        input TEXT NOT NULL,
        analysis TEXT NOT NULL
      );
      CREATE INDEX curve_analyses_film ON curve_analyses (film_id, seq);
    `,
  },
  {
    version: 7,
    why: 'several instances on one database (PostgreSQL): job states in a row order both engines keep, render claims, instances alive, operator printer status and armed lab faults shared by the pool',
    // job_states had only SQLite's implicit rowid to keep its order; it gets a seq like every table.
    // A film's render_claim is the instance rendering it; a claim of an instance no longer seen
    // (instances.seen_at, ms) is taken over by another.
    sql: `
      CREATE TABLE job_states_new (
        seq INTEGER PRIMARY KEY,
        job_uid TEXT NOT NULL,
        at TEXT NOT NULL,
        status TEXT NOT NULL,
        info TEXT NOT NULL
      );
      INSERT INTO job_states_new (job_uid, at, status, info) SELECT job_uid, at, status, info FROM job_states;
      DROP TABLE job_states;
      ALTER TABLE job_states_new RENAME TO job_states;
      CREATE INDEX job_states_job ON job_states (job_uid, seq);

      ALTER TABLE films ADD COLUMN render_claim TEXT;

      CREATE TABLE instances (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        seen_at INTEGER NOT NULL
      );

      CREATE TABLE printer_status (
        printer TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        info TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE lab_faults (
        id TEXT PRIMARY KEY,
        printer TEXT NOT NULL,
        fault TEXT NOT NULL,
        source TEXT NOT NULL,
        armed_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 8,
    why: "a pool's lab faults keep the firings left of their count and the films counted toward an afterFilms status, so both are shared by every instance, also one that starts later",
    // remaining NULL: sticky, or a fault whose count every instance plays out on its own (a
    // flapping printer). films: counted since the fault last fired (afterFilms).
    sql: `
      ALTER TABLE lab_faults ADD COLUMN remaining INTEGER;
      ALTER TABLE lab_faults ADD COLUMN films INTEGER NOT NULL DEFAULT 0;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;
