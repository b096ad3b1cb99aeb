/**
 * Replay end to end: a DCMTK W1 session (dcmpsprt + dcmprscu: 20 CT images on STANDARD\4,5) is
 * printed to Lightbox, then replayed from its record and film files to DCMTK's dcmprscp and to a
 * second Lightbox whose printer profile differs. Every request is sent again with the same
 * attributes and pixel bytes; the diff names exactly the messages whose answers differ, checked
 * against what each peer logged or recorded itself.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayStored } from '../../src/scu/replay.js';
import { replayJunit } from '../../src/scu/replay-junit.js';
import type { AssociationSummary } from '../../src/store/association-record.js';
import { dcmPrint, generateImages, type RefScp, startDcmprscp } from '../support/dcmprint.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
let other: TestLightbox;
let scp: RefScp;
let work: string;
let w1: AssociationSummary;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'lightbox-replay-'));
  [lb, other, scp] = await Promise.all([
    startLightbox({ logLevel: 'warn', noRender: true }),
    startLightbox({ logLevel: 'warn', noRender: true, printersDir: 'printers' }),
    startDcmprscp({ dir: join(work, 'dcmprscp') }),
  ]);
  const images = await generateImages(join(tmpdir(), 'lightbox-test-images'));
  const r = await dcmPrint(
    {
      port: lb.dicomPort,
      calledAe: 'LIGHTBOX',
      columns: 4,
      rows: 5,
      images: images.ct,
      filmSize: '14INX17IN',
    },
    join(work, 'w1'),
  );
  expect(r.errors).toEqual([]);
  await until(
    () => lb.app.store.associations.list({ active: false }, { limit: 5, order: 'desc' }).items.length === 1,
  );
  const id = lb.app.store.associations.list({}, { limit: 5, order: 'desc' }).items[0]!.id;
  w1 = lb.app.store.associations.get(id)!;
}, 120_000);

afterAll(async () => {
  await Promise.all([lb?.stop(), other?.stop(), scp?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const requests = (a: AssociationSummary) =>
  a.messages.filter((m) => m.direction === 'in' && m.type.endsWith('-RQ'));

describe('replay of a DCMTK W1 session', () => {
  it('to dcmprscp: the same requests and pixels; the differences are the statuses dcmprscp logged', async () => {
    const since = scp.log().length;
    const { id, report } = await replayStored(lb.app.store, w1, {
      host: '127.0.0.1',
      port: scp.port,
      aeTitle: 'PRINTSCP',
    });
    expect(report.error).toBeUndefined();
    expect(report.rows).toHaveLength(requests(w1).length);
    expect(
      report.rows.every((r) => r.notes.length === 0),
      JSON.stringify(report.rows.flatMap((r) => r.notes)),
    ).toBe(true);
    const log = scp.log().slice(since);
    // dcmprscp received the 20 image boxes, each with a 512x512 image of 524,288 bytes.
    const sets = log.match(/Message Type\s+: N-SET RQ/g) ?? [];
    expect(sets.length).toBe(20);
    expect((log.match(/\(7fe0,0010\) OW .*# 524288,/g) ?? []).length).toBe(20);
    // What dcmprscp answered, in order, from its own log.
    const logged = [
      ...log.matchAll(/Message Type\s+: (N-\w+) RSP[\s\S]*?DIMSE Status\s+: 0x([0-9a-fA-F]{4})/g),
    ].map((m) => `${m[1]} 0x${m[2]!.toUpperCase()}`);
    const replayed = report.run.steps
      .filter((s) => s.status !== undefined)
      .map((s) => `${s.operation} 0x${s.status!.toString(16).toUpperCase().padStart(4, '0')}`);
    expect(replayed).toEqual(logged);
    // The diff lists a status difference exactly where dcmprscp's status is not Lightbox's.
    const expected = report.rows.filter((r) => r.original.status !== r.replayed.status).map((r) => r.index);
    const listed = report.rows
      .filter((r) => r.differences.some((d) => d.what === 'status'))
      .map((r) => r.index);
    expect(listed).toEqual(expected);

    expect(lb.app.store.outbound.get(id)?.summary).toMatchObject({
      kind: 'replay',
      associationId: w1.id,
      ok: report.same,
    });
    const xml = replayJunit(report);
    expect(xml).toContain(`tests="${report.rows.length}"`);
    expect((xml.match(/<failure /g) ?? []).length).toBe(report.counts.differing);
  }, 60_000);

  it('to a Lightbox with a one-box profile: the 4,5 film box is refused and nothing after it is printed', async () => {
    const { report } = await replayStored(lb.app.store, w1, {
      host: '127.0.0.1',
      port: other.dicomPort,
      aeTitle: 'IHERESTRICTED',
    });

    // The second Lightbox's own record says what it answered.
    await expect
      .poll(
        () => other.app.store.associations.list({ active: false }, { limit: 5, order: 'desc' }).items.length,
      )
      .toBe(1);
    const rec = other.app.store.associations.get(
      other.app.store.associations.list({}, { limit: 5, order: 'desc' }).items[0]!.id,
    )!;
    const answered = rec.messages
      .filter((m) => m.direction === 'out' && m.type.endsWith('-RSP'))
      .map((m) => `${m.type} ${m.status}`);
    const replayed = report.run.steps
      .filter((s) => s.status !== undefined)
      .map((s) => `${s.operation}-RSP ${s.status}`);
    expect(replayed).toEqual(answered);
    const fb = report.rows.find((r) => r.operation === 'N-CREATE' && r.sopClassName === 'Basic Film Box')!;
    expect(fb.differences[0]).toMatchObject({ what: 'status', original: '0x0000' });
    expect(report.same).toBe(false);
  }, 60_000);
});

describe('replay over HTTP and from the command line', () => {
  const api = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${lb.httpPort}${path}`, init);
  const post = (path: string, body: unknown) =>
    api(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('POST /api/associations/{id}/replay answers the diff, kept under /api/outbound with its JUnit', async () => {
    const r = await post(`/api/associations/${w1.id}/replay`, {
      to: `127.0.0.1:${other.dicomPort}:IHERESTRICTED`,
    });
    expect(r.status).toBe(201);
    const body = (await r.json()) as { id: string; same: boolean; counts: { statusDiffers: number } };
    expect(body.same).toBe(false);
    expect(body.counts.statusDiffers).toBe(1);
    const list = (await (await api(`/api/outbound?association=${w1.id}`)).json()) as {
      runs: { id: string; outcome: string }[];
    };
    expect(list.runs.map((x) => x.id)).toContain(body.id);
    expect(list.runs.find((x) => x.id === body.id)?.outcome).toMatch(
      /first #3 N-CREATE Basic Film Box: status: 0x0000 -> 0x0106/,
    );
    const xml = await (await api(`/api/outbound/${body.id}/junit.xml`)).text();
    expect(xml).toMatch(/<testsuite name="replay association a\d+ -&gt; 127\.0\.0\.1:\d+:IHERESTRICTED"/);
    expect(xml).toContain('status: 0x0000 -&gt; 0x0106');
    const full = (await (await api(`/api/outbound/${body.id}`)).json()) as {
      kind: string;
      report: { rows: unknown[] };
    };
    expect(full.kind).toBe('replay');
    expect(full.report.rows).toHaveLength(requests(w1).length);
  }, 60_000);

  it('refuses a bad target, an unknown association, and a form post', async () => {
    expect((await post(`/api/associations/${w1.id}/replay`, { to: 'nohostport' })).status).toBe(400);
    expect((await post('/api/associations/a999/replay', { to: '127.0.0.1:104:X' })).status).toBe(404);
    const form = await api(`/api/associations/${w1.id}/replay`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'to=127.0.0.1:104:X',
    });
    expect(form.status).toBe(403);
  });

  it('lightbox replay conversation.json: the table, JSON and JUnit files, exit 1; made-up pixels are said', async () => {
    const { parseReplayArgs, replayCommand } = await import('../../src/scu/replay-command.js');
    const file = join(work, 'conversation.json');
    writeFileSync(file, await (await api(`/api/associations/${w1.id}/conversation.json`)).text());
    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
    const args = parseReplayArgs(
      [
        file,
        '--to',
        `127.0.0.1:${scp.port}:PRINTSCP`,
        '--json',
        'r.json',
        '--junit',
        'r.xml',
        '--data-dir',
        join(work, 'none'),
      ],
      {},
      work,
    );
    const code = await replayCommand(args, sink);
    const table = out.join('');
    expect(table).toMatch(/^replay of association a\d+ to 127\.0\.0\.1:\d+:PRINTSCP/);
    expect(table).toContain('note: PixelData: 524288 bytes not recorded, sent as a made-up pattern');
    const report = JSON.parse(readFileSync(join(work, 'r.json'), 'utf8')) as {
      same: boolean;
      rows: unknown[];
    };
    expect(code).toBe(report.same ? 0 : 1);
    expect(report.rows).toHaveLength(requests(w1).length);
    expect(readFileSync(join(work, 'r.xml'), 'utf8')).toContain('<testsuites');
    expect(() => parseReplayArgs([file], {}, work)).toThrow(/--to/);
  }, 60_000);
});

describe('print a stored film on another printer', () => {
  it('POST /api/films/{id}/print: the film at dcmprscp, its answers kept; lightbox print-film to a one-box printer exits 1', async () => {
    const film = lb.app.store.films.byAssociation(w1.id)[0]!;
    const since = scp.log().length;
    const r = await fetch(`http://127.0.0.1:${lb.httpPort}/api/films/${film.id}/print`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: `127.0.0.1:${scp.port}:PRINTSCP` }),
    });
    expect(r.status).toBe(201);
    const body = (await r.json()) as { id: string; ok: boolean; outcome: string };
    expect(body).toMatchObject({ ok: true, outcome: 'printed: N-ACTION 0x0000' });
    const log = scp.log().slice(since);
    expect((log.match(/\(7fe0,0010\) OW .*# 524288,/g) ?? []).length).toBe(20);
    expect(lb.app.store.outbound.get(body.id)?.summary).toMatchObject({
      kind: 'print',
      filmId: film.id,
      ok: true,
    });

    const { printFilmCommand } = await import('../../src/scu/print-film-command.js');
    const out: string[] = [];
    const sink = { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream;
    const code = await printFilmCommand(
      [film.id, '--to', `127.0.0.1:${other.dicomPort}:IHERESTRICTED`, '--data-dir', lb.app.store.dataDir],
      {},
      work,
      sink,
    );
    expect(code).toBe(1);
    expect(out.join('')).toMatch(/N-CREATE Basic Film Box: 0x0106/);
  }, 60_000);
});
