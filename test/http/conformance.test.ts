/** GET /api/printers/{AE}/conformance through fastify's inject(): Markdown, HTML, 404, OpenAPI. */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultNetworkSettings } from '../../src/conformance/settings.js';
import { buildApp } from '../../src/http/app.js';
import { createPrinter } from '../../src/print/printer.js';
import { loadProfiles } from '../../src/profiles/profile-loader.js';
import { tempStore } from '../support/store.js';

const store = tempStore();
const logger = pino({ level: 'silent' });
const printers = loadProfiles('printers').map((l) => createPrinter(l.profile, l.source, { store, logger }));
const app = buildApp({
  dicomListening: () => true,
  dicomPort: () => 4242,
  printers: () => printers,
  store,
  control: {},
  network: { ...defaultNetworkSettings(), maxPduLength: 16384, maxAssociations: 7 },
});
beforeAll(() => app.ready());
afterAll(async () => {
  await app.close();
  store.close();
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers });

describe('GET /api/printers/{AE}/conformance', () => {
  it('answers Markdown by default and with ?format=md', async () => {
    for (const url of [
      '/api/printers/LIGHTBOX/conformance',
      '/api/printers/LIGHTBOX/conformance?format=md',
    ]) {
      const r = await get(url);
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('text/markdown; charset=utf-8');
      expect(r.body).toMatch(/^# DICOM Conformance Statement: Lightbox generic film printer\n/);
      expect(r.body).toContain('## 3 Networking');
    }
  });

  it('answers HTML with ?format=html, or to a browser (Accept: text/html)', async () => {
    const asked = await get('/api/printers/LIGHTBOX/conformance?format=html');
    expect(asked.statusCode).toBe(200);
    expect(asked.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(asked.body).toMatch(/^<!doctype html>/);
    const browser = await get('/api/printers/LIGHTBOX/conformance', {
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    });
    expect(browser.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(browser.body).toBe(asked.body);
    // ?format wins over Accept.
    const md = await get('/api/printers/LIGHTBOX/conformance?format=md', { accept: 'text/html' });
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8');
  });

  it('states the settings Lightbox runs with: its port, PDU size and association limit', async () => {
    const r = await get('/api/printers/LIGHTBOX/conformance');
    expect(r.body).toContain('| Maximum PDU length received | `16384` bytes (--max-pdu), advertised |');
    expect(r.body).toContain('at most 7 (--max-associations)');
    expect(r.body).toContain('TCP port `4242`');
  });

  it('describes every configured printer, each from its own profile', async () => {
    expect(printers.length).toBeGreaterThan(3);
    for (const p of printers) {
      const r = await get(`/api/printers/${encodeURIComponent(p.caps.aeTitle)}/conformance`);
      expect(r.statusCode, p.caps.aeTitle).toBe(200);
      expect(r.body).toContain(`AE title ${p.caps.aeTitle},`);
      expect(r.body).toContain(`\`${p.source}\``);
    }
    const ihe = await get('/api/printers/IHERESTRICTED/conformance');
    expect(ihe.body).toContain('`0xC616` Unprinted film box exists');
    expect(ihe.body).not.toContain('Basic Color Image Box');
  });

  it('404 for a printer that does not exist, 400 for an unknown format', async () => {
    const missing = await get('/api/printers/NOPE/conformance');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: 'no printer NOPE' });
    expect((await get('/api/printers/LIGHTBOX/conformance?format=pdf')).statusCode).toBe(400);
  });

  it('is in the OpenAPI description, with both media types', async () => {
    const doc = (await get('/openapi.json')).json();
    const op = doc.paths['/api/printers/{ae}/conformance'].get;
    expect(Object.keys(op.responses['200'].content).sort()).toEqual(['text/html', 'text/markdown']);
    expect(op.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['ae', 'format']);
  });
});
