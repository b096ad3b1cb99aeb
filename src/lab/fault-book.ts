/**
 * One printer's armed faults and the pure matching of them: given what just happened (an
 * association, a request with its SOP class and data set, a job step), which faults fire and
 * what the edge must do. Counts are consumed here; no I/O, no timers, no clock but `now` given.
 */
import type { DcmDataset, DcmElement } from '../dicom/dimse/dataset.js';
import type { JobStatus } from '../print/model.js';
import type { Fault, FaultKind } from './fault-schema.js';
import type { DropSpec, RequestFacts } from './hooks.js';
import { FaultError, type RequestMatch, type Resolved } from './resolve.js';

/** Faults kept per printer (spent ones included, oldest spent dropped first). */
export const MAX_FAULTS = 64;
/** Sequence items searched for a `where` attribute, this deep. */
const WHERE_DEPTH = 4;

export interface FaultView {
  id: string;
  printer: string;
  kind: FaultKind;
  description: string;
  /** Who armed it: "http", "scenario queue-full", ... */
  source: string;
  armedAt: string;
  /** Times it may fire in all; null: sticky. */
  count: number | null;
  /** Firings left; null: sticky. */
  remaining: number | null;
  fired: number;
  /** False once spent (kept for the record until cleared). */
  active: boolean;
  /** The fault as written. */
  fault: Fault;
}

/** One fault that fired: its id, kind and "<id> <description>" for logs and association records. */
export interface Firing {
  id: string;
  kind: FaultKind;
  text: string;
}

export type PrinterState = { status: 'NORMAL' | 'WARNING' | 'FAILURE'; info: string };

interface Entry {
  id: string;
  source: string;
  armedAt: string;
  fault: Fault;
  r: Resolved;
  remaining: number | undefined;
  fired: number;
  /** printer-status after N films: films counted since armed or last fired. */
  films: number;
  /** status-flapping: currently away from NORMAL. */
  up: boolean;
}

/**
 * Takes one firing of a counted fault from the count its pool shares (src/pool): the firings left
 * after it, null when the pool has none left (it fired on other instances), undefined when the pool
 * cannot tell (its database is down: the fault fires on this instance's own count).
 */
export type TakeFiring = (id: string, count: number) => number | null | undefined;

/**
 * Counts `films` more toward a pool's `afterFilms` status fault that fires every `every` films:
 * true when these reach it (the count starts again), false when not yet, undefined when the pool
 * cannot tell (the films are counted here).
 */
export type CountFilms = (id: string, films: number, every: number) => boolean | undefined;

/**
 * Whether a pool shares the fault's count: yes for faults that fire on one print, wherever it is
 * sent; no for those that play out on every instance alike: a status set when armed, a flapping
 * printer (each instance sends its own associations the N-EVENT-REPORTs).
 */
export function poolCounted(fault: Fault): boolean {
  return fault.kind !== 'status-flapping' && !(fault.kind === 'printer-status' && fault.when === 'now');
}

const active = (e: Entry) => e.remaining === undefined || e.remaining > 0 || e.up;

/** A value as a lab compares it: numbers, trimmed strings, a person name's alphabetic form. */
function scalar(v: unknown): string | number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim();
  if (v && typeof v === 'object' && 'Alphabetic' in v)
    return String((v as { Alphabetic: unknown }).Alphabetic);
  return undefined;
}

function* occurrences(ds: DcmDataset, tag: string, depth: number): Generator<DcmElement> {
  const el = ds[tag];
  if (el) yield el;
  if (depth >= WHERE_DEPTH) return;
  for (const e of Object.values(ds)) {
    if (e.vr !== 'SQ') continue;
    for (const item of e.Value ?? []) yield* occurrences(item as DcmDataset, tag, depth + 1);
  }
}

/** Some value of some occurrence of the attribute meets every condition. */
export function whereHolds(w: NonNullable<RequestMatch['where']>, ds: DcmDataset): boolean {
  for (const el of occurrences(ds, w.tag, 0)) {
    const values = (el.Value ?? []).map(scalar).filter((v) => v !== undefined);
    // A multi-valued string may also be matched whole ("STANDARD\2,2" is one value anyway).
    if (w.equals !== undefined && typeof w.equals === 'string' && values.join('\\') === w.equals) return true;
    for (const v of values) {
      const n = typeof v === 'number' ? v : v === '' ? Number.NaN : Number(v);
      if (w.equals !== undefined && (typeof w.equals === 'number' ? n !== w.equals : String(v) !== w.equals))
        continue;
      if (w.atLeast !== undefined && !(n >= w.atLeast)) continue;
      if (w.atMost !== undefined && !(n <= w.atMost)) continue;
      return true;
    }
  }
  return false;
}

function requestMatches(m: RequestMatch, r: RequestFacts): boolean {
  if (m.command !== undefined && m.command !== r.command) return false;
  if (m.sopClassUid !== undefined && m.sopClassUid !== r.sopClassUid) return false;
  if (m.where && !(r.dataset && whereHolds(m.where, r.dataset))) return false;
  return true;
}

export class FaultBook {
  readonly #entries: Entry[] = [];
  #take: TakeFiring | undefined;
  #countFilms: CountFilms | undefined;

  constructor(readonly printer: string) {}

  /**
   * Counted faults fire as many times as `take` allows across a pool, not per instance; films
   * toward an `afterFilms` status are counted by `countFilms`, over the pool's prints.
   */
  share(take: TakeFiring, countFilms?: CountFilms): void {
    this.#take = take;
    this.#countFilms = countFilms;
  }

  /** `remaining`: firings left of its count (an instance joining a pool after others fired it). */
  arm(id: string, fault: Fault, r: Resolved, source: string, now: Date, remaining?: number): FaultView {
    if (this.#entries.length >= MAX_FAULTS) {
      const spent = this.#entries.findIndex((e) => !active(e));
      if (spent < 0)
        throw new FaultError(`${this.printer} already has ${MAX_FAULTS} faults armed: delete some first`);
      this.#entries.splice(spent, 1);
    }
    // Firings left: the pool's, within 0..count; uncounted faults have no limit.
    const left = r.count === undefined ? undefined : Math.max(0, Math.min(r.count, remaining ?? r.count));
    const e: Entry = {
      id,
      source,
      armedAt: now.toISOString(),
      fault,
      r,
      remaining: left,
      fired: r.count === undefined || left === undefined ? 0 : r.count - left,
      films: 0,
      up: false,
    };
    this.#entries.push(e);
    return this.#view(e);
  }

  /** Remove one fault; returns it (the edge stops its timers), or undefined. */
  remove(id: string): FaultView | undefined {
    const i = this.#entries.findIndex((e) => e.id === id);
    if (i < 0) return undefined;
    const [e] = this.#entries.splice(i, 1);
    return this.#view(e!);
  }

  clear(): FaultView[] {
    return this.#entries.splice(0).map((e) => this.#view(e));
  }

  /** The fault fired on another instance of the pool: counted here too (`remaining`: the pool's). */
  spend(id: string, remaining?: number): void {
    const e = this.#entries.find((x) => x.id === id);
    if (!e) return;
    e.fired++;
    if (e.remaining === undefined) return;
    e.remaining = remaining !== undefined ? Math.max(0, remaining) : Math.max(0, e.remaining - 1);
  }

  list(): FaultView[] {
    return this.#entries.map((e) => this.#view(e));
  }

  get(id: string): FaultView | undefined {
    const e = this.#entries.find((x) => x.id === id);
    return e && this.#view(e);
  }

  #view(e: Entry): FaultView {
    return {
      id: e.id,
      printer: this.printer,
      kind: e.r.kind,
      description: e.r.description,
      source: e.source,
      armedAt: e.armedAt,
      count: e.r.count ?? null,
      remaining: e.remaining ?? null,
      fired: e.fired,
      active: active(e),
      fault: e.fault,
    };
  }

  /** Fire it, unless the pool's count is spent (then it is spent here too): fired? */
  #fire(e: Entry, out: Firing[]): boolean {
    if (e.remaining !== undefined) {
      const left =
        this.#take && e.r.count !== undefined && poolCounted(e.fault)
          ? this.#take(e.id, e.r.count)
          : undefined;
      if (left === null) {
        e.remaining = 0;
        return false;
      }
      e.remaining = left ?? e.remaining - 1;
    }
    e.fired++;
    out.push({ id: e.id, kind: e.r.kind, text: `${e.id} ${e.r.description}` });
    return true;
  }

  /** Active faults of one kind, in the order they were armed. */
  *#live<K extends Resolved['kind']>(kind: K): Generator<Entry & { r: Extract<Resolved, { kind: K }> }> {
    for (const e of this.#entries)
      if (e.r.kind === kind && active(e) && (e.remaining === undefined || e.remaining > 0))
        yield e as Entry & { r: Extract<Resolved, { kind: K }> };
  }

  // ---------------------------------------------------------------- association and requests

  /** An association the printer would accept: refuse it, shorten its max PDU, drop it at once? */
  association(): {
    fired: Firing[];
    reject?: Extract<Resolved, { kind: 'refuse' }>['rj'];
    maxPduLength?: number;
    drop?: DropSpec;
  } {
    const fired: Firing[] = [];
    for (const e of this.#live('refuse')) {
      if (!this.#fire(e, fired)) continue;
      return { fired, reject: e.r.rj };
    }
    const out: ReturnType<FaultBook['association']> = { fired };
    for (const e of this.#live('max-pdu')) {
      if (!this.#fire(e, fired)) continue;
      out.maxPduLength = e.r.bytes;
      break;
    }
    const drop = this.answered(0);
    fired.push(...drop.fired);
    if (drop.drop) out.drop = drop.drop;
    return out;
  }

  /**
   * A valid request: the first matching drop wins alone (the request is neither handled nor
   * answered); otherwise the first matching response override and the first matching delay.
   */
  request(r: RequestFacts): {
    fired: Firing[];
    drop?: DropSpec;
    response?: { status: Extract<Resolved, { kind: 'response' }>['status']; errorComment: string };
    delayMs?: number;
  } {
    const fired: Firing[] = [];
    for (const e of this.#live('drop')) {
      if (!e.r.match || !requestMatches(e.r.match, r)) continue;
      if (!this.#fire(e, fired)) continue;
      return { fired, drop: e.r.drop };
    }
    const out: ReturnType<FaultBook['request']> = { fired };
    for (const e of this.#live('response')) {
      if (!requestMatches(e.r.match, r) || !this.#fire(e, fired)) continue;
      out.response = { status: e.r.status, errorComment: e.r.errorComment };
      break;
    }
    for (const e of this.#live('delay')) {
      if (!requestMatches(e.r.match, r) || !this.#fire(e, fired)) continue;
      out.delayMs = e.r.ms;
      break;
    }
    return out;
  }

  /** The association's `index`th request was answered (0: it was just accepted). */
  answered(index: number): { fired: Firing[]; drop?: DropSpec } {
    const fired: Firing[] = [];
    for (const e of this.#live('drop')) {
      if (e.r.afterMessages !== index || !this.#fire(e, fired)) continue;
      return { fired, drop: e.r.drop };
    }
    return { fired };
  }

  // ---------------------------------------------------------------- printer scripts

  /** A status set when armed (`when: now`). */
  armedNow(id: string): { fired: Firing[]; status?: PrinterState } {
    const fired: Firing[] = [];
    for (const e of this.#live('printer-status')) {
      if (e.id !== id || e.r.trigger.on !== 'now' || !this.#fire(e, fired)) continue;
      return { fired, status: { status: e.r.status, info: e.r.info } };
    }
    return { fired };
  }

  /** A job starts: its timing, if a fault sets one. */
  jobStarting(): { fired: Firing[]; timing?: { pendingMs: number; msPerFilm: number } } {
    const fired: Firing[] = [];
    for (const e of this.#live('print-timing')) {
      if (!this.#fire(e, fired)) continue;
      return { fired, timing: { pendingMs: e.r.pendingMs, msPerFilm: e.r.msPerFilm } };
    }
    return { fired };
  }

  /** A job would end DONE: end it in FAILURE with this info instead? */
  jobEnding(): { fired: Firing[]; failure?: string } {
    const fired: Firing[] = [];
    for (const e of this.#live('job-failure')) {
      if (!this.#fire(e, fired)) continue;
      return { fired, failure: e.r.info };
    }
    return { fired };
  }

  /** A job state was reported; `films` is the job's film count (copies included). */
  jobReported(status: JobStatus, films: number): { fired: Firing[]; statuses: PrinterState[] } {
    const fired: Firing[] = [];
    const statuses: PrinterState[] = [];
    for (const e of this.#live('printer-status')) {
      const t = e.r.trigger;
      if (t.on === 'printing' && status === 'PRINTING') {
        if (this.#fire(e, fired)) statuses.push({ status: e.r.status, info: e.r.info });
      } else if (t.on === 'films' && status === 'DONE') {
        const reached = this.#countFilms?.(e.id, films, t.films);
        if (reached === undefined) {
          e.films += films;
          if (e.films < t.films) continue;
          e.films = 0;
        } else if (!reached) continue;
        if (this.#fire(e, fired)) statuses.push({ status: e.r.status, info: e.r.info });
      }
    }
    return { fired, statuses };
  }

  /** One step of a flapping fault: the status to set now, or undefined once it is over. */
  flap(id: string): { fired: Firing[]; status?: PrinterState } {
    const fired: Firing[] = [];
    const e = this.#entries.find((x) => x.id === id);
    if (e?.r.kind !== 'status-flapping' || !active(e)) return { fired };
    if (e.up) {
      e.up = false;
      return { fired, status: { status: 'NORMAL', info: 'NORMAL' } };
    }
    e.up = true;
    this.#fire(e, fired);
    return { fired, status: { status: e.r.status, info: e.r.info } };
  }
}
