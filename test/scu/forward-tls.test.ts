/**
 * DICOM TLS toward the real printer (profile key `forward.tls`): a second Lightbox started with
 * --tls-cert/--tls-key (TLS only, client certificates required) stands in for the printer; DCMTK
 * prints W1 in plain TCP to the Lightbox in front of it, which proxies (or tees) over TLS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { Lightbox } from '../../src/lightbox.js';
import type { AssociationSummary } from '../../src/store/association-record.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { dcmPrint, generateImages, type TestImages } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { forwardingPrinters, startRealPrinter } from '../support/real-printer.js';

let work: string;
let certs: TestCerts;
let images: TestImages;
let printer: TestLightbox;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-forward-tls-'));
  certs = makeCerts(join(work, 'certs'));
  images = await generateImages(join(tmpdir(), 'lightbox-test-images'));
  printer = await startRealPrinter({
    stops,
    config: {
      tlsCert: certs.server.cert,
      tlsKey: certs.server.key,
      tlsCa: certs.ca.cert,
      tlsVerifyPeer: true,
      tlsPort: 0,
      tlsOnly: true,
    },
  });
}, 60_000);
afterAll(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

function printersDir(name: string, mode: 'tee' | 'proxy', tls: string): string {
  return forwardingPrinters(join(work, name), {
    aeTitle: 'FRONT',
    mode,
    port: printer.dicomPort,
    forward: { timeoutMs: 5000, retryMs: 200 },
    forwardYaml: `  tls:\n${tls}`,
  });
}

const clientTls = () =>
  `    ca: ${certs.ca.cert}\n    cert: ${certs.client.cert}\n    key: ${certs.client.key}\n`;

async function front(name: string, mode: 'tee' | 'proxy', tls: string): Promise<TestLightbox> {
  const lb = await startLightbox({
    printersDir: printersDir(name, mode, tls),
    logLevel: 'warn',
    noRender: true,
  });
  stops.push(() => lb.stop());
  return lb;
}

const w1 = (port: number, dir: string) =>
  dcmPrint(
    { port, calledAe: 'FRONT', columns: 4, rows: 5, images: images.ct, filmSize: '14INX17IN' },
    join(work, dir),
  );

async function until<T>(what: string, get: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function lastEnded(lb: TestLightbox): AssociationSummary | undefined {
  const item = lb.app.store.associations
    .list({}, { limit: 5, order: 'desc' })
    .items.find((a) => a.endedAt !== undefined);
  return item ? lb.app.store.associations.get(item.id) : undefined;
}

describe('forward.tls', () => {
  it('proxy over TLS with a client certificate: W1 prints at the TLS-only printer', async () => {
    const lb = await front('proxy', 'proxy', clientTls());
    const before = printer.app.store.films.totals().films;
    const r = await w1(lb.dicomPort, 'proxy-w1');
    expect(r.errors).toEqual([]);
    expect(r.exchanges.find((x) => x.request === 'N-ACTION')?.status).toBe(0);
    const there = await until('the printer record', () => {
      const a = lastEnded(printer);
      return a?.callingAeTitle === 'LIGHTBOXSCU' ? a : undefined;
    });
    expect(there.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
    expect(there.tls?.clientCertificate).toContain('modality-1');
    expect(printer.app.store.films.totals().films).toBe(before + 1);
    expect(lastEnded(lb)?.upstream).toMatchObject({ tls: true, ending: 'released' });
  }, 90_000);

  it('a printer certificate the CA does not sign: the modality gets rejected-transient, the record says why', async () => {
    const lb = await front('untrusted', 'proxy', `    ca: ${certs.otherCa.cert}\n`);
    const r = await w1(lb.dicomPort, 'untrusted-w1');
    expect(r.rejection).toMatchObject({ result: 'Rejected Transient' });
    const a = await until('the record', () => lastEnded(lb));
    expect(a.upstream?.detail).toMatch(/cannot connect to 127\.0\.0\.1:\d+: [A-Z_]*(CERT|SIGNATURE|ISSUER)/);
  }, 60_000);

  it('tee over TLS: the stored film is printed on at the TLS-only printer', async () => {
    const lb = await front('tee', 'tee', clientTls());
    const before = printer.app.store.films.totals().films;
    const r = await w1(lb.dicomPort, 'tee-w1');
    expect(r.exchanges.find((x) => x.request === 'N-ACTION')?.status).toBe(0);
    const done = await until('the forward', () =>
      lb.app.store.forwardQueue.list().find((q) => q.state !== 'queued'),
    );
    expect(done).toMatchObject({ state: 'done' });
    expect(printer.app.store.films.totals().films).toBe(before + 1);
    expect(lastEnded(printer)?.tls?.clientCertificate).toContain('modality-1');
  }, 90_000);

  it('a TLS file that cannot be read stops start-up with one line', async () => {
    const dir = printersDir('missing', 'proxy', `    ca: ${join(work, 'nope.pem')}\n`);
    const { config } = parseConfig([], {}, work);
    expect(
      () =>
        new Lightbox(
          { ...config, printersDir: dir, dataDir: join(work, 'missing-data') },
          pino({ level: 'silent' }),
        ),
    ).toThrow(/^printer FRONT: forward\.tls\.ca .*nope\.pem: ENOENT$/);
  });
});
