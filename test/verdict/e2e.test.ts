/**
 * Verdicts end to end: real SCUs over real TCP against a started Lightbox, the verdict fetched
 * over HTTP the way a CI job would. DCMTK (dcmpsprt + dcmprscu) prints a clean job and one with
 * Max Density out of range; our own SCU makes one mistake per association (image box before any
 * film box, a missing mandatory attribute, a wrong VR), and a raw peer aborts instead of releasing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { evaluateAssociation } from '../../src/verdict/evaluate.js';
import { JOB_RULES } from '../../src/verdict/jobs.js';
import type { Finding, Verdict } from '../../src/verdict/model.js';
import { RULES } from '../../src/verdict/rules.js';
import { contextMembers } from '../../src/verdict/spec.js';
import { dcmPrint, generateImages, type PrintOptions, type TestImages } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { Peer } from '../support/peer.js';
import { grayImage, Scu } from '../support/scu.js';
import { all, parseXml } from './xml.js';

/** JUnit test cases per association: one per rule. */
const CASES = RULES.length + JOB_RULES.length;

const META = Uid.BasicGrayscalePrintManagementMeta;
let lb: TestLightbox;
let images: TestImages;
let work: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-verdict-'));
  [images, lb] = await Promise.all([
    generateImages(join(tmpdir(), 'lightbox-test-images-v1')),
    startLightbox({ logLevel: 'warn' }),
  ]);
}, 60_000);
afterAll(async () => {
  await lb?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) => lb.app.http.inject({ url, headers });

/** The verdict of the one association `callingAe` opened, once it has ended (as CI fetches it). */
async function verdictOf(callingAe: string): Promise<Verdict> {
  let verdicts: Verdict[] = [];
  await expect
    .poll(
      async () => {
        verdicts = (await get(`/api/verdicts?callingAe=${callingAe}`)).json().verdicts;
        return verdicts.length === 1 && verdicts[0]!.complete;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  return verdicts[0]!;
}

const byRule = (v: Verdict, rule: string): Finding[] => v.findings.filter((f) => f.rule === rule);
const specOf = (rule: string) => RULES.find((r) => r.id === rule)!.spec;

async function print(callingAe: string, o: Partial<PrintOptions> = {}) {
  const r = await dcmPrint(
    {
      port: lb.dicomPort,
      calledAe: 'LIGHTBOX',
      callingAe,
      images: [images.ct[3]!],
      columns: 1,
      rows: 1,
      ...o,
    },
    join(work, callingAe),
  );
  expect(r.accepted, r.log).toBe(1);
  return r;
}

async function scu(
  callingAe: string,
  abstractSyntaxes: string[] = [META, Uid.PresentationLut],
): Promise<Scu> {
  return Scu.open(lb.dicomPort, { calling: callingAe, abstractSyntaxes });
}

const filmSessionRef = (uid: string): DcmDataset => ({
  '20100500': {
    vr: 'SQ',
    Value: [
      { '00081150': { vr: 'UI', Value: [Uid.BasicFilmSession] }, '00081155': { vr: 'UI', Value: [uid] } },
    ],
  },
});

describe('DCMTK as the system under test', () => {
  it('a clean job to LIGHTBOX passes with zero errors and zero warnings', async () => {
    const r = await print('VCLEAN');
    expect(r.exchanges.length).toBeGreaterThan(5);
    expect(r.exchanges.every((x) => x.status === 0)).toBe(true);
    const v = await verdictOf('VCLEAN');
    expect(v.findings, JSON.stringify(v.findings, null, 1)).toEqual([]);
    expect(v).toMatchObject({
      verdict: 'pass',
      ending: 'released',
      printer: 'LIGHTBOX',
      capabilities: 'printer',
      counts: { error: 0, warning: 0 },
    });
  }, 60_000);

  it('Max Density above the printer range: the 0xB605 warning is a finding, the verdict still passes', async () => {
    await print('VDENSITY', { filmSize: '8INX10IN', maxDensity: 400 });
    const v = await verdictOf('VDENSITY');
    expect(v.verdict).toBe('pass');
    expect(v.findings).toEqual([
      {
        rule: 'status.warning',
        severity: 'warning',
        message: expect.objectContaining({ type: 'N-CREATE-RQ', sopClass: 'Basic Film Box' }),
        detail: expect.stringMatching(
          /^N-CREATE Basic Film Box answered 0xB605 Min\/Max density out of range .*; Error Comment "Max Density 400 lowered to 320"$/,
        ),
        spec: specOf('status.warning'),
      },
    ]);
  }, 60_000);
});

describe('our SCU, one mistake per association', () => {
  it('an image box N-SET before any film box', async () => {
    const s = await scu('VORDER');
    const session = await s.nCreate(META, Uid.BasicFilmSession, {});
    expect(session.command.status).toBe(0);
    const r = await s.nSet(META, Uid.BasicGrayscaleImageBox, '1.2.826.0.1.3680043.2.1125.99', {
      '20200010': { vr: 'US', Value: [1] },
      '20200110': { vr: 'SQ', Value: [] },
    });
    expect(r.command.status).toBe(0x0112);
    await s.release();
    const v = await verdictOf('VORDER');
    expect(v.verdict).toBe('fail');
    expect(byRule(v, 'order.box-without-film-box')).toEqual([
      {
        rule: 'order.box-without-film-box',
        severity: 'error',
        message: { index: 2, type: 'N-SET-RQ', messageId: 2, sopClass: 'Basic Grayscale Image Box' },
        tag: '(0000,1001)',
        keyword: 'RequestedSOPInstanceUID',
        detail: expect.stringContaining('while no Film Box exists'),
        spec: specOf('order.box-without-film-box'),
      },
    ]);
    expect(byRule(v, 'status.failure')[0]!.detail).toMatch(/answered 0x0112 No such SOP instance/);
    expect(byRule(v, 'association.not-released')).toEqual([]);
  });

  it('a Film Box N-CREATE without Image Display Format', async () => {
    const s = await scu('VMISSING');
    const session = await s.nCreate(META, Uid.BasicFilmSession, {});
    const r = await s.nCreate(
      META,
      Uid.BasicFilmBox,
      filmSessionRef(session.command.affectedSopInstanceUid!),
    );
    expect(r.command.status).toBe(0x0120);
    await s.release();
    const v = await verdictOf('VMISSING');
    expect(byRule(v, 'attributes.missing-mandatory')).toEqual([
      {
        rule: 'attributes.missing-mandatory',
        severity: 'error',
        message: { index: 2, type: 'N-CREATE-RQ', messageId: 2, sopClass: 'Basic Film Box' },
        tag: '(2010,0010)',
        keyword: 'ImageDisplayFormat',
        detail: 'Basic Film Box N-CREATE without ImageDisplayFormat',
        spec: specOf('attributes.missing-mandatory'),
      },
    ]);
    expect(byRule(v, 'status.failure')).toHaveLength(1);
  });

  it('Number of Copies (IS) sent as US in Explicit VR: accepted by the printer, a finding all the same', async () => {
    const s = await scu('VWRONGVR');
    const r = await s.nCreate(META, Uid.BasicFilmSession, { '20000010': { vr: 'US', Value: [2] } });
    expect(r.command.status).toBe(0);
    await s.release();
    const v = await verdictOf('VWRONGVR');
    expect(v.verdict).toBe('fail');
    expect(v.findings).toEqual([
      {
        rule: 'vr.mismatch',
        severity: 'error',
        message: { index: 0, type: 'N-CREATE-RQ', messageId: 1, sopClass: 'Basic Film Session' },
        tag: '(2000,0010)',
        keyword: 'NumberOfCopies',
        detail: 'NumberOfCopies sent as US; the data dictionary says IS',
        spec: specOf('vr.mismatch'),
      },
    ]);
  });

  it('an A-ABORT instead of a release, and a bare TCP close', async () => {
    const p = await Peer.connect(lb.dicomPort);
    await p.associate({
      calling: 'VABORT',
      contexts: [{ id: 1, abstractSyntax: META, transferSyntaxes: [Uid.ImplicitVrLittleEndian] }],
    });
    p.send({ type: 'A-ABORT', source: 0, reason: 0 });
    await p.waitClosed().catch(() => p.destroy());
    p.destroy();
    const aborted = await verdictOf('VABORT');
    expect(aborted).toMatchObject({ verdict: 'fail', ending: 'aborted-by-peer' });
    expect(aborted.findings).toEqual([
      {
        rule: 'association.not-released',
        severity: 'error',
        detail: expect.stringMatching(/^the SCU aborted the association \(A-ABORT\) instead of releasing it/),
        spec: specOf('association.not-released'),
      },
    ]);

    const s = await scu('VCLOSE');
    s.destroy();
    const closed = await verdictOf('VCLOSE');
    expect(byRule(closed, 'association.not-released')[0]!.detail).toMatch(
      /TCP connection closed without A-RELEASE/,
    );
  });
});

describe('N-EVENT-REPORTs', () => {
  it('Print Job events the SCU answers with a failure are findings on its answers', async () => {
    const s = await scu('VEVENTS', [META, Uid.PrintJob]);
    s.eventStatus = 0x0110;
    const session = await s.nCreate(META, Uid.BasicFilmSession, {});
    const fb = await s.nCreate(META, Uid.BasicFilmBox, {
      '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
      ...filmSessionRef(session.command.affectedSopInstanceUid!),
    });
    const [box] = (fb.dataset!['20100510']!.Value as DcmDataset[]).map((i) =>
      String(i['00081155']!.Value![0]),
    );
    const set = await s.nSet(META, Uid.BasicGrayscaleImageBox, box!, {
      '20200010': { vr: 'US', Value: [1] },
      '20200110': { vr: 'SQ', Value: [grayImage(64, 64)] },
    });
    expect(set.command.status).toBe(0);
    expect((await s.nAction(META, Uid.BasicFilmBox, fb.command.affectedSopInstanceUid!)).command.status).toBe(
      0,
    );
    await s.waitEvents(3);
    await s.release();
    const v = await verdictOf('VEVENTS');
    const failed = byRule(v, 'event.failed');
    expect(failed.map((f) => f.message?.type)).toEqual([
      'N-EVENT-REPORT-RSP',
      'N-EVENT-REPORT-RSP',
      'N-EVENT-REPORT-RSP',
    ]);
    expect(failed[0]!.detail).toMatch(
      /^the SCU answered Print Job N-EVENT-REPORT \(event type 1, message 1\) with 0x0110/,
    );
    expect(v.findings.filter((f) => f.rule !== 'event.failed')).toEqual([]);
    expect(v.verdict).toBe('pass');
  });
});

// These read the associations the tests above made.
describe('over HTTP', () => {
  it('GET /api/associations/:id/verdict: JSON as evaluated, JUnit by ?format or Accept', async () => {
    const v = await verdictOf('VORDER');
    const url = `/api/associations/${v.association}/verdict`;
    const json = await get(url);
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    const summary = (await get(`/api/associations/${v.association}`)).json();
    // The response schema must not drop anything the evaluator says.
    expect(json.json()).toEqual(
      JSON.parse(JSON.stringify(evaluateAssociation(summary, lb.app.printers[0]!.caps))),
    );

    for (const r of [await get(`${url}?format=junit`), await get(url, { accept: 'application/xml' })]) {
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/xml/);
      const doc = parseXml(r.body);
      expect(doc.name).toBe('testsuite');
      expect(all(doc, 'testcase')).toHaveLength(CASES);
      expect(all(doc, 'failure').length).toBeGreaterThan(0);
    }
    expect((await get(`${url}?format=json`, { accept: 'application/xml' })).json().association).toBe(
      v.association,
    );
  });

  it('GET /api/verdicts: filters, JSON totals, JUnit <testsuites>', async () => {
    await verdictOf('VCLEAN');
    const both = (await get('/api/verdicts?callingAe=VCLEAN')).json();
    expect(both).toMatchObject({ verdict: 'pass', associations: 1, counts: { error: 0, warning: 0 } });
    expect((await get('/api/verdicts?printer=LIGHTBOX')).json().verdict).toBe('fail');
    expect((await get('/api/verdicts?printer=NOSUCH')).json()).toMatchObject({
      verdict: 'pass',
      associations: 0,
    });
    expect((await get('/api/verdicts?since=2999-01-01')).json().associations).toBe(0);
    expect((await get('/api/verdicts?since=2000-01-01T00:00:00Z')).json().associations).toBeGreaterThan(3);

    const xml = await get('/api/verdicts?callingAe=VWRONGVR&format=junit');
    const doc = parseXml(xml.body);
    expect(doc.name).toBe('testsuites');
    expect(doc.attributes).toMatchObject({ tests: String(CASES), failures: '1' });
    expect(testcaseFailure(doc, 'vr.mismatch')).toMatch(/NumberOfCopies sent as US/);
    const lenient = parseXml(
      (await get('/api/verdicts?callingAe=VDENSITY&format=junit&failOn=warning')).body,
    );
    expect(lenient.attributes.failures).toBe('1');
  });

  it('unknown ids are a JSON 404; bad queries a JSON 400; both routes are in the OpenAPI description', async () => {
    const r = await get('/api/associations/a999999/verdict', { accept: 'application/xml' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: 'no association a999999' });
    expect((await get('/api/associations/bogus/verdict')).statusCode).toBe(400);
    const bad = await get('/api/verdicts?since=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/since/);
    const paths = (await get('/openapi.json')).json().paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(['/api/associations/{id}/verdict', '/api/verdicts']),
    );
    expect(Object.keys(paths['/api/verdicts'].get.responses['200'].content)).toEqual([
      'application/json',
      'application/xml',
    ]);
  });
});

function testcaseFailure(doc: ReturnType<typeof parseXml>, rule: string): string {
  const tc = all(doc, 'testcase').find((t) => t.attributes.name!.startsWith(`${rule}:`))!;
  return all(tc, 'failure')[0]?.attributes.message ?? '';
}

describe('the presentation context table', () => {
  it('says what the printer registry allows, for every abstract syntax and SOP class', () => {
    const registry = lb.app.printers[0]!.registry;
    const table = contextMembers(lb.app.printers[0]!.caps);
    const classes = [...new Set(Object.values(table).flat())];
    for (const [as, members] of Object.entries(table)) {
      for (const sop of classes)
        expect(registry.allowsOn(as, sop), `${sop} on ${as}`).toBe(members.includes(sop));
    }
    expect([...registry.abstractSyntaxes].sort()).toEqual(Object.keys(table).sort());
  });
});
