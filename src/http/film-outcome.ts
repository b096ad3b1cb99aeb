/**
 * What happened to a printed film, box by box, for the film view: each image box's fate (fits,
 * demagnified, cropped, decimated, density clamped, empty) and the DIMSE status the SCU got for it.
 *
 * The codes come from the recorded conversation (the last response about the box's SOP instance,
 * with its Error Comment, while Lightbox still holds that association), else from film.json, which
 * keeps every answer each box and the film box got, with its Error Comment. A proxied film's
 * conversation names the real printer's instances, not Lightbox's: film.json answers for it, with
 * Lightbox's own answer beside the printer's where they differ (docs/proxy.md).
 */

import type { KeptAnswer } from '../print/model.js';
import type { FilmRecord } from '../print/spool.js';
import type { AssociationSummary, MessageRecord } from '../store/association-record.js';
import { type StatusView, statusView } from './describe.js';

export type Fate = 'fits' | 'demagnified' | 'cropped' | 'decimated' | 'density-clamped' | 'empty';

export interface OutcomeStatus extends StatusView {
  source: 'conversation' | 'film.json';
  /** The response that carried it (conversation only), e.g. "N-SET-RSP". */
  message?: string;
  errorComment?: string;
  /** Proxy mode: Lightbox's own answer, where it differs from the real printer's (this one). */
  lightbox?: StatusView & { errorComment?: string };
}

export interface BoxOutcome {
  position: number;
  uid: string;
  fates: Fate[];
  status: OutcomeStatus | null;
  minDensity?: number;
  maxDensity?: number;
  requestedMinDensity?: number;
  requestedMaxDensity?: number;
}

export interface FilmOutcome {
  filmBox: { uid: string; statuses: OutcomeStatus[] };
  boxes: BoxOutcome[];
}

/** The fit decisions that changed the image (film.json `fit`), each a fate of its own. */
const FIT_FATES: ReadonlySet<string> = new Set<Fate>(['demagnified', 'cropped', 'decimated']);

type Reply = Pick<MessageRecord, 'type' | 'status' | 'errorComment'>;

/** Every response we sent about a SOP instance (requests pair with responses by message ID). */
function repliesByInstance(associations: readonly AssociationSummary[]): Map<string, Reply[]> {
  const out = new Map<string, Reply[]>();
  for (const a of associations) {
    const asked = new Map<number, string>();
    for (const m of a.messages) {
      if (m.direction === 'in' && m.type.endsWith('-RQ') && m.sopInstance && m.messageId !== undefined)
        asked.set(m.messageId, m.sopInstance);
      if (m.direction !== 'out' || !m.type.endsWith('-RSP') || m.status === undefined) continue;
      const uid = m.sopInstance ?? (m.messageId === undefined ? undefined : asked.get(m.messageId));
      if (uid) out.set(uid, [...(out.get(uid) ?? []), m]);
    }
  }
  return out;
}

const fromReply = (r: Reply): OutcomeStatus => ({
  ...statusView(r.status!),
  source: 'conversation',
  message: r.type,
  ...(r.errorComment ? { errorComment: r.errorComment } : {}),
});

/** A status film.json kept: with its Error Comment and Lightbox's differing answer when it kept them. */
function fromFilm(code: number, answer: KeptAnswer | undefined): OutcomeStatus {
  const o: OutcomeStatus = { ...statusView(code), source: 'film.json' };
  if (answer?.status !== code) return o;
  if (answer.errorComment) o.errorComment = answer.errorComment;
  const own = answer.lightbox;
  if (own)
    o.lightbox = {
      ...statusView(own.status),
      ...(own.errorComment ? { errorComment: own.errorComment } : {}),
    };
  return o;
}

const outside = (v: number | undefined, used: number | undefined) =>
  v !== undefined && used !== undefined && v !== used;

export function filmOutcome(film: FilmRecord, associations: readonly AssociationSummary[]): FilmOutcome {
  const replies = repliesByInstance(
    associations.filter(
      (a) => a.printer === film.printer.aeTitle && a.callingAeTitle === film.callingAeTitle,
    ),
  );
  const filmAsked = film.filmBox.requestedDensity ?? {};

  const boxes = film.imageBoxes.map((b): BoxOutcome => {
    const fates: Fate[] = [];
    if (!b.image) fates.push('empty');
    else if (b.fit && FIT_FATES.has(b.fit)) fates.push(b.fit as Fate);
    // The densities asked for (on the box, else on the film box) against those used.
    const askedMin = b.requestedDensity?.min ?? filmAsked.min;
    const askedMax = b.requestedDensity?.max ?? filmAsked.max;
    const clamped = outside(askedMin, b.minDensity) || outside(askedMax, b.maxDensity);
    if (b.image && clamped) fates.push('density-clamped');
    if (fates.length === 0) fates.push('fits');

    const last = replies.get(b.uid)?.at(-1);
    const recorded = b.statuses.at(-1);
    const status: OutcomeStatus | null = last
      ? fromReply(last)
      : recorded === undefined
        ? null
        : fromFilm(recorded, b.answers?.[b.statuses.length - 1]);
    return {
      position: b.position,
      uid: b.uid,
      fates,
      status,
      ...(b.minDensity === undefined ? {} : { minDensity: b.minDensity }),
      ...(b.maxDensity === undefined ? {} : { maxDensity: b.maxDensity }),
      ...(b.requestedDensity?.min === undefined ? {} : { requestedMinDensity: b.requestedDensity.min }),
      ...(b.requestedDensity?.max === undefined ? {} : { requestedMaxDensity: b.requestedDensity.max }),
    };
  });

  const conversation = (replies.get(film.filmBox.uid) ?? []).map(fromReply);
  const filmStatuses =
    conversation.length > 0
      ? conversation
      : film.filmBox.statuses.map((code, i) => fromFilm(code, film.filmBox.answers?.[i]));
  return { filmBox: { uid: film.filmBox.uid, statuses: filmStatuses }, boxes };
}
