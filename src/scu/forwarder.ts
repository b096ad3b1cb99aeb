/**
 * Tee mode: every film a printer with `forward:` stores is printed on to the real printer, from
 * the durable queue (src/store/forward-queue.ts), one film at a time. Lightbox has already
 * answered the modality; this only decides what becomes of the copy:
 *
 * - the printer took it (no failure status, N-ACTION answered): done;
 * - it answered a failure status (a film jam, 0xC605, a refused attribute): failed, with the
 *   first failure as the reason; not retried by itself (it could print twice), re-sent on request;
 * - it could not be reached or did not answer (refused, rejected for now, timeout, dropped):
 *   queued again after retryMs, doubled per attempt up to maxRetryMs, failed after maxAttempts.
 *
 * Every attempt that reached the printer is kept as its own conversation (an outbound run linked
 * to the film).
 */
import type { Logger } from 'pino';
import { statusCategory, statusHex } from '../dicom/dimse/status.js';
import { sopClassName } from '../dicom/uids.js';
import type { EventBus } from '../events.js';
import type { PrinterProfile } from '../profiles/profile-schema.js';
import type { FilmSummary } from '../store/film-index.js';
import type { ForwardItem } from '../store/forward-queue.js';
import type { Store } from '../store/store.js';
import { forwardTls } from './forward-tls.js';
import { printStoredFilm } from './print-film.js';
import type { RunResult } from './runner.js';
import { parseTarget, targetText } from './target.js';

export type ForwardConfig = NonNullable<PrinterProfile['forward']>;

/** A film taken for an attempt is due again after this if the attempt never settles (crash). */
const SEND_LEASE_MS = 600_000;
/** Longest a film waits for its association to end before it is sent anyway. */
const HOLD_MS = 60_000;
const HOLD_POLL_MS = 100;

const DEFAULTS = { retryMs: 5000, maxRetryMs: 60_000, maxAttempts: 1000, timeoutMs: 60_000 };

/** What one attempt came to. */
export interface Attempt {
  result: 'done' | 'failed' | 'retry';
  detail: string;
  outbound?: string;
}

export class Forwarder {
  readonly #store: Store;
  readonly #configs: ReadonlyMap<string, ForwardConfig>;
  readonly #log: Logger;
  readonly #events: EventBus | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(o: {
    store: Store;
    configs: ReadonlyMap<string, ForwardConfig>;
    log: Logger;
    events?: EventBus;
  }) {
    this.#store = o.store;
    this.#configs = o.configs;
    this.#log = o.log.child({ part: 'forward' });
    this.#events = o.events;
  }

  /** Printers whose films are forwarded. */
  forwards(printer: string): boolean {
    return this.#configs.has(printer);
  }

  /**
   * Queue a printer's new films (a synchronous database write), inside the transaction that
   * indexes them: committed with the films or not at all, before the modality's N-ACTION is
   * answered, so an acknowledged film is always forwarded. kick() once it is committed.
   */
  enqueue(printer: string, films: readonly FilmSummary[]): void {
    const c = this.#configs.get(printer);
    if (!c || films.length === 0) return;
    const target = targetText({ host: c.host, port: c.port, aeTitle: c.aeTitle });
    this.#store.forwardQueue.add(films.map((f) => ({ filmId: f.id, printer, target })));
  }

  /** New films were queued (and committed): send them. */
  kick(): void {
    this.#wake(0);
  }

  /** Send a failed (or done) film again, now. */
  retry(filmId: string): boolean {
    const ok = this.#store.forwardQueue.requeue(filmId);
    if (ok) this.#wake(0);
    return ok;
  }

  /** Films retention must keep: queued, not yet sent. */
  busy(): Set<string> {
    return this.#store.forwardQueue.queuedFilms();
  }

  start(): void {
    this.#stopped = false;
    this.#wake(0);
  }

  /** Stop sending; resolves when the film being sent (if any) is done or `graceMs` passed. */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#running)
      await Promise.race([this.#running, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  #wake(delayMs: number): void {
    if (this.#stopped || this.#running) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, delayMs));
    this.#timer.unref?.();
  }

  #tick(): void {
    this.#timer = undefined;
    if (this.#stopped || this.#running) return;
    // A film waits for the association that printed it to end (at most HOLD_MS): the modality's
    // N-DELETE and release are not slowed down by the copy going out meanwhile.
    const now = Date.now();
    const held = (q: ForwardItem) => {
      const a = this.#store.films.get(q.filmId)?.associationId;
      return a !== undefined && this.#store.associations.isLive(a) && now - Date.parse(q.createdAt) < HOLD_MS;
    };
    const due = this.#store.forwardQueue.due(now, 16);
    const next = due.find((q) => !held(q));
    if (!next && due.length > 0) {
      this.#wake(HOLD_POLL_MS);
      return;
    }
    if (!next) {
      const due = this.#store.forwardQueue.nextDue();
      if (due !== undefined) this.#wake(Math.min(due - Date.now(), 60_000));
      return;
    }
    // Another instance sharing the database took it first: look again.
    if (!this.#store.forwardQueue.claim(next.filmId, now, now + SEND_LEASE_MS)) {
      this.#wake(0);
      return;
    }
    this.#running = this.#send(next)
      .catch((e) =>
        this.#log.error({ err: (e as Error).stack, film: next.filmId }, 'forward failed unexpectedly'),
      )
      .finally(() => {
        this.#running = undefined;
        this.#wake(0);
      });
  }

  async #send(item: ForwardItem): Promise<void> {
    const c = this.#configs.get(item.printer);
    const settings = { ...DEFAULTS, ...c };
    const attempts = item.attempts + 1;
    let a: Attempt;
    try {
      a = await this.#attempt(item, c);
    } catch (e) {
      a = { result: 'failed', detail: (e as Error).message };
    }
    if (a.result === 'retry' && attempts >= settings.maxAttempts)
      a = { ...a, result: 'failed', detail: `${a.detail} (${attempts} attempts)` };
    const backoff = Math.min(settings.retryMs * 2 ** Math.min(attempts - 1, 30), settings.maxRetryMs);
    this.#store.forwardQueue.settle(item.filmId, {
      state: a.result === 'retry' ? 'queued' : a.result,
      attempts,
      nextAt: a.result === 'retry' ? Date.now() + backoff : 0,
      ...(a.result === 'done' ? {} : { lastError: a.detail }),
      ...(a.outbound ? { lastOutbound: a.outbound } : {}),
    });
    const level = a.result === 'done' ? 'info' : 'warn';
    this.#log[level](
      {
        film: item.filmId,
        target: item.target,
        attempts,
        result: a.result,
        ...(a.result === 'retry' ? { retryInMs: backoff } : {}),
      },
      `forward ${a.result}: ${a.detail}`,
    );
    this.#events?.publish({
      type: 'forward',
      printer: item.printer,
      film: item.filmId,
      result: a.result,
      detail: a.detail,
    });
  }

  async #attempt(item: ForwardItem, c: ForwardConfig | undefined): Promise<Attempt> {
    const { run, source, associationId } = await printStoredFilm(
      this.#store,
      item.filmId,
      parseTarget(item.target),
      {
        callingAeTitle: c?.callingAeTitle ?? item.printer,
        timeouts: { responseMs: c?.timeoutMs ?? DEFAULTS.timeoutMs },
        ...(c?.tls ? { tls: forwardTls(c.tls, c.host) } : {}),
      },
    );
    const a = judge(run);
    if (run.ending !== 'not-associated') {
      a.outbound = this.#store.outbound.add({
        kind: 'forward',
        source,
        target: run.target,
        filmId: item.filmId,
        ...(associationId ? { associationId } : {}),
        startedAt: run.startedAt,
        endedAt: run.endedAt,
        ok: a.result === 'done',
        outcome: a.detail,
        report: run,
      });
    }
    return a;
  }
}

/** What a run came to for the film: the first failure status, a network failure, or printed. */
export function judge(run: RunResult): Attempt {
  for (const s of run.steps) {
    if (s.status !== undefined && statusCategory(s.status) === 'failure')
      return {
        result: 'failed',
        detail: `${s.operation} ${sopClassName(s.sopClassUid)}: ${statusHex(s.status)}${s.errorComment ? ` (${s.errorComment})` : ''}`,
      };
  }
  if (run.error) return { result: run.transient ? 'retry' : 'failed', detail: run.error };
  const refused = run.steps.find((s) => s.error);
  if (refused)
    return {
      result: 'failed',
      detail: `${refused.operation} ${sopClassName(refused.sopClassUid)}: ${refused.error}`,
    };
  const printed = run.steps.find((s) => s.operation === 'N-ACTION' && s.status !== undefined);
  if (!printed) return { result: 'failed', detail: 'the film was never printed (no N-ACTION answered)' };
  return { result: 'done', detail: `printed: N-ACTION ${statusHex(printed.status!)}` };
}
