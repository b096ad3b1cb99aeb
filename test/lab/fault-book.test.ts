/** The pure core of the test lab: resolving faults as written, and FaultBook matching and counts. */
import { describe, expect, it } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { FaultBook, MAX_FAULTS, type TakeFiring, whereHolds } from '../../src/lab/fault-book.js';
import {
  FaultError,
  resolveAttribute,
  resolveFault,
  resolveSopClass,
  resolveStatus,
} from '../../src/lab/resolve.js';

let seq = 0;
function book(...faults: Record<string, unknown>[]): FaultBook {
  const b = new FaultBook('LIGHTBOX');
  for (const f of faults) {
    const { fault, resolved } = resolveFault(f);
    b.arm(`f${++seq}`, fault, resolved, 'test', new Date(0));
  }
  return b;
}

function faultError(f: unknown): string {
  try {
    resolveFault(f, '/faults/0');
  } catch (e) {
    expect(e).toBeInstanceOf(FaultError);
    return (e as Error).message;
  }
  throw new Error(`expected a FaultError for ${JSON.stringify(f)}`);
}

const image = (rows: number): DcmDataset => ({
  '20200010': { vr: 'US', Value: [1] },
  '20200110': {
    vr: 'SQ',
    Value: [{ '00280010': { vr: 'US', Value: [rows] }, '00280004': { vr: 'CS', Value: ['MONOCHROME2'] } }],
  },
});
const nset = (ds?: DcmDataset) => ({
  command: 'N-SET',
  sopClassUid: Uid.BasicGrayscaleImageBox,
  dataset: ds,
});

describe('names as a lab writes them', () => {
  it('SOP classes: friendly names with or without "Basic", any spacing and case, or a UID', () => {
    expect(resolveSopClass('Basic Grayscale Image Box', 'k')).toBe(Uid.BasicGrayscaleImageBox);
    expect(resolveSopClass('film box', 'k')).toBe(Uid.BasicFilmBox);
    expect(resolveSopClass('PrintJob', 'k')).toBe(Uid.PrintJob);
    expect(resolveSopClass('1.2.3.4', 'k')).toBe('1.2.3.4');
    expect(() => resolveSopClass('Basic Grayscale Print Management Meta', 'k')).toThrow(/unknown SOP class/);
    expect(() => resolveSopClass('Image Box', '/sopClass')).toThrow(
      /\/sopClass: unknown SOP class "Image Box": a UID or one of .*Basic Grayscale Image Box/,
    );
  });

  it('statuses: code as number or hex text, key or human name from status.ts', () => {
    expect(resolveStatus(0xc605, 'k')).toBe('InsufficientMemory');
    expect(resolveStatus('0xC605', 'k')).toBe('InsufficientMemory');
    expect(resolveStatus('c602', 'k')).toBe('FilmBoxPrintQueueFull');
    expect(resolveStatus('InsufficientMemory', 'k')).toBe('InsufficientMemory');
    expect(resolveStatus('Print queue full (film session)', 'k')).toBe('FilmSessionPrintQueueFull');
    expect(resolveStatus('0xB605', 'k')).toBe('MinMaxDensityOutOfRange');
    expect(() => resolveStatus(0xc777, '/status')).toThrow('/status: 0xC777 is not in the status table');
    expect(() => resolveStatus('Out of toner', '/status')).toThrow(/unknown status "Out of toner"/);
  });

  it('attributes: keyword or tag in any usual spelling', () => {
    expect(resolveAttribute('Rows', 'k')).toBe('00280010');
    expect(resolveAttribute('(0028,0010)', 'k')).toBe('00280010');
    expect(resolveAttribute('7fe00010', 'k')).toBe('7FE00010');
    expect(resolveAttribute('ImageDisplayFormat', 'k')).toBe('20100010');
    expect(() => resolveAttribute('Rowz', '/where/attribute')).toThrow(
      '/where/attribute: "Rowz" is neither a DICOM keyword nor a tag',
    );
  });
});

describe('fault checks: a fault that does not make sense is never armed', () => {
  it.each([
    [{}, '/faults/0/kind: must be one of response, delay'],
    [{ kind: 'explode' }, '/faults/0/kind: must be one of'],
    [{ kind: 'response', status: 0xc605, colour: 'red' }, 'must NOT have additional properties "colour"'],
    [{ kind: 'response' }, "/faults/0: must have required property 'status'"],
    [{ kind: 'response', status: 'C605', command: 'N-FOO' }, '/faults/0/command'],
    [{ kind: 'response', status: 'C605', count: 0 }, '/faults/0/count: must be >= 1'],
    [{ kind: 'response', status: 'C605', where: { attribute: 'Rows' } }, '/faults/0/where: needs equals'],
    [{ kind: 'delay', ms: 0 }, '/faults/0/ms: must be >= 1'],
    [{ kind: 'drop', how: 'a-abort', afterMessages: 2, command: 'N-SET' }, 'give either afterMessages or'],
    [{ kind: 'drop', how: 'tcp-close', reason: 2 }, 'a TCP close sends no A-ABORT'],
    [{ kind: 'drop', how: 'a-abort', source: 'service-user', reason: 1 }, 'carries no reason'],
    [{ kind: 'refuse', reason: 'because' }, '/faults/0/reason'],
    [{ kind: 'max-pdu', bytes: 100 }, '/faults/0/bytes: must be >= 1024'],
    [{ kind: 'printer-status', status: 'FAILURE', info: 'FILM JAM' }, 'give exactly one of when, afterFilms'],
    [{ kind: 'printer-status', status: 'FAILURE', when: 'now' }, 'FAILURE needs a Printer Status Info'],
    [
      { kind: 'printer-status', status: 'NORMAL', when: 'now', count: 2 },
      '/faults/0/count: a status set now fires once',
    ],
    [{ kind: 'printer-status', status: 'WARNING', info: 'low', when: 'now' }, '/faults/0/info: must match'],
    [
      { kind: 'status-flapping', status: 'FAILURE', info: 'X', everyMs: 10, flaps: 2 },
      'everyMs: must be >= 50',
    ],
  ])('%j -> %s', (f, message) => {
    expect(faultError(f)).toContain(message);
  });

  it('describes what it armed in words', () => {
    const { resolved } = resolveFault({
      kind: 'response',
      command: 'N-SET',
      sopClass: 'Basic Grayscale Image Box',
      where: { attribute: 'Rows', atLeast: 2048 },
      status: 0xc605,
      count: 1,
    });
    expect(resolved.description).toBe(
      'next N-SET on Basic Grayscale Image Box where Rows >= 2048 answers 0xC605 Insufficient memory',
    );
    expect(resolved).toMatchObject({ errorComment: 'Insufficient printer memory to store the image' });
  });
});

describe('request matching', () => {
  it('where: finds the attribute inside sequence items; equals, atLeast, atMost', () => {
    const big = image(4096);
    expect(whereHolds({ tag: '00280010', atLeast: 2048 }, big)).toBe(true);
    expect(whereHolds({ tag: '00280010', atLeast: 2048 }, image(512))).toBe(false);
    expect(whereHolds({ tag: '00280010', atLeast: 100, atMost: 600 }, image(512))).toBe(true);
    expect(whereHolds({ tag: '00280010', equals: 512 }, image(512))).toBe(true);
    expect(whereHolds({ tag: '00280010', equals: '512' }, image(512))).toBe(true);
    expect(whereHolds({ tag: '00280004', equals: 'MONOCHROME2' }, big)).toBe(true);
    expect(whereHolds({ tag: '00280004', equals: 'MONOCHROME1' }, big)).toBe(false);
    expect(
      whereHolds(
        { tag: '00100010', equals: 'DOE^JOHN' },
        { '00100010': { vr: 'PN', Value: [{ Alphabetic: 'DOE^JOHN' }] } },
      ),
    ).toBe(true);
    expect(whereHolds({ tag: '00280011', atLeast: 1 }, big)).toBe(false);
  });

  it('command, SOP class and where must all match; a one-shot fires once, then nothing changes', () => {
    const b = book({
      kind: 'response',
      command: 'N-SET',
      sopClass: 'Basic Grayscale Image Box',
      where: { attribute: 'Rows', atLeast: 2048 },
      status: 'C605',
      count: 1,
    });
    expect(b.request({ command: 'N-CREATE', sopClassUid: Uid.BasicFilmBox }).fired).toEqual([]);
    expect(b.request({ ...nset(image(4096)), sopClassUid: Uid.BasicColorImageBox }).fired).toEqual([]);
    expect(b.request(nset(image(512))).fired).toEqual([]);
    expect(b.request(nset()).fired).toEqual([]);
    const hit = b.request(nset(image(4096)));
    expect(hit.response).toEqual({
      status: 'InsufficientMemory',
      errorComment: 'Insufficient printer memory to store the image',
    });
    expect(hit.fired).toEqual([
      expect.objectContaining({
        kind: 'response',
        text: expect.stringMatching(/^f\d+ next N-SET .* 0xC605/),
      }),
    ]);
    expect(b.request(nset(image(4096)))).toEqual({ fired: [] });
    expect(b.list()[0]).toMatchObject({ count: 1, remaining: 0, fired: 1, active: false });
  });

  it('sticky faults fire every time; count N fires N times', () => {
    const b = book(
      { kind: 'response', command: 'N-ACTION', status: 'C602' },
      { kind: 'delay', command: 'C-ECHO', ms: 100, count: 2 },
    );
    const action = { command: 'N-ACTION', sopClassUid: Uid.BasicFilmBox };
    const echo = { command: 'C-ECHO', sopClassUid: Uid.Verification };
    for (let i = 0; i < 5; i++) expect(b.request(action).response?.status).toBe('FilmBoxPrintQueueFull');
    expect(b.request(echo).delayMs).toBe(100);
    expect(b.request(echo).delayMs).toBe(100);
    expect(b.request(echo).delayMs).toBeUndefined();
    expect(b.list().map((v) => [v.fired, v.remaining, v.active])).toEqual([
      [5, null, true],
      [2, 0, false],
    ]);
  });

  it('a matching drop wins alone; otherwise the first matching response and delay both fire', () => {
    const b = book(
      { kind: 'response', command: 'N-ACTION', status: 'C602', count: 1 },
      { kind: 'response', command: 'N-ACTION', status: 'C601', count: 1 },
      { kind: 'delay', ms: 50, count: 1 },
      { kind: 'drop', how: 'tcp-close', command: 'N-DELETE', count: 1 },
    );
    const both = b.request({ command: 'N-ACTION', sopClassUid: Uid.BasicFilmBox });
    expect(both.response?.status).toBe('FilmBoxPrintQueueFull');
    expect(both.delayMs).toBe(50);
    expect(both.fired).toHaveLength(2);
    expect(b.request({ command: 'N-ACTION', sopClassUid: Uid.BasicFilmBox }).response?.status).toBe(
      'FilmSessionPrintQueueFull',
    );
    const drop = b.request({ command: 'N-DELETE', sopClassUid: Uid.BasicFilmSession });
    expect(drop).toMatchObject({ drop: { how: 'tcp-close' }, fired: [expect.anything()] });
    expect(drop.response).toBeUndefined();
  });

  it('drop after the Nth request, or right after the A-ASSOCIATE-AC', () => {
    const b = book(
      { kind: 'drop', how: 'a-abort', afterMessages: 3, count: 1 },
      { kind: 'drop', how: 'a-abort', afterMessages: 0, source: 'service-user', count: 1 },
    );
    expect(b.answered(2).drop).toBeUndefined();
    expect(b.answered(3).drop).toEqual({ how: 'a-abort', source: 2, reason: 0 });
    expect(b.answered(3).drop).toBeUndefined();
    expect(b.association().drop).toEqual({ how: 'a-abort', source: 0, reason: 0 });
    // afterMessages faults never fire on a request's content.
    expect(b.request({ command: 'C-ECHO', sopClassUid: Uid.Verification }).fired).toEqual([]);
  });
});

describe('association faults', () => {
  it('a refusal wins over everything else; then the max PDU applies', () => {
    const b = book(
      { kind: 'refuse', reason: 'temporary-congestion', count: 1 },
      { kind: 'max-pdu', bytes: 4096, count: 1 },
    );
    const first = b.association();
    expect(first.reject).toEqual({ result: 2, source: 3, reason: 1 });
    expect(first.maxPduLength).toBeUndefined();
    expect(b.association().maxPduLength).toBe(4096);
    expect(b.association()).toEqual({ fired: [] });
  });

  it.each([
    ['no-reason-given', 1, 1, 1],
    ['application-context-name-not-supported', 1, 1, 2],
    ['calling-ae-title-not-recognized', 1, 1, 3],
    ['called-ae-title-not-recognized', 1, 1, 7],
    ['provider-no-reason-given', 1, 2, 1],
    ['protocol-version-not-supported', 1, 2, 2],
    ['temporary-congestion', 2, 3, 1],
    ['local-limit-exceeded', 2, 3, 2],
  ])('refusal %s: result %i, source %i, reason %i (PS3.8 Table 9-21)', (reason, result, source, code) => {
    expect(book({ kind: 'refuse', reason }).association().reject).toEqual({ result, source, reason: code });
  });

  it('the result may be forced', () => {
    const b = book({ kind: 'refuse', reason: 'temporary-congestion', result: 'permanent' });
    expect(b.association().reject?.result).toBe(1);
  });
});

describe('printer scripts', () => {
  it('FAILURE when a job reaches PRINTING, once', () => {
    const b = book({
      kind: 'printer-status',
      when: 'printing',
      status: 'FAILURE',
      info: 'FILM JAM',
      count: 1,
    });
    expect(b.jobReported('PENDING', 1).statuses).toEqual([]);
    expect(b.jobReported('PRINTING', 1).statuses).toEqual([{ status: 'FAILURE', info: 'FILM JAM' }]);
    expect(b.jobReported('PRINTING', 1).statuses).toEqual([]);
  });

  it('WARNING after N films, counted over jobs that end DONE', () => {
    const b = book(
      { kind: 'printer-status', afterFilms: 3, status: 'WARNING', info: 'SUPPLY LOW' },
      { kind: 'printer-status', afterFilms: 5, status: 'FAILURE', info: 'SUPPLY EMPTY', count: 1 },
    );
    expect(b.jobReported('DONE', 2).statuses).toEqual([]);
    expect(b.jobReported('FAILURE', 4).statuses).toEqual([]);
    expect(b.jobReported('DONE', 1).statuses).toEqual([{ status: 'WARNING', info: 'SUPPLY LOW' }]);
    expect(b.jobReported('DONE', 2).statuses).toEqual([{ status: 'FAILURE', info: 'SUPPLY EMPTY' }]);
    // Sticky: every 3 films again.
    expect(b.jobReported('DONE', 1).statuses).toEqual([{ status: 'WARNING', info: 'SUPPLY LOW' }]);
  });

  it('a status set when armed (when: now) fires once, through armedNow', () => {
    const b = book({ kind: 'printer-status', when: 'now', status: 'WARNING', info: 'SUPPLY LOW' });
    const id = b.list()[0]!.id;
    expect(b.armedNow(id).status).toEqual({ status: 'WARNING', info: 'SUPPLY LOW' });
    expect(b.jobReported('PRINTING', 1).statuses).toEqual([]);
    expect(b.list()[0]).toMatchObject({ count: 1, remaining: 0, active: false });
  });

  it('jobs ending in FAILURE and their timing', () => {
    const b = book(
      { kind: 'job-failure', info: 'PRINTER DOWN', count: 1 },
      { kind: 'print-timing', pendingMs: 10, msPerFilm: 20, count: 1 },
    );
    expect(b.jobStarting().timing).toEqual({ pendingMs: 10, msPerFilm: 20 });
    expect(b.jobStarting().timing).toBeUndefined();
    expect(b.jobEnding().failure).toBe('PRINTER DOWN');
    expect(b.jobEnding().failure).toBeUndefined();
  });

  it('flapping alternates, counts flaps, ends NORMAL, then stops', () => {
    const b = book({
      kind: 'status-flapping',
      status: 'FAILURE',
      info: 'PRINTER OFFLINE',
      everyMs: 100,
      flaps: 2,
    });
    const id = b.list()[0]!.id;
    const steps = Array.from({ length: 5 }, () => b.flap(id).status?.status);
    expect(steps).toEqual(['FAILURE', 'NORMAL', 'FAILURE', 'NORMAL', undefined]);
    expect(b.list()[0]).toMatchObject({ fired: 2, remaining: 0, active: false });
  });
});

describe('the book', () => {
  it(`keeps at most ${MAX_FAULTS} faults: spent ones make room, else arming is refused`, () => {
    const b = book();
    const { fault, resolved } = resolveFault({ kind: 'delay', ms: 1, count: 1 });
    for (let i = 0; i < MAX_FAULTS; i++) b.arm(`x${i}`, fault, resolved, 'test', new Date(0));
    expect(() => b.arm('one-more', fault, resolved, 'test', new Date(0))).toThrow(/already has 64 faults/);
    b.request({ command: 'C-ECHO', sopClassUid: Uid.Verification });
    b.arm('one-more', fault, resolved, 'test', new Date(0));
    expect(b.list().map((v) => v.id)).not.toContain('x0');
    expect(b.remove('one-more')?.id).toBe('one-more');
    expect(b.remove('one-more')).toBeUndefined();
    expect(b.clear()).toHaveLength(MAX_FAULTS - 1);
  });
});

describe('a count shared by a pool (src/pool)', () => {
  /** Two books drawing on one count, as two instances do through their database. */
  function pool(): { books: FaultBook[]; left: Map<string, number>; calls: string[] } {
    const left = new Map<string, number>();
    const calls: string[] = [];
    const take: TakeFiring = (id, count) => {
      calls.push(id);
      const n = left.get(id) ?? count;
      if (n <= 0) return null;
      left.set(id, n - 1);
      return n - 1;
    };
    const books = [new FaultBook('LIGHTBOX'), new FaultBook('LIGHTBOX')];
    for (const b of books) b.share(take);
    return { books, left, calls };
  }
  const arm = (b: FaultBook, f: Record<string, unknown>, remaining?: number) => {
    const { fault, resolved } = resolveFault(f);
    return b.arm('p1', fault, resolved, 'test', new Date(0), remaining);
  };

  it('count 3 fires three times in all, whichever book the requests go to; a spent one lets the next fault fire', () => {
    const { books } = pool();
    for (const b of books) {
      arm(b, { kind: 'refuse', reason: 'no-reason-given', count: 3 });
      const { fault, resolved } = resolveFault({ kind: 'max-pdu', bytes: 4096 });
      b.arm('sticky', fault, resolved, 'test', new Date(0));
    }
    const [a, b] = books as [FaultBook, FaultBook];
    const order = [a, b, b, a, b, a];
    const refused = order.map((x) => x.association().reject !== undefined);
    expect(refused).toEqual([true, true, true, false, false, false]);
    // Spent in the pool: a book that never saw the last firings says so once it asks.
    expect(a.get('p1')).toMatchObject({ remaining: 0, active: false });
    expect(b.get('p1')).toMatchObject({ remaining: 0, active: false });
    expect(a.association().maxPduLength).toBe(4096);
  });

  it('a book armed late starts with what is left; a database that cannot answer leaves the local count', () => {
    const b = new FaultBook('LIGHTBOX');
    expect(arm(b, { kind: 'job-failure', info: 'FILM JAM', count: 3 }, 1)).toMatchObject({
      remaining: 1,
      fired: 2,
    });
    b.share(() => undefined);
    expect(b.jobEnding().failure).toBe('FILM JAM');
    expect(b.jobEnding().failure).toBeUndefined();
  });

  it('films toward an afterFilms status are counted over the pool: the book whose film reaches it fires', () => {
    const counted = new Map<string, number>();
    const countFilms = (id: string, films: number, every: number) => {
      const n = (counted.get(id) ?? 0) + films;
      counted.set(id, n >= every ? 0 : n);
      return n >= every;
    };
    const books = [new FaultBook('LIGHTBOX'), new FaultBook('LIGHTBOX')] as const;
    for (const b of books) {
      b.share(() => undefined, countFilms);
      arm(b, { kind: 'printer-status', status: 'WARNING', info: 'SUPPLY LOW', afterFilms: 3 });
    }
    const [a, b] = books;
    expect(a.jobReported('DONE', 2).statuses).toEqual([]);
    expect(b.jobReported('DONE', 1).statuses).toEqual([{ status: 'WARNING', info: 'SUPPLY LOW' }]);
    expect(a.jobReported('DONE', 1).statuses).toEqual([]);
  });

  it('a flapping printer and a status set when armed play out in every book, never from the shared count', () => {
    const { books, calls } = pool();
    for (const b of books) {
      arm(b, { kind: 'status-flapping', status: 'FAILURE', info: 'PRINTER OFFLINE', everyMs: 100, flaps: 2 });
      const { fault, resolved } = resolveFault({
        kind: 'printer-status',
        status: 'WARNING',
        info: 'SUPPLY LOW',
        when: 'now',
      });
      b.arm('now', fault, resolved, 'test', new Date(0));
    }
    for (const b of books) {
      expect(b.armedNow('now').status?.status).toBe('WARNING');
      const steps = Array.from({ length: 5 }, () => b.flap('p1').status?.status);
      expect(steps).toEqual(['FAILURE', 'NORMAL', 'FAILURE', 'NORMAL', undefined]);
    }
    expect(calls).toEqual([]);
  });
});
