/**
 * The test lab at run time: one FaultBook per printer, scenarios, and the edge work the pure book
 * cannot do: timers (status flapping), printer status changes (through PrinterRuntime.setStatus,
 * so the real N-EVENT-REPORTs go out), and making every firing visible (log line, event, the
 * association record via the connection).
 */
import type { Logger } from 'pino';
import type { EventBus } from '../events.js';
import type { Printer } from '../print/printer.js';
import type { JobLabHooks } from '../print/printer-runtime.js';
import type { Expectation } from '../verdict/model.js';
import {
  type CountFilms,
  FaultBook,
  type FaultView,
  type Firing,
  poolCounted,
  type TakeFiring,
} from './fault-book.js';
import type { Fault } from './fault-schema.js';
import type { AssociatePlan, FaultHooks, RequestPlan } from './hooks.js';
import { FaultError, type Resolved, resolveFault } from './resolve.js';
import { type Scenario, ScenarioError } from './scenarios.js';

/** A printer or scenario that does not exist (HTTP 404). */
export class LabNotFound extends Error {
  override name = 'LabNotFound';
}

export interface ScenarioSummary {
  name: string;
  description: string;
  file: string;
  printers: string[] | null;
  faults: { kind: string; description: string }[];
  /** What a careful SCU does when the faults hit it, as the run's verdict checks it. */
  expectations: Expectation[];
}

/** What the HTTP API needs of the lab. */
export interface LabControl {
  scenarios(): ScenarioSummary[];
  /** Arm a scenario's faults; `printer` overrides its target. Throws LabNotFound. */
  loadScenario(name: string, printer?: string): FaultView[];
  faults(): { printer: string; faults: FaultView[] }[];
  /** Check, resolve and arm one fault (FaultError: 400; LabNotFound: 404). */
  arm(fault: unknown, source: string): FaultView[];
  disarm(id: string): FaultView | undefined;
  /** Disarm every fault (of one printer); returns how many. */
  clear(printer?: string): number;
}

let faultSeq = 0;

/**
 * A change to the lab made on this instance, for the other instances sharing the database (see
 * src/pool): they apply it to their own books, so a fault armed through any instance fires on a
 * print sent to any of them.
 */
export type LabChange =
  | {
      type: 'arm';
      id: string;
      printer: string;
      fault: Fault;
      source: string;
      /** Firings left of its count (a pool's, when an instance joins after some fired). */
      remaining?: number;
    }
  | { type: 'disarm'; id: string }
  | { type: 'clear'; printer?: string }
  /** A counted fault fired once more somewhere in the pool; `remaining`: what the pool has left. */
  | { type: 'spent'; id: string; printer: string; remaining?: number };

export class Lab implements LabControl {
  readonly #books = new Map<string, FaultBook>();
  readonly #printers: Map<string, Printer>;
  readonly #scenarios: Map<string, Scenario>;
  readonly #log: Logger;
  readonly #events: EventBus | undefined;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Open associations per printer, told of printer-level firings. */
  readonly #notices = new Map<string, Map<string, (f: string) => void>>();
  /** Told of every change made here (a pool shares them); undefined: not shared. */
  #shared: ((c: LabChange) => void) | undefined;
  /** Appended to fault ids, so that ids from several instances never collide. */
  #idSuffix = '';

  constructor(o: { printers: readonly Printer[]; scenarios: Scenario[]; logger: Logger; events?: EventBus }) {
    this.#log = o.logger;
    this.#events = o.events;
    this.#printers = new Map(o.printers.map((p) => [p.caps.aeTitle, p]));
    this.#scenarios = new Map(o.scenarios.map((s) => [s.name, s]));
    for (const p of o.printers) {
      this.#books.set(p.caps.aeTitle, new FaultBook(p.caps.aeTitle));
      p.runtime.lab = this.#jobHooks(p);
    }
  }

  /** Arm scenarios named on the command line; an unknown one is a start-up error. */
  loadAtStart(names: readonly string[]): void {
    for (const n of names) {
      if (!this.#scenarios.has(n)) {
        const have = [...this.#scenarios.keys()].join(', ') || 'none';
        throw new ScenarioError(`--scenario ${n}: no such scenario (have: ${have})`);
      }
      this.#armScenario(this.#scenarios.get(n)!, undefined, `start-up scenario ${n}`);
    }
  }

  /**
   * Share this lab with other instances: `send` is told of every change made here; fault ids get
   * `idSuffix`; `pool.take` spends a counted fault's firings from the count the pool shares, so
   * that a fault armed with count 3 fires three times in all, whichever instances the prints go
   * to; `pool.countFilms` counts films toward an `afterFilms` status across the pool.
   * Changes they make come back through apply().
   */
  share(
    send: (c: LabChange) => void,
    idSuffix: string,
    pool?: { take: TakeFiring; countFilms: CountFilms },
  ): void {
    this.#shared = send;
    this.#idSuffix = idSuffix;
    if (pool) for (const b of this.#books.values()) b.share(pool.take, pool.countFilms);
  }

  /** A change another instance made: applied here, not sent on. Unknown printers are ignored. */
  apply(c: LabChange): void {
    switch (c.type) {
      case 'arm': {
        const book = this.#books.get(c.printer);
        if (!book || book.get(c.id)) return;
        const { fault, resolved } = resolveFault(c.fault);
        const v = book.arm(c.id, fault, resolved, c.source, new Date(), c.remaining);
        this.#log.info(
          { printer: v.printer, fault: v.id, kind: v.kind },
          `fault armed on another instance: ${v.description}`,
        );
        this.#started(v, false);
        return;
      }
      case 'disarm':
        for (const b of this.#books.values()) {
          const v = b.remove(c.id);
          if (v) this.#stopped(v, false);
        }
        return;
      case 'clear':
        for (const b of this.#books.values())
          if (c.printer === undefined || b.printer === c.printer)
            for (const v of b.clear()) this.#stopped(v, false);
        return;
      case 'spent':
        this.#books.get(c.printer)?.spend(c.id, c.remaining);
        return;
    }
  }

  /** Stop timers (shutdown). */
  stop(): void {
    for (const t of this.#timers.values()) clearInterval(t);
    this.#timers.clear();
  }

  // ---------------------------------------------------------------- control

  scenarios(): ScenarioSummary[] {
    return [...this.#scenarios.values()].map((s) => ({
      name: s.name,
      description: s.description,
      file: s.file,
      printers: s.printers ?? null,
      faults: s.faults.map((f) => ({ kind: f.resolved.kind, description: f.resolved.description })),
      expectations: s.expectations,
    }));
  }

  loadScenario(name: string, printer?: string): FaultView[] {
    const s = this.#scenarios.get(name);
    if (!s) throw new LabNotFound(`no scenario ${name}`);
    return this.#armScenario(s, printer, `scenario ${name}`);
  }

  faults(): { printer: string; faults: FaultView[] }[] {
    return [...this.#books.values()].map((b) => ({ printer: b.printer, faults: b.list() }));
  }

  arm(data: unknown, source: string): FaultView[] {
    const { fault, resolved } = resolveFault(data);
    return this.#armAll([{ fault, resolved, printers: this.#targets(fault.printer, undefined) }], source);
  }

  disarm(id: string): FaultView | undefined {
    for (const b of this.#books.values()) {
      const v = b.remove(id);
      if (v) {
        this.#stopped(v);
        this.#shared?.({ type: 'disarm', id });
        return v;
      }
    }
    return undefined;
  }

  clear(printer?: string): number {
    if (printer !== undefined && !this.#books.has(printer)) throw new LabNotFound(`no printer ${printer}`);
    let n = 0;
    for (const b of this.#books.values()) {
      if (printer !== undefined && b.printer !== printer) continue;
      for (const v of b.clear()) {
        this.#stopped(v);
        n++;
      }
    }
    this.#shared?.(printer === undefined ? { type: 'clear' } : { type: 'clear', printer });
    return n;
  }

  #targets(own: string | undefined, fallback: readonly string[] | undefined): string[] {
    const names = own !== undefined ? [own] : [...(fallback ?? this.#books.keys())];
    for (const n of names) if (!this.#books.has(n)) throw new LabNotFound(`no printer ${n}`);
    return names;
  }

  #armScenario(s: Scenario, printer: string | undefined, source: string): FaultView[] {
    const fallback = printer !== undefined ? [printer] : s.printers;
    const plans = s.faults.map((f) => ({
      fault: f.fault as Fault,
      resolved: f.resolved,
      // The override retargets the whole scenario, faults naming their own printer included.
      printers: this.#targets(printer ?? (f.fault as Fault).printer, fallback),
    }));
    return this.#armAll(plans, source);
  }

  /** Arm everything or nothing: a full book part way through rolls back what was armed. */
  #armAll(plans: { fault: Fault; resolved: Resolved; printers: string[] }[], source: string): FaultView[] {
    const armed: FaultView[] = [];
    try {
      for (const p of plans)
        for (const ae of p.printers)
          armed.push(
            this.#books
              .get(ae)!
              .arm(`f${++faultSeq}${this.#idSuffix}`, p.fault, p.resolved, source, new Date()),
          );
    } catch (e) {
      for (const v of armed) this.#books.get(v.printer)!.remove(v.id);
      throw e;
    }
    for (const v of armed) {
      this.#log.info(
        { printer: v.printer, fault: v.id, kind: v.kind, source },
        `fault armed: ${v.description}`,
      );
      this.#publish('fault.armed', v);
      this.#shared?.({ type: 'arm', id: v.id, printer: v.printer, fault: v.fault, source });
      this.#started(v);
    }
    return armed.map((v) => this.#books.get(v.printer)!.get(v.id) ?? v);
  }

  /**
   * Side effects of arming: a status set now, a flapping timer. `report`: false for a fault armed
   * on another instance, which reports (and records) its firing itself.
   */
  #started(v: FaultView, report = true): void {
    const book = this.#books.get(v.printer)!;
    const runtime = this.#printers.get(v.printer)!.runtime;
    if (v.kind === 'printer-status') {
      const r = book.armedNow(v.id);
      if (report) this.#report(v.printer, r.fired);
      if (r.status) runtime.setStatus(r.status.status, r.status.info);
    }
    if (v.fault.kind === 'status-flapping') {
      const t = setInterval(() => {
        const r = book.flap(v.id);
        this.#report(v.printer, r.fired);
        if (r.status) runtime.setStatus(r.status.status, r.status.info);
        else {
          clearInterval(t);
          this.#timers.delete(v.id);
        }
      }, v.fault.everyMs);
      t.unref();
      this.#timers.set(v.id, t);
    }
  }

  /** Arming and disarming are events too, so a console shows what curl or CI changed. */
  #publish(type: 'fault.armed' | 'fault.disarmed', v: FaultView): void {
    this.#events?.publish({
      type,
      printer: v.printer,
      fault: v.id,
      kind: v.kind,
      description: v.description,
    });
  }

  /** A fault was removed: stop its timer; a flap cut short leaves the printer NORMAL. */
  #stopped(v: FaultView, publish = true): void {
    if (publish) this.#publish('fault.disarmed', v);
    const t = this.#timers.get(v.id);
    if (!t) return;
    clearInterval(t);
    this.#timers.delete(v.id);
    if (v.active) this.#printers.get(v.printer)!.runtime.setStatus('NORMAL', 'NORMAL');
  }

  /** Make firings visible: a log line and an event each, and a note on the association(s). */
  #report(printer: string, fired: Firing[], association?: string): string[] {
    for (const f of fired) {
      this.#log.info({ printer, fault: f.id, kind: f.kind, association }, `fault fired: ${f.text}`);
      this.#events?.publish({
        type: 'fault.fired',
        printer,
        fault: f.id,
        kind: f.kind,
        description: f.text,
        association,
      });
      // Printer-level faults belong to no one request: every open association of the printer sees them.
      if (association === undefined) for (const n of this.#notices.get(printer)?.values() ?? []) n(f.text);
      // A counted fault is spent across the pool, not once per instance (but a flapping printer,
      // which every instance plays out for its own associations).
      const v = this.#books.get(printer)?.get(f.id);
      if (v && v.remaining !== null && poolCounted(v.fault))
        this.#shared?.({ type: 'spent', id: f.id, printer, remaining: v.remaining });
    }
    return fired.map((f) => f.text);
  }

  // ---------------------------------------------------------------- hooks

  /** What connections ask at each step (see hooks.ts). */
  readonly hooks: FaultHooks = {
    onAssociate: (printer, association, notice) => {
      const book = this.#books.get(printer);
      if (!book) return undefined;
      const r = book.association();
      if (!r.reject) {
        const m = this.#notices.get(printer) ?? new Map<string, (f: string) => void>();
        m.set(association, notice);
        this.#notices.set(printer, m);
      }
      if (r.fired.length === 0) return undefined;
      const plan: AssociatePlan = { fired: this.#report(printer, r.fired, association) };
      if (r.reject) plan.reject = r.reject;
      if (r.maxPduLength !== undefined) plan.maxPduLength = r.maxPduLength;
      if (r.drop) plan.drop = r.drop;
      return plan;
    },
    onRequest: (printer, association, facts) => {
      const r = this.#books.get(printer)?.request(facts);
      if (!r || r.fired.length === 0) return undefined;
      const plan: RequestPlan = { fired: this.#report(printer, r.fired, association) };
      if (r.drop) {
        plan.drop = r.drop;
        // Never sent: a failure only so that the handler does not run.
        plan.reply = { status: 'ProcessingFailure', errorComment: 'association dropped by a lab fault' };
      } else if (r.response) {
        plan.reply = { status: r.response.status, errorComment: r.response.errorComment };
      }
      if (r.delayMs !== undefined) plan.delayMs = r.delayMs;
      return plan;
    },
    afterRequest: (printer, association, index) => {
      const r = this.#books.get(printer)?.answered(index);
      if (!r?.drop) return undefined;
      return { fired: this.#report(printer, r.fired, association), drop: r.drop };
    },
    detach: (association) => {
      for (const m of this.#notices.values()) m.delete(association);
    },
  };

  #jobHooks(p: Printer): JobLabHooks {
    const ae = p.caps.aeTitle;
    const book = () => this.#books.get(ae)!;
    return {
      timing: () => {
        const r = book().jobStarting();
        this.#report(ae, r.fired);
        return r.timing;
      },
      failure: () => {
        const r = book().jobEnding();
        this.#report(ae, r.fired);
        return r.failure;
      },
      reported: (job, films) => {
        const r = book().jobReported(job.status, films);
        this.#report(ae, r.fired);
        // The printer as a whole changes: in a pool, on every instance (src/pool shares 'fault').
        for (const s of r.statuses) p.runtime.setStatus(s.status, s.info, 'fault');
      },
    };
  }
}

export { FaultError };
