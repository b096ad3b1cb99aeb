/**
 * "Check now" (POST /api/printers/{AE}/forward/probe): Lightbox's own requestor associates with a
 * forwarding printer's real printer, C-ECHO, N-GET of the Printer SOP instance, bounded waits:
 *
 * - DCMTK's dcmprscp: answered, its Printer attributes;
 * - a second Lightbox whose printer is WARNING, then FAILURE: the status and info it says;
 * - a closed port, a silent listener, a wrong AE title: unreachable, timeout, rejected (200, never 500);
 * - GET .../forward shows the newest probe and takes its state when it is newer than the traffic.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RefScp, startDcmprscp } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { forwardingPrinters, REAL_PRINTER_AE, startRealPrinter } from '../support/real-printer.js';

let work: string;
const stops: (() => Promise<void>)[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-probe-'));
});
afterAll(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

/** A Lightbox whose printer PROXY forwards (proxy mode) to port:ae. */
async function front(name: string, port: number, printerAe: string, mode: 'proxy' | 'tee' = 'proxy') {
  const dir = forwardingPrinters(join(work, name), { aeTitle: 'PROXY', mode, port, printerAe });
  const lb = await startLightbox({ printersDir: dir, logLevel: 'warn', noRender: true });
  stops.push(() => lb.stop());
  return lb;
}

async function probe(lb: TestLightbox, body: Record<string, unknown> | undefined = {}, ae = 'PROXY') {
  return lb.app.http.inject({
    method: 'POST',
    url: `/api/printers/${ae}/forward/probe`,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { payload: body }),
  });
}

const forwardState = async (lb: TestLightbox) =>
  (await lb.app.http.inject({ method: 'GET', url: '/api/printers/PROXY/forward' })).json();

describe('against DCMTK dcmprscp', () => {
  let scp: RefScp;
  beforeAll(async () => {
    scp = await startDcmprscp({ dir: join(work, 'dcmprscp') });
    stops.push(() => scp.stop());
  });

  it('answered: C-ECHO and the Printer N-GET, kept and shown by GET .../forward with its time', async () => {
    const lb = await front('a', scp.port, 'PRINTSCP');
    expect((await forwardState(lb)).upstream.state).toBe('unknown');
    const since = scp.log().length;
    const r = await probe(lb, undefined);
    expect(r.statusCode).toBe(200);
    const p = r.json();
    expect(p).toMatchObject({
      result: 'answered',
      state: 'reachable',
      target: `127.0.0.1:${scp.port}:PRINTSCP`,
      callingAeTitle: 'PROXY',
      timeoutMs: 5000,
      echo: { status: 0 },
      nGet: { status: 0 },
      printer: { printerStatus: 'NORMAL' },
    });
    expect(p.detail).toBeUndefined();
    // dcmprscp saw our N-GET of its Printer instance.
    const log = await scp.waitForLog(/N-GET RQ/, since);
    expect(log).toContain('1.2.840.10008.5.1.1.17');
    // Kept: the forward view shows it and takes its state; the conversation is an outbound run.
    const v = await forwardState(lb);
    expect(v.probe).toMatchObject({ id: p.id, result: 'answered', endedAt: p.endedAt });
    expect(v.upstream).toMatchObject({ state: 'reachable', last: { probe: p.id, at: p.endedAt } });
    expect(v.upstream.lastError).toBeUndefined();
    const run = (await lb.app.http.inject({ method: 'GET', url: `/api/outbound/${p.id}` })).json();
    expect(run).toMatchObject({ kind: 'probe', source: 'printer PROXY', ok: true });
    expect(run.report.messages.map((m: { type: string }) => m.type)).toEqual([
      'C-ECHO-RQ',
      'C-ECHO-RSP',
      'N-GET-RQ',
      'N-GET-RSP',
    ]);
    const listed = (await lb.app.http.inject({ method: 'GET', url: '/api/outbound?kind=probe' })).json();
    expect(listed.runs.map((x: { id: string }) => x.id)).toEqual([p.id]);
  }, 60_000);
});

describe('against a second Lightbox', () => {
  it("its printer WARNING, then FAILURE: the probe says so, with Printer Status Info and the printer's name", async () => {
    const real = await startRealPrinter({ stops });
    const lb = await front('b', real.dicomPort, REAL_PRINTER_AE);
    const set = (status: string, info?: string) =>
      real.app.http.inject({
        method: 'PUT',
        url: `/api/printers/${REAL_PRINTER_AE}/status`,
        payload: { status, ...(info ? { info } : {}) },
      });
    expect((await set('WARNING', 'SUPPLY LOW')).statusCode).toBe(200);
    const warned = (await probe(lb)).json();
    expect(warned).toMatchObject({
      result: 'answered',
      nGet: { status: 0 },
      printer: { printerStatus: 'WARNING', printerStatusInfo: 'SUPPLY LOW' },
    });
    expect(warned.printer.printerName).toBeTruthy();
    expect(warned.printer.manufacturer).toBeTruthy();
    expect((await set('FAILURE', 'FILM JAM')).statusCode).toBe(200);
    const failed = (await probe(lb)).json();
    expect(failed.printer).toMatchObject({ printerStatus: 'FAILURE', printerStatusInfo: 'FILM JAM' });
    expect(failed.id).not.toBe(warned.id);
    expect((await forwardState(lb)).probe.printer.printerStatus).toBe('FAILURE');
  }, 60_000);

  it('a wrong AE title there: rejected, with the reason in PS3.8 words', async () => {
    const real = await startRealPrinter({ stops });
    const lb = await front('c', real.dicomPort, 'NOSUCHPRINTER');
    const r = await probe(lb);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      result: 'rejected',
      state: 'unreachable',
      rejection: { result: 'permanent', source: 'service-user', reason: 'called-ae-title-not-recognized' },
    });
  }, 60_000);

  it('two at once: one association, both get the same probe', async () => {
    const real = await startRealPrinter({ stops });
    const lb = await front('d', real.dicomPort, REAL_PRINTER_AE, 'tee');
    const before = real.app.store.associations.list({}, { limit: 10, order: 'desc' }).items.length;
    const [a, b] = await Promise.all([probe(lb), probe(lb)]);
    expect(a.json().id).toBe(b.json().id);
    expect(a.json().result).toBe('answered');
    const after = real.app.store.associations.list({}, { limit: 10, order: 'desc' }).items.length;
    expect(after - before).toBe(1);
  }, 60_000);
});

describe('the printer absent', () => {
  it('a closed port: unreachable at once, the reason given; GET .../forward says unreachable with it', async () => {
    const lb = await front('e', await freePort(), 'NOBODY');
    const r = await probe(lb, { timeoutMs: 2000 });
    expect(r.statusCode).toBe(200);
    const p = r.json();
    expect(p).toMatchObject({ result: 'unreachable', state: 'unreachable', accepted: [] });
    expect(p.detail).toMatch(/ECONNREFUSED/);
    expect(p.echo).toBeUndefined();
    expect(p.ms).toBeLessThan(2000);
    const v = await forwardState(lb);
    expect(v.upstream).toMatchObject({
      state: 'unreachable',
      last: { probe: p.id },
      lastError: { probe: p.id, detail: p.detail },
    });
    const run = (await lb.app.http.inject({ method: 'GET', url: `/api/outbound/${p.id}` })).json();
    expect(run).toMatchObject({ kind: 'probe', ok: false });
    expect(run.outcome).toMatch(/^unreachable: .*ECONNREFUSED/);
  }, 30_000);

  it('a listener that never answers: timeout after timeoutMs, not later', async () => {
    const held: Socket[] = [];
    const silent = createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    stops.push(async () => {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    });
    const lb = await front('f', (silent.address() as { port: number }).port, 'SILENT');
    const r = await probe(lb, { timeoutMs: 500 });
    expect(r.statusCode).toBe(200);
    const p = r.json();
    expect(p).toMatchObject({ result: 'timeout', detail: 'no A-ASSOCIATE-AC within 500 ms' });
    expect(p.ms).toBeGreaterThanOrEqual(450);
    expect(p.ms).toBeLessThan(3000);
  }, 30_000);

  it('checks what it is asked: no such printer, a printer that does not forward, a timeout out of range', async () => {
    const dir = forwardingPrinters(join(work, 'g'), {
      aeTitle: 'PROXY',
      mode: 'proxy',
      port: 9,
      printerAe: 'X',
    });
    writeFileSync(join(dir, 'plain.yaml'), 'aeTitle: PLAIN\nname: a printer of its own\n');
    const lb = await startLightbox({ printersDir: dir, logLevel: 'warn', noRender: true });
    stops.push(() => lb.stop());
    expect((await probe(lb, {}, 'NOSUCH')).statusCode).toBe(404);
    const plain = await probe(lb, {}, 'PLAIN');
    expect(plain.statusCode).toBe(404);
    expect(plain.json().error).toBe('printer PLAIN does not forward');
    expect((await probe(lb, { timeoutMs: 60_000 })).statusCode).toBe(400);
  }, 30_000);
});
