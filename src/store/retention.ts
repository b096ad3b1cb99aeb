/**
 * Retention (--retention-max-age, --retention-max-bytes, --retention-max-films): the oldest
 * unpinned films go first, until every limit holds. Pinned films are never removed and count
 * toward the totals. A film whose print job is still PENDING or PRINTING (or that is being
 * rendered) is never removed; the count and size rules wait for it rather than remove a younger
 * film in its place, so what stays is always the newest.
 *
 * plan() is the pure part; Retention runs it after each film is stored or rendered, after each
 * print job ends (its films become removable), and every 60 s.
 */
import type { EventBus } from '../events.js';
import { removeFilm } from './remove-film.js';
import { SerialRun } from './serial-run.js';
import type { Store } from './store.js';

const RETENTION_INTERVAL_MS = 60_000;
/** The advisory lock a retention pass holds on PostgreSQL ("LBOXRETN"). */
export const RETENTION_LOCK = 0x4c424f585245544en;
/** Candidates looked at per pass (a pass that removes them all is followed by another). */
const BATCH = 500;

export interface RetentionLimits {
  maxAgeMs?: number;
  maxBytes?: number;
  maxFilms?: number;
}

export type RetentionRule = 'max-age' | 'max-films' | 'max-bytes';

export interface Candidate {
  id: string;
  bytes: number;
  printedAt: string;
}

export interface Removal {
  id: string;
  rule: RetentionRule;
  /** For the log: the rule and its limit, `retention: max-films 500`. */
  reason: string;
}

/** 21474836480 -> "20G"; sizes that are not whole units stay in bytes. */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const)
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  return String(bytes);
}

/** 2592000000 -> "30d"; durations that are not whole units stay in seconds or ms. */
export function formatDuration(ms: number): string {
  for (const [unit, n] of [
    ['w', 7 * 86_400_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= n && ms % n === 0) return `${ms / n}${unit}`;
  return `${ms}ms`;
}

function limitText(rule: RetentionRule, limits: RetentionLimits): string {
  switch (rule) {
    case 'max-age':
      return `retention: max-age ${formatDuration(limits.maxAgeMs ?? 0)}`;
    case 'max-films':
      return `retention: max-films ${limits.maxFilms}`;
    case 'max-bytes':
      return `retention: max-bytes ${formatSize(limits.maxBytes ?? 0)}`;
  }
}

function hasLimits(l: RetentionLimits): boolean {
  return l.maxAgeMs !== undefined || l.maxBytes !== undefined || l.maxFilms !== undefined;
}

/**
 * Which films to remove, oldest first, and the rule that removes each. `totals` covers every film
 * (pinned ones too); `oldestUnpinned` is the candidates, oldest first; `busy` films are kept: the
 * count and size rules stop at the first one (removing a younger film instead would keep an older
 * one), the age rule goes past it.
 */
export function plan(
  totals: { films: number; bytes: number },
  oldestUnpinned: readonly Candidate[],
  limits: RetentionLimits,
  now: number,
  busy: ReadonlySet<string> = new Set(),
): Removal[] {
  const out: Removal[] = [];
  let films = totals.films;
  let bytes = totals.bytes;
  let blocked = false;
  for (const c of oldestUnpinned) {
    const printed = Date.parse(c.printedAt);
    const old = limits.maxAgeMs !== undefined && !Number.isNaN(printed) && now - printed > limits.maxAgeMs;
    let over: RetentionRule | undefined;
    if (!blocked && limits.maxFilms !== undefined && films > limits.maxFilms) over = 'max-films';
    else if (!blocked && limits.maxBytes !== undefined && bytes > limits.maxBytes) over = 'max-bytes';
    const rule: RetentionRule | undefined = old ? 'max-age' : over;
    if (rule === undefined) {
      // Nothing younger can break the count or size limits now; only the age rule might still apply.
      if (limits.maxAgeMs === undefined) break;
      continue;
    }
    if (busy.has(c.id)) {
      if (over) blocked = true;
      continue;
    }
    out.push({ id: c.id, rule, reason: limitText(rule, limits) });
    films--;
    bytes -= c.bytes;
  }
  return out;
}

interface Log {
  info(o: object, msg: string): void;
  error(o: object, msg: string): void;
}

export interface RetentionOptions {
  store: Store;
  limits: RetentionLimits;
  events: EventBus;
  log: Log;
  /** Films not to remove now: those of print jobs PENDING or PRINTING, the one being rendered. */
  busy: () => ReadonlySet<string>;
  /** After a pass that removed films (the disk-space watcher looks again). */
  onRemoved?: () => void;
  intervalMs?: number;
}

export class Retention {
  readonly limits: RetentionLimits;
  /** The clock the age rule reads (tests move it). */
  clock: () => number = Date.now;
  readonly #o: RetentionOptions;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  readonly #runs = new SerialRun<Removal[]>(
    () => this.#pass(),
    () => [],
  );

  constructor(o: RetentionOptions) {
    this.#o = o;
    this.limits = { ...o.limits };
  }

  /** Run now (films an earlier run left beyond the limits), on every stored, rendered or finished film, and every 60 s. */
  start(): void {
    if (!hasLimits(this.limits)) return;
    this.#unsubscribe = this.#o.events.subscribe((e) => {
      if (
        e.type === 'film.printed' ||
        e.type === 'film.rendered' ||
        (e.type === 'job' && (e.status === 'DONE' || e.status === 'FAILURE'))
      )
        // After the publisher is done: the render or job that published has let go of the film.
        setImmediate(() => void this.run());
    });
    this.#timer = setInterval(() => void this.run(), this.#o.intervalMs ?? RETENTION_INTERVAL_MS);
    this.#timer.unref();
    void this.run();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    await this.#runs.stop();
  }

  /** One pass (after the one running, if any); resolves with the films removed. */
  run(): Promise<Removal[]> {
    if (!hasLimits(this.limits)) return Promise.resolve([]);
    return this.#runs.run();
  }

  /** Whether some limit may be broken now; false: no film would be removed, no pass is needed. */
  #mayRemove(): boolean {
    const { store } = this.#o;
    const { maxFilms, maxBytes, maxAgeMs } = this.limits;
    const t = store.films.totals();
    if (maxFilms !== undefined && t.films > maxFilms) return true;
    if (maxBytes !== undefined && t.bytes > maxBytes) return true;
    if (maxAgeMs === undefined) return false;
    return store.films.anyUnpinnedBefore(new Date(this.clock() - maxAgeMs).toISOString());
  }

  async #pass(): Promise<Removal[]> {
    const { store, events, log } = this.#o;
    const done: Removal[] = [];
    // Several instances on one database: one pass at a time in the whole pool, by whichever gets
    // the lock (a session lock: an instance that dies lets go of it with its connection).
    // Most passes find every limit kept: one statement tells (two with the age rule), where a whole
    // pass takes the lock and reads the candidates and the busy films (eight on PostgreSQL).
    try {
      if (!this.#mayRemove()) return done;
    } catch (e) {
      log.error({ err: (e as Error).message }, 'retention pass skipped');
      return done;
    }
    const pooled = store.db.dialect === 'postgres';
    if (pooled) {
      try {
        const got = store.db
          .prepare<[bigint], { ok: boolean }>('SELECT pg_try_advisory_lock(?) AS ok')
          .get(RETENTION_LOCK);
        if (!got?.ok) return done;
      } catch (e) {
        log.error({ err: (e as Error).message }, 'retention pass skipped');
        return done;
      }
    }
    try {
      for (;;) {
        const candidates = store.films.oldestUnpinned(BATCH);
        const todo = plan(store.films.totals(), candidates, this.limits, this.clock(), this.#o.busy());
        let removed = 0;
        for (const r of todo) {
          if (this.#runs.stopped) break;
          try {
            if (await removeFilm(store, r.id, { reason: r.rule, detail: r.reason }, { events, log })) {
              done.push(r);
              removed++;
            }
          } catch (e) {
            log.error({ film: r.id, err: (e as Error).message }, 'film not removed by retention');
          }
        }
        if (this.#runs.stopped || removed === 0 || candidates.length < BATCH) break;
      }
    } catch (e) {
      log.error({ err: (e as Error).message }, 'retention pass failed');
    } finally {
      if (pooled)
        try {
          store.db.prepare('SELECT pg_advisory_unlock(?)').get(RETENTION_LOCK);
        } catch {
          // the connection is gone, and the lock with it
        }
    }
    if (done.length > 0) this.#o.onRemoved?.();
    return done;
  }
}
