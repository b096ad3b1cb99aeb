/**
 * Faults over real TCP, armed over HTTP (inject), as real peers see them: DCMTK's echoscu, the raw
 * peer (test/support/peer.ts) and the print SCU that answers N-EVENT-REPORTs (test/support/scu.ts).
 * Each firing must also be in the association record (GET /api/associations/{id}).
 */
import { resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import type { AssociationSummary } from '../../src/store/association-record.js';
import { dcmtk } from '../support/dcmtk.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { Peer } from '../support/peer.js';
import { grayImage, Scu } from '../support/scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;
let lb: TestLightbox;
const open: { destroy(): void }[] = [];

beforeAll(async () => {
  lb = await startLightbox({ logLevel: 'info', noRender: true, scenariosDir: resolve('scenarios') });
});
afterAll(async () => {
  await lb?.stop();
});
afterEach(async () => {
  for (const s of open.splice(0)) s.destroy();
  await lb.app.http.inject({ method: 'DELETE', url: '/api/lab/faults' });
  for (const p of lb.app.printers) p.runtime.setStatus('NORMAL', 'NORMAL');
});

async function arm(fault: object): Promise<{ id: string; description: string }> {
  const r = await lb.app.http.inject({
    method: 'POST',
    url: '/api/lab/faults',
    payload: { printer: 'LIGHTBOX', ...fault },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().armed[0];
}

/** The association record of the latest association from this calling AE title, once ended. */
async function record(calling: string, ended = true): Promise<AssociationSummary> {
  let id = '';
  await expect
    .poll(
      async () => {
        const list = (await lb.app.http.inject({ url: `/api/associations?callingAe=${calling}` })).json();
        const last = list.at(-1);
        id = last?.id ?? '';
        return last !== undefined && (!ended || last.endedAt !== undefined);
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  return (await lb.app.http.inject({ url: `/api/associations/${id}` })).json();
}

const echoscu = (calling: string, ...args: string[]) =>
  dcmtk('echoscu', ['-d', '-aet', calling, '-aec', 'LIGHTBOX', ...args, '127.0.0.1', String(lb.dicomPort)]);

async function peer(calling: string, o: Parameters<Peer['associate']>[0] = {}) {
  const p = await Peer.connect(lb.dicomPort);
  open.push(p);
  const ac = await p.associate({ calling, ...o });
  return { p, ac };
}

describe('refused associations, each PS3.8 reason, as echoscu reports it', () => {
  it.each([
    // DCMTK's own words (assoc.cc), which abbreviate some of PS3.8's.
    ['no-reason-given', 'Rejected Permanent', 'Service User', 'No Reason'],
    [
      'application-context-name-not-supported',
      'Rejected Permanent',
      'Service User',
      'App.* Context Name Not Supported',
    ],
    [
      'calling-ae-title-not-recognized',
      'Rejected Permanent',
      'Service User',
      'Calling AE Title Not Recognized',
    ],
    [
      'called-ae-title-not-recognized',
      'Rejected Permanent',
      'Service User',
      'Called AE Title Not Recognized',
    ],
    ['provider-no-reason-given', 'Rejected Permanent', 'Service Provider \\(ACSE Related\\)', 'No Reason'],
    [
      'protocol-version-not-supported',
      'Rejected Permanent',
      'Service Provider \\(ACSE Related\\)',
      'Protocol Version Not Supported',
    ],
    [
      'temporary-congestion',
      'Rejected Transient',
      'Service Provider \\(Presentation Related\\)',
      'Temporary Congestion',
    ],
    [
      'local-limit-exceeded',
      'Rejected Transient',
      'Service Provider \\(Presentation Related\\)',
      'Local Limit Exceeded',
    ],
  ])('%s: %s, %s, %s; the next association is accepted', async (reason, result, source, text) => {
    const calling = `RJ${reason.length}${reason.slice(0, 6).toUpperCase()}`.replace(/-/g, '');
    const f = await arm({ kind: 'refuse', reason, count: 1 });
    const r = await echoscu(calling);
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toMatch(new RegExp(`Result: ${result}, Source: ${source}`));
    expect(r.output).toMatch(new RegExp(`Reason: ${text}$`, 'm'));
    const rec = await record(calling);
    expect(rec).toMatchObject({ ending: 'rejected', detail: expect.stringContaining(`lab fault ${f.id}`) });
    expect(rec.faults).toEqual([`${f.id} ${f.description}`]);
    expect((await echoscu(calling)).code).toBe(0);
  });
});

describe('transport faults', () => {
  it('short max PDU: advertised in the A-ASSOCIATE-AC (raw peer and echoscu), echo still works', async () => {
    const f = await arm({ kind: 'max-pdu', bytes: 4096, count: 2 });
    const { p, ac } = await peer('SHORTPDU');
    expect(ac.userInfo.maxLength).toBe(4096);
    expect((await p.echo(1)).status).toBe(0);
    await p.release();
    const r = await echoscu('SHORTPDU2');
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Their Max PDU Receive Size: +4096/);
    expect((await record('SHORTPDU')).faults).toEqual([`${f.id} ${f.description}`]);
    // Spent after two associations: the configured maximum again.
    const { ac: normal } = await peer('LONGPDU');
    expect(normal.userInfo.maxLength).toBe(256 * 1024);
  });

  it('delay: the response comes measurably late, only for the request that matched', async () => {
    const f = await arm({ kind: 'delay', command: 'C-ECHO', ms: 600, count: 1 });
    const { p } = await peer('DELAYED');
    let t0 = performance.now();
    expect((await p.echo(1)).status).toBe(0);
    const late = performance.now() - t0;
    t0 = performance.now();
    expect((await p.echo(2)).status).toBe(0);
    const prompt = performance.now() - t0;
    expect(late).toBeGreaterThanOrEqual(590);
    expect(prompt).toBeLessThan(300);
    await p.release();
    const rec = await record('DELAYED');
    const [rq, rsp] = rec.messages;
    expect(rq).toMatchObject({ type: 'C-ECHO-RQ', fault: `${f.id} ${f.description}` });
    expect(rsp).toMatchObject({ type: 'C-ECHO-RSP', fault: `${f.id} ${f.description}` });
    expect(rsp!.ms).toBeGreaterThanOrEqual(590);
    expect(rec.messages[2]!.fault).toBeUndefined();
    expect(rec.faults).toHaveLength(1);
  });

  it('A-ABORT on a matching request: unanswered, as echoscu sees it', async () => {
    const f = await arm({ kind: 'drop', how: 'a-abort', command: 'C-ECHO', count: 1 });
    const r = await echoscu('ABORTECHO');
    // echoscu exits 0 here; it says so in its log.
    expect(r.output).toMatch(/Echo Failed: .*Peer aborted Association/);
    expect(r.output).toMatch(/I: Peer Aborted Association/);
    expect(r.output).not.toMatch(/Received Echo Response/);
    const rec = await record('ABORTECHO');
    expect(rec).toMatchObject({ ending: 'aborted-by-us', faults: [`${f.id} ${f.description}`] });
    expect(rec.messages.map((m) => [m.type, m.fault])).toEqual([['C-ECHO-RQ', `${f.id} ${f.description}`]]);
  });

  it('A-ABORT right after the A-ASSOCIATE-AC (afterMessages 0), service-user source', async () => {
    const f = await arm({ kind: 'drop', how: 'a-abort', afterMessages: 0, source: 'service-user', count: 1 });
    const { p } = await peer('ABORTAC');
    expect(await p.next()).toEqual({ type: 'A-ABORT', source: 0, reason: 0 });
    p.destroy();
    expect((await record('ABORTAC')).faults).toEqual([`${f.id} ${f.description}`]);
  });

  it('bare TCP close after the 2nd request: its response arrives, then FIN and no PDU', async () => {
    const f = await arm({ kind: 'drop', how: 'tcp-close', afterMessages: 2, count: 1 });
    const { p } = await peer('TCPCLOSE');
    expect((await p.echo(1)).status).toBe(0);
    expect((await p.echo(2)).status).toBe(0);
    await p.waitClosed();
    await expect(p.next(200)).rejects.toThrow(/connection closed/);
    const rec = await record('TCPCLOSE');
    expect(rec.ending).toBe('transport-closed');
    expect(rec.faults).toEqual([`${f.id} ${f.description}`]);
    expect(rec.messages.filter((m) => m.fault).map((m) => m.type)).toEqual(['C-ECHO-RQ']);
    expect(rec.messages.map((m) => m.type)).toEqual(['C-ECHO-RQ', 'C-ECHO-RSP', 'C-ECHO-RQ', 'C-ECHO-RSP']);
  });
});

describe('printer scripts, with the N-EVENT-REPORTs a real printer sends', () => {
  const ref = (cls: string, uid: string): DcmDataset => ({
    '00081150': { vr: 'UI', Value: [cls] },
    '00081155': { vr: 'UI', Value: [uid] },
  });

  /** The job's last state was reported (and the lab told): the next test's faults will not see it. */
  const finished = (job: string) =>
    expect
      .poll(
        () => lb.app.printers[0]!.runtime.job(job) === undefined && lb.app.store.jobs.get(job) !== undefined,
        {
          timeout: 10_000,
        },
      )
      .toBe(true);

  /** Session, 1x1 film box, one image, N-ACTION: returns the SCU and the job's UID. */
  async function print(calling: string) {
    const s = await Scu.open(lb.dicomPort, { calling, abstractSyntaxes: [META, Uid.PrintJob] });
    open.push(s);
    const sid = (await s.nCreate(META, Uid.BasicFilmSession, {})).command.affectedSopInstanceUid!;
    const fb = await s.nCreate(META, Uid.BasicFilmBox, {
      '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
      '20100500': { vr: 'SQ', Value: [ref(Uid.BasicFilmSession, sid)] },
    });
    const box = String((fb.dataset!['20100510']!.Value as DcmDataset[])[0]!['00081155']!.Value![0]);
    await s.nSet(META, Uid.BasicGrayscaleImageBox, box, {
      '20200010': { vr: 'US', Value: [1] },
      '20200110': { vr: 'SQ', Value: [grayImage(32, 32)] },
    });
    const p = await s.nAction(META, Uid.BasicFilmBox, fb.command.affectedSopInstanceUid!);
    expect(p.command.status).toBe(0);
    const job = String((p.dataset!['21000500']!.Value as DcmDataset[])[0]!['00081155']!.Value![0]);
    return { s, job };
  }

  it('film jam mid-job (scenario): job PRINTING, printer FAILURE FILM JAM, job FAILURE FILM JAM', async () => {
    const loaded = await lb.app.http.inject({
      method: 'POST',
      url: '/api/lab/scenarios/film-jam-mid-job?printer=LIGHTBOX',
      headers: { 'content-type': 'application/json' },
    });
    expect(loaded.statusCode).toBe(200);
    const f = loaded.json().armed[0];
    const { s, job } = await print('JAMSCU');
    const events = await s.waitEvents(4);
    expect(events.map((e) => [e.sopClassUid === Uid.Printer ? 'printer' : 'job', e.eventTypeId])).toEqual([
      ['job', 1],
      ['job', 2],
      ['printer', 3],
      ['job', 4],
    ]);
    expect(events[2]!.dataset!['21100020']!.Value).toEqual(['FILM JAM']);
    expect(events[3]!.sopInstanceUid).toBe(job);
    expect(events[3]!.dataset!['21000030']!.Value).toEqual(['FILM JAM']);
    expect(lb.app.printers[0]!.runtime.status).toBe('FAILURE');
    // Printer-level faults are noted on the associations open when they fired.
    expect((await record('JAMSCU', false)).faults).toEqual([`${f.id} ${f.description}`]);
    expect(
      lb.logs.some(
        (l) => l['msg'] === `fault fired: ${f.id} ${f.description}` && l['kind'] === 'printer-status',
      ),
    ).toBe(true);
    // One-shot: the next job on a NORMAL printer prints.
    lb.app.printers[0]!.runtime.setStatus('NORMAL', 'NORMAL');
    const again = await print('JAMSCU2');
    const done = await again.s.waitEvents(3);
    expect(done.filter((e) => e.sopInstanceUid === again.job).map((e) => e.eventTypeId)).toEqual([1, 2, 3]);
    await finished(again.job);
  });

  it('SUPPLY LOW after N films; jobs ending in FAILURE; job timing', async () => {
    await arm({ kind: 'printer-status', afterFilms: 1, status: 'WARNING', info: 'SUPPLY LOW', count: 1 });
    await arm({ kind: 'print-timing', pendingMs: 0, msPerFilm: 0, count: 2 });
    const { s, job } = await print('SUPPLYSCU');
    const events = await s.waitEvents(4).catch((e) => {
      throw new Error(`${e}: ${JSON.stringify(s.events.map((x) => [x.sopClassUid, x.eventTypeId]))}`);
    });
    expect(events.filter((e) => e.sopInstanceUid === job).map((e) => e.eventTypeId)).toEqual([1, 2, 3]);
    const warning = events.find((e) => e.sopClassUid === Uid.Printer)!;
    expect(warning.eventTypeId).toBe(2);
    expect(warning.dataset!['21100020']!.Value).toEqual(['SUPPLY LOW']);
    await arm({ kind: 'job-failure', info: 'PRINTER DOWN', count: 1 });
    const failing = await print('FAILSCU');
    const failed = await failing.s.waitEvents(3);
    expect(failed.filter((e) => e.sopInstanceUid === failing.job).at(-1)).toMatchObject({
      eventTypeId: 4,
      dataset: { '21000030': { Value: ['PRINTER DOWN'] } },
    });
    await finished(failing.job);
    const faults = (await lb.app.http.inject({ url: '/api/lab/faults' })).json()[0].faults;
    expect(
      faults.map((x: { kind: string; fired: number; remaining: number }) => [x.kind, x.fired, x.remaining]),
    ).toEqual([
      ['printer-status', 1, 0],
      ['print-timing', 2, 0],
      ['job-failure', 1, 0],
    ]);
  });

  it('status flapping: Printer N-EVENT-REPORTs FAILURE, NORMAL, FAILURE, NORMAL, then quiet', async () => {
    const s = await Scu.open(lb.dicomPort, { calling: 'FLAPSCU', abstractSyntaxes: [META] });
    open.push(s);
    await arm({ kind: 'status-flapping', status: 'FAILURE', info: 'PRINTER OFFLINE', everyMs: 60, flaps: 2 });
    const events = await s.waitEvents(4);
    expect(events.map((e) => [e.eventTypeId, e.dataset?.['21100020']?.Value?.[0]])).toEqual([
      [3, 'PRINTER OFFLINE'],
      [1, undefined],
      [3, 'PRINTER OFFLINE'],
      [1, undefined],
    ]);
    await new Promise((r) => setTimeout(r, 250));
    expect(s.events).toHaveLength(4);
    expect((await record('FLAPSCU', false)).faults).toHaveLength(2);
  });
});
