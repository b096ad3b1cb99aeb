/**
 * Which film renders next, and what the index learns when it has: films just printed first, then
 * the backlog a stopped process left unrendered (oldest first). One film at a time is handed to
 * the renderer, so a backlog of thousands costs a list of ids, not thousands of queued messages.
 *
 * A film is rendered once however many instances share the index: each render starts by claiming
 * the film's row (FilmIndex.claimRender), and a film another instance has claimed is skipped. On a
 * shared database (PostgreSQL) every SWEEP_MS this instance also takes films nobody alive renders:
 * claimed by an instance no longer seen (killed mid-render), or printed through one that never got
 * to them.
 *
 * A film just printed gets its preview (thumb.png, announced as film.preview) first, whatever film
 * is rendering; its full render then leaves thumb.png as the preview wrote it.
 *
 * A full render starts once no DICOM traffic has been seen for a quiet time (TrafficClock,
 * --render-quiet, 100 ms), or once it is MAX_DEFER_MS (or twice the quiet time) past its print: the
 * modality sending its next film, or the N-DELETEs and release after this one's N-ACTION, is not
 * slowed by a render on the other core (nor by its writes queued ahead of the printer's
 * fdatasyncs), and under continuous printing a film still renders within MAX_DEFER_MS plus a
 * render. A preview waits the same way, for 20 ms of quiet and at most 200 ms: bench:print W3 (ten
 * associations back to back) went from 0.86-0.88x dcmprscp (paired 0.87-0.94) to 0.68-0.76x
 * (paired 0.71-0.73) with it.
 */
import type { Logger } from 'pino';
import type { EventBus } from '../events.js';
import type { Store } from '../store/store.js';
import type { Renderer } from './renderer.js';
import type { TrafficClock } from './traffic-clock.js';

/** How often a shared database is looked at for abandoned renders. */
const SWEEP_MS = 1000;
/** An unclaimed pending film is left this long to the instance that printed it. */
const UNCLAIMED_GRACE_MS = 10_000;
/** DICOM quiet this long before a full render starts (gaps inside a DCMTK session are a few ms). */
export const DEFAULT_RENDER_QUIET_MS = 100;
/** A film waits for quiet at most this long, or twice the quiet time when that is longer. */
const MAX_DEFER_MS = 2000;
/**
 * A preview waits for a shorter quiet (or --render-quiet if shorter), at most PREVIEW_MAX_DEFER_MS,
 * so it still comes within 300 ms of N-ACTION's response: W1's N-DELETEs and release take a few ms.
 */
const PREVIEW_QUIET_MS = 20;
const PREVIEW_MAX_DEFER_MS = 200;

export class FilmRendering {
  /** Films just printed, with when they were (performance.now()): a film's longest wait counts from then. */
  readonly #fresh: { id: string; at: number }[] = [];
  #sweep: NodeJS.Timeout | undefined;
  #backlog: string[] = [];
  #running: Promise<void> | undefined;
  #current: string | undefined;
  #stopped = false;
  /** Previews asked for and not yet taken by their film's render: whether each wrote thumb.png. */
  readonly #previews = new Map<string, Promise<boolean>>();
  readonly #previewsRunning = new Set<string>();

  constructor(
    readonly renderer: Renderer,
    readonly store: Store,
    readonly events: EventBus,
    readonly log: Logger,
    /** DICOM traffic, and how long it must have been quiet; absent: render at once. */
    readonly traffic?: { clock: TrafficClock; quietMs: number },
  ) {}

  /** Films just printed. */
  add(ids: readonly string[]): void {
    for (const id of ids) this.#previewOf(id);
    const at = performance.now();
    this.#fresh.push(...ids.map((id) => ({ id, at })));
    this.#pump();
  }

  /**
   * Films left pending by an earlier run, oldest first, after any fresh ones; on a shared database,
   * from now on also those other instances abandon.
   */
  recover(): number {
    this.#backlog = this.store.films.pendingRender();
    if (this.#backlog.length > 0)
      this.log.info({ films: this.#backlog.length }, 'rendering films an earlier run left unrendered');
    this.#pump();
    if (this.store.instances.shared && !this.#sweep) {
      this.#sweep = setInterval(() => this.#takeAbandoned(), SWEEP_MS);
      this.#sweep.unref();
    }
    return this.#backlog.length;
  }

  #takeAbandoned(): void {
    if (this.#stopped || this.#backlog.length > 0) return;
    try {
      const now = Date.now();
      const ids = this.store.films.abandonedRenders(
        this.store.instances.aliveSince(now),
        new Date(now - UNCLAIMED_GRACE_MS).toISOString(),
        16,
      );
      const queued = new Set([...this.#fresh.map((f) => f.id), this.#current]);
      this.#backlog = ids.filter((id) => !queued.has(id));
      if (this.#backlog.length > 0)
        this.log.info({ films: this.#backlog }, 'rendering films no running instance is rendering');
      this.#pump();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'abandoned renders not looked for');
    }
  }

  /** The film being rendered now (retention leaves it alone). */
  get current(): string | undefined {
    return this.#current;
  }

  /** Films whose preview is being made now (retention leaves them alone too). */
  get previewing(): readonly string[] {
    return [...this.#previewsRunning];
  }

  /** Films waiting to be rendered. */
  get queued(): number {
    return this.#fresh.length + this.#backlog.length;
  }

  /** Resolves when nothing is left to render (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#sweep);
    this.#fresh.length = 0;
    this.#backlog = [];
    this.#previews.clear();
  }

  #pump(): void {
    if (this.#running || this.#stopped) return;
    const fresh = this.#fresh.shift();
    const id = fresh?.id ?? this.#backlog.shift();
    if (id === undefined) return;
    this.#current = id;
    // A backlog film (an earlier run's, or abandoned by another instance) has waited long enough.
    // Counted from the print, not from the film's turn: under continuous printing a backlog
    // renders back to back once it is that old, rather than each film waiting in turn.
    const quietMs = this.traffic?.quietMs ?? 0;
    const until = (fresh?.at ?? Number.NEGATIVE_INFINITY) + Math.max(MAX_DEFER_MS, 2 * quietMs);
    this.#running = this.#quiet(quietMs, until)
      .then(() => this.#renderOne(id))
      .catch((e: Error) => {
        if (!this.#stopped) this.log.error({ film: id, err: e.message }, 'film not rendered');
      })
      .finally(() => {
        this.#running = undefined;
        this.#current = undefined;
        this.#pump();
      });
  }

  /** Resolves once DICOM has been quiet for quietMs, at `until` (performance.now()), or when stopped. */
  async #quiet(quietMs: number, until: number): Promise<void> {
    if (!this.traffic) return;
    const { clock } = this.traffic;
    for (;;) {
      const now = performance.now();
      const wait = Math.min(quietMs - clock.quietFor(now), until - now);
      if (wait <= 0 || this.#stopped) return;
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
    }
  }

  #previewOf(id: string): Promise<boolean> {
    let p = this.#previews.get(id);
    if (!p) {
      p = this.#preview(id);
      this.#previews.set(id, p);
    }
    return p;
  }

  /** Never rejects: a film without a preview is rendered all the same (its thumbnail with it). */
  async #preview(id: string): Promise<boolean> {
    try {
      if (this.#stopped) return false;
      const film = this.store.films.get(id);
      if (!film || film.render === 'broken') return false;
      this.#previewsRunning.add(id);
      const quietMs = Math.min(PREVIEW_QUIET_MS, this.traffic?.quietMs ?? 0);
      await this.#quiet(quietMs, performance.now() + PREVIEW_MAX_DEFER_MS);
      const outcome = await this.renderer.preview(this.store.filmFiles.local(id));
      if (this.#stopped || 'error' in outcome) return false;
      this.events.publish({ type: 'film.preview', film: id, ms: outcome.preview.ms });
      return true;
    } catch (e) {
      if (!this.#stopped) this.log.warn({ film: id, err: (e as Error).message }, 'film preview not made');
      return false;
    } finally {
      this.#previewsRunning.delete(id);
    }
  }

  async #renderOne(id: string): Promise<void> {
    // A backlog film (an earlier run's) gets its preview now; a fresh one has had it asked for.
    const previewed = await this.#previewOf(id);
    this.#previews.delete(id);
    // Stopped while the preview ran: the store may be closed already.
    if (this.#stopped) return;
    const film = this.store.films.get(id);
    // Deleted (by the API or retention) while it waited, or not a film the index can render.
    if (!film || film.render === 'broken' || this.#stopped) return;
    // Rendered, or being rendered, by another instance sharing the index.
    if (!this.store.films.claimRender(id, this.store.instances.id, this.store.instances.aliveSince())) return;
    // density.png waits for its first request (film-densities.ts).
    const outcome = await this.renderer.render(this.store.filmFiles.local(id), {
      thumb: !previewed,
      density: false,
    });
    if (this.#stopped) return;
    const bytes = await this.store.filmFiles.bytes(id).catch(() => undefined);
    try {
      if ('record' in outcome) this.store.films.setRender(id, 'rendered', undefined, bytes);
      else this.store.films.setRender(id, 'failed', outcome.error.split('\n')[0]!.slice(0, 500), bytes);
    } catch (e) {
      this.log.error({ film: id, err: (e as Error).message }, 'render state not recorded');
    }
    this.events.publish({
      type: 'film.rendered',
      film: id,
      ms: 'record' in outcome ? outcome.record.ms : undefined,
      failed: !('record' in outcome),
    });
  }
}
