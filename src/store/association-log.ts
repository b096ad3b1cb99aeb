/**
 * Associations, live and past: live ones are read from their connection, ended ones from the
 * database, where each is written once, whole, when it ends. Ids (a1, a2, ...) never repeat, also
 * across restarts and across instances sharing one database: they are handed out from blocks
 * reserved in the database by one atomic statement (blocks of one on PostgreSQL, so that ids follow
 * time across instances). Several instances on one database also list each other's open
 * associations, learnt from their events (src/pool), each record naming its instance.
 */
import {
  type AssociationRecorder,
  type AssociationSummary,
  type MessageRecord,
  responseCounts,
} from './association-record.js';
import type { Db } from './database.js';
import { Conditions, type Page, type PageRequest, pageOf, sinceInstant } from './page.js';

/** Ids reserved per database write: a crash skips at most this many, and never reuses one. */
export const ID_BLOCK = 1000;
/** Ids handed out while the database cannot reserve any: 15 digits, random (several instances). */
const FALLBACK_ID_BASE = 9e14;
const FALLBACK_ID_SPAN = 9e13;
/** Ended associations kept in memory when the database cannot take them (disk full). */
const UNSAVED_KEPT = 500;

export interface AssociationFilter {
  printer?: string;
  callingAe?: string;
  since?: string;
  /** true: only open ones; false: only ended ones. */
  active?: boolean;
  /** Only those that sent an A-ASSOCIATE-RQ (the verdicts). */
  associated?: boolean;
}

/** An association in a listing: its record without the messages, with their counts. */
export type AssociationListItem = Omit<AssociationSummary, 'messages'> & {
  messageCount: number;
  warnings: number;
  failures: number;
};

interface Row {
  seq: number;
  summary: string;
  message_count: number;
  warnings: number;
  failures: number;
}

const seqOf = (id: string) => Number(id.slice(1));

function listItem(a: AssociationSummary): AssociationListItem {
  const { messages, ...rest } = a;
  return { ...rest, messageCount: messages.length, ...responseCounts(messages) };
}

/** An association open on another instance of the pool, as its association.opened event told it. */
export interface RemoteOpened {
  id: string;
  instance: string;
  peer: string;
  callingAeTitle: string;
  calledAeTitle: string;
  printer?: string;
  startedAt: string;
}

/** Open associations of other instances kept at most (their events stop coming if they die). */
const REMOTE_KEPT = 2000;

export class AssociationLog implements AssociationRecorder {
  readonly #db: Db;
  readonly #live = new Map<string, () => AssociationSummary>();
  /** Open on other instances (PostgreSQL pool): known from their events, without their messages. */
  readonly #remote = new Map<string, AssociationSummary>();
  /** This instance's id in a pool: every record names it. */
  readonly #instance: string | undefined;
  readonly #unsaved: AssociationSummary[] = [];
  #next = 1;
  #reserved = 0;
  readonly #block: number;
  readonly #reserve;
  readonly #onError: (e: Error, id: string) => void;
  readonly #insert;
  readonly #insertMessages;
  readonly #byId;
  readonly #messages;

  constructor(db: Db, onError: (e: Error, id: string) => void, idBlock = ID_BLOCK, instance?: string) {
    this.#db = db;
    this.#instance = instance;
    this.#onError = onError;
    this.#block = idBlock;
    // The top of the block now reserved (by this instance or any other): ours is the `idBlock` below it.
    this.#reserve = db.prepare<[number, number], { value: string }>(
      `INSERT INTO meta (key, value)
         VALUES ('association_seq', CAST((SELECT coalesce(max(seq), 0) FROM associations) + ? AS TEXT))
       ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + ? AS TEXT)
       RETURNING value`,
    );
    this.#insert = db.prepare(
      `INSERT INTO associations (seq, id, peer, calling_ae, called_ae, printer, started_at,
         ended_at, message_count, warnings, failures, summary)
       VALUES (@seq, @id, @peer, @callingAe, @calledAe, @printer, @startedAt, @endedAt,
         @messageCount, @warnings, @failures, @summary)
       ON CONFLICT (seq) DO UPDATE SET id = excluded.id, peer = excluded.peer, calling_ae = excluded.calling_ae,
         called_ae = excluded.called_ae, printer = excluded.printer, started_at = excluded.started_at,
         ended_at = excluded.ended_at, message_count = excluded.message_count, warnings = excluded.warnings,
         failures = excluded.failures, summary = excluded.summary`,
    );
    this.#insertMessages = db.prepare(
      `INSERT INTO association_messages (seq, messages) VALUES (?, ?)
       ON CONFLICT (seq) DO UPDATE SET messages = excluded.messages`,
    );
    this.#byId = db.prepare<[number], Row>('SELECT * FROM associations WHERE seq = ?');
    this.#messages = db.prepare<[number], { messages: string }>(
      'SELECT messages FROM association_messages WHERE seq = ?',
    );
  }

  nextId(): string {
    if (this.#next > this.#reserved) {
      try {
        this.#reserved = Number(this.#reserve.get(this.#block, this.#block)!.value);
      } catch (e) {
        // The database cannot be written (unreachable, disk full): the association goes on (its
        // record is kept in memory), under an id of its own far above any the database hands out.
        this.#onError(e as Error, 'id');
        return `a${FALLBACK_ID_BASE + Math.floor(Math.random() * FALLBACK_ID_SPAN)}`;
      }
      this.#next = this.#reserved - this.#block + 1;
    }
    return `a${this.#next++}`;
  }

  opened(id: string, summary: () => AssociationSummary): void {
    const instance = this.#instance;
    this.#live.set(id, instance === undefined ? summary : () => ({ ...summary(), instance }));
  }

  ended(ended: AssociationSummary): void {
    const summary = this.#instance === undefined ? ended : { ...ended, instance: this.#instance };
    this.#live.delete(summary.id);
    try {
      this.#save(summary);
    } catch (e) {
      this.#onError(e as Error, summary.id);
      this.#unsaved.push(summary);
      if (this.#unsaved.length > UNSAVED_KEPT) this.#unsaved.shift();
    }
  }

  #save(a: AssociationSummary): void {
    const { messages, ...rest } = a;
    const seq = seqOf(a.id);
    const counts = responseCounts(messages);
    this.#db.transaction(() => {
      this.#insert.run({
        seq,
        id: a.id,
        peer: a.peer,
        callingAe: a.callingAeTitle ?? null,
        calledAe: a.calledAeTitle ?? null,
        printer: a.printer ?? null,
        startedAt: a.startedAt,
        endedAt: a.endedAt ?? null,
        messageCount: messages.length,
        warnings: counts.warnings,
        failures: counts.failures,
        summary: JSON.stringify(rest),
      });
      this.#insertMessages.run(seq, JSON.stringify(messages));
    })();
  }

  /** Another instance of the pool accepted an association (its association.opened event). */
  remoteOpened(a: RemoteOpened): void {
    if (this.#remote.size >= REMOTE_KEPT) this.#remote.delete(this.#remote.keys().next().value!);
    this.#remote.set(a.id, {
      id: a.id,
      peer: a.peer,
      callingAeTitle: a.callingAeTitle,
      calledAeTitle: a.calledAeTitle,
      ...(a.printer ? { printer: a.printer } : {}),
      startedAt: a.startedAt,
      state: 'Sta6',
      ending: 'open',
      detail: `open on instance ${a.instance}: its messages are listed once it ends`,
      contexts: [],
      acceptedContexts: [],
      messages: [],
      faults: [],
      instance: a.instance,
    });
  }

  /** It ended there (its record is in the database by now). */
  remoteClosed(id: string): void {
    this.#remote.delete(id);
  }

  /** Forget the open associations of instances no longer alive (killed: no event said they ended). */
  keepRemote(alive: ReadonlySet<string>): void {
    for (const [id, a] of this.#remote) if (!alive.has(a.instance!)) this.#remote.delete(id);
  }

  /** Is this association still open (its connection alive)? */
  isLive(id: string): boolean {
    return this.#live.has(id);
  }

  /** Open connections now. */
  get liveCount(): number {
    return this.#live.size;
  }

  get(id: string): AssociationSummary | undefined {
    const live = this.#live.get(id);
    if (live) return live();
    const unsaved = this.#unsaved.find((a) => a.id === id);
    if (unsaved) return unsaved;
    if (!/^a[0-9]{1,15}$/.test(id)) return undefined;
    const row = this.#byId.get(seqOf(id));
    if (!row) return this.#remote.get(id);
    const messages = JSON.parse(this.#messages.get(row.seq)?.messages ?? '[]') as MessageRecord[];
    return { ...(JSON.parse(row.summary) as Omit<AssociationSummary, 'messages'>), messages };
  }

  list(filter: AssociationFilter, page: PageRequest): Page<AssociationListItem> {
    return this.#page(
      filter,
      page,
      (row) => ({
        ...(JSON.parse(row.summary) as Omit<AssociationSummary, 'messages'>),
        messageCount: row.message_count,
        warnings: row.warnings,
        failures: row.failures,
      }),
      listItem,
    );
  }

  /** A page of whole records (messages included): what verdicts are computed from. */
  records(filter: AssociationFilter, page: PageRequest): Page<AssociationSummary> {
    return this.#page(
      filter,
      page,
      (row) => this.get(`a${row.seq}`)!,
      (a) => a,
    );
  }

  #page<T>(
    filter: AssociationFilter,
    page: PageRequest,
    fromRow: (r: Row) => T,
    fromLive: (a: AssociationSummary) => T,
  ): Page<T> {
    const since = sinceInstant(filter.since);
    const after = page.cursor === undefined ? undefined : Number(page.cursor);
    // Live (and unsaved) records matching the filter, as rows to merge with the database's by seq.
    const memory: { seq: number; item: () => T }[] = [];
    if (filter.active !== false) {
      const pending = [
        ...[...this.#live.values()].map((f) => f()),
        ...this.#unsaved,
        ...this.#remote.values(),
      ];
      for (const a of pending) {
        if (filter.active === true && a.endedAt !== undefined) continue;
        if (filter.printer && a.printer !== filter.printer) continue;
        if (filter.callingAe && a.callingAeTitle !== filter.callingAe) continue;
        if (filter.associated && a.callingAeTitle === undefined) continue;
        if (since && a.startedAt < since) continue;
        const seq = seqOf(a.id);
        if (after !== undefined && (page.order === 'asc' ? seq <= after : seq >= after)) continue;
        memory.push({ seq, item: () => fromLive(a) });
      }
    }
    const stored: { seq: number; item: () => T }[] = [];
    if (filter.active !== true) {
      const c = new Conditions()
        .add('printer = ?', filter.printer)
        .add('calling_ae = ?', filter.callingAe)
        .add('started_at >= ?', since);
      if (filter.associated) c.raw('calling_ae IS NOT NULL');
      const sql = `SELECT seq, summary, message_count, warnings, failures FROM associations ${c.page(page)}`;
      for (const r of this.#db.prepare<unknown[], Row>(sql).all(...c.params))
        stored.push({ seq: r.seq, item: () => fromRow(r) });
    }
    const sign = page.order === 'asc' ? 1 : -1;
    const merged = [...memory, ...stored].sort((x, y) => sign * (x.seq - y.seq));
    const seen = new Set<number>();
    const unique = merged.filter((m) => !seen.has(m.seq) && seen.add(m.seq));
    return pageOf(unique.slice(0, page.limit + 1), page, (m) => m.item());
  }
}
