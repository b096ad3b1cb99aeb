/** /api/lab through fastify's inject(): scenarios, faults, errors, the control policy, OpenAPI. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

const SHIPPED = resolve(dirname(fileURLToPath(import.meta.url)), '../../scenarios');
let lb: TestLightbox;
let printersDir: string;

beforeAll(async () => {
  printersDir = mkdtempSync(join(tmpdir(), 'lightbox-lab-http-'));
  writeFileSync(join(printersDir, 'other.yaml'), 'aeTitle: OTHER\nname: Other printer\n');
  lb = await startLightbox({ logLevel: 'warn', printersDir, scenariosDir: SHIPPED });
});
afterAll(async () => {
  await lb?.stop();
  rmSync(printersDir, { recursive: true, force: true });
});
afterEach(async () => {
  await http().inject({ method: 'DELETE', url: '/api/lab/faults' });
  for (const p of lb.app.printers) p.runtime.setStatus('NORMAL', 'NORMAL');
});

const http = () => lb.app.http;
/** A control POST as curl and the console send it: JSON, with or without a body. */
const post = (url: string, payload?: object) =>
  http().inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
const armed = async () =>
  (await http().inject({ url: '/api/lab/faults' })).json() as {
    printer: string;
    faults: { id: string; kind: string; remaining: number | null; fired: number; source: string }[];
  }[];

describe('scenarios', () => {
  it('lists the shipped scenarios with their descriptions and faults', async () => {
    const r = await http().inject({ url: '/api/lab/scenarios' });
    expect(r.statusCode).toBe(200);
    const queueFull = r.json().find((s: { name: string }) => s.name === 'queue-full');
    expect(queueFull).toMatchObject({
      description: expect.stringMatching(/^Print queue full/),
      printers: null,
      faults: [
        { kind: 'response', description: expect.stringContaining('0xC602') },
        { kind: 'response', description: expect.stringContaining('0xC601') },
      ],
    });
  });

  it('loading one arms its faults on every printer, or on the one asked for', async () => {
    const r = await post('/api/lab/scenarios/queue-full');
    expect(r.statusCode).toBe(200);
    expect(r.json().armed.map((f: { printer: string }) => f.printer)).toEqual([
      'LIGHTBOX',
      'OTHER',
      'LIGHTBOX',
      'OTHER',
    ]);
    await http().inject({ method: 'DELETE', url: '/api/lab/faults' });
    const one = await post('/api/lab/scenarios/film-jam-mid-job?printer=OTHER');
    expect(one.json()).toMatchObject({
      scenario: 'film-jam-mid-job',
      armed: [
        { printer: 'OTHER', kind: 'printer-status', source: 'scenario film-jam-mid-job', remaining: 1 },
      ],
    });
    expect((await armed()).find((p) => p.printer === 'LIGHTBOX')!.faults).toEqual([]);
  });

  it('unknown scenario or printer: 404 JSON', async () => {
    expect((await post('/api/lab/scenarios/nope')).json()).toEqual({ error: 'no scenario nope' });
    const r = await post('/api/lab/scenarios/queue-full?printer=NOPE');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: 'no printer NOPE' });
    const fault = await post('/api/lab/faults', { printer: 'NOPE', kind: 'delay', ms: 5 });
    expect([fault.statusCode, fault.json()]).toEqual([404, { error: 'no printer NOPE' }]);
    expect(await armed()).toEqual([
      { printer: 'LIGHTBOX', faults: [] },
      { printer: 'OTHER', faults: [] },
    ]);
  });
});

describe('faults', () => {
  it('arms one (201), lists it with remaining and fired, deletes it by id', async () => {
    const r = await post('/api/lab/faults', {
      printer: 'LIGHTBOX',
      kind: 'response',
      command: 'N-SET',
      sopClass: 'Basic Grayscale Image Box',
      status: '0xC605',
      count: 2,
    });
    expect(r.statusCode).toBe(201);
    const [f] = r.json().armed;
    expect(f).toMatchObject({
      printer: 'LIGHTBOX',
      kind: 'response',
      description: 'next 2 N-SET on Basic Grayscale Image Box answers 0xC605 Insufficient memory',
      source: 'http',
      count: 2,
      remaining: 2,
      fired: 0,
      active: true,
      fault: { kind: 'response', status: '0xC605', count: 2 },
    });
    expect((await armed())[0]!.faults.map((x) => x.id)).toEqual([f.id]);
    const del = await http().inject({ method: 'DELETE', url: `/api/lab/faults/${f.id}` });
    expect(del.json().removed.id).toBe(f.id);
    expect((await http().inject({ method: 'DELETE', url: `/api/lab/faults/${f.id}` })).statusCode).toBe(404);
  });

  it('without a printer: every printer gets its own copy; DELETE ?printer= clears one', async () => {
    const r = await post('/api/lab/faults', { kind: 'delay', ms: 10 });
    expect(r.json().armed).toHaveLength(2);
    const del = await http().inject({ method: 'DELETE', url: '/api/lab/faults?printer=OTHER' });
    expect(del.json()).toEqual({ removed: 1 });
    expect((await armed()).map((p) => p.faults.length)).toEqual([1, 0]);
  });

  it.each([
    [{ kind: 'response' }, /"\/: must have required property 'status'"/],
    [{ kind: 'delay', ms: 5, speed: 'slow' }, /must NOT have additional properties/],
    [{ kind: 'nap' }, /"\/kind: must be one of response, delay, drop/],
    [
      { kind: 'response', status: 'C605', sopClass: 'Toaster' },
      /"\/sopClass: unknown SOP class \\"Toaster\\"/,
    ],
    [{ kind: 'response', status: 'C777' }, /0xC777 is not in the status table/],
  ])('bad body %j: 400 saying why', async (body, why) => {
    const r = await post('/api/lab/faults', body);
    expect(r.statusCode).toBe(400);
    expect(JSON.stringify(r.json())).toMatch(why);
  });

  it('a flap disarmed early leaves the printer NORMAL; status now sets it at once', async () => {
    await post('/api/lab/faults', {
      printer: 'LIGHTBOX',
      kind: 'status-flapping',
      status: 'FAILURE',
      info: 'PRINTER OFFLINE',
      everyMs: 50,
      flaps: 100,
    });
    const p = lb.app.printers.find((x) => x.caps.aeTitle === 'LIGHTBOX')!.runtime;
    await expect.poll(() => p.status, { timeout: 10_000 }).toBe('FAILURE');
    await http().inject({ method: 'DELETE', url: '/api/lab/faults' });
    expect(p.status).toBe('NORMAL');
    await new Promise((r) => setTimeout(r, 120));
    expect(p.status).toBe('NORMAL');
    await post('/api/lab/faults', {
      printer: 'LIGHTBOX',
      kind: 'printer-status',
      when: 'now',
      status: 'WARNING',
      info: 'SUPPLY LOW',
    });
    expect([p.status, p.statusInfo]).toEqual(['WARNING', 'SUPPLY LOW']);
  });

  it('arming and disarming go out as events (the console shows what curl or CI changed)', async () => {
    const seen: { type: string; fault?: string }[] = [];
    const off = lb.app.events.subscribe((e) => {
      if (e.type === 'fault.armed' || e.type === 'fault.disarmed')
        seen.push({ type: e.type, fault: e.fault });
    });
    const r = await post('/api/lab/faults', {
      printer: 'LIGHTBOX',
      kind: 'delay',
      command: 'N-ACTION',
      ms: 10,
    });
    const id = r.json().armed[0].id as string;
    await http().inject({ method: 'DELETE', url: `/api/lab/faults/${id}` });
    off();
    expect(seen).toEqual([
      { type: 'fault.armed', fault: id },
      { type: 'fault.disarmed', fault: id },
    ]);
  });

  it('fault.fired events go out on the event bus', async () => {
    const seen: unknown[] = [];
    const off = lb.app.events.subscribe((e) => {
      if (e.type === 'fault.fired') seen.push(e);
    });
    await post('/api/lab/faults', {
      printer: 'OTHER',
      kind: 'printer-status',
      when: 'now',
      status: 'WARNING',
      info: 'SUPPLY LOW',
    });
    off();
    expect(seen).toEqual([
      expect.objectContaining({
        type: 'fault.fired',
        printer: 'OTHER',
        kind: 'printer-status',
        description: expect.stringMatching(/^f\d+ printer WARNING SUPPLY LOW now/),
      }),
    ]);
  });

  it('the OpenAPI description has the lab routes and the fault kinds', async () => {
    const doc = (await http().inject({ url: '/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/lab/scenarios',
        '/api/lab/scenarios/{name}',
        '/api/lab/faults',
        '/api/lab/faults/{id}',
      ]),
    );
    const body = doc.paths['/api/lab/faults'].post.requestBody.content['application/json'].schema;
    expect(
      body.anyOf.map(
        (s: { properties: { kind: { const?: string; enum?: string[] } } }) =>
          s.properties.kind.const ?? s.properties.kind.enum?.[0],
      ),
    ).toEqual([
      'response',
      'delay',
      'drop',
      'refuse',
      'max-pdu',
      'printer-status',
      'status-flapping',
      'job-failure',
      'print-timing',
    ]);
  });
});

describe('control policy', () => {
  const lab = () => lb.app.lab;
  const app = (control: { token?: string }) =>
    buildApp({
      dicomListening: () => true,
      dicomPort: () => 0,
      printers: () => lb.app.printers,
      store: lb.app.store,
      control: { ...control, bindHost: '0.0.0.0' },
      lab: lab(),
    });
  const json = { 'content-type': 'application/json' };

  it('without a token: mutations from another machine 403, from loopback allowed; reads allowed', async () => {
    const a = app({});
    const remoteAddress = '192.0.2.7';
    const payload = { printer: 'OTHER', kind: 'delay', ms: 1 };
    expect(
      (await a.inject({ method: 'POST', url: '/api/lab/faults', payload, remoteAddress })).json(),
    ).toEqual({
      error: expect.stringMatching(/from this machine \(loopback\).*this client is 192\.0\.2\.7/),
      rule: 'loopback',
    });
    for (const [method, url] of [
      ['POST', '/api/lab/scenarios/queue-full'],
      ['DELETE', '/api/lab/faults'],
      ['DELETE', '/api/lab/faults/f1'],
    ] as const)
      expect((await a.inject({ method, url, headers: json, remoteAddress })).statusCode, url).toBe(403);
    expect((await a.inject({ url: '/api/lab/faults', remoteAddress })).statusCode).toBe(200);
    expect((await a.inject({ url: '/api/lab/scenarios', remoteAddress })).statusCode).toBe(200);
    expect((await a.inject({ method: 'POST', url: '/api/lab/faults', payload })).statusCode).toBe(201);
    await a.close();
  });

  it('a bodyless POST must say application/json: refused without, armed with', async () => {
    const a = app({});
    const url = '/api/lab/scenarios/queue-full?printer=OTHER';
    const bare = await a.inject({ method: 'POST', url });
    expect(bare.statusCode).toBe(403);
    expect(bare.json().rule).toBe('content-type');
    expect((await a.inject({ method: 'POST', url, headers: json })).statusCode).toBe(200);
    await a.close();
  });

  it('with a token: 401 without it (loopback too), 201 with it', async () => {
    const a = app({ token: 's3cret' });
    const payload = { printer: 'OTHER', kind: 'delay', ms: 1 };
    expect((await a.inject({ method: 'POST', url: '/api/lab/faults', payload })).statusCode).toBe(401);
    const ok = await a.inject({
      method: 'POST',
      url: '/api/lab/faults',
      payload,
      headers: { authorization: 'Bearer s3cret' },
      remoteAddress: '192.0.2.7',
    });
    expect(ok.statusCode).toBe(201);
    await a.close();
  });
});
