/**
 * A restart forgets nothing: films, print jobs with their states, associations with every message,
 * their verdicts (JSON and JUnit) and lab fault firings answer the same before and after, and new
 * association ids do not collide with old ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { printFilm } from '../support/print-session.js';
import { Scu } from '../support/scu.js';

const data = mkdtempSync(join(tmpdir(), 'lightbox-restart-'));
afterAll(() => rmSync(data, { recursive: true, force: true }));

const json = async (lb: TestLightbox, url: string) => {
  const r = await lb.app.http.inject({ url });
  expect(r.statusCode, url).toBe(200);
  return url.includes('format=junit') ? r.body : r.json();
};

/** Everything the API says about the past, read one listing and one detail at a time. */
async function snapshot(lb: TestLightbox) {
  const films = await json(lb, '/api/films?limit=1000');
  const jobs = await json(lb, '/api/jobs?limit=1000');
  const associations = await json(lb, '/api/associations?active=false&limit=1000');
  const each = (list: { id?: string; uid?: string }[], url: (x: string) => string) =>
    Promise.all(list.map((x) => json(lb, url((x.id ?? x.uid)!))));
  return {
    films,
    jobs,
    associations,
    filmDetails: await each(films, (id) => `/api/films/${id}`),
    jobDetails: await each(jobs, (uid) => `/api/jobs/${uid}`),
    conversations: await each(associations, (id) => `/api/associations/${id}`),
    verdicts: await each(associations, (id) => `/api/associations/${id}/verdict`),
    junit: await json(lb, '/api/verdicts?format=junit'),
    allVerdicts: await json(lb, '/api/verdicts'),
    firings: await json(lb, '/api/lab/firings'),
  };
}

it('films, jobs, associations with their messages and verdicts are the same after a restart', async () => {
  const first = await startLightbox({ dataDir: data, logLevel: 'silent' });
  let before: Awaited<ReturnType<typeof snapshot>>;
  try {
    // A refused print (an armed queue-full fault fires: no job), a print with a warning, a clean one.
    const armed = await first.app.http.inject({
      method: 'POST',
      url: '/api/lab/faults',
      payload: {
        kind: 'response',
        command: 'N-ACTION',
        status: '0xC602',
        errorComment: 'queue full',
        count: 1,
      },
    });
    expect(armed.statusCode).toBe(201);
    expect((await printFilm(first.dicomPort, { calling: 'CT1' })).status).toBe(0xc602);
    const warned = await printFilm(first.dicomPort, {
      calling: 'MR1',
      format: 'STANDARD\\1,2',
      images: [
        [64, 64],
        [32, 48],
      ],
      filmBox: { '20100130': { vr: 'US', Value: [400] } },
    });
    expect(warned.status).toBe(0);
    expect((await printFilm(first.dicomPort, { calling: 'CR1' })).status).toBe(0);
    // Settled: jobs finished, films rendered, associations ended.
    await expect
      .poll(
        async () =>
          (await json(first, '/api/jobs?limit=100')).map((j: { status: string }) => j.status).sort(),
        {
          timeout: 15_000,
        },
      )
      .toEqual(['DONE', 'DONE']);
    await expect
      .poll(async () => (await json(first, '/api/films')).map((f: { render: string }) => f.render), {
        timeout: 20_000,
      })
      .toEqual(['rendered', 'rendered']);
    await expect.poll(async () => (await json(first, '/api/associations?active=true')).length).toBe(0);
    before = await snapshot(first);
  } finally {
    await first.app.stop();
  }
  expect(before.films).toHaveLength(2);
  expect(before.associations).toHaveLength(3);
  expect(before.conversations[0].faults).toHaveLength(1);
  expect(before.firings).toMatchObject([
    { printer: 'LIGHTBOX', kind: 'response', association: before.associations[0].id },
  ]);
  expect(before.filmDetails.every((f: { outcome?: object }) => f.outcome)).toBe(true);

  const second = await startLightbox({ dataDir: data, logLevel: 'silent' });
  try {
    expect(await snapshot(second)).toEqual(before);
    // New associations get new ids.
    const s = await Scu.open(second.dicomPort, { abstractSyntaxes: ['1.2.840.10008.1.1'] });
    await s.release();
    s.destroy();
    await expect.poll(async () => (await json(second, '/api/associations?limit=1000')).length).toBe(4);
    const ids = (await json(second, '/api/associations?limit=1000')).map((a: { id: string }) => a.id);
    expect(new Set(ids).size).toBe(4);
  } finally {
    await second.app.stop();
  }
});
