/**
 * Hand-built association records for the pure verdict tests: the same MessageRecord and
 * AssociationSummary shapes the connection writes (data sets through the real recordDataset), so
 * each rule can be shown to fire on one mistake and to stay silent on a clean print session.
 */
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { recordDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import type { AssociationSummary, MessageRecord } from '../../src/store/association-record.js';

export const META = 1;
export const PLUT = 3;
export const JOB = 5;
export const CONTEXTS = [
  '1:BasicGrayscalePrintManagementMeta:ExplicitVrLittleEndian',
  '3:PresentationLut:ExplicitVrLittleEndian',
  '5:PrintJob:ExplicitVrLittleEndian',
  '7:BasicColorPrintManagementMeta:refused(3)',
];

/** The accepted contexts of summary lines like "1:BasicGrayscalePrintManagementMeta:ExplicitVrLittleEndian". */
function acceptedContexts(lines: readonly string[]): AssociationSummary['acceptedContexts'] {
  const uid = (n: string) => (Uid as Record<string, string>)[n] ?? n;
  return lines
    .map((l) => l.split(':'))
    .filter(([, , ts]) => ts !== undefined && !ts.startsWith('refused'))
    .map(([id, as, ts]) => ({ id: Number(id), abstractSyntax: uid(as!), transferSyntax: uid(ts!) }));
}

export const cs = (v: string) => ({ vr: 'CS', Value: [v] });
export const us = (v: number) => ({ vr: 'US', Value: [v] });
export const st = (v: string) => ({ vr: 'ST', Value: [v] });
export const is = (v: number) => ({ vr: 'IS', Value: [v] });
export const sq = (...items: DcmDataset[]) => ({ vr: 'SQ', Value: items });
export const ref = (cls: string, uid: string): DcmDataset => ({
  '00081150': { vr: 'UI', Value: [cls] },
  '00081155': { vr: 'UI', Value: [uid] },
});

/** A copy of a data set without some attributes. */
export function without(ds: DcmDataset, ...tags: string[]): DcmDataset {
  const copy = { ...ds };
  for (const t of tags) delete copy[t];
  return copy;
}

export function image(extra: DcmDataset = {}): DcmDataset {
  return {
    '00280002': us(1),
    '00280004': cs('MONOCHROME2'),
    '00280010': us(4),
    '00280011': us(4),
    '00280100': us(16),
    '00280101': us(12),
    '00280102': us(11),
    '00280103': us(0),
    '7FE00010': { vr: 'OW', Value: [new ArrayBuffer(32)] },
    ...extra,
  };
}

export interface Answer {
  status?: number;
  instance?: string;
  data?: DcmDataset;
  errorComment?: string;
  offendingElement?: number[];
  attributeIdentifierList?: number[];
}

export class Recorder {
  readonly messages: MessageRecord[] = [];
  contexts = [...CONTEXTS];
  ending = 'released';
  detail = 'released';
  ended = true;
  faults: string[] = [];
  #messageId = 1;
  #eventId = 1;

  /** A request of the SCU and our response (omit `answer` for none). */
  exchange(
    type: string,
    sopClass: string,
    o: { ctx?: number; instance?: string; data?: DcmDataset; actionTypeId?: number } = {},
    answer: Answer | null = {},
  ): this {
    const messageId = this.#messageId++;
    const rq: MessageRecord = {
      at: 0,
      direction: 'in',
      type: `${type}-RQ`,
      contextId: o.ctx ?? META,
      messageId,
      sopClass,
      datasetBytes: o.data ? 100 : 0,
    };
    if (o.instance) rq.sopInstance = o.instance;
    if (o.actionTypeId !== undefined) rq.actionTypeId = o.actionTypeId;
    if (o.data) rq.attributes = recordDataset(o.data);
    this.messages.push(rq);
    if (answer === null) return this;
    const rsp: MessageRecord = {
      at: 0,
      direction: 'out',
      type: `${type}-RSP`,
      contextId: o.ctx ?? META,
      messageId,
      sopClass,
      status: answer.status ?? 0,
      datasetBytes: answer.data ? 100 : 0,
    };
    const instance = answer.instance ?? o.instance;
    if (instance) rsp.sopInstance = instance;
    if (answer.data) rsp.attributes = recordDataset(answer.data);
    if (answer.errorComment) rsp.errorComment = answer.errorComment;
    if (answer.offendingElement) rsp.offendingElement = answer.offendingElement;
    if (answer.attributeIdentifierList) rsp.attributeIdentifierList = answer.attributeIdentifierList;
    this.messages.push(rsp);
    return this;
  }

  /** Our N-EVENT-REPORT and (unless `status` is null) the SCU's answer. */
  event(sopClass: string, instance: string, eventTypeId: number, status: number | null = 0, ctx = JOB): this {
    const messageId = this.#eventId++;
    this.messages.push({
      at: 0,
      direction: 'out',
      type: 'N-EVENT-REPORT-RQ',
      contextId: ctx,
      messageId,
      sopClass,
      sopInstance: instance,
      eventTypeId,
      datasetBytes: 40,
    });
    if (status !== null)
      this.messages.push({
        at: 0,
        direction: 'in',
        type: 'N-EVENT-REPORT-RSP',
        contextId: ctx,
        sopClass,
        sopInstance: instance,
        eventTypeId,
        status,
        datasetBytes: 0,
      });
    return this;
  }

  summary(): AssociationSummary {
    return {
      id: 'a1',
      peer: '127.0.0.1:40000',
      callingAeTitle: 'MODALITY',
      calledAeTitle: 'LIGHTBOX',
      printer: 'LIGHTBOX',
      startedAt: '2026-05-01T10:00:00.000Z',
      ...(this.ended ? { endedAt: '2026-05-01T10:00:02.500Z' } : {}),
      state: this.ended ? 'Sta1' : 'Sta6',
      ending: this.ended ? this.ending : 'open',
      detail: this.ended ? this.detail : '',
      contexts: this.contexts,
      acceptedContexts: acceptedContexts(this.contexts),
      messages: this.messages,
      faults: this.faults,
    };
  }
}

export const SESSION = '1.2.826.0.1.3680043.2.1125.1';
export const FILM_BOX = '1.2.826.0.1.3680043.2.1125.2';
export const BOX_1 = '1.2.826.0.1.3680043.2.1125.3';
export const BOX_2 = '1.2.826.0.1.3680043.2.1125.4';
export const LUT = '1.2.826.0.1.3680043.2.1125.5';
export const JOB_UID = '1.2.826.0.1.3680043.2.1125.6';

export function filmBoxData(extra: DcmDataset = {}): DcmDataset {
  return {
    '20100010': st('STANDARD\\2,1'),
    '20100050': cs('14INX17IN'),
    '20100500': sq(ref(Uid.BasicFilmSession, SESSION)),
    '20500500': sq(ref(Uid.PresentationLut, LUT)),
    ...extra,
  };
}

/** The film box N-CREATE response: the two image boxes it created. */
export const FILM_BOX_ANSWER: Answer = {
  instance: FILM_BOX,
  data: {
    '20100010': st('STANDARD\\2,1'),
    '20100510': sq(ref(Uid.BasicGrayscaleImageBox, BOX_1), ref(Uid.BasicGrayscaleImageBox, BOX_2)),
  },
};

export const imageSet = (position: number, extra: DcmDataset = {}): DcmDataset => ({
  '20200010': us(position),
  '20200110': sq(image()),
  ...extra,
});

/** The steps of a clean grayscale print, by name, so a test can replace one. */
export type Step = (r: Recorder) => void;
export const CLEAN: Record<string, Step> = {
  printer: (r) => r.exchange('N-GET', Uid.Printer, { instance: Uid.PrinterInstance }),
  lut: (r) =>
    r.exchange(
      'N-CREATE',
      Uid.PresentationLut,
      { ctx: PLUT, data: { '20500020': cs('IDENTITY') } },
      { instance: LUT },
    ),
  session: (r) =>
    r.exchange(
      'N-CREATE',
      Uid.BasicFilmSession,
      { data: { '20000010': is(1), '20000020': cs('MED'), '20000030': cs('BLUE FILM') } },
      { instance: SESSION },
    ),
  filmBox: (r) => r.exchange('N-CREATE', Uid.BasicFilmBox, { data: filmBoxData() }, FILM_BOX_ANSWER),
  image1: (r) => r.exchange('N-SET', Uid.BasicGrayscaleImageBox, { instance: BOX_1, data: imageSet(1) }),
  image2: (r) => r.exchange('N-SET', Uid.BasicGrayscaleImageBox, { instance: BOX_2, data: imageSet(2) }),
  print: (r) =>
    r.exchange(
      'N-ACTION',
      Uid.BasicFilmBox,
      { instance: FILM_BOX, actionTypeId: 1 },
      { data: { '21000500': sq(ref(Uid.PrintJob, JOB_UID)) } },
    ),
  events: (r) =>
    r.event(Uid.PrintJob, JOB_UID, 1).event(Uid.PrintJob, JOB_UID, 2).event(Uid.PrintJob, JOB_UID, 3),
  deleteFilmBox: (r) => r.exchange('N-DELETE', Uid.BasicFilmBox, { instance: FILM_BOX }),
  deleteSession: (r) => r.exchange('N-DELETE', Uid.BasicFilmSession, { instance: SESSION }),
  deleteLut: (r) => r.exchange('N-DELETE', Uid.PresentationLut, { ctx: PLUT, instance: LUT }),
};

/** A clean session with some steps replaced (a function) or left out (null), others appended. */
export function session(
  changes: Partial<Record<keyof typeof CLEAN | string, Step | null>> = {},
  setup: (r: Recorder) => void = () => {},
): AssociationSummary {
  const r = new Recorder();
  setup(r);
  for (const step of Object.values({ ...CLEAN, ...changes })) step?.(r);
  return r.summary();
}
