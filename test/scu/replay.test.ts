/**
 * Replay end to end: a DCMTK W1 session (dcmpsprt + dcmprscu: 20 CT images on STANDARD\4,5) is
 * printed to Lightbox, then replayed from its record and film files to DCMTK's dcmprscp and to a
 * second Lightbox whose printer profile differs. Every request is sent again with the same
 * attributes and pixel bytes; the diff names exactly the messages whose answers differ, checked
 * against what each peer logged or recorded itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
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
