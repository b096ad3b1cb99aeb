/**
 * Who may do what over HTTP (src/http/control.ts), end to end through buildApp() and inject(), with
 * the client's source address set (inject's remoteAddress): CSRF and DNS-rebinding attempts, control
 * from loopback and from elsewhere with and without the token, --protect-reads, the console login,
 * GET /api/control. Lightbox is bound to every interface (0.0.0.0) in all of them.
 */
import { resolve } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import type { ControlPolicy } from '../../src/http/control.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { printFilm } from '../support/print-session.js';

let lb: TestLightbox;
let filmId: string;
let associationId: string;
const apps: FastifyInstance[] = [];

beforeAll(async () => {
  lb = await startLightbox({ logLevel: 'silent', noRender: true, scenariosDir: resolve('scenarios') });
  await printFilm(lb.dicomPort, { calling: 'CTRLSCU' });
  filmId = (await lb.app.http.inject({ url: '/api/films' })).json()[0].id;
  associationId = (await lb.app.http.inject({ url: '/api/associations?callingAe=CTRLSCU' })).json()[0].id;
});
afterAll(async () => {
  for (const a of apps) await a.close();
  await lb?.stop();
});

const TOKEN = 'correct-horse-battery-staple';
const REMOTE = '192.0.2.7';

/** The HTTP app of the running Lightbox's store and printers under another policy, bound to 0.0.0.0. */
function app(control: ControlPolicy = {}): FastifyInstance {
  const a = buildApp({
    dicomListening: () => true,
    dicomPort: () => lb.dicomPort,
    printers: () => lb.app.printers,
    store: lb.app.store,
    lab: lb.app.lab,
    control: { bindHost: '0.0.0.0', hostname: 'printhost', ...control },
  });
  apps.push(a);
  return a;
}

/** A harmless control request: set LIGHTBOX back to NORMAL. */
const setNormal = (extra: InjectOptions = {}): InjectOptions => ({
  method: 'PUT',
  url: '/api/printers/LIGHTBOX/status',
  payload: { status: 'NORMAL' },
  ...extra,
  headers: { host: 'localhost:8080', ...extra.headers },
});
/** Arm a sticky fault with a scenario: what the CSRF page did. */
const arm = (extra: InjectOptions = {}): InjectOptions => ({
  method: 'POST',
  url: '/api/lab/scenarios/queue-full?printer=LIGHTBOX',
  ...extra,
  headers: { host: 'localhost:8080', ...extra.headers },
});
const armed = () => lb.app.lab.faults().flatMap((p) => p.faults).length;

describe('CSRF and DNS rebinding (no token, client on loopback: control is allowed, but not these)', () => {
  it('a text/plain POST (an HTML form or fetch no-cors) is refused, and arms nothing', async () => {
    const a = app();
    const before = armed();
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await a.inject(arm({ headers: { 'content-type': type }, payload: 'x' }));
      expect(r.statusCode, type).toBe(403);
      expect(r.json(), type).toEqual({
        error: expect.stringContaining('application/json'),
        rule: 'content-type',
      });
    }
    // No body at all (fetch(url, {method: 'POST', mode: 'no-cors'})) is a simple request too.
    expect((await a.inject(arm())).json().rule).toBe('content-type');
    // A PUT of another type is refused too (browsers preflight PUT anyway).
    const put = await a.inject(
      setNormal({ payload: 'status=NORMAL', headers: { 'content-type': 'text/plain' } }),
    );
    expect(put.json().rule).toBe('content-type');
    expect(armed()).toBe(before);
  });

  it('a foreign Origin is refused, whatever the content type; the own origin is not', async () => {
    const a = app();
    const before = armed();
    // Another port or scheme on this machine is another site too.
    for (const origin of ['http://evil.example', 'null', 'http://localhost:8081', 'https://localhost:8080']) {
      const r = await a.inject(arm({ headers: { origin, 'content-type': 'application/json' } }));
      expect(r.statusCode, origin).toBe(403);
      expect(r.json(), origin).toEqual({ error: expect.stringContaining('CSRF'), rule: 'origin' });
    }
    expect(armed()).toBe(before);
    const own = await a.inject(setNormal({ headers: { origin: 'http://localhost:8080' } }));
    expect(own.statusCode).toBe(200);
    // Reads do not look at Origin (a cross-site page cannot read the answer without CORS).
    expect(
      (await a.inject({ url: '/api/printers', headers: { origin: 'http://evil.example' } })).statusCode,
    ).toBe(200);
  });

  it('a foreign Host (DNS rebinding) is refused on every request, reads and the console included', async () => {
    const a = app();
    for (const url of [
      '/api/films',
      `/api/films/${filmId}/film.json`,
      '/api/printers',
      '/',
      '/healthz',
      '/nope',
    ]) {
      const r = await a.inject({ url, headers: { host: 'evil.example:8080' } });
      expect(r.statusCode, url).toBe(403);
      expect(r.json(), url).toEqual({ error: expect.stringContaining('DNS rebinding'), rule: 'host' });
    }
    const before = armed();
    const r = await a.inject(
      arm({
        headers: {
          host: 'evil.example:8080',
          origin: 'http://evil.example:8080',
          'content-type': 'application/json',
        },
      }),
    );
    expect(r.json().rule).toBe('host');
    expect(armed()).toBe(before);
    // Not fooled by userinfo or odd spellings.
    for (const host of [
      'evil.example@localhost',
      'localhost/x',
      'localhost:8080:1',
      'localhost.evil.example',
    ])
      expect((await a.inject({ url: '/api/printers', headers: { host } })).statusCode, host).toBe(403);
  });

  it("the server's names pass: localhost, its hostname, IP literals, --allowed-hosts; * any", async () => {
    const a = app({ allowedHosts: ['lightbox.lab'] });
    for (const host of [
      'localhost:8080',
      'LOCALHOST',
      'printhost:8080',
      '127.0.0.1:8080',
      '[::1]:8080',
      '192.0.2.10:8080',
      '[2001:db8::1]',
      'lightbox.lab',
      'lightbox.lab.:8080',
    ])
      expect((await a.inject({ url: '/api/printers', headers: { host } })).statusCode, host).toBe(200);
    expect((await a.inject({ url: '/api/printers', headers: { host: 'other.lab' } })).statusCode).toBe(403);
    const any = app({ allowedHosts: ['*'] });
    expect((await any.inject({ url: '/api/printers', headers: { host: 'other.lab' } })).statusCode).toBe(200);
    // * relaxes Host only: a page elsewhere still cannot change things.
    const csrf = await any.inject(
      setNormal({ headers: { host: 'other.lab', origin: 'http://evil.example' } }),
    );
    expect(csrf.json().rule).toBe('origin');
  });

  it('a bound address is a name; an Origin naming an allowed host passes (a reverse proxy)', async () => {
    const a = app({ bindHost: '192.0.2.10', allowedHosts: ['lightbox.lab'] });
    // The proxy forwards to 192.0.2.10:8080; the page was https://lightbox.lab.
    const r = await a.inject(
      setNormal({ headers: { host: '192.0.2.10:8080', origin: 'https://lightbox.lab' } }),
    );
    expect(r.statusCode).toBe(200);
    // An IP literal is fine as Host, but a page served from some other address is not an allowed Origin.
    const other = await a.inject(
      setNormal({ headers: { host: '192.0.2.10:8080', origin: 'http://192.0.2.99' } }),
    );
    expect(other.json().rule).toBe('origin');
  });
});

describe('control: loopback without a token, the token from elsewhere', () => {
  it('no token, bound to 0.0.0.0: loopback clients may (IPv4, IPv6, mapped), JSON or bodyless PUT/DELETE', async () => {
    const a = app();
    for (const remoteAddress of ['127.0.0.1', '127.3.4.5', '::1', '::ffff:127.0.0.1'])
      expect((await a.inject(setNormal({ remoteAddress }))).statusCode, remoteAddress).toBe(200);
    const r = await a.inject(arm({ headers: { 'content-type': 'application/json' } }));
    expect(r.statusCode).toBe(200);
    const ids = r.json().armed.map((f: { id: string }) => f.id);
    for (const id of ids)
      expect((await a.inject({ method: 'DELETE', url: `/api/lab/faults/${id}` })).statusCode).toBe(200);
    expect((await a.inject({ method: 'PUT', url: `/api/films/${filmId}/pin` })).statusCode).toBe(200);
    expect((await a.inject({ method: 'DELETE', url: `/api/films/${filmId}/pin` })).statusCode).toBe(200);
  });

  it('no token: any other address is refused (403), token or not; it may still read', async () => {
    const a = app();
    for (const remoteAddress of [REMOTE, '::ffff:192.0.2.7', '10.0.0.1', '2001:db8::7']) {
      const r = await a.inject(setNormal({ remoteAddress }));
      expect(r.statusCode, remoteAddress).toBe(403);
      expect(r.json(), remoteAddress).toEqual({
        error: expect.stringContaining(`this client is ${remoteAddress}`),
        rule: 'loopback',
      });
    }
    // A token means nothing when none is set.
    expect(
      (await a.inject(setNormal({ remoteAddress: REMOTE, headers: { authorization: 'Bearer x' } })))
        .statusCode,
    ).toBe(403);
    expect((await a.inject({ url: '/api/films', remoteAddress: REMOTE })).statusCode).toBe(200);
  });

  it('with a token: required from everyone (401, loopback too), accepted with it from anywhere', async () => {
    const a = app({ token: TOKEN });
    for (const remoteAddress of [REMOTE, '127.0.0.1']) {
      const r = await a.inject(setNormal({ remoteAddress }));
      expect(r.statusCode, remoteAddress).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer realm="lightbox"');
      expect(r.json().rule).toBe('token');
      const wrong = await a.inject(setNormal({ remoteAddress, headers: { authorization: 'Bearer nope' } }));
      expect(wrong.statusCode).toBe(401);
      const ok = await a.inject(setNormal({ remoteAddress, headers: { authorization: `Bearer ${TOKEN}` } }));
      expect(ok.statusCode, remoteAddress).toBe(200);
    }
    // The bearer header cannot come from a cross-site page unasked: no content-type needed.
    const bare = await a.inject(
      arm({
        remoteAddress: REMOTE,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
        payload: '',
      }),
    );
    expect(bare.statusCode).toBe(200);
    await a.inject({
      method: 'DELETE',
      url: '/api/lab/faults',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
  });

  it('GET /api/control says whether and why, before any control request', async () => {
    const open = app();
    expect((await open.inject({ url: '/api/control' })).json()).toEqual({
      allowed: true,
      via: 'loopback',
      reason: expect.stringContaining('loopback'),
      client: '127.0.0.1',
      tokenSet: false,
      session: false,
      reads: { allowed: true, reason: expect.any(String), protected: false },
    });
    expect((await open.inject({ url: '/api/control', remoteAddress: REMOTE })).json()).toMatchObject({
      allowed: false,
      rule: 'loopback',
      reason: expect.stringContaining('no --api-token is set'),
      client: REMOTE,
    });
    const tokened = app({ token: TOKEN });
    expect((await tokened.inject({ url: '/api/control' })).json()).toMatchObject({
      allowed: false,
      rule: 'token',
      tokenSet: true,
    });
    const withToken = await tokened.inject({
      url: '/api/control',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(withToken.json()).toMatchObject({ allowed: true, via: 'token' });
  });
});

describe('--protect-reads', () => {
  const READS = () => [
    '/api/films',
    `/api/films/${filmId}`,
    `/api/films/${filmId}/film.json`,
    '/api/jobs',
    '/api/associations',
    `/api/associations/${associationId}`,
    `/api/associations/${associationId}/conversation.json`,
    `/api/associations/${associationId}/verdict`,
    '/api/verdicts',
    '/api/lab/faults',
    '/api/lab/firings',
    '/api/printers',
    '/api/events',
  ];

  it('with a token: every read under /api/ needs it (401), and answers with it', async () => {
    const a = app({ token: TOKEN, protectReads: true });
    for (const url of READS()) {
      for (const remoteAddress of [REMOTE, '127.0.0.1']) {
        const r = await a.inject({ url, remoteAddress });
        expect(r.statusCode, `${url} from ${remoteAddress}`).toBe(401);
        expect(r.json(), url).toEqual({ error: expect.stringContaining('--protect-reads'), rule: 'token' });
      }
      if (url === '/api/events') continue; // endless: read over a real socket below
      const ok = await a.inject({
        url,
        remoteAddress: REMOTE,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.statusCode, url).toBe(200);
    }
    const film = await a.inject({
      url: `/api/films/${filmId}/film.json`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(film.json().filmBox).toBeDefined();
  });

  it('what stays open: /healthz, /metrics, /openapi.json, the console files, /api/control', async () => {
    const a = app({ token: TOKEN, protectReads: true });
    for (const url of ['/healthz', '/metrics', '/openapi.json', '/', '/js/app.js', '/api/control'])
      expect((await a.inject({ url, remoteAddress: REMOTE })).statusCode, url).toBe(200);
    expect((await a.inject({ url: '/api/control', remoteAddress: REMOTE })).json().reads).toEqual({
      allowed: false,
      reason: expect.stringContaining('API token'),
      protected: true,
    });
  });

  it('without a token: reads from this machine only (403 from elsewhere)', async () => {
    const a = app({ protectReads: true });
    const r = await a.inject({ url: '/api/films', remoteAddress: REMOTE });
    expect(r.statusCode).toBe(403);
    expect(r.json().rule).toBe('loopback');
    expect((await a.inject({ url: '/api/films', remoteAddress: '::1' })).statusCode).toBe(200);
  });

  it('the event stream: 401 without the token, streams with it (a real socket)', async () => {
    const a = app({ token: TOKEN, protectReads: true });
    await a.listen({ host: '127.0.0.1', port: 0 });
    const { port } = a.server.address() as { port: number };
    const url = `http://127.0.0.1:${port}/api/events`;
    expect((await fetch(url)).status).toBe(401);
    const ctl = new AbortController();
    const r = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` }, signal: ctl.signal });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await r.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toContain(': lightbox events');
    ctl.abort();
  });
});

describe('the console login (a cookie for EventSource, <img> and downloads)', () => {
  const cookieOf = (setCookie: string | string[] | undefined) => String(setCookie).split(';')[0]!;

  it('POST /api/session: wrong token 401, right one a HttpOnly SameSite=Strict cookie that reads and controls', async () => {
    const a = app({ token: TOKEN, protectReads: true });
    const headers = { host: 'localhost:8080' };
    const wrong = await a.inject({
      method: 'POST',
      url: '/api/session',
      payload: { token: 'nope' },
      headers,
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const login = await a.inject({
      method: 'POST',
      url: '/api/session',
      payload: { token: TOKEN },
      headers,
      remoteAddress: REMOTE,
    });
    expect(login.statusCode).toBe(200);
    const set = String(login.headers['set-cookie']);
    expect(set).toMatch(
      /^lightbox_session_8080=\d+\.[\w-]+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/,
    );
    // Not the token itself.
    expect(set).not.toContain(TOKEN);
    const cookie = cookieOf(set);
    const read = await a.inject({
      url: '/api/films',
      headers: { ...headers, cookie },
      remoteAddress: REMOTE,
    });
    expect(read.statusCode).toBe(200);
    expect((await a.inject({ url: '/api/control', headers: { ...headers, cookie } })).json()).toMatchObject({
      allowed: true,
      via: 'session',
      session: true,
      reads: { allowed: true },
    });
    // Control with the cookie: the content-type rule still applies (a cookie travels by itself).
    expect((await a.inject(setNormal({ headers: { cookie }, remoteAddress: REMOTE }))).statusCode).toBe(200);
    const form = await a.inject(arm({ headers: { cookie, 'content-type': 'text/plain' }, payload: 'x' }));
    expect(form.json().rule).toBe('content-type');
    // Another port's cookie, a forged or an expired one: nothing.
    for (const bad of [
      cookie.replace('_8080=', '_8081='),
      cookie.replace(/\.[\w-]+$/, '.AAAA'),
      `lightbox_session_8080=${Math.floor(Date.now() / 1000) - 10}.${cookie.split('.')[1]}`,
    ])
      expect(
        (await a.inject({ url: '/api/films', headers: { ...headers, cookie: bad } })).statusCode,
        bad,
      ).toBe(401);
    // Logging out clears it.
    const out = await a.inject({ method: 'DELETE', url: '/api/session', headers });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^lightbox_session_8080=; Path=\/; Max-Age=0;/);
  });

  it('no token set: nothing to log in with (409); a cross-site login is refused (Origin)', async () => {
    expect(
      (await app().inject({ method: 'POST', url: '/api/session', payload: { token: 'x' } })).statusCode,
    ).toBe(409);
    const a = app({ token: TOKEN });
    const r = await a.inject({
      method: 'POST',
      url: '/api/session',
      payload: { token: TOKEN },
      headers: { origin: 'http://evil.example' },
    });
    expect(r.json().rule).toBe('origin');
  });
});
