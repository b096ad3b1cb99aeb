/**
 * The DCMTK print harness (test/support/dcmprint.ts) against DCMTK's own reference Print SCP,
 * dcmprscp: proves the harness drives dcmpsprt + dcmprscu correctly and reads their logs right,
 * before it is pointed at Lightbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dcmPrint,
  exchangeSummary,
  generateImages,
  type PrintOptions,
  type PrintResult,
  parseDcmprscuLog,
  type RefScp,
  startDcmprscp,
  type TestImages,
} from '../support/dcmprint.js';

/** Shared across runs: generating the images takes a second, reusing them nothing. */
const IMAGE_DIR = join(tmpdir(), 'lightbox-test-images-v1');

let work: string;
let images: TestImages;
/** Generous capabilities: every film size and layout. */
let scp: RefScp;
/** Only two film sizes. */
let smallScp: RefScp;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-dcmprint-'));
  images = await generateImages(IMAGE_DIR);
  [scp, smallScp] = await Promise.all([
    startDcmprscp({ dir: join(work, 'scp') }),
    startDcmprscp({ dir: join(work, 'scp-small'), filmSizes: ['8INX10IN', '10INX12IN'] }),
  ]);
});

afterAll(async () => {
  await Promise.all([scp?.stop(), smallScp?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

let jobs = 0;
/** Print to `target` in a fresh work dir; returns the result and dcmprscp's log of that job. */
async function print(
  target: RefScp,
  o: Omit<PrintOptions, 'port' | 'calledAe'>,
): Promise<{ r: PrintResult; scpLog: string }> {
  const mark = target.log().length;
  const r = await dcmPrint({ port: target.port, calledAe: 'PRINTSCP', ...o }, join(work, `job${++jobs}`));
  const scpLog = await target.waitForLog(/Association (Release|Abort)/, mark);
  return { r, scpLog };
}

const ok = (request: string, sopClass: string) => `${request} ${sopClass} 0x0000`;

describe('dcmPrint against dcmprscp', () => {
  it('W1: 20 CT on 14INX17IN STANDARD\\4,5, the whole DIMSE sequence succeeds', async () => {
    const { r, scpLog } = await print(scp, {
      images: images.ct,
      columns: 4,
      rows: 5,
      filmSize: '14INX17IN',
    });
    expect(exchangeSummary(r), r.log).toEqual([
      ok('N-GET', 'PrinterSOPClass'),
      ok('N-CREATE', 'PresentationLUTSOPClass'),
      ok('N-CREATE', 'BasicFilmSessionSOPClass'),
      ok('N-CREATE', 'BasicFilmBoxSOPClass'),
      ...Array<string>(20).fill(ok('N-SET', 'BasicGrayscaleImageBoxSOPClass')),
      ok('N-ACTION', 'BasicFilmBoxSOPClass'),
      ok('N-DELETE', 'BasicFilmBoxSOPClass'),
      ok('N-DELETE', 'BasicFilmSessionSOPClass'),
      ok('N-DELETE', 'PresentationLUTSOPClass'),
    ]);
    expect(r.exchanges.every((x) => x.statusText === 'Success' && x.association === 1)).toBe(true);
    expect(r.exchanges.map((x) => x.messageId)).toEqual(r.exchanges.map((_, i) => i + 1));
    expect(r.exchanges.find((x) => x.request === 'N-ACTION')?.actionTypeId).toBe(1);
    expect(r).toMatchObject({ associations: 1, accepted: 1, rejected: false, aborted: false, exitCode: 0 });
    expect(r.errors).toEqual([]);
    expect(r.storedPrints).toHaveLength(1);
    // The film box really carried what we asked for, 12-bit pixels included.
    expect(scpLog).toMatch(/\(2010,0010\) ST \[STANDARD\\4,5\]/);
    expect(scpLog).toMatch(/\(2010,0050\) CS \[14INX17IN\]/);
    expect(scpLog).toMatch(/\(0028,0101\) US 12 /);
  });

  it('unsupported film size: Film Box N-CREATE answered 0x0106, and dcmprscu still exits 0', async () => {
    const { r, scpLog } = await print(smallScp, {
      images: [images.sc8],
      columns: 1,
      rows: 1,
      filmSize: '14INX17IN',
    });
    expect(exchangeSummary(r), r.log).toEqual([
      ok('N-GET', 'PrinterSOPClass'),
      ok('N-CREATE', 'PresentationLUTSOPClass'),
      ok('N-CREATE', 'BasicFilmSessionSOPClass'),
      'N-CREATE BasicFilmBoxSOPClass 0x0106',
    ]);
    expect(r.exchanges.at(-1)?.statusText).toBe('Invalid attribute value');
    expect(r.exitCode).toBe(0);
    expect(r.errors.join('\n')).toMatch(/unable to create basic film box/);
    expect(scpLog).toMatch(/illegal film size ID: '14INX17IN'/);
  });

  it('8-bit Secondary Capture to a printer configured without 12-bit support', async () => {
    const { r, scpLog } = await print(scp, {
      images: [images.sc8],
      columns: 1,
      rows: 1,
      filmSize: '8INX10IN',
      bits12: false,
    });
    expect(r.exchanges.length, r.log).toBe(9);
    expect(r.exchanges.every((x) => x.status === 0)).toBe(true);
    expect(scpLog).toMatch(/\(0028,0101\) US 8 /);
  });

  it('landscape 2x2 with film box, image box and session options', async () => {
    const { r, scpLog } = await print(scp, {
      images: images.ct,
      columns: 2,
      rows: 2,
      filmSize: '14INX14IN',
      orientation: 'landscape',
      magnification: 'CUBIC',
      polarity: 'REVERSE',
      copies: 2,
      medium: 'CLEAR FILM',
      priority: 'HIGH',
    });
    expect(r.exchanges.length, r.log).toBe(12);
    expect(r.exchanges.every((x) => x.status === 0)).toBe(true);
    expect(scpLog).toMatch(/\(2010,0040\) CS \[LANDSCAPE\]/);
    expect(scpLog).toMatch(/\(2010,0060\) CS \[CUBIC\]/);
    expect(scpLog).toMatch(/\(2020,0020\) CS \[REVERSE\]/);
    expect(scpLog).toMatch(/\(2000,0010\) IS \[2\]/);
    expect(scpLog).toMatch(/\(2000,0030\) CS \[CLEAR FILM\]/);
  });

  it('several films: one association each, images taken in order', async () => {
    const { r } = await print(scp, { images: images.ct, columns: 1, rows: 2, films: 3, noPrint: true });
    expect(r).toMatchObject({ associations: 3, accepted: 3 });
    expect(r.storedPrints).toHaveLength(3);
    expect(r.exchanges.map((x) => x.association)).toEqual([1, 2, 3].flatMap((a) => Array<number>(9).fill(a)));
    expect(r.exchanges.some((x) => x.request === 'N-ACTION')).toBe(false);
    expect(r.exchanges.every((x) => x.status === 0)).toBe(true);
  });

  it('an RGB image: dcmpsprt refuses it and dcmPrint throws with its output', async () => {
    await expect(
      dcmPrint(
        { port: scp.port, calledAe: 'PRINTSCP', images: [images.rgb], columns: 1, rows: 1 },
        join(work, 'rgb'),
      ),
    ).rejects.toThrow(/dcmpsprt failed[\s\S]*not MONOCHROME1\/2/);
  });
});

describe('dcmPrint against a peer that rejects the association', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    // A-ASSOCIATE-RJ: rejected-permanent, service user, called AE title not recognized.
    server = createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => s.end(Buffer.from([3, 0, 0, 0, 0, 4, 0, 1, 1, 7])));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const a = server.address();
    port = typeof a === 'object' && a ? a.port : 0;
  });
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('reports rejected, with DCMTK words for result, source and reason', async () => {
    const r = await dcmPrint(
      { port, calledAe: 'NOBODY', images: [images.sc8], columns: 1, rows: 1 },
      join(work, 'rejected'),
    );
    expect(r).toMatchObject({
      associations: 1,
      accepted: 0,
      rejected: true,
      exchanges: [],
      exitCode: 0,
      rejection: {
        result: 'Rejected Permanent',
        source: 'Service User',
        reason: 'Called AE Title Not Recognized',
      },
    });
  });
});

describe('parseDcmprscuLog', () => {
  it('keeps a request that never got a response, with status -1', () => {
    const log = [
      'I: Requesting Association',
      'I: Association accepted (Max Send PDV: 32756)',
      'D: ===================== OUTGOING DIMSE MESSAGE ====================',
      'D: Message Type                  : N-ACTION RQ',
      'D: Message ID                    : 7',
      'D: Requested SOP Class UID       : BasicFilmBoxSOPClass',
      'D: Action Type ID                : 1',
      'D: ======================= END DIMSE MESSAGE =======================',
      'E: 0006:0317 Peer aborted Association (or never connected)',
    ].join('\n');
    const p = parseDcmprscuLog(log);
    expect(p.exchanges).toEqual([
      {
        association: 1,
        request: 'N-ACTION',
        sopClass: 'BasicFilmBoxSOPClass',
        messageId: 7,
        actionTypeId: 1,
        status: -1,
        statusText: 'no response',
      },
    ]);
    expect(p).toMatchObject({ associations: 1, accepted: 1, aborted: true, rejected: false });
  });
});
