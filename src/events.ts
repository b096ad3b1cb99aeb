/**
 * What happens in Lightbox, as one stream of small events: the HTTP side turns it into Server-Sent
 * Events and Prometheus counters; tests wait on it. Publishers never block on subscribers.
 */
import { EventEmitter } from 'node:events';

export type LightboxEvent =
  | {
      type: 'association.opened';
      id: string;
      callingAeTitle: string;
      calledAeTitle: string;
      peer: string;
      printer?: string;
    }
  | { type: 'association.closed'; id: string; ending: string; printer?: string }
  | { type: 'dimse'; association: string; message: string; sopClass?: string; status?: number; ms?: number }
  | { type: 'printer.status'; printer: string; status: string; info: string }
  | { type: 'job'; printer: string; job: string; status: string; info: string }
  | { type: 'film.printed'; printer: string; film: string }
  /** A film's thumbnail (thumb.png) is written, before the film itself is rendered. */
  | { type: 'film.preview'; film: string; ms: number }
  | { type: 'film.rendered'; film: string; ms?: number; failed: boolean }
  /** An export attempt of a film to a target ended: sent, or failed (retried later unless said otherwise). */
  | {
      type: 'export';
      film: string;
      target: string;
      kind: string;
      state: 'sent' | 'failed';
      attempts: number;
      error?: string;
    }
  /** A film left the store: deleted over the API, or by retention (reason says which rule). */
  | { type: 'film.removed'; film: string; printer: string; reason: string }
  /** A film was sent on to a real printer (tee): printed there, failed there, or to be retried. */
  | { type: 'forward'; printer: string; film: string; result: 'done' | 'failed' | 'retry'; detail: string }
  /** A test-lab fault fired (src/lab); `association` when it fired on one. */
  | {
      type: 'fault.fired';
      printer: string;
      fault: string;
      kind: string;
      description: string;
      association?: string;
    }
  /** A test-lab fault was armed or disarmed (over HTTP, a scenario, or at start-up). */
  | {
      type: 'fault.armed' | 'fault.disarmed';
      printer: string;
      fault: string;
      kind: string;
      description: string;
    };

/** `instance`: set on an event another instance sharing the database published (src/pool). */
export type Stamped = LightboxEvent & { at: string; instance?: string };

export class EventBus {
  readonly #emitter = new EventEmitter();
  readonly #remote = new EventEmitter();

  constructor() {
    // Every SSE client is a listener; the limit is about leaks, not load.
    this.#emitter.setMaxListeners(1000);
    this.#remote.setMaxListeners(1000);
  }

  publish(e: LightboxEvent): void {
    const stamped = { ...e, at: new Date().toISOString() } as Stamped;
    // A subscriber that throws must not break the DICOM path that published.
    for (const l of this.#emitter.listeners('event')) {
      try {
        (l as (x: Stamped) => void)(stamped);
      } catch {
        // ignored: subscribers own their errors
      }
    }
  }

  /**
   * Events of this instance; with `remote`, also those of the other instances sharing the database
   * (for what only shows them: the event stream, caches). Side effects (the store, exports,
   * retention) subscribe to this instance's own only: each instance does its own work.
   */
  subscribe(fn: (e: Stamped) => void, o: { remote?: boolean } = {}): () => void {
    this.#emitter.on('event', fn);
    if (o.remote) this.#remote.on('event', fn);
    return () => {
      this.#emitter.off('event', fn);
      this.#remote.off('event', fn);
    };
  }

  /** An event another instance published (already stamped, with its instance). */
  publishRemote(e: Stamped): void {
    for (const l of this.#remote.listeners('event')) {
      try {
        (l as (x: Stamped) => void)(e);
      } catch {
        // ignored: subscribers own their errors
      }
    }
  }
}
