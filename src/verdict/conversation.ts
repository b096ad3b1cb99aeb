/**
 * An association record (AssociationSummary) read back as a conversation: each request of the SCU
 * paired with our response, each N-EVENT-REPORT of ours with the SCU's answer, and the print
 * hierarchy as it stood before each request (what existed, what was printed), rebuilt from the
 * successful responses alone. Pure: the same record always gives the same conversation, so past
 * associations can be judged as well as live ones.
 */
import type { DcmDataset, RecordedAttribute } from '../dicom/dimse/dataset.js';
import { statusCategory } from '../dicom/dimse/status.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import { type Capabilities, resolveCapabilities } from '../profiles/capabilities.js';
import { DEFAULT_PROFILE } from '../profiles/default-profile.js';
import type { AssociationSummary, MessageRecord } from '../store/association-record.js';
import { IMAGE_SEQUENCES } from './spec.js';

export interface Context {
  id: number;
  abstractSyntax: string;
  transferSyntax: string;
  /** Data sets carry their VR on the wire (Explicit VR), so a wrong one is the SCU's. */
  explicit: boolean;
}

/** Instances an SCU names, by how the association knows them. */
export type Kind =
  | 'film-session'
  | 'film-box'
  | 'image-box'
  | 'annotation-box'
  | 'presentation-lut'
  | 'well-known';

export interface FilmBoxFacts {
  uid: string;
  printed: boolean;
  hasImage: boolean;
  isLast: boolean;
}

/** The instance a request names, looked up among those the association created. */
export type Target =
  | { found: true; kind: Kind; filmBox?: FilmBoxFacts }
  | { found: false; kind: Kind /** The UID is an instance of another class here. */; otherKind?: Kind };

/** The print hierarchy just before a request. */
export interface Before {
  session?: string;
  filmBoxes: number;
  /** Some image box of the session holds an image. */
  anyImage: boolean;
  target?: Target;
  /** A Presentation LUT the request references that does not exist (never created, or deleted). */
  unknownLut?: string;
  /**
   * Every response naming new instances was recorded with its data set. When not (records past
   * the recording limit), image and annotation box UIDs are unknown and nobody may call them so.
   */
  complete: boolean;
}

/** A request of the SCU and our response to it. */
export interface Exchange {
  index: number;
  rq: MessageRecord;
  /** "N-SET", "C-ECHO", ... */
  operation: string;
  rspIndex?: number;
  rsp?: MessageRecord;
  context?: Context;
  /** The request's data set as recorded; {} when it had none; undefined when it was not recorded. */
  dataset?: DcmDataset;
  before: Before;
}

/** An N-EVENT-REPORT of ours and the SCU's answer. */
export interface EventExchange {
  index: number;
  rq: MessageRecord;
  rspIndex?: number;
  rsp?: MessageRecord;
}

export interface Conversation {
  summary: AssociationSummary;
  caps: Capabilities;
  /** False when the printer's capabilities were not given and the embedded default's stand in. */
  capsKnown: boolean;
  contexts: ReadonlyMap<number, Context>;
  exchanges: readonly Exchange[];
  events: readonly EventExchange[];
  ended: boolean;
}

const DEFAULT_CAPS = resolveCapabilities(DEFAULT_PROFILE);

const KIND_OF_CLASS: Readonly<Record<string, Kind>> = {
  [Uid.BasicFilmSession]: 'film-session',
  [Uid.BasicFilmBox]: 'film-box',
  [Uid.BasicGrayscaleImageBox]: 'image-box',
  [Uid.BasicColorImageBox]: 'image-box',
  [Uid.BasicAnnotationBox]: 'annotation-box',
  [Uid.PresentationLut]: 'presentation-lut',
  [Uid.Printer]: 'well-known',
  [Uid.PrinterConfigurationRetrieval]: 'well-known',
};
const WELL_KNOWN: Readonly<Record<string, string>> = {
  [Uid.Printer]: Uid.PrinterInstance,
  [Uid.PrinterConfigurationRetrieval]: Uid.PrinterConfigurationRetrievalInstance,
};
/** Operations whose command names an existing instance (Requested SOP Instance UID). */
const NAMES_INSTANCE: ReadonlySet<string> = new Set(['N-SET', 'N-GET', 'N-ACTION', 'N-DELETE']);

/** A recorded data set back in the DICOM JSON model the attribute tables read. */
function toDataset(attrs: readonly RecordedAttribute[]): DcmDataset {
  const ds: DcmDataset = {};
  for (const a of attrs) {
    ds[a.tag] = a.items ? { vr: a.vr, Value: a.items.map(toDataset) } : { vr: a.vr, Value: a.value ?? [] };
  }
  return ds;
}

/** Referenced SOP Instance (and Class) UIDs of a reference sequence in a recorded data set. */
function references(attrs: readonly RecordedAttribute[] | undefined, tag: string): [string, string][] {
  const seq = attrs?.find((a) => a.tag === tag);
  return (seq?.items ?? []).map((item) => {
    const v = (t: string) => String(item.find((a) => a.tag === t)?.value?.[0] ?? '');
    return [v(Tag.ReferencedSOPInstanceUID), v(Tag.ReferencedSOPClassUID)];
  });
}

const succeeded = (m: MessageRecord | undefined): m is MessageRecord =>
  m !== undefined && ['success', 'warning'].includes(statusCategory(m.status ?? 0));

interface FilmBoxState {
  uid: string;
  printed: boolean;
  /** Image box UID -> its SOP class. */
  imageBoxes: Map<string, string>;
  annotationBoxes: Set<string>;
  /** Image boxes holding an image. */
  images: Set<string>;
  /** The N-CREATE response was recorded, so the image boxes are known. */
  boxesKnown: boolean;
}

/** Some image box holds an image; when the boxes are unknown, nobody can say it does not. */
const holdsImage = (fb: FilmBoxState) => fb.images.size > 0 || !fb.boxesKnown;

/** The print hierarchy of one association, replayed from successful responses. */
class Hierarchy {
  session: string | undefined;
  filmBoxes: FilmBoxState[] = [];
  luts = new Set<string>();
  complete = true;

  #facts(fb: FilmBoxState): FilmBoxFacts {
    return {
      uid: fb.uid,
      printed: fb.printed,
      hasImage: holdsImage(fb),
      isLast: fb === this.filmBoxes.at(-1),
    };
  }

  #owner(kind: Kind, uid: string): FilmBoxState | undefined {
    return this.filmBoxes.find((fb) =>
      kind === 'film-box'
        ? fb.uid === uid
        : kind === 'image-box'
          ? fb.imageBoxes.has(uid)
          : kind === 'annotation-box' && fb.annotationBoxes.has(uid),
    );
  }

  #kindOf(uid: string): Kind | undefined {
    if (uid === this.session) return 'film-session';
    if (this.luts.has(uid)) return 'presentation-lut';
    return (['film-box', 'image-box', 'annotation-box'] as const).find((k) => this.#owner(k, uid));
  }

  target(sopClass: string, uid: string): Target | undefined {
    const kind = KIND_OF_CLASS[sopClass];
    if (!kind) return undefined;
    if (kind === 'well-known') return { found: uid === WELL_KNOWN[sopClass], kind };
    if (kind === 'film-session')
      return uid === this.session ? { found: true, kind } : this.#missing(kind, uid);
    if (kind === 'presentation-lut')
      return this.luts.has(uid) ? { found: true, kind } : this.#missing(kind, uid);
    const fb = this.#owner(kind, uid);
    if (!fb || (kind === 'image-box' && fb.imageBoxes.get(uid) !== sopClass)) return this.#missing(kind, uid);
    return { found: true, kind, filmBox: this.#facts(fb) };
  }

  #missing(kind: Kind, uid: string): Target {
    const otherKind = this.#kindOf(uid);
    return otherKind ? { found: false, kind, otherKind } : { found: false, kind };
  }

  before(ex: Omit<Exchange, 'before'>): Before {
    const b: Before = {
      filmBoxes: this.filmBoxes.length,
      anyImage: this.filmBoxes.some(holdsImage),
      complete: this.complete,
    };
    if (this.session) b.session = this.session;
    const { sopClass, sopInstance } = ex.rq;
    if (sopClass && sopInstance && NAMES_INSTANCE.has(ex.operation)) {
      const t = this.target(sopClass, sopInstance);
      if (t) b.target = t;
    }
    const lut = ex.dataset?.[Tag.ReferencedPresentationLUTSequence]?.Value?.[0] as DcmDataset | undefined;
    const lutUid = lut?.[Tag.ReferencedSOPInstanceUID]?.Value?.[0];
    if (lutUid !== undefined && !this.luts.has(String(lutUid))) b.unknownLut = String(lutUid);
    return b;
  }

  /** What a successful response changed. */
  apply(ex: Exchange): void {
    if (!succeeded(ex.rsp)) return;
    const rsp = ex.rsp;
    const created = rsp.sopInstance ?? ex.rq.sopInstance ?? '';
    const named = ex.rq.sopInstance ?? '';
    const fb = ex.before.target?.found ? this.#owner(ex.before.target.kind, named) : undefined;
    switch (`${ex.operation} ${KIND_OF_CLASS[ex.rq.sopClass ?? ''] ?? ''}`) {
      case 'N-CREATE film-session':
        this.session = created;
        this.filmBoxes = [];
        break;
      case 'N-DELETE film-session':
        this.session = undefined;
        this.filmBoxes = [];
        break;
      case 'N-CREATE film-box': {
        // The image and annotation boxes are only known from the response's reference sequences.
        if (!rsp.attributes) this.complete = false;
        this.filmBoxes.push({
          uid: created,
          printed: false,
          imageBoxes: new Map(references(rsp.attributes, Tag.ReferencedImageBoxSequence)),
          annotationBoxes: new Set(
            references(rsp.attributes, Tag.ReferencedBasicAnnotationBoxSequence).map(([uid]) => uid),
          ),
          images: new Set(),
          boxesKnown: rsp.attributes !== undefined,
        });
        break;
      }
      case 'N-DELETE film-box':
        this.filmBoxes = this.filmBoxes.filter((f) => f.uid !== named);
        break;
      case 'N-SET image-box': {
        if (!fb) break;
        const sequence = IMAGE_SEQUENCES[ex.rq.sopClass ?? '']?.sequence ?? '';
        // An unrecorded data set is taken to hold an image; an empty sequence erases (PS3.4 H.4.3.1).
        const holds = ex.dataset ? (ex.dataset[sequence]?.Value?.length ?? 0) > 0 : true;
        if (holds) fb.images.add(named);
        else fb.images.delete(named);
        break;
      }
      case 'N-ACTION film-box':
        if (fb) fb.printed = true;
        break;
      case 'N-ACTION film-session':
        for (const f of this.filmBoxes) f.printed = true;
        break;
      case 'N-CREATE presentation-lut':
        this.luts.add(created);
        break;
      case 'N-DELETE presentation-lut':
        this.luts.delete(named);
        break;
    }
  }
}

/** The response to the request at `i`: the next response of ours with its type and Message ID. */
function responseTo(messages: readonly MessageRecord[], i: number): number | undefined {
  const rq = messages[i]!;
  const type = rq.type.replace(/-RQ$/, '-RSP');
  for (let j = i + 1; j < messages.length; j++) {
    const m = messages[j]!;
    if (m.direction === 'out' && m.type === type && m.messageId === rq.messageId) return j;
    // Requests are answered one at a time: a later request with the same ID means no answer came.
    if (m.direction === 'in' && m.type === rq.type && m.messageId === rq.messageId) return undefined;
  }
  return undefined;
}

export function buildConversation(summary: AssociationSummary, caps?: Capabilities): Conversation {
  const contexts = new Map(
    summary.acceptedContexts.map((c): [number, Context] => [
      c.id,
      { ...c, explicit: c.transferSyntax !== Uid.ImplicitVrLittleEndian },
    ]),
  );
  const messages = summary.messages;
  const hierarchy = new Hierarchy();
  const exchanges: Exchange[] = [];
  const events: EventExchange[] = [];
  for (const [index, m] of messages.entries()) {
    if (m.direction === 'out' && m.type === 'N-EVENT-REPORT-RQ') {
      events.push({ index, rq: m });
    } else if (m.direction === 'in' && m.type === 'N-EVENT-REPORT-RSP') {
      // One event is in flight at a time, so the answer is the oldest unanswered one's.
      const e = events.find((x) => !x.rsp && (!m.sopInstance || x.rq.sopInstance === m.sopInstance));
      if (e) Object.assign(e, { rsp: m, rspIndex: index });
    } else if (m.direction === 'in' && m.type.endsWith('-RQ')) {
      const rspIndex = responseTo(messages, index);
      const ex: Omit<Exchange, 'before'> = { index, rq: m, operation: m.type.replace(/-RQ$/, '') };
      if (rspIndex !== undefined) Object.assign(ex, { rspIndex, rsp: messages[rspIndex] });
      const context = contexts.get(m.contextId);
      if (context) ex.context = context;
      if (m.attributes) ex.dataset = toDataset(m.attributes);
      else if (m.datasetBytes === 0) ex.dataset = {};
      const full: Exchange = { ...ex, before: hierarchy.before(ex) };
      exchanges.push(full);
      hierarchy.apply(full);
    }
  }
  return {
    summary,
    caps: caps ?? DEFAULT_CAPS,
    capsKnown: caps !== undefined,
    contexts,
    exchanges,
    events,
    ended: summary.endedAt !== undefined || summary.ending !== 'open',
  };
}
