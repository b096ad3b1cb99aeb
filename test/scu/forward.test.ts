/**
 * Tee mode end to end: a modality (DCMTK's dcmpsprt + dcmprscu, W1: 20 CT images on 4x5) prints to
 * a Lightbox printer whose profile says `forward: tee`; Lightbox answers it as always, then prints
 * the stored film on to the real printer from its durable queue:
 *
 * - to DCMTK's dcmprscp: the film arrives with its 20 image boxes and pixel data;
 * - to a second Lightbox with an armed 0xC605 on Image Box N-SET: the failure is recorded (queue,
 *   API, /metrics, the run's own conversation) and a re-send over the API prints it;
 * - to a printer that is down: retried with backoff, kept across a restart of Lightbox, and sent
 *   once the printer is back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { Lightbox } from '../../src/lightbox.js';
import type { ForwardItem } from '../../src/store/forward-queue.js';
import {
  dcmPrint,
  freePort,
  generateImages,
  type RefScp,
  startDcmprscp,
  type TestImages,
} from '../support/dcmprint.js';
import { armFault, forwardingPrinters, startRealPrinter } from '../support/real-printer.js';

let work: string;
let images: TestImages;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-forward-'));
  images = await generateImages(join(tmpdir(), 'lightbox-test-images'));
}, 60_000);
afterAll(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

/** A printers directory with one TEE printer forwarding to port:ae. */
function teeProfile(name: string, port: number, printerAe: string): string {
  return forwardingPrinters(join(work, name, 'printers'), {
    aeTitle: 'TEE',
    mode: 'tee',
    port,
    printerAe,
    forward: { retryMs: 200, maxRetryMs: 400, timeoutMs: 10000 },
  });
}

/** A Lightbox on a data directory that outlives it (so it can be restarted). */
async function lightboxOn(dataDir: string, printersDir: string): Promise<Lightbox> {
  const config = {
    dicomPort: 0,
    httpPort: 0,
    host: '127.0.0.1',
    dataDir,
    printersDir,
    maxPduLength: 256 * 1024,
    maxAssociations: 64,
    maxDatasetBytes: 64 * 1024 * 1024,
    artimTimeoutMs: 5000,
    idleTimeoutMs: 30_000,
    shutdownGraceMs: 2000,
    logLevel: 'warn',
    dumpMessages: false,
    noRender: true,
    apiToken: undefined,
  } as Partial<Config> as Config;
  const app = new Lightbox({ ...(await startDefaults()), ...config }, pino({ level: 'silent' }));
  await app.start();
  return app;
}

/** The configuration defaults a test Lightbox starts with (every key, whatever was added since). */
async function startDefaults(): Promise<Config> {
  const { parseConfig } = await import('../../src/config/config.js');
  return parseConfig([], {}, work).config;
}

function w1(port: number, dir: string) {
  return dcmPrint(
    { port, calledAe: 'TEE', columns: 4, rows: 5, images: images.ct, filmSize: '14INX17IN' },
    dir,
  );
}

async function until<T>(what: string, get: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const queueOf = (app: Lightbox): ForwardItem[] => app.store.forwardQueue.list();

describe('tee', () => {
  let scp: RefScp;
  beforeAll(async () => {
    scp = await startDcmprscp({ dir: join(work, 'dcmprscp') });
    stops.push(() => scp.stop());
  });

  it('to dcmprscp: the modality is answered, then the film arrives there with its 20 image boxes', async () => {
    const dataDir = join(work, 'a', 'data');
    const app = await lightboxOn(dataDir, teeProfile('a', scp.port, 'PRINTSCP'));
    stops.push(() => app.stop());
    const since = scp.log().length;
    const r = await w1(app.dicom.port, join(work, 'a', 'w1'));
    expect(r.errors).toEqual([]);
    expect(r.exchanges.find((x) => x.request === 'N-ACTION')?.status).toBe(0);
    const done = await until('the film forwarded', () => queueOf(app).find((q) => q.state === 'done'));
    const log = scp.log().slice(since);
    expect((log.match(/Message Type\s+: N-SET RQ/g) ?? []).length).toBe(20);
    expect((log.match(/\(7fe0,0010\) OW .*# 524288,/g) ?? []).length).toBe(20);
    expect(log).toMatch(/Message Type\s+: N-ACTION RQ/);
    // The printer's answers are their own conversation, linked to the film.
    const run = app.store.outbound.get(done.lastOutbound!)!;
    expect(run.summary).toMatchObject({ kind: 'forward', filmId: done.filmId, ok: true });
    const steps = (run.report as { steps: { operation: string; status?: number }[] }).steps;
    expect(steps.filter((s) => s.operation === 'N-SET' && s.status === 0)).toHaveLength(20);
    const api = await app.http.inject({ method: 'GET', url: '/api/forwards' });
    expect(api.json().counts).toEqual({ queued: 0, done: 1, failed: 0 });
  }, 90_000);
});

describe('tee to a failing printer', () => {
  it('0xC605 there: the film is failed with the reason, in the API and /metrics; a re-send prints it', async () => {
    const printer = await startRealPrinter({ stops });
    await armFault(printer, {
      kind: 'response',
      command: 'N-SET',
      sopClass: 'Basic Grayscale Image Box',
      status: '0xC605',
      errorComment: 'FILM JAM',
    });
    const app = await lightboxOn(join(work, 'b', 'data'), teeProfile('b', printer.dicomPort, 'LIGHTBOX'));
    stops.push(() => app.stop());
    const r = await w1(app.dicom.port, join(work, 'b', 'w1'));
    expect(r.exchanges.find((x) => x.request === 'N-ACTION')?.status).toBe(0);
    const failed = await until('the forward to fail', () => queueOf(app).find((q) => q.state === 'failed'));
    expect(failed.lastError).toBe('N-SET Basic Grayscale Image Box: 0xC605 (FILM JAM)');
    expect(failed.attempts).toBe(1);
    const metrics = (await app.http.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('lightbox_forward_queue{state="failed"} 1');
    expect(metrics).toMatch(/lightbox_forward_attempts_total\{printer="TEE",result="failed"\} 1/);
    const run = app.store.outbound.get(failed.lastOutbound!)!;
    expect(run.summary).toMatchObject({ kind: 'forward', ok: false, outcome: failed.lastError });
    // The printer's own record has the 0xC605 it answered.
    const list = await app.http.inject({ method: 'GET', url: `/api/outbound?film=${failed.filmId}` });
    expect(list.json().runs).toHaveLength(1);

    const retry = await app.http.inject({
      method: 'POST',
      url: `/api/forwards/${failed.filmId}/retry`,
      headers: { 'content-type': 'application/json' },
      payload: {},
    });
    expect(retry.statusCode).toBe(202);
    await until('the re-sent film printed', () => queueOf(app).find((q) => q.state === 'done'));
    expect(app.store.outbound.list({ filmId: failed.filmId }).map((o) => o.ok)).toEqual([true, false]);
  }, 90_000);

  it('printer down: retried with backoff, kept across a restart, sent once the printer is back', async () => {
    const port = await freePort();
    const dataDir = join(work, 'c', 'data');
    const printers = teeProfile('c', port, 'LIGHTBOX');
    let app = await lightboxOn(dataDir, printers);
    const r = await w1(app.dicom.port, join(work, 'c', 'w1'));
    expect(r.exchanges.find((x) => x.request === 'N-ACTION')?.status).toBe(0);
    const waiting = await until('two failed attempts', () => queueOf(app).find((q) => q.attempts >= 2));
    expect(waiting.state).toBe('queued');
    expect(waiting.lastError).toMatch(/cannot connect to 127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(app.store.outbound.list({ filmId: waiting.filmId })).toEqual([]);
    await app.stop();
    // Lightbox restarts with the film still queued; the printer comes back.
    const printer = await startRealPrinter({ stops, config: { dicomPort: port } });
    app = await lightboxOn(dataDir, printers);
    stops.push(() => app.stop());
    const done = await until('the queue to drain', () => queueOf(app).find((q) => q.state === 'done'));
    expect(done.filmId).toBe(waiting.filmId);
    expect(done.attempts).toBeGreaterThan(2);
    await until('the film at the printer', () =>
      printer.app.store.films.totals().films === 1 ? true : undefined,
    );
  }, 90_000);
});

describe('the forward row and the film are one write', () => {
  it('a database that refuses the forward row refuses the print: no film kept without its forward', async () => {
    const app = await lightboxOn(join(work, 'd', 'data'), teeProfile('d', await freePort(), 'LIGHTBOX'));
    stops.push(() => app.stop());
    // The crash point: the forward row's insert fails inside the films' index transaction.
    app.store.db.exec(
      "CREATE TRIGGER refuse_forward BEFORE INSERT ON forward_queue BEGIN SELECT RAISE(ABORT, 'database full'); END",
    );
    const r = await w1(app.dicom.port, join(work, 'd', 'w1'));
    const action = r.exchanges.find((x) => x.request === 'N-ACTION')!;
    expect(action.status).toBe(0x0213); // Resource Limitation: not stored, the SCU may retry
    expect(app.store.films.totals().films).toBe(0);
    expect(queueOf(app)).toEqual([]);
    // The database takes rows again: the next print is kept and queued, together.
    app.store.db.exec('DROP TRIGGER refuse_forward');
    const again = await w1(app.dicom.port, join(work, 'd', 'w1-again'));
    expect(again.exchanges.find((x) => x.request === 'N-ACTION')?.status).toBe(0);
    expect(app.store.films.totals().films).toBe(1);
    expect(queueOf(app).map((q) => q.state)).toEqual(['queued']);
  }, 90_000);
});
