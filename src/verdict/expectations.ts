/**
 * Expectations over a run: what the SCU did after a scenario's faults hit it, across every
 * association of the run (retries come on new associations). Pure: conversations (the records
 * read back), the run's print jobs and the time now in; one result per expectation out, met,
 * unmet (with a finding on the association and message that breached it) or not applicable.
 */
import type { RecordedAttribute } from '../dicom/dimse/dataset.js';
import { statusCategory, statusHex } from '../dicom/dimse/status.js';
import { Tag } from '../dicom/tags.js';
import { sopClassName, Uid } from '../dicom/uids.js';
import type { JobView } from '../store/job-log.js';
import type { Conversation, Exchange } from './conversation.js';
import { endedByFault, messageRef } from './evaluate.js';
import type { Expectation, ExpectationResult, MessagePattern, RunFinding } from './model.js';

export interface RunInput {
  /** The run's associations, read back (any order). */
  conversations: readonly Conversation[];
  /** The run's print jobs (for "did that print fail?"). */
  jobs?: readonly JobView[];
  /** Now, ms since the epoch: how long an open association has been silent. */
  now: number;
}

/** A breach: the association and message it is about, and what happened. */
interface Breach {
  c: Conversation;
  at?: number;
  detail: string;
}
interface Outcome {
  triggered: number;
  breaches: Breach[];
}

const started = (c: Conversation) => Date.parse(c.summary.startedAt);
const ended = (c: Conversation) => (c.summary.endedAt ? Date.parse(c.summary.endedAt) : undefined);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const who = (c: Conversation) => `association ${c.summary.id}`;
const describe = (ex: Exchange) =>
  `${ex.operation} ${sopClassName(ex.rq.sopClass)}${ex.rsp?.status !== undefined ? ` (${statusHex(ex.rsp.status)})` : ''}`;

export function matches(ex: Exchange, p: MessagePattern): boolean {
  if (p.command && ex.operation !== p.command) return false;
  if (p.sopClasses && !p.sopClasses.includes(ex.rq.sopClass ?? '')) return false;
  if (!p.statuses && !p.category) return true;
  const status = ex.rsp?.status;
  if (status === undefined) return false;
  if (p.statuses && !p.statuses.includes(status)) return false;
  return !p.category || statusCategory(status) === p.category;
}

/** Exchanges of every conversation, in time order (request time), with their conversation. */
function timeline(cs: readonly Conversation[]): { c: Conversation; ex: Exchange }[] {
  return cs
    .flatMap((c) => c.exchanges.map((ex) => ({ c, ex })))
    .sort((a, b) => a.ex.rq.at - b.ex.rq.at || a.ex.index - b.ex.index);
}

const byCaller = <T>(items: readonly T[], c: (t: T) => Conversation) => {
  const m = new Map<string, T[]>();
  for (const t of items) {
    const k = c(t).summary.callingAeTitle ?? '';
    m.set(k, [...(m.get(k) ?? []), t]);
  }
  return [...m.values()];
};

// ---------------------------------------------------------------- the kinds

function noPrintAfterFailedSet(
  x: Extract<Expectation, { kind: 'no-print-after-failed-set' }>,
  r: RunInput,
): Outcome {
  const o: Outcome = { triggered: 0, breaches: [] };
  for (const c of r.conversations) {
    /** Film box UID -> image boxes whose N-SET failed and was not set again. */
    const failed = new Map<string, Set<string>>();
    const owner = new Map<string, string>();
    for (const ex of c.exchanges) {
      const fb = ex.before.target?.found ? ex.before.target.filmBox : undefined;
      const box = ex.rq.sopInstance ?? '';
      if (ex.operation === 'N-SET' && fb && fb.uid !== box) {
        owner.set(box, fb.uid);
        if (matches(ex, x.after)) {
          o.triggered++;
          failed.set(fb.uid, (failed.get(fb.uid) ?? new Set()).add(box));
        } else if (ex.rsp && ['success', 'warning'].includes(statusCategory(ex.rsp.status ?? 0xffff))) {
          failed.get(fb.uid)?.delete(box);
        }
      }
      if (ex.operation !== 'N-ACTION') continue;
      const printed =
        ex.rq.sopClass === Uid.BasicFilmBox
          ? [box]
          : ex.rq.sopClass === Uid.BasicFilmSession
            ? [...failed.keys()]
            : [];
      for (const uid of printed) {
        const left = failed.get(uid);
        if (left && left.size > 0)
          o.breaches.push({
            c,
            at: ex.index,
            detail: `${describe(ex)} printed film box ${uid} although the N-SET of image box ${[...left].join(', ')} failed and was not sent again`,
          });
      }
    }
  }
  return o;
}

function retry(x: Extract<Expectation, { kind: 'retry' }>, r: RunInput): Outcome {
  const o: Outcome = { triggered: 0, breaches: [] };
  const minMs = x.notSoonerThan * 1000;
  const check = (
    retries: { c: Conversation; at?: number; gap: number; what: string }[],
    last?: { c: Conversation; at?: number },
  ) => {
    if (last && retries.length < x.atLeast)
      o.breaches.push({
        ...last,
        detail: `gave up after ${retries.length} retr${retries.length === 1 ? 'y' : 'ies'}; expected at least ${x.atLeast}`,
      });
    for (const [i, t] of retries.entries()) {
      if (t.gap < minMs)
        o.breaches.push({
          c: t.c,
          at: t.at,
          detail: `${t.what} ${seconds(t.gap)} after the failure it retries; expected no sooner than ${x.notSoonerThan} s`,
        });
      if (i === x.atMost)
        o.breaches.push({
          c: t.c,
          at: t.at,
          detail: `retry ${i + 1} (${t.what}): more than ${x.atMost} retr${x.atMost === 1 ? 'y' : 'ies'} in the run (${retries.length} in all)`,
        });
    }
  };
  if (x.after === 'rejected') {
    for (const group of byCaller(r.conversations, (c) => c)) {
      const list = [...group].sort((a, b) => started(a) - started(b));
      const retries = [];
      let last: { c: Conversation } | undefined;
      for (const [i, c] of list.entries()) {
        if (c.summary.ending !== 'rejected') continue;
        o.triggered++;
        last = { c };
        const next = list[i + 1];
        if (next)
          retries.push({ c: next, gap: started(next) - started(c), what: `${who(next)} (A-ASSOCIATE-RQ)` });
      }
      check(retries, last);
    }
    return o;
  }
  const after = x.after;
  for (const group of byCaller(timeline(r.conversations), (t) => t.c)) {
    const retries = [];
    let last: { c: Conversation; at: number } | undefined;
    for (const [i, t] of group.entries()) {
      if (!matches(t.ex, after)) continue;
      o.triggered++;
      last = { c: t.c, at: t.ex.index };
      const same = (u: { ex: Exchange }) =>
        u.ex.operation === t.ex.operation &&
        (after.sopClasses
          ? after.sopClasses.includes(u.ex.rq.sopClass ?? '')
          : u.ex.rq.sopClass === t.ex.rq.sopClass);
      const next = group.slice(i + 1).find(same);
      if (next) {
        const failedAt = t.ex.rsp?.at ?? t.ex.rq.at;
        retries.push({
          c: next.c,
          at: next.ex.index,
          gap: next.ex.rq.at - failedAt,
          what: describe(next.ex),
        });
      }
    }
    check(retries, last);
  }
  return o;
}

/** Printer Status in a Printer N-GET response, when recorded. */
function printerStatusOf(attrs: readonly RecordedAttribute[] | undefined): string | undefined {
  const a = attrs?.find((x) => x.tag === Tag.PrinterStatus);
  return a?.value?.[0] === undefined ? undefined : String(a.value[0]).trim();
}

function holdWhileFailed(_x: Expectation, r: RunInput): Outcome {
  const o: Outcome = { triggered: 0, breaches: [] };
  type Step = { at: number; c: Conversation; index: number; status?: string; filmBox?: Exchange };
  const steps: Step[] = [];
  for (const c of r.conversations) {
    for (const e of c.events) {
      if (e.rq.sopClass !== Uid.Printer) continue;
      const status = { 1: 'NORMAL', 2: 'WARNING', 3: 'FAILURE' }[e.rq.eventTypeId ?? 0];
      if (status) steps.push({ at: e.rq.at, c, index: e.index, status });
    }
    for (const ex of c.exchanges) {
      if (ex.operation === 'N-GET' && ex.rq.sopClass === Uid.Printer && ex.rsp) {
        const status = printerStatusOf(ex.rsp.attributes);
        if (status) steps.push({ at: ex.rsp.at, c, index: ex.index, status });
      }
      if (ex.operation === 'N-CREATE' && ex.rq.sopClass === Uid.BasicFilmBox)
        steps.push({ at: ex.rq.at, c, index: ex.index, filmBox: ex });
    }
  }
  steps.sort((a, b) => a.at - b.at);
  let failedAt: number | undefined;
  for (const s of steps) {
    if (s.status === 'FAILURE') {
      if (failedAt === undefined) o.triggered++;
      failedAt ??= s.at;
    } else if (s.status) failedAt = undefined;
    else if (s.filmBox && failedAt !== undefined)
      o.breaches.push({
        c: s.c,
        at: s.index,
        detail: `Film Box N-CREATE ${seconds(s.at - failedAt)} after the printer was reported FAILURE, before it was reported NORMAL`,
      });
  }
  return o;
}

/** A recorded data set without its UIDs (they differ per association), as text. */
function shape(attrs: readonly RecordedAttribute[] | undefined): unknown {
  return (attrs ?? [])
    .filter((a) => a.vr !== 'UI')
    .map((a) => [a.tag, a.items ? a.items.map(shape) : (a.value ?? [])]);
}

const succeeded = (ex: Exchange) =>
  ex.rsp?.status !== undefined && ['success', 'warning'].includes(statusCategory(ex.rsp.status));

function noDuplicateJob(_x: Expectation, r: RunInput): Outcome {
  const o: Outcome = { triggered: 0, breaches: [] };
  const failedJobs = new Set(
    (r.jobs ?? []).filter((j) => j.status === 'FAILURE').map((j) => j.associationId ?? ''),
  );
  /**
   * Associations whose print request made a job although its answer never reached the SCU (it
   * gave up waiting, or the association broke): the printer prints that film all the same.
   */
  const jobsOf = new Map<string, string[]>();
  for (const j of r.jobs ?? [])
    jobsOf.set(j.associationId ?? '', [...(jobsOf.get(j.associationId ?? '') ?? []), j.uid]);
  const jobOf = (c: Conversation) => jobsOf.get(c.summary.id)?.at(-1);
  const unanswered = (c: Conversation, ex: Exchange) =>
    !ex.rsp &&
    ex === c.exchanges.findLast((x) => x.operation === 'N-ACTION') &&
    (jobsOf.get(c.summary.id)?.length ?? 0) >
      c.exchanges.filter((x) => x.operation === 'N-ACTION' && succeeded(x)).length;
  /** Print requests up to each successful print: what a film is made of, by caller. */
  const printedBy = new Map<string, { c: Conversation; fingerprint: string; unanswered: boolean }[]>();
  for (const c of [...r.conversations].sort((a, b) => started(a) - started(b))) {
    const printed = new Set<string>();
    const parts: unknown[] = [];
    for (const ex of c.exchanges) {
      if (['N-CREATE', 'N-SET'].includes(ex.operation) && ex.rq.sopClass !== Uid.PresentationLut)
        parts.push([ex.operation, ex.rq.sopClass, shape(ex.rq.attributes)]);
      if (ex.operation !== 'N-ACTION' || !(succeeded(ex) || unanswered(c, ex))) continue;
      o.triggered++;
      const fb = ex.before.target?.found ? ex.before.target.filmBox : undefined;
      const boxes = ex.rq.sopClass === Uid.BasicFilmSession ? [...printed] : [];
      if (fb?.printed || (ex.rq.sopClass === Uid.BasicFilmSession && printed.size > 0 && boxes.length > 0)) {
        o.breaches.push({
          c,
          at: ex.index,
          detail: `${describe(ex)} printed again what this association had already printed (${fb?.uid ?? boxes.join(', ')})`,
        });
      }
      if (ex.rq.sopClass === Uid.BasicFilmBox && ex.rq.sopInstance) printed.add(ex.rq.sopInstance);
      const fingerprint = JSON.stringify(parts);
      const key = c.summary.callingAeTitle ?? '';
      const earlier = (printedBy.get(key) ?? []).find(
        (p) => p.c !== c && p.fingerprint === fingerprint && !failedJobs.has(p.c.summary.id),
      );
      if (earlier)
        o.breaches.push({
          c,
          at: ex.index,
          detail: earlier.unanswered
            ? `${describe(ex)} printed the same film as ${who(earlier.c)}, whose print request made job ${jobOf(earlier.c)} although its answer was not waited for (same session, film box and image attributes)`
            : `${describe(ex)} printed the same film as ${who(earlier.c)}, which had printed it with success (same session, film box and image attributes)`,
        });
      printedBy.set(key, [...(printedBy.get(key) ?? []), { c, fingerprint, unanswered: !ex.rsp }]);
    }
  }
  return o;
}

function releaseAfterFailure(
  x: Extract<Expectation, { kind: 'release-after-failure' }>,
  r: RunInput,
): Outcome {
  const o: Outcome = { triggered: 0, breaches: [] };
  for (const c of r.conversations) {
    const first = c.exchanges.find((ex) => ex.rsp && matches(ex, x.after));
    if (!first || endedByFault(c.summary)) continue;
    o.triggered++;
    const t0 = first.rsp!.at;
    const end = ended(c);
    const at = first.index;
    if (!c.ended) {
      if (r.now - t0 > x.within * 1000)
        o.breaches.push({
          c,
          at,
          detail: `still open ${seconds(r.now - t0)} after ${describe(first)}; expected A-RELEASE within ${x.within} s`,
        });
    } else if (c.summary.ending !== 'released') {
      o.breaches.push({
        c,
        at,
        detail: `after ${describe(first)} the association ended ${c.summary.ending}, not by A-RELEASE`,
      });
    } else if (end !== undefined && end - t0 > x.within * 1000) {
      o.breaches.push({
        c,
        at,
        detail: `released ${seconds(end - t0)} after ${describe(first)}; expected within ${x.within} s`,
      });
    }
  }
  return o;
}

function answerEvents(x: Extract<Expectation, { kind: 'answer-events' }>, r: RunInput): Outcome {
  const o: Outcome = { triggered: 0, breaches: [] };
  const limit = x.within * 1000;
  for (const c of r.conversations) {
    for (const e of c.events) {
      const what = `${sopClassName(e.rq.sopClass)} N-EVENT-REPORT (event type ${e.rq.eventTypeId ?? '?'})`;
      if (!e.rsp) {
        // Cut short by a fault, or still in time: not the SCU's.
        if (endedByFault(c.summary) || (!c.ended && r.now - e.rq.at <= limit)) continue;
        o.triggered++;
        o.breaches.push({ c, at: e.index, detail: `${what} never answered` });
        continue;
      }
      o.triggered++;
      if (statusCategory(e.rsp.status ?? 0) !== 'success')
        o.breaches.push({ c, at: e.rspIndex, detail: `${what} answered ${statusHex(e.rsp.status ?? 0)}` });
      else if (e.rsp.at - e.rq.at > limit)
        o.breaches.push({
          c,
          at: e.rspIndex,
          detail: `${what} answered ${seconds(e.rsp.at - e.rq.at)} late; expected within ${x.within} s`,
        });
    }
  }
  return o;
}

function outcome(x: Expectation, r: RunInput): Outcome {
  switch (x.kind) {
    case 'no-print-after-failed-set':
      return noPrintAfterFailedSet(x, r);
    case 'retry':
      return retry(x, r);
    case 'hold-while-failed':
      return holdWhileFailed(x, r);
    case 'no-duplicate-job':
      return noDuplicateJob(x, r);
    case 'release-after-failure':
      return releaseAfterFailure(x, r);
    case 'answer-events':
      return answerEvents(x, r);
  }
}

/** The rule id of an expectation's findings. */
export const expectationRule = (x: Pick<Expectation, 'kind'>) => `expectation.${x.kind}`;

export function evaluateExpectations(expectations: readonly Expectation[], r: RunInput): ExpectationResult[] {
  return expectations.map((x) => {
    const { triggered, breaches } = outcome(x, r);
    const findings = breaches.map((b): RunFinding => {
      const f: RunFinding = {
        association: b.c.summary.id,
        rule: expectationRule(x),
        severity: x.severity,
        detail: b.detail,
        spec: { section: x.scenario ? `scenario ${x.scenario}` : 'expectation', quote: x.description },
      };
      const m = b.at === undefined ? undefined : messageRef(b.c.summary, b.at);
      if (m) f.message = m;
      return f;
    });
    const result = findings.length > 0 ? 'unmet' : triggered > 0 ? 'met' : 'not-applicable';
    const detail =
      result === 'unmet'
        ? `${findings.length} breach(es) in ${triggered} occasion(s)`
        : result === 'met'
          ? `kept on ${triggered} occasion(s)`
          : 'what it is about never happened in this run';
    const out: ExpectationResult = {
      id: x.id,
      kind: x.kind,
      description: x.description,
      result,
      triggered,
      detail,
      findings,
    };
    if (x.scenario) out.scenario = x.scenario;
    return out;
  });
}
