/** The web console's files: served from web/ with their types, nothing else, no way out. */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { tempStore } from '../support/store.js';

const app = buildApp({
  dicomListening: () => true,
  dicomPort: () => 0,
  printers: () => [],
  store: tempStore(),
  control: {},
});
beforeAll(() => app.ready());
afterAll(() => app.close());

it('serves the console at / (index.html), its CSS and its ES modules with their content types', async () => {
  const root = await app.inject({ url: '/' });
  expect(root.statusCode).toBe(200);
  expect(root.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(root.body).toBe(readFileSync('web/index.html', 'utf8'));
  expect(root.body).toContain('<script type="module" src="/js/app.js">');
  const css = await app.inject({ url: '/css/lightbox.css' });
  expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  const js = await app.inject({ url: '/js/views/film.js' });
  expect(js.statusCode).toBe(200);
  expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
  expect((await app.inject({ url: '/favicon.svg' })).headers['content-type']).toBe('image/svg+xml');
});

it('every module the console imports is served (no build step, no broken import)', async () => {
  const seen = new Set<string>();
  const visit = async (url: string): Promise<void> => {
    if (seen.has(url)) return;
    seen.add(url);
    const r = await app.inject({ url });
    expect(r.statusCode, url).toBe(200);
    for (const [, spec] of r.body.matchAll(/^import\s[^'"]*['"](\.{1,2}\/[^'"]+)['"]/gm))
      await visit(new URL(spec!, `http://x${url}`).pathname);
  };
  await visit('/js/app.js');
  expect(seen.size).toBeGreaterThan(8);
});

it('nothing outside web/, nor unlisted files in it: JSON 404s', async () => {
  for (const url of [
    '/web/../package.json',
    '/../package.json',
    '/%2e%2e/package.json',
    '/js/..%2f..%2fpackage.json',
    '/js/%2e%2e/%2e%2e/package.json',
    '/css/../../src/main.ts',
    '/README.md',
    '/package.json',
    '/js/nope.js',
  ]) {
    const r = await app.inject({ url });
    expect(r.statusCode, url).toBe(404);
    expect(r.headers['content-type'], url).toMatch(/^application\/json/);
    expect(r.json(), url).toMatchObject({ error: 'not found' });
  }
});

it('the console files stay out of the OpenAPI description', async () => {
  const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
  expect(
    Object.keys(doc.paths).filter(
      (p) => !p.startsWith('/api/') && !p.startsWith('/healthz') && p !== '/metrics',
    ),
  ).toEqual([]);
});
