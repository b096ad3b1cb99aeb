/** The SCU's pure parts: targets, the UID map, plans from films and records, the diff, the tee's judgement. */
import { describe, expect, it } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import type { FilmRecord } from '../../src/print/spool.js';
import { planFromFilm } from '../../src/scu/film-plan.js';
import { judge } from '../../src/scu/forwarder.js';
import { recordedToDataset } from '../../src/scu/recorded-dataset.js';
import { diffReplay } from '../../src/scu/replay-diff.js';
import { replayJunit } from '../../src/scu/replay-junit.js';
import { planFromRecord } from '../../src/scu/replay-plan.js';
import type { RunResult } from '../../src/scu/runner.js';
import { parseTarget, targetText } from '../../src/scu/target.js';
import { UidMap } from '../../src/scu/uid-map.js';
import type { AssociationSummary, MessageRecord } from '../../src/store/association-record.js';

describe('targets', () => {
  it('read HOST:PORT:AE, IPv6 in brackets, and refuse the rest', () => {
    expect(parseTarget('printer.local:104:DRYPIX')).toEqual({
      host: 'printer.local',
      port: 104,
      aeTitle: 'DRYPIX',
    });
    expect(parseTarget('[::1]:11112:AE')).toEqual({ host: '::1', port: 11112, aeTitle: 'AE' });
    expect(targetText({ host: '::1', port: 1, aeTitle: 'X' })).toBe('[::1]:1:X');
    for (const bad of ['host:104', 'host:0:AE', 'host:70000:AE', ':104:AE', 'h:1:ABCDEFGHIJKLMNOPQ'])
      expect(() => parseTarget(bad), bad).toThrow(/HOST:PORT:AE/);
  });
});

describe('UidMap', () => {
  const ref = (cls: string, uid: string): DcmDataset => ({
    '00081150': { vr: 'UI', Value: [cls] },
    '00081155': { vr: 'UI', Value: [uid] },
  });
  it('learns created instances pairwise and rewrites references; a dropped reference goes', () => {
    const m = new UidMap();
    m.learn(
      {
        sopInstance: 'fb-old',
        attributes: [
          {
            tag: '20100510',
            vr: 'SQ',
            items: [
              [{ tag: '00081155', vr: 'UI', value: ['ib1-old'] }],
              [{ tag: '00081155', vr: 'UI', value: ['ib2-old'] }],
            ],
          },
        ],
      },
      {
        sopInstance: 'fb-new',
        dataset: { '20100510': { vr: 'SQ', Value: [ref(Uid.BasicGrayscaleImageBox, 'ib1-new')] } },
      },
    );
    expect(m.get('fb-old')).toBe('fb-new');
    expect(m.get('ib1-old')).toBe('ib1-new');
    expect(m.isDropped('ib2-old')).toBe(true);
    expect(m.get('1.2.840.10008.5.1.1.17')).toBe('1.2.840.10008.5.1.1.17');
    m.drop('lut-old');
    const out = m.rewrite({
      '20100500': { vr: 'SQ', Value: [ref(Uid.BasicFilmSession, 'fb-old')] },
      '20500500': { vr: 'SQ', Value: [ref(Uid.PresentationLut, 'lut-old')] },
      '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
    });
    expect((out['20100500']!.Value![0] as DcmDataset)['00081155']!.Value).toEqual(['fb-new']);
    expect(out['20500500']).toBeUndefined();
    expect(out['20100010']!.Value).toEqual(['STANDARD\\1,1']);
  });
});

describe('recorded data sets', () => {
  it('fill pixel data from the caller, make up what nobody has, and say so', () => {
    const notes: string[] = [];
    const ds = recordedToDataset(
      [
        { tag: '20200010', vr: 'US', value: [1] },
        {
          tag: '20200110',
          vr: 'SQ',
          items: [[{ tag: '7FE00010', keyword: 'PixelData', vr: 'OW', value: [{ bytes: 8 }] }]],
        },
        { tag: '00283006', keyword: 'LUTData', vr: 'US', value: [1, 2], more: 3 },
      ],
      { binary: () => undefined },
      notes,
    );
    expect((ds['20200110']!.Value![0] as DcmDataset)['7FE00010']!.Value![0]).toBeInstanceOf(Uint8Array);
    expect(notes).toEqual([
      'PixelData: 8 bytes not recorded, sent as a made-up pattern',
      'LUTData: only the first 2 of 5 values were recorded',
    ]);
  });
});

const msg = (m: Partial<MessageRecord> & Pick<MessageRecord, 'direction' | 'type'>): MessageRecord => ({
  at: 0,
  contextId: 1,
  datasetBytes: 0,
  ...m,
});

const record: AssociationSummary = {
  id: 'a7',
  peer: '127.0.0.1:1',
  callingAeTitle: 'CT1',
  calledAeTitle: 'LIGHTBOX',
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:01.000Z',
  state: 'Sta1',
  ending: 'released',
  detail: '',
  contexts: ['1:BasicGrayscalePrintManagementMeta:ExplicitVrLittleEndian', '3:PrintJob:refused(3)'],
  acceptedContexts: [
    {
      id: 1,
      abstractSyntax: Uid.BasicGrayscalePrintManagementMeta,
      transferSyntax: Uid.ExplicitVrLittleEndian,
    },
  ],
  faults: [],
  messages: [
    msg({
      direction: 'in',
      type: 'N-GET-RQ',
      messageId: 1,
      sopClass: Uid.Printer,
      sopInstance: Uid.PrinterInstance,
      attributeIdentifierList: [0x21100010],
    }),
    msg({
      direction: 'out',
      type: 'N-GET-RSP',
      messageId: 1,
      status: 0,
      attributes: [{ tag: '21100010', vr: 'CS', value: ['NORMAL'] }],
    }),
    msg({
      direction: 'in',
      type: 'N-CREATE-RQ',
      messageId: 2,
      sopClass: Uid.BasicFilmSession,
      datasetBytes: 10,
      attributes: [{ tag: '20000010', vr: 'IS', value: [1] }],
    }),
    msg({ direction: 'out', type: 'N-CREATE-RSP', messageId: 2, status: 0, sopInstance: 'fs-old' }),
    msg({ direction: 'in', type: 'N-EVENT-REPORT-RSP', messageId: 9 }),
    msg({
      direction: 'in',
      type: 'N-DELETE-RQ',
      messageId: 3,
      sopClass: Uid.BasicFilmSession,
      sopInstance: 'fs-old',
    }),
  ],
};

describe('planFromRecord', () => {
  it('sends the requests again on their contexts with their lists and data sets, paired with the answers', () => {
    const p = planFromRecord(record);
    expect(p.source).toBe('association a7');
    expect(p.callingAeTitle).toBe('CT1');
    expect(p.contexts).toEqual([
      {
        abstractSyntax: Uid.BasicGrayscalePrintManagementMeta,
        transferSyntaxes: [Uid.ExplicitVrLittleEndian, Uid.ImplicitVrLittleEndian],
      },
    ]);
    expect(p.notes).toEqual(['contexts refused in the original and not proposed: 3:PrintJob:refused(3)']);
    expect(p.steps.map((s) => `${s.operation} ${s.original?.status ?? 'unanswered'}`)).toEqual([
      'N-GET 0',
      'N-CREATE 0',
      'N-DELETE unanswered',
    ]);
    expect(p.steps[0]!.attributeIdentifierList).toEqual([0x21100010]);
    expect(p.steps[1]!.dataset).toEqual({ '20000010': { vr: 'IS', Value: [1] } });
    expect(p.steps[1]!.original?.sopInstance).toBe('fs-old');
    expect(p.steps[2]!.notes).toEqual(['the original was not answered']);
  });
});

describe('diffReplay', () => {
  it('lists status, Error Comment and attribute differences, UIDs compared through the map', () => {
    const plan = planFromRecord(record);
    const run: RunResult = {
      source: plan.source,
      target: '127.0.0.1:104:X',
      callingAeTitle: 'CT1',
      startedAt: '2026-01-01T00:00:02.000Z',
      endedAt: '2026-01-01T00:00:03.000Z',
      accepted: [],
      ending: 'released',
      steps: [
        {
          index: 0,
          operation: 'N-GET',
          sopClassUid: Uid.Printer,
          status: 0x0105,
          errorComment: 'no such attribute',
        },
        {
          index: 1,
          operation: 'N-CREATE',
          sopClassUid: Uid.BasicFilmSession,
          status: 0,
          sopInstance: 'fs-new',
        },
        { index: 2, operation: 'N-DELETE', sopClassUid: Uid.BasicFilmSession, status: 0 },
      ],
      events: [],
      uids: { 'fs-old': 'fs-new' },
      messages: [],
    };
    const r = diffReplay(plan, run);
    expect(r.rows[0]!.differences).toEqual([
      { what: 'status', original: '0x0000', replayed: '0x0105' },
      { what: 'error-comment', original: '(none)', replayed: 'no such attribute' },
    ]);
    expect(r.rows[1]!.differences).toEqual([]);
    expect(r.rows[2]!.differences).toEqual([]);
    expect(r.counts).toEqual({ messages: 3, differing: 1, statusDiffers: 1 });
    expect(r.same).toBe(false);
    const xml = replayJunit(r);
    expect(xml).toContain(
      '<testcase classname="lightbox.replay.127.0.0.1:104:X" name="#0 N-GET Printer (original 0x0000)">',
    );
    expect(xml).toContain('<skipped message="the original was not answered"/>');
  });
});

describe('planFromFilm', () => {
  const film = {
    format: 'lightbox-film/1',
    filmSession: { uid: 'fs', attributes: { '20000010': { vr: 'IS', Value: [1] } } },
    filmBox: {
      uid: 'fb',
      attributes: { '20100010': { vr: 'ST', Value: ['STANDARD\\2,1'] } },
      presentationLutUid: 'lut',
    },
    presentationLut: { shape: 'IDENTITY' },
    imageBoxes: [
      { position: 2, uid: 'ib2', sopClassUid: Uid.BasicGrayscaleImageBox, attributes: {}, statuses: [] },
      {
        position: 1,
        uid: 'ib1',
        sopClassUid: Uid.BasicGrayscaleImageBox,
        attributes: { '20200010': { vr: 'US', Value: [1] } },
        statuses: [],
        image: {
          rows: 2,
          columns: 2,
          samplesPerPixel: 1,
          photometricInterpretation: 'MONOCHROME2',
          bitsAllocated: 16,
          bitsStored: 12,
          highBit: 11,
          pixelRepresentation: 0,
          file: 'box-001.raw',
          bytes: 8,
        },
      },
    ],
    annotations: [{ position: 1, text: 'LEFT' }],
  } as unknown as FilmRecord;

  it('prints the film: LUT, session, film box with its references, the image with its pixels, annotation, print, delete', () => {
    const p = planFromFilm({ id: 'f1', film, pixels: () => new Uint8Array(8) });
    expect(p.steps.map((s) => `${s.operation} ${s.sopClassUid}${s.optional ? ' (optional)' : ''}`)).toEqual([
      `N-GET ${Uid.Printer} (optional)`,
      `N-CREATE ${Uid.PresentationLut} (optional)`,
      `N-CREATE ${Uid.BasicFilmSession}`,
      `N-CREATE ${Uid.BasicFilmBox}`,
      `N-SET ${Uid.BasicGrayscaleImageBox}`,
      `N-SET ${Uid.BasicAnnotationBox} (optional)`,
      `N-ACTION ${Uid.BasicFilmBox}`,
      `N-DELETE ${Uid.BasicFilmSession}`,
    ]);
    const fb = p.steps[3]!;
    expect(Object.keys(fb.dataset!).sort()).toEqual(['20100010', '20100500', '20500500']);
    // The image boxes the new printer creates stand in for ib1, ib2 in position order.
    expect(
      fb
        .original!.attributes!.find((a) => a.tag === '20100510')!
        .items!.map((i) => i.find((x) => x.tag === '00081155')!.value![0]),
    ).toEqual(['ib1', 'ib2']);
    const set = p.steps[4]!;
    expect(set.instance).toBe('ib1');
    const item = set.dataset!['20200110']!.Value![0] as DcmDataset;
    expect(item['7FE00010']!.vr).toBe('OW');
    expect(item['00280010']!.Value).toEqual([2]);
  });
});

describe('judge (tee)', () => {
  const base: RunResult = {
    source: 'film f',
    target: 't',
    callingAeTitle: 'TEE',
    startedAt: '',
    endedAt: '',
    accepted: [],
    ending: 'released',
    steps: [],
    events: [],
    uids: {},
    messages: [],
  };
  it('done, failed on a failure status, retry on a network failure', () => {
    expect(
      judge({
        ...base,
        steps: [{ index: 0, operation: 'N-ACTION', sopClassUid: Uid.BasicFilmBox, status: 0 }],
      }).result,
    ).toBe('done');
    expect(
      judge({
        ...base,
        steps: [
          {
            index: 0,
            operation: 'N-SET',
            sopClassUid: Uid.BasicGrayscaleImageBox,
            status: 0xc605,
            errorComment: 'FILM JAM',
          },
        ],
      }),
    ).toEqual({ result: 'failed', detail: 'N-SET Basic Grayscale Image Box: 0xC605 (FILM JAM)' });
    expect(
      judge({ ...base, ending: 'not-associated', error: 'cannot connect', transient: true }).result,
    ).toBe('retry');
    expect(
      judge({ ...base, ending: 'not-associated', error: 'association rejected', transient: false }).result,
    ).toBe('failed');
    expect(judge(base).result).toBe('failed');
  });
});
