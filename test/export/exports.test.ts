/**
 * Exports end to end against real peers started here: a hot folder, a private Orthanc through
 * STOW-RS (basic auth) and C-STORE, and DCMTK's storescp. A peer that is down or refuses never
 * loses an export: it is retried, shown failed with the peer's answer, and sent once the peer is
 * back, across a restart of Lightbox too.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { Uid } from '../../src/dicom/uids.js';
import { Lightbox } from '../../src/lightbox.js';
import { printFilm } from '../support/print-session.js';
import { run } from '../support/rendered-film.js';
import { ORTHANC_PASSWORD, ORTHANC_USER, Orthanc, StoreScp } from '../support/store-peers.js';

interface ExportView {
  id: number;
  target: string;
  state: string;
  attempts: number;
  error?: string;
  nextAttemptAt?: string;
}

let work: string;
let orthanc: Orthanc;
let scp: StoreScp;
let lb: Lightbox;
let config: Config;

function configFor(dataDir: string): Config {
  return {
    dicomPort: 0,
    httpPort: 0,
    host: '127.0.0.1',
    dataDir,
    printersDir: join(work, 'printers'),
    maxPduLength: 256 * 1024,
    maxAssociations: 64,
    maxDatasetBytes: 64 * 1024 * 1024,
    artimTimeoutMs: 5000,
    idleTimeoutMs: 30_000,
    shutdownGraceMs: 2000,
    logLevel: 'warn',
    dumpMessages: false,
    noRender: false,
    apiToken: undefined,
    exportRetryBaseMs: 300,
    exportRetryMaxMs: 1500,
  };
}

async function startLb(): Promise<Lightbox> {
  const l = new Lightbox(config, pino({ level: 'silent' }));
  await l.start();
  return l;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-export-'));
  [orthanc, scp] = await Promise.all([
    Orthanc.start(join(work, 'orthanc')),
    StoreScp.start(join(work, 'storescp')),
  ]);
  const printers = join(work, 'printers');
  const hot = join(work, 'hot');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(printers);
  writeFileSync(
    join(printers, 'web.yaml'),
    `aeTitle: WEB
name: Exports over DICOMweb and to a hot folder
export:
  - { name: folder, type: directory, path: ${hot}, formats: [pdf, dicom] }
  - name: orthanc-web
    type: stow-rs
    url: ${orthanc.url}/dicom-web
    username: ${ORTHANC_USER}
    password: ${ORTHANC_PASSWORD}
`,
  );
  writeFileSync(
    join(printers, 'dimse.yaml'),
    `aeTitle: DIMSE
name: Exports over C-STORE
export:
  - { name: orthanc-dimse, type: c-store, aeTitle: ORTHANC, host: 127.0.0.1, port: ${orthanc.dicomPort} }
  - { name: storescp, type: c-store, aeTitle: ${scp.aeTitle}, host: 127.0.0.1, port: ${scp.port}, transferSyntax: implicit-vr-little-endian }
`,
  );
  config = configFor(join(work, 'data'));
  lb = await startLb();
}, 60_000);

afterAll(async () => {
  await lb?.stop();
  await Promise.all([orthanc?.stop(), scp?.stop()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Print one film on a printer; its id. */
async function print(called: string): Promise<string> {
  const before = new Set(lb.store.films.list({}, { limit: 1000, order: 'asc' }).items.map((f) => f.id));
  const p = await printFilm(lb.dicom.port, {
    called,
    filmSize: '8INX10IN',
    format: 'STANDARD\\1,1',
    images: [[256, 256]],
  });
  expect(p.status).toBe(0);
  const f = lb.store.films.list({}, { limit: 1000, order: 'asc' }).items.find((x) => !before.has(x.id));
  return f!.id;
}

async function exportsOf(id: string): Promise<ExportView[]> {
  const r = await lb.http.inject({ url: `/api/films/${id}` });
  return (r.json() as { exports: ExportView[] }).exports;
}

async function until(
  id: string,
  target: string,
  ok: (e: ExportView) => boolean,
  timeout = 30_000,
): Promise<ExportView> {
  let last: ExportView | undefined;
  await expect
    .poll(
      async () => {
        last = (await exportsOf(id)).find((e) => e.target === target);
        return last !== undefined && ok(last);
      },
      { timeout, interval: 100 },
    )
    .toBe(true);
  return last!;
}

const orthancInstances = async () => (await orthanc.get('/instances')) as string[];

describe('exports', () => {
  it('a film printed on WEB lands in the hot folder (PDF + DICOM) and in Orthanc over STOW-RS at its pixel size', async () => {
    const id = await print('WEB');
    // Stored with the film, before the N-ACTION was answered.
    expect(lb.store.exports.forFilm(id).map((e) => e.target)).toEqual(['folder', 'orthanc-web']);
    const before = await orthancInstances();
    await until(id, 'folder', (e) => e.state === 'sent');
    const web = await until(id, 'orthanc-web', (e) => e.state === 'sent');
    expect(web.attempts).toBe(1);
    const hot = join(work, 'hot');
    expect(readdirSync(hot).sort()).toEqual(expect.arrayContaining([`${id}.dcm`, `${id}.pdf`]));
    expect(readdirSync(hot).filter((n) => n.startsWith('.'))).toEqual([]);
    const { stdout: info } = await run('pdfinfo', [join(hot, `${id}.pdf`)]);
    expect(info).toMatch(/Page size:\s+576 x 720 pts/); // 8 x 10 in
    const added = (await orthancInstances()).filter((i) => !before.includes(i));
    expect(added.length).toBe(1);
    const tags = (await orthanc.get(`/instances/${added[0]}/simplified-tags`)) as Record<string, string>;
    const render = lb.store.filmFiles.local(id);
    expect(tags.SOPClassUID).toBe(Uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage);
    expect(tags.Modality).toBe('HC');
    expect(existsSync(join(render, 'film.png'))).toBe(true);
    expect([Number(tags.Columns), Number(tags.Rows)]).toEqual([2560, 3200]); // 8 x 10 in at 320 dpi
  }, 60_000);

  it('a film printed on DIMSE goes to Orthanc and storescp over C-STORE (implicit VR for storescp)', async () => {
    const id = await print('DIMSE');
    await until(id, 'orthanc-dimse', (e) => e.state === 'sent');
    await until(id, 'storescp', (e) => e.state === 'sent');
    const files = readdirSync(scp.dir).filter((n) => !n.startsWith('.'));
    expect(files.length).toBeGreaterThan(0);
    const { stdout } = await run('dcmdump', ['-Un', '-M', join(scp.dir, files.at(-1)!)]);
    expect(stdout).toContain('(0028,0010) US 3200');
    expect(stdout).toContain('(0028,0011) US 2560');
    expect(stdout).toMatch(/\(0002,0010\) UI \[1\.2\.840\.10008\.1\.2\]/);
    const metrics = (await lb.http.inject({ url: '/metrics' })).body;
    expect(metrics).toContain(
      'lightbox_export_attempts_total{target="storescp",kind="c-store",result="sent"}',
    );
    expect(metrics).toMatch(/lightbox_exports\{target="orthanc-dimse",state="sent"\} \d+/);
  }, 60_000);

  it('storescp down: retried, failed with the reason, sent once it is back', async () => {
    await scp.stop();
    const id = await print('DIMSE');
    const failed = await until(id, 'storescp', (e) => e.state === 'failed' && e.attempts >= 2);
    expect(failed.error).toMatch(/ECONNREFUSED|connect/);
    expect(failed.nextAttemptAt).toBeDefined();
    const metrics = (await lb.http.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(
      /lightbox_export_attempts_total\{target="storescp",kind="c-store",result="failed"\} [2-9]/,
    );
    await scp.start();
    const sent = await until(id, 'storescp', (e) => e.state === 'sent');
    expect(sent.error).toBeUndefined();
  }, 60_000);

  it('refusals: storescp 0xA700 (it cannot write), Orthanc STOW-RS 403; shown, retried, sent once taken', async () => {
    scp.refuse(true);
    orthanc.refuse(true);
    try {
      const dimse = await print('DIMSE');
      const web = await print('WEB');
      const c = await until(dimse, 'storescp', (e) => e.state === 'failed' && e.attempts >= 2);
      expect(c.error).toMatch(/C-STORE status 0xA700/);
      const s = await until(web, 'orthanc-web', (e) => e.state === 'failed' && e.attempts >= 2);
      expect(s.error).toMatch(/HTTP 403/);
      // What the console shows: the film's exports with the peer's answer.
      const listed = (await lb.http.inject({ url: '/api/exports?state=failed' })).json() as {
        exports: ExportView[];
      };
      expect(listed.exports.map((e) => e.target)).toEqual(
        expect.arrayContaining(['storescp', 'orthanc-web']),
      );
      scp.refuse(false);
      orthanc.refuse(false);
      await until(dimse, 'storescp', (e) => e.state === 'sent');
      await until(web, 'orthanc-web', (e) => e.state === 'sent');
    } finally {
      scp.refuse(false);
      orthanc.refuse(false);
    }
  }, 90_000);

  it('Orthanc stopped across a Lightbox restart: the export waits in the store and is sent after both are back', async () => {
    const known = (await orthancInstances()).length;
    await orthanc.stop();
    const id = await print('WEB');
    await until(id, 'orthanc-web', (e) => e.state === 'failed');
    await lb.stop();
    lb = await startLb();
    await orthanc.start();
    const sent = await until(id, 'orthanc-web', (e) => e.state === 'sent');
    expect(sent.attempts).toBeGreaterThanOrEqual(1);
    expect((await orthancInstances()).length).toBe(known + 1);
  }, 90_000);

  it('sent again by hand: POST /api/exports/{id}/resend (control: application/json)', async () => {
    const id = await print('WEB');
    const sent = await until(id, 'folder', (e) => e.state === 'sent');
    const pdf = join(work, 'hot', `${id}.pdf`);
    rmSync(pdf);
    const r = await lb.http.inject({
      method: 'POST',
      url: `/api/exports/${sent.id}/resend`,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.statusCode, r.body).toBe(200);
    await until(id, 'folder', (e) => e.state === 'sent' && e.attempts === 1);
    await expect.poll(() => existsSync(pdf)).toBe(true);
    const list = (await lb.http.inject({ url: '/api/exports?target=folder' })).json() as {
      exports: ExportView[];
    };
    expect(list.exports.some((e) => e.id === sent.id)).toBe(true);
    expect(
      (
        await lb.http.inject({
          method: 'POST',
          url: '/api/exports/999999/resend',
          headers: { 'content-type': 'application/json' },
        })
      ).statusCode,
    ).toBe(404);
  }, 60_000);
});
