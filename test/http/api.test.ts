/** The HTTP API through fastify's inject(): printers and their status, films, safety. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DcmDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { grayImage, Scu } from '../support/scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;
let lb: TestLightbox;
let filmId: string;

beforeAll(async () => {
  lb = await startLightbox({ logLevel: 'warn' });
  // One printed film to look at.
  const s = await Scu.open(lb.dicomPort, { abstractSyntaxes: [META], calling: 'APISCU' });
  const sid = (await s.nCreate(META, Uid.BasicFilmSession, {})).command.affectedSopInstanceUid!;
  const fb = await s.nCreate(META, Uid.BasicFilmBox, {
    '20100500': {
      vr: 'SQ',
      Value: [
        { '00081150': { vr: 'UI', Value: [Uid.BasicFilmSession] }, '00081155': { vr: 'UI', Value: [sid] } },
      ],
    },
    '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
    '20100050': { vr: 'CS', Value: ['8INX10IN'] },
  });
  const box = String((fb.dataset!['20100510']!.Value as DcmDataset[])[0]!['00081155']!.Value![0]);
  await s.nSet(META, Uid.BasicGrayscaleImageBox, box, {
    '20200010': { vr: 'US', Value: [1] },
    '20200110': { vr: 'SQ', Value: [grayImage(32, 32)] },
  });
  await s.nAction(META, Uid.BasicFilmBox, fb.command.affectedSopInstanceUid!);
  await s.release();
  // Wait for the film to be rendered (expect.poll is for tests, not hooks).
  const until = Date.now() + 20_000;
  for (;;) {
    const films = (await lb.app.http.inject({ url: '/api/films' })).json() as {
      id: string;
      render: string;
    }[];
    filmId = films[0]?.id ?? '';
    if (films[0]?.render === 'rendered') break;
    if (Date.now() > until) throw new Error(`film not rendered: ${JSON.stringify(films)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});
afterAll(async () => {
  await lb?.stop();
});

const http = () => lb.app.http;

describe('printers', () => {
  it('lists the printers with their live status', async () => {
    const r = await http().inject({ url: '/api/printers' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual([
      expect.objectContaining({ aeTitle: 'LIGHTBOX', status: 'NORMAL', statusInfo: 'NORMAL' }),
    ]);
  });

  it('shows one printer with its capabilities; unknown -> 404 JSON', async () => {
    const r = await http().inject({ url: '/api/printers/LIGHTBOX' });
    expect(r.json().capabilities.density).toEqual({ min: 20, max: 320, defaultMin: 20, defaultMax: 320 });
    const missing = await http().inject({ url: '/api/printers/NOPE' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'no printer NOPE' });
  });

  it('sets the status (loopback: no token needed): N-EVENT-REPORT to open associations, N-GET sees it', async () => {
    const s = await Scu.open(lb.dicomPort, { abstractSyntaxes: [META] });
    try {
      const r = await http().inject({
        method: 'PUT',
        url: '/api/printers/LIGHTBOX/status',
        payload: { status: 'FAILURE', info: 'FILM JAM' },
      });
      expect(r.statusCode).toBe(200);
      expect(r.json()).toMatchObject({ status: 'FAILURE', statusInfo: 'FILM JAM' });
      const [event] = await s.waitEvents(1);
      expect(event).toMatchObject({ sopClassUid: Uid.Printer, eventTypeId: 3 });
      const get = await s.nGet(META, Uid.Printer, Uid.PrinterInstance, [0x21100010, 0x21100020]);
      expect(get.dataset!['21100020']!.Value).toEqual(['FILM JAM']);
    } finally {
      await http().inject({
        method: 'PUT',
        url: '/api/printers/LIGHTBOX/status',
        payload: { status: 'NORMAL' },
      });
      s.destroy();
    }
  });

  it('validates the body: bad status 400, missing info for WARNING 400', async () => {
    const bad = await http().inject({
      method: 'PUT',
      url: '/api/printers/LIGHTBOX/status',
      payload: { status: 'BROKEN' },
    });
    expect(bad.statusCode).toBe(400);
    const noInfo = await http().inject({
      method: 'PUT',
      url: '/api/printers/LIGHTBOX/status',
      payload: { status: 'WARNING' },
    });
    expect(noInfo.statusCode).toBe(400);
  });
});

describe('print jobs', () => {
  it('lists jobs from the printers with their films; filters by printer, calling AE, date, status', async () => {
    const all = (await http().inject({ url: '/api/jobs' })).json();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({
      printer: 'LIGHTBOX',
      originator: 'APISCU',
      // The printer-status test above may have failed it while printing (the profile's whenFailed).
      status: expect.stringMatching(/^(PENDING|PRINTING|DONE|FAILURE)$/),
      films: [filmId],
      copies: 1,
    });
    const q = async (query: string) => (await http().inject({ url: `/api/jobs?${query}` })).json().length;
    expect(await q('printer=LIGHTBOX')).toBe(1);
    expect(await q('printer=OTHER')).toBe(0);
    expect(await q('callingAe=APISCU')).toBe(1);
    expect(await q('callingAe=OTHER')).toBe(0);
    expect(await q('since=2000-01-01')).toBe(1);
    expect(await q('since=2999-01-01T00:00:00Z')).toBe(0);
    expect(await q(`status=${all[0].status}`)).toBe(1);
    expect((await http().inject({ url: '/api/jobs?status=LOST' })).statusCode).toBe(400);
    expect((await http().inject({ url: '/api/jobs?since=yesterday' })).statusCode).toBe(400);
  });

  it('shows one job; unknown or malformed ids are JSON 404/400', async () => {
    const [job] = (await http().inject({ url: '/api/jobs' })).json();
    const detail = (await http().inject({ url: `/api/jobs/${job.uid}` })).json();
    // The detail adds every state the job went through, oldest first.
    expect(detail).toEqual({ ...job, history: expect.any(Array) });
    expect(detail.history[0]).toMatchObject({ status: 'PENDING', info: 'QUEUED' });
    expect(detail.history.at(-1)).toMatchObject({ status: job.status, info: job.statusInfo });
    const missing = await http().inject({ url: '/api/jobs/1.2.3' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'no print job 1.2.3' });
    expect((await http().inject({ url: '/api/jobs/..%2Fetc' })).statusCode).toBe(400);
  });
});

describe('films', () => {
  it('filters films by render status; a film shows what happened to each box', async () => {
    expect((await http().inject({ url: '/api/films?status=rendered' })).json()).toHaveLength(1);
    expect((await http().inject({ url: '/api/films?status=pending' })).json()).toEqual([]);
    expect((await http().inject({ url: '/api/films?status=lost' })).statusCode).toBe(400);
    const one = (await http().inject({ url: `/api/films/${filmId}` })).json();
    expect(one.renderStatus).toBe('rendered');
    expect(one.outcome.boxes).toEqual([
      expect.objectContaining({
        position: 1,
        fates: ['fits'],
        status: expect.objectContaining({
          hex: '0000',
          category: 'success',
          source: 'conversation',
          message: 'N-SET-RSP',
        }),
      }),
    ]);
    expect(one.outcome.filmBox.statuses.map((s: { message: string }) => s.message)).toContain('N-ACTION-RSP');
  });

  it('lists films with filters, shows one with its records', async () => {
    const all = (await http().inject({ url: '/api/films' })).json();
    expect(all[0]).toMatchObject({
      id: filmId,
      printer: 'LIGHTBOX',
      callingAeTitle: 'APISCU',
      render: 'rendered',
    });
    expect((await http().inject({ url: '/api/films?callingAe=OTHER' })).json()).toEqual([]);
    const one = (await http().inject({ url: `/api/films/${filmId}` })).json();
    expect(one.film.filmBox.matrix).toMatchObject({ width: 2560, height: 3200 });
    expect(one.render.width).toBe(2560);
  });

  it('serves the PNGs and records; nothing outside the fixed list or the data directory', async () => {
    const png = await http().inject({ url: `/api/films/${filmId}/thumb.png` });
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    for (const url of [
      `/api/films/${filmId}/box-001.raw`,
      `/api/films/${filmId}/..%2F..%2Fetc%2Fpasswd`,
      '/api/films/..%2F..%2Fetc/film.json',
      '/api/films/%2E%2E/film.json',
    ]) {
      const r = await http().inject({ url });
      expect([400, 404], url).toContain(r.statusCode);
      expect(r.headers['content-type'], url).toMatch(/json/);
    }
  });

  it('serves the film as a tile pyramid: geometry at once, tiles made on first request, bad ones 404', async () => {
    const g = await http().inject({ url: `/api/films/${filmId}/tiles` });
    expect(g.statusCode).toBe(200);
    const { width, height, tileSize, levels, version } = g.json();
    expect([width, height, tileSize]).toEqual([2560, 3200, 512]); // 8INX10IN at 320 dpi
    expect(levels).toBe(13);
    const tile = await http().inject({ url: `/api/films/${filmId}/tiles/12/4_6.png?v=${version}` });
    expect(tile.statusCode).toBe(200);
    expect(tile.headers['content-type']).toBe('image/png');
    expect(tile.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    for (const url of [
      `/api/films/${filmId}/tiles/12/5_0.png`, // column 5 of 5 (0..4)
      `/api/films/${filmId}/tiles/13/0_0.png`,
      `/api/films/${filmId}/tiles/12/0_0.jpg`,
      `/api/films/${filmId}/tiles/12/..%2F..%2Ffilm.json`,
      '/api/films/20991231-000000-000/tiles',
    ]) {
      const r = await http().inject({ url });
      expect([400, 404], url).toContain(r.statusCode);
      expect(r.headers['content-type'], url).toMatch(/json/);
    }
  });

  it('deletes a film (loopback), then 404', async () => {
    const del = await http().inject({ method: 'DELETE', url: `/api/films/${filmId}` });
    expect(del.statusCode).toBe(204);
    expect((await http().inject({ url: `/api/films/${filmId}` })).statusCode).toBe(404);
  });

  it('unknown routes answer JSON 404', async () => {
    const r = await http().inject({ url: '/api/nothing' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toMatchObject({ error: 'not found' });
  });
});

describe('associations', () => {
  it('lists live and ended associations; one shows every DIMSE message with its status', async () => {
    const list = (await http().inject({ url: '/api/associations?callingAe=APISCU' })).json();
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ calledAeTitle: 'LIGHTBOX', printer: 'LIGHTBOX', ending: 'released' });
    expect(list[0].messageCount).toBe(8); // four requests, four responses
    expect(list[0]).toMatchObject({ warnings: 0, failures: 0 });
    const one = (await http().inject({ url: `/api/associations/${list[0].id}` })).json();
    const requests = one.messages
      .filter((m: { direction: string }) => m.direction === 'in')
      .map((m: { type: string }) => m.type);
    expect(requests).toEqual(['N-CREATE-RQ', 'N-CREATE-RQ', 'N-SET-RQ', 'N-ACTION-RQ']);
    const responses = one.messages.filter((m: { direction: string }) => m.direction === 'out');
    expect(responses.every((m: { status: number }) => m.status === 0)).toBe(true);
    // Explained for readers; the recorded data set passes the response schema untouched.
    expect(responses[1]).toMatchObject({
      sopClassName: 'BasicFilmBox',
      statusInfo: { hex: '0000', name: 'Success', category: 'success' },
    });
    const createFilmBox = one.messages.find(
      (m: { type: string; sopClassName?: string }) =>
        m.type === 'N-CREATE-RQ' && m.sopClassName === 'BasicFilmBox',
    );
    expect(JSON.stringify(createFilmBox.attributes)).toContain('8INX10IN');
    const file = await http().inject({ url: `/api/associations/${list[0].id}/conversation.json` });
    expect(file.headers['content-disposition']).toMatch(
      /attachment; filename="lightbox-a\d+-conversation.json"/,
    );
    expect(file.json().id).toBe(list[0].id);
  });

  it('shows an open association as active', async () => {
    const s = await Scu.open(lb.dicomPort, { abstractSyntaxes: [META], calling: 'LIVESCU' });
    try {
      const live = (await http().inject({ url: '/api/associations?active=true&callingAe=LIVESCU' })).json();
      expect(live).toHaveLength(1);
      expect(live[0].state).toBe('Sta6');
    } finally {
      s.destroy();
    }
    expect((await http().inject({ url: '/api/associations/a999999' })).statusCode).toBe(404);
    expect((await http().inject({ url: '/api/associations/../etc' })).statusCode).toBeGreaterThanOrEqual(400);
  });
});

describe('OpenAPI', () => {
  it('describes the API from the routes’ own schemas', async () => {
    const r = await http().inject({ url: '/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/api/printers',
        '/api/printers/{ae}/status',
        '/api/films',
        '/api/films/{id}/{file}',
        '/api/associations/{id}',
        '/api/jobs',
        '/api/jobs/{id}',
        '/api/events',
        '/api/control',
        '/api/session',
        '/metrics',
      ]),
    );
    // Every route documents what it answers (a body schema, or 204 No Content).
    type Op = { responses: Record<string, { content?: object }> };
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Op>>))
      for (const [method, op] of Object.entries(ops)) {
        const ok = Object.entries(op.responses).filter(([code]) => code.startsWith('2'));
        expect(ok.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const [code, r] of ok)
          expect(code === '204' || r.content, `${method} ${path} ${code}`).toBeTruthy();
      }
    expect(
      doc.paths['/api/films/{id}'].get.responses['200'].content['application/json'].schema.properties,
    ).toHaveProperty('outcome');
    const put = doc.paths['/api/printers/{ae}/status'].put;
    expect(put.requestBody.content['application/json'].schema.properties.status.enum).toEqual([
      'NORMAL',
      'WARNING',
      'FAILURE',
    ]);
  });
});
