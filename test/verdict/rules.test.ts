/**
 * The verdict's rules on hand-built association records: a clean print session gives no finding,
 * and each rule fires on its one mistake (with the offending message and tag) and not on its
 * legitimate look-alikes (OB/OW pixel data, implicit VR, a lenient printer, an open association).
 */
import { describe, expect, it } from 'vitest';
import { Uid } from '../../src/dicom/uids.js';
import { type Capabilities, resolveCapabilities } from '../../src/profiles/capabilities.js';
import type { AssociationSummary } from '../../src/store/association-record.js';
import { evaluateAssociation, MAX_FINDINGS_PER_RULE } from '../../src/verdict/evaluate.js';
import type { Finding } from '../../src/verdict/model.js';
import { RULES } from '../../src/verdict/rules.js';
import {
  BOX_1,
  BOX_2,
  CLEAN,
  cs,
  FILM_BOX,
  FILM_BOX_ANSWER,
  filmBoxData,
  image,
  imageSet,
  is,
  JOB_UID,
  LUT,
  PLUT,
  ref,
  SESSION,
  session,
  sq,
  us,
  without,
} from './records.js';

const caps = (profile: Record<string, unknown>): Capabilities =>
  resolveCapabilities({ aeTitle: 'TEST', name: 'test', ...profile });
const LENIENT = caps({ quirks: { lenientFilmBoxOrder: true } });

const findings = (s: AssociationSummary, c?: Capabilities, rule?: string): Finding[] =>
  evaluateAssociation(s, c).findings.filter((f) => rule === undefined || f.rule === rule);

describe('a clean print session', () => {
  it('passes with no finding at all, every rule checked', () => {
    const v = evaluateAssociation(session());
    expect(v.findings).toEqual([]);
    expect(v).toMatchObject({
      association: 'a1',
      callingAeTitle: 'MODALITY',
      calledAeTitle: 'LIGHTBOX',
      printer: 'LIGHTBOX',
      verdict: 'pass',
      complete: true,
      capabilities: 'default',
      counts: { error: 0, warning: 0, info: 0, messages: 26, rules: RULES.length },
    });
    expect(evaluateAssociation(session(), LENIENT).capabilities).toBe('printer');
  });

  it('rule ids are unique and each rule names a section of the standard, a note and a quote', () => {
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.spec.section).toMatch(/^PS3\.\d+( |$)/);
      expect(r.spec.note).toMatch(/^[a-z-]+#[a-z0-9-]+$/);
      expect(r.spec.quote.length).toBeGreaterThan(10);
    }
  });
});

/** One mistake per rule: the record, and where the finding must point. */
interface Case {
  rule: string;
  what: string;
  record: () => AssociationSummary;
  caps?: Capabilities;
  /** The finding's message index, type and tag. */
  at?: { type: string; index?: number };
  tag?: string;
  keyword?: string;
  detail?: RegExp;
}

const CASES: Case[] = [
  {
    rule: 'attributes.missing-mandatory',
    what: 'Film Box N-CREATE without Image Display Format',
    record: () =>
      session({
        filmBox: (r) =>
          r.exchange(
            'N-CREATE',
            Uid.BasicFilmBox,
            { data: without(filmBoxData(), '20100010') },
            { status: 0x0120, attributeIdentifierList: [0x20100010] },
          ),
      }),
    at: { type: 'N-CREATE-RQ', index: 6 },
    tag: '(2010,0010)',
    keyword: 'ImageDisplayFormat',
    detail: /Basic Film Box N-CREATE without ImageDisplayFormat/,
  },
  {
    rule: 'attributes.missing-mandatory',
    what: 'an image item without Rows (the pixel module, named by our 0x0120 too)',
    record: () =>
      session({
        image1: (r) =>
          r.exchange(
            'N-SET',
            Uid.BasicGrayscaleImageBox,
            { instance: BOX_1, data: { '20200010': us(1), '20200110': sq(without(image(), '00280010')) } },
            { status: 0x0120, attributeIdentifierList: [0x00280010] },
          ),
      }),
    at: { type: 'N-SET-RQ' },
    tag: '(0028,0010)',
    keyword: 'Rows',
  },
  {
    rule: 'attributes.value-not-allowed',
    what: 'Print Priority outside its enumerated values',
    record: () =>
      session({
        session: (r) =>
          r.exchange(
            'N-CREATE',
            Uid.BasicFilmSession,
            { data: { '20000020': cs('URGENT') } },
            { status: 0x0106, offendingElement: [0x20000020] },
          ),
      }),
    tag: '(2000,0020)',
    keyword: 'PrintPriority',
    detail: /"URGENT" is not one of HIGH, MED, LOW/,
  },
  {
    rule: 'attributes.value-not-allowed',
    what: "a Medium Type this printer's profile does not list",
    caps: caps({ mediumTypes: ['PAPER'] }),
    record: () => session(),
    tag: '(2000,0030)',
  },
  {
    rule: 'attributes.not-defined',
    what: 'Patient Name in a Film Box N-CREATE',
    record: () =>
      session({
        filmBox: (r) =>
          r.exchange(
            'N-CREATE',
            Uid.BasicFilmBox,
            { data: filmBoxData({ '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^J' }] } }) },
            { status: 0x0105, attributeIdentifierList: [0x00100010] },
          ),
      }),
    tag: '(0010,0010)',
    keyword: 'PatientName',
  },
  {
    rule: 'attributes.not-settable',
    what: 'Film Size ID in a Film Box N-SET',
    record: () =>
      session({
        image2: (r) => {
          CLEAN.image2!(r);
          r.exchange(
            'N-SET',
            Uid.BasicFilmBox,
            { instance: FILM_BOX, data: { '20100050': cs('8INX10IN') } },
            { status: 0x0105 },
          );
        },
      }),
    at: { type: 'N-SET-RQ' },
    tag: '(2010,0050)',
    keyword: 'FilmSizeID',
  },
  {
    rule: 'vr.mismatch',
    what: 'Number of Copies (IS) sent as US in Explicit VR',
    record: () =>
      session({
        session: (r) =>
          r.exchange(
            'N-CREATE',
            Uid.BasicFilmSession,
            { data: { '20000010': us(2) } },
            { instance: SESSION },
          ),
      }),
    at: { type: 'N-CREATE-RQ', index: 4 },
    tag: '(2000,0010)',
    keyword: 'NumberOfCopies',
    detail: /sent as US; the data dictionary says IS/,
  },
  {
    rule: 'context.sop-class-mismatch',
    what: 'a Film Session N-CREATE on the Presentation LUT context',
    record: () =>
      session({
        session: (r) =>
          r.exchange('N-CREATE', Uid.BasicFilmSession, { ctx: PLUT, data: {} }, { status: 0x0118 }),
      }),
    detail:
      /Basic Film Session on presentation context 3 \(Presentation LUT\), which carries Presentation LUT/,
  },
  {
    rule: 'context.sop-class-mismatch',
    what: 'a colour image box on the grayscale meta context',
    record: () =>
      session({
        image1: (r) =>
          r.exchange(
            'N-SET',
            Uid.BasicColorImageBox,
            { instance: BOX_1, data: imageSet(1) },
            { status: 0x0118, errorComment: 'not negotiated' },
          ),
      }),
    detail: /Basic Color Image Box on presentation context 1/,
  },
  {
    rule: 'context.sop-class-mismatch',
    what: 'a film box UID named as an image box (our 0x0119)',
    record: () =>
      session({
        image1: (r) =>
          r.exchange(
            'N-SET',
            Uid.BasicGrayscaleImageBox,
            { instance: FILM_BOX, data: imageSet(1) },
            { status: 0x0119, errorComment: 'is a film-box' },
          ),
      }),
    detail: /Lightbox answered 0x0119 Class-instance conflict .*: is a film-box/,
  },
  {
    rule: 'order.second-film-session',
    what: 'a second Film Session N-CREATE',
    record: () =>
      session({
        filmBox: (r) => {
          r.exchange('N-CREATE', Uid.BasicFilmSession, { data: {} }, { status: 0x0110 });
          CLEAN.filmBox!(r);
        },
      }),
    detail: new RegExp(`film session ${SESSION} exists`),
  },
  {
    rule: 'order.film-box-without-session',
    what: 'Film Box N-CREATE first',
    record: () =>
      session({
        session: null,
        filmBox: (r) => r.exchange('N-CREATE', Uid.BasicFilmBox, { data: filmBoxData() }, { status: 0x0110 }),
      }),
    tag: '(2010,0500)',
    keyword: 'ReferencedFilmSessionSequence',
  },
  {
    rule: 'order.box-without-film-box',
    what: 'an image box N-SET before any film box',
    record: () =>
      session({
        filmBox: (r) =>
          r.exchange(
            'N-SET',
            Uid.BasicGrayscaleImageBox,
            { instance: '1.2.3.4', data: imageSet(1) },
            { status: 0x0112 },
          ),
        image1: null,
        image2: null,
        print: null,
        events: null,
        deleteFilmBox: null,
      }),
    at: { type: 'N-SET-RQ', index: 6 },
    tag: '(0000,1001)',
    detail: /Basic Grayscale Image Box N-SET of 1\.2\.3\.4 while no Film Box exists/,
  },
  {
    rule: 'order.unknown-instance',
    what: 'an image box N-SET on a UID the film box did not create',
    record: () =>
      session({
        image2: (r) =>
          r.exchange(
            'N-SET',
            Uid.BasicGrayscaleImageBox,
            { instance: '1.2.3.9', data: imageSet(2) },
            { status: 0x0112 },
          ),
      }),
    tag: '(0000,1001)',
  },
  {
    rule: 'order.unknown-instance',
    what: 'an N-GET of a Printer instance that is not the well-known one',
    record: () =>
      session({
        printer: (r) => r.exchange('N-GET', Uid.Printer, { instance: '1.2.3' }, { status: 0x0112 }),
      }),
    at: { type: 'N-GET-RQ', index: 0 },
  },
  {
    rule: 'order.not-last-film-box',
    what: 'an image of the first film box set after a second one was created',
    record: () =>
      session({
        image1: (r) => {
          r.exchange(
            'N-CREATE',
            Uid.BasicFilmBox,
            { data: filmBoxData() },
            {
              instance: '1.2.9',
              data: { '20100510': sq(ref(Uid.BasicGrayscaleImageBox, '1.2.9.1')) },
            },
          );
          CLEAN.image1!(r);
        },
      }),
    detail: new RegExp(`film box ${FILM_BOX}, which is not the last created`),
  },
  {
    rule: 'order.set-after-print',
    what: 'an image box N-SET after its film box was printed',
    record: () =>
      session({
        events: (r) => {
          CLEAN.events!(r);
          r.exchange(
            'N-SET',
            Uid.BasicGrayscaleImageBox,
            { instance: BOX_2, data: imageSet(2) },
            { status: 0x0110 },
          );
        },
      }),
    tag: '(0000,1001)',
  },
  {
    rule: 'order.print-empty-page',
    what: 'Film Box N-ACTION before any image',
    record: () =>
      session({
        image1: null,
        image2: null,
        print: (r) => {
          CLEAN.print!(r);
          r.messages.at(-1)!.status = 0xb603;
        },
      }),
    at: { type: 'N-ACTION-RQ' },
  },
  {
    rule: 'order.session-print-without-film-box',
    what: 'Film Session N-ACTION with no film box',
    record: () =>
      session({
        filmBox: (r) =>
          r.exchange(
            'N-ACTION',
            Uid.BasicFilmSession,
            { instance: SESSION, actionTypeId: 1 },
            { status: 0xc600 },
          ),
        image1: null,
        image2: null,
        print: null,
        events: null,
        deleteFilmBox: null,
      }),
  },
  {
    rule: 'order.lut-not-created',
    what: 'a film box referencing a Presentation LUT never created',
    record: () => session({ lut: null, deleteLut: null }),
    tag: '(2050,0500)',
    detail: new RegExp(`Presentation LUT ${LUT.replace(/\./g, '\\.')}, which does not exist`),
  },
  {
    rule: 'association.not-released',
    what: 'an A-ABORT from the SCU',
    record: () =>
      session({}, (r) => {
        r.ending = 'aborted-by-peer';
        r.detail = 'A-ABORT source 0 reason 0';
      }),
    detail: /the SCU aborted the association \(A-ABORT\) instead of releasing it: A-ABORT source 0/,
  },
  {
    rule: 'association.not-released',
    what: 'our idle timeout',
    record: () =>
      session({}, (r) => {
        r.ending = 'aborted-by-us';
        r.detail = 'no traffic for 300000 ms';
      }),
    detail: /Lightbox aborted the association: no traffic for 300000 ms/,
  },
  {
    rule: 'association.not-released',
    what: 'a TCP close without release',
    record: () =>
      session({}, (r) => {
        r.ending = 'transport-closed';
        r.detail = 'transport closed in Sta6';
      }),
    detail: /closed without A-RELEASE/,
  },
  {
    rule: 'event.unanswered',
    what: 'a Print Job event the SCU never answered',
    record: () =>
      session({
        events: (r) => r.event(Uid.PrintJob, JOB_UID, 1).event(Uid.PrintJob, JOB_UID, 2, null),
      }),
    at: { type: 'N-EVENT-REPORT-RQ' },
    detail: /Print Job N-EVENT-REPORT \(event type 2, message 2\) was never answered/,
  },
  {
    rule: 'event.failed',
    what: 'a Print Job event answered 0x0110',
    record: () => session({ events: (r) => r.event(Uid.PrintJob, JOB_UID, 1, 0x0110) }),
    at: { type: 'N-EVENT-REPORT-RSP' },
    detail: /with 0x0110 Processing failure/,
  },
  {
    rule: 'status.failure',
    what: 'image box N-SET refused for memory (0xC605)',
    record: () =>
      session({
        image2: (r) =>
          r.exchange(
            'N-SET',
            Uid.BasicGrayscaleImageBox,
            { instance: BOX_2, data: imageSet(2) },
            { status: 0xc605, errorComment: 'printer memory full' },
          ),
      }),
    at: { type: 'N-SET-RQ' },
    detail:
      /answered 0xC605 Insufficient memory \(Insufficient printer memory to store the image\); Error Comment "printer memory full"/,
  },
  {
    rule: 'status.warning',
    what: 'Film Box N-CREATE answered 0xB605 (density clamped)',
    record: () =>
      session({
        filmBox: (r) =>
          r.exchange(
            'N-CREATE',
            Uid.BasicFilmBox,
            { data: filmBoxData({ '20100130': us(400) }) },
            {
              ...FILM_BOX_ANSWER,
              status: 0xb605,
              errorComment: 'Max Density 400 lowered to 320',
            },
          ),
      }),
    at: { type: 'N-CREATE-RQ', index: 6 },
    detail:
      /answered 0xB605 Min\/Max density out of range .*; Error Comment "Max Density 400 lowered to 320"/,
  },
];

describe('each rule fires on its mistake', () => {
  it('every rule has a case', () => {
    expect(new Set(CASES.map((c) => c.rule))).toEqual(new Set(RULES.map((r) => r.id)));
  });

  it.each(CASES.map((c) => [c.rule, c.what, c] as const))('%s: %s', (_rule, _what, c) => {
    const all = findings(c.record(), c.caps);
    const mine = all.filter((f) => f.rule === c.rule);
    expect(mine.length, JSON.stringify(all, null, 1)).toBeGreaterThan(0);
    const rule = RULES.find((r) => r.id === c.rule)!;
    const f = mine[0]!;
    expect(f.severity).toBe(rule.severity);
    expect(f.spec).toEqual(rule.spec);
    if (c.at) expect(f.message).toMatchObject(c.at);
    if (c.tag) expect(f.tag).toBe(c.tag);
    if (c.keyword) expect(f.keyword).toBe(c.keyword);
    if (c.detail) expect(f.detail).toMatch(c.detail);
    const v = evaluateAssociation(c.record(), c.caps);
    expect(v.verdict).toBe(v.counts.error > 0 ? 'fail' : 'pass');
  });
});

describe('and stays silent on what is legitimate', () => {
  it('Film Box N-SET without Image Display Format: M at N-CREATE only', () => {
    const s = session({
      image2: (r) => {
        CLEAN.image2!(r);
        r.exchange('N-SET', Uid.BasicFilmBox, { instance: FILM_BOX, data: { '20100060': cs('CUBIC') } });
      },
    });
    expect(findings(s)).toEqual([]);
  });

  it('OB or OW pixel data, SS or US LUT Descriptor, UN, and a wrong VR in Implicit VR', () => {
    const s = session({
      lut: (r) =>
        r.exchange(
          'N-CREATE',
          Uid.PresentationLut,
          {
            ctx: PLUT,
            data: {
              '20500010': sq({
                '00283002': { vr: 'SS', Value: [256, 0, 12] },
                '00283006': { vr: 'OW', Value: [new ArrayBuffer(512)] },
              }),
            },
          },
          { instance: LUT },
        ),
      image1: (r) =>
        r.exchange('N-SET', Uid.BasicGrayscaleImageBox, {
          instance: BOX_1,
          data: {
            '20200010': us(1),
            '20200110': sq(image({ '7FE00010': { vr: 'OB', Value: [new ArrayBuffer(32)] } })),
            '20200020': { vr: 'UN', Value: [new ArrayBuffer(6)] },
          },
        }),
    });
    expect(findings(s, undefined, 'vr.mismatch')).toEqual([]);
    const implicit = session(
      {
        session: (r) =>
          r.exchange(
            'N-CREATE',
            Uid.BasicFilmSession,
            { data: { '20000010': us(2) } },
            { instance: SESSION },
          ),
      },
      (r) => {
        r.contexts = r.contexts.map((c) =>
          c.replace(/^1:(.*):ExplicitVrLittleEndian$/, '1:$1:ImplicitVrLittleEndian'),
        );
      },
    );
    expect(findings(implicit, undefined, 'vr.mismatch')).toEqual([]);
  });

  it('a lenient (DCMTK-like) printer allows older film boxes and N-SET after print', () => {
    const s = session({
      events: (r) => {
        CLEAN.events!(r);
        r.exchange('N-SET', Uid.BasicGrayscaleImageBox, { instance: BOX_2, data: imageSet(2) });
      },
    });
    expect(findings(s, LENIENT)).toEqual([]);
    expect(findings(s).map((f) => f.rule)).toEqual(['order.set-after-print']);
  });

  it('an open association: events still in flight are not unanswered, and the verdict is not complete', () => {
    const s = session({ events: (r) => r.event(Uid.PrintJob, JOB_UID, 1, null) }, (r) => {
      r.ended = false;
    });
    const v = evaluateAssociation(s);
    expect(v.findings).toEqual([]);
    expect(v.complete).toBe(false);
  });

  it('image boxes of a film box whose response was not recorded are not called unknown', () => {
    const s = session({
      filmBox: (r) => {
        CLEAN.filmBox!(r);
        const rsp = r.messages.at(-1)!;
        delete rsp.attributes; // past the connection's recording limit: sizes only
      },
    });
    expect(findings(s)).toEqual([]);
  });

  it('an image erased (empty sequence) leaves the page empty', () => {
    const s = session({
      image1: (r) =>
        r.exchange('N-SET', Uid.BasicGrayscaleImageBox, {
          instance: BOX_1,
          data: { '20200010': us(1), '20200110': sq() },
        }),
      image2: null,
    });
    expect(findings(s).map((f) => f.rule)).toEqual(['order.print-empty-page']);
  });

  it('our 0x0120 naming an attribute the data also shows missing gives one finding, not two', () => {
    const s = session({
      image1: (r) =>
        r.exchange(
          'N-SET',
          Uid.BasicGrayscaleImageBox,
          { instance: BOX_1, data: { '20200110': sq(image()) } },
          { status: 0x0120, attributeIdentifierList: [0x20200010] },
        ),
    });
    expect(findings(s, undefined, 'attributes.missing-mandatory')).toHaveLength(1);
  });

  it('a rejected association fails: it never got to print', () => {
    const v = evaluateAssociation({
      ...session(),
      messages: [],
      contexts: [],
      ending: 'rejected',
      detail: 'called AE title not recognized',
    });
    expect(v.verdict).toBe('fail');
    expect(v.findings.map((f) => f.rule)).toEqual(['association.not-released']);
  });
});

describe('findings', () => {
  it('are in conversation order, association-wide ones last, and bounded per rule', () => {
    const s = session(
      {
        extra: (r) => {
          for (let i = 0; i < MAX_FINDINGS_PER_RULE + 5; i++)
            r.exchange('N-CREATE', Uid.BasicFilmSession, { data: { '20000010': us(1) } }, { status: 0x0110 });
        },
      },
      (r) => {
        r.ending = 'transport-closed';
      },
    );
    const v = evaluateAssociation(s);
    const vr = v.findings.filter((f) => f.rule === 'vr.mismatch');
    expect(vr).toHaveLength(MAX_FINDINGS_PER_RULE + 1);
    expect(vr.at(-1)!.detail).toBe('and 5 more like the above');
    const indexes = v.findings.map((f) => f.message?.index ?? Number.MAX_SAFE_INTEGER);
    expect(indexes).toEqual([...indexes].sort((a, b) => a - b));
    const tail = v.findings.filter((f) => !f.message);
    expect(v.findings.slice(-tail.length)).toEqual(tail);
    expect(tail.map((f) => f.rule)).toContain('association.not-released');
  });

  it('name the message by index, type, Message ID and SOP class', () => {
    const [f] = findings(
      session({
        session: (r) =>
          r.exchange(
            'N-CREATE',
            Uid.BasicFilmSession,
            { data: { '20000010': is(1), '20000020': cs('NOW') } },
            { status: 0x0106 },
          ),
      }),
      undefined,
      'attributes.value-not-allowed',
    );
    expect(f!.message).toEqual({
      index: 4,
      type: 'N-CREATE-RQ',
      messageId: 3,
      sopClass: 'Basic Film Session',
    });
  });
});

describe('test-lab faults', () => {
  it('a finding provoked by an armed fault says so; association-level faults go on association findings', () => {
    const s = session(
      {
        image2: (r) => {
          r.exchange(
            'N-SET',
            Uid.BasicGrayscaleImageBox,
            { instance: BOX_2, data: imageSet(2) },
            { status: 0xc605, errorComment: 'lab fault f1' },
          );
          r.messages.at(-1)!.fault = 'f1 next N-SET answers 0xC605 InsufficientMemory';
        },
      },
      (r) => {
        r.faults = ['f1 next N-SET answers 0xC605 InsufficientMemory', 'f2 A-ABORT after 12 requests'];
        r.ending = 'aborted-by-us';
        r.detail = 'lab fault: A-ABORT after 12 requests';
      },
    );
    const v = evaluateAssociation(s);
    expect(v.findings.find((f) => f.rule === 'status.failure')).toMatchObject({
      severity: 'info',
      fault: 'f1 next N-SET answers 0xC605 InsufficientMemory',
    });
    expect(v.findings.find((f) => f.rule === 'association.not-released')).toMatchObject({
      severity: 'info',
      fault: 'f2 A-ABORT after 12 requests',
    });
    expect(v.findings.filter((f) => f.fault === undefined)).toEqual([]);
    // What the faults did is on record, not against the SCU.
    expect(v).toMatchObject({ verdict: 'pass', counts: { error: 0, info: 2 } });
  });

  it('a fault that did not cause the finding leaves it against the SCU', () => {
    const s = session(
      {
        image2: (r) => {
          // A delay fault fired; the 0x0120 is the SCU's own doing.
          r.exchange(
            'N-SET',
            Uid.BasicGrayscaleImageBox,
            { instance: BOX_2, data: without(imageSet(2), '20200010') },
            { status: 0x0120 },
          );
          r.messages.at(-1)!.fault = 'f1 every N-SET answered 500 ms late';
        },
      },
      (r) => {
        r.faults = ['f1 every N-SET answered 500 ms late', 'f2 printer FAILURE FILM JAM when printing'];
        // The SCU aborted by itself: a printer status fault does not end associations.
        r.ending = 'aborted-by-peer';
      },
    );
    const v = evaluateAssociation(s);
    expect(v.findings.find((f) => f.rule === 'status.failure')).toMatchObject({
      severity: 'error',
      fault: 'f1 every N-SET answered 500 ms late',
    });
    expect(v.findings.find((f) => f.rule === 'association.not-released')!.severity).toBe('error');
    expect(v.verdict).toBe('fail');
  });

  it("a failure the printer's own state decided is info, with that state; the same status without one is an error", () => {
    const refused = (cause?: string) =>
      session({
        print: (r) => {
          r.exchange(
            'N-ACTION',
            Uid.BasicFilmSession,
            { instance: SESSION, actionTypeId: 1 },
            { status: 0xc602, errorComment: 'printer FAILURE (FILM JAM): no print job created' },
          );
          if (cause) r.messages.at(-1)!.cause = cause;
        },
      });
    const left = evaluateAssociation(refused('printer FAILURE (FILM JAM)'));
    expect(left.findings.find((f) => f.rule === 'status.failure')).toMatchObject({
      severity: 'info',
      fault: 'printer state: printer FAILURE (FILM JAM)',
    });
    expect(left.verdict).toBe('pass');
    expect(evaluateAssociation(refused()).findings.find((f) => f.rule === 'status.failure')!.severity).toBe(
      'error',
    );
  });

  it('a refusal by a refuse fault is info; by the printer itself, an error', () => {
    const rejected = {
      ...session(),
      messages: [],
      contexts: [],
      ending: 'rejected',
      detail: 'lab fault f1 refuse next 3 association: A-ASSOCIATE-RJ transient',
      faults: ['f1 refuse next 3 association: A-ASSOCIATE-RJ transient, source 3, local-limit-exceeded (2)'],
    };
    expect(evaluateAssociation(rejected)).toMatchObject({
      verdict: 'pass',
      findings: [{ rule: 'association.not-released', severity: 'info', fault: rejected.faults[0] }],
    });
    expect(evaluateAssociation({ ...rejected, faults: [] }).verdict).toBe('fail');
  });
});
