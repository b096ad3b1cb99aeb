/**
 * TLS certificates reloaded without a restart (POST /api/tls/reload in-process; SIGHUP to the built
 * entry point), a reload with a bad file keeping the old certificate; the BCP 195 floor (no TLS
 * 1.1, no static-RSA or CBC suites); HTTPS for the console and API with the same certificate; a
 * certificate that cannot serve stopping start-up with one line.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type ConnectionOptions, connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { freePort } from '../support/dcmprint.js';
import { dcmtk } from '../support/dcmtk.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let tmp: string;
let certs: TestCerts;
/** The files the server is configured with; tests copy other certificates over them. */
let live: { cert: string; key: string };

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'lightbox-tls-reload-'));
  certs = makeCerts(join(tmp, 'certs'));
}, 60_000);

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function install(dir: string, pair: { cert: string; key: string }): { cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const to = { cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
  copyFileSync(pair.cert, to.cert);
  copyFileSync(pair.key, to.key);
  return to;
}

/** Handshake with the port and return the server certificate's CN, or the error's message. */
function peerName(port: number, extra: ConnectionOptions = {}): Promise<string> {
  return new Promise((res) => {
    const s = connect({
      host: '127.0.0.1',
      port,
      ca: readFileSync(certs.ca.cert),
      servername: 'localhost',
      ...extra,
    });
    s.setTimeout(5000, () => {
      s.destroy();
      res('timeout');
    });
    s.once('secureConnect', () => {
      const cn = s.getPeerCertificate().subject?.CN;
      s.end();
      res(String(cn));
    });
    s.once('error', (e) => res(`error: ${e.message}`));
  });
}

describe('in-process: POST /api/tls/reload', () => {
  let lb: TestLightbox;
  let port: number;
  beforeAll(async () => {
    live = install(join(tmp, 'live'), certs.server);
    lb = await startLightbox({ tlsCert: live.cert, tlsKey: live.key, tlsPort: 0, logLevel: 'info' });
    port = lb.app.dicomTls!.port;
  });
  afterAll(async () => {
    await lb?.stop();
  });

  const reload = () =>
    lb.app.http.inject({
      method: 'POST',
      url: '/api/tls/reload',
      headers: { 'content-type': 'application/json' },
    });

  it('GET /api/tls shows the certificate served', async () => {
    const r = await lb.app.http.inject({ url: '/api/tls' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      certificate: { subject: 'CN=lightbox-test' },
      clientCertificates: 'none',
    });
    expect(await peerName(port)).toBe('lightbox-test');
  });

  it('a replaced certificate is served to new connections after the reload', async () => {
    install(join(tmp, 'live'), certs.renewed);
    // Not before the reload: files are read only when asked.
    expect(await peerName(port)).toBe('lightbox-test');
    const r = await reload();
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ reloaded: true, certificate: { subject: 'CN=lightbox-renewed' } });
    expect(await peerName(port)).toBe('lightbox-renewed');
    // DCMTK verifies the renewed one too.
    const echo = await dcmtk('echoscu', [
      '+tla',
      '+cf',
      certs.ca.cert,
      '-aec',
      'LIGHTBOX',
      '127.0.0.1',
      String(port),
    ]);
    expect(echo.code).toBe(0);
  });

  it('a reload with a bad certificate keeps the loaded one and says so (422, error log)', async () => {
    writeFileSync(live.cert, 'not a certificate\n');
    const r = await reload();
    expect(r.statusCode).toBe(422);
    expect(r.json()).toMatchObject({ reloaded: false, kept: { subject: 'CN=lightbox-renewed' } });
    expect(r.json().error).toMatch(/not a PEM certificate/);
    expect(await peerName(port)).toBe('lightbox-renewed');
    const line = lb.logs.find((l) => /TLS reload failed/.test(String(l.msg)));
    expect(line?.msg).toMatch(/still serving the certificate loaded at/);
  });

  it('a key that does not match the certificate is refused the same way', async () => {
    copyFileSync(certs.server.cert, live.cert); // server's certificate, renewed's key
    const r = await reload();
    expect(r.statusCode).toBe(422);
    expect(r.json().error).toMatch(/key values mismatch|mismatch/i);
    expect(await peerName(port)).toBe('lightbox-renewed');
    rmSync(live.cert);
    expect((await reload()).json().error).toMatch(/ENOENT/);
  });

  it('an expired certificate loads (a lab may want one) with a warning; verifying peers refuse it', async () => {
    install(join(tmp, 'live'), certs.expired);
    const r = await reload();
    expect(r.statusCode).toBe(200);
    expect(lb.logs.some((l) => /TLS certificate expired on/.test(String(l.msg)))).toBe(true);
    expect(await peerName(port)).toMatch(/^error: certificate has expired/);
    install(join(tmp, 'live'), certs.renewed);
    expect((await reload()).statusCode).toBe(200);
  });

  it('offers only TLS 1.2+ and BCP 195 suites', async () => {
    expect(await peerName(port, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).toMatch(/^error/);
    // Static RSA key exchange and CBC suites are not offered.
    for (const ciphers of ['AES128-GCM-SHA256', 'ECDHE-RSA-AES128-SHA'])
      expect(await peerName(port, { maxVersion: 'TLSv1.2', ciphers })).toMatch(/^error/);
    expect(await peerName(port, { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' })).toBe(
      'lightbox-renewed',
    );
  });

  it('without TLS the routes say it is not configured', async () => {
    const plain = await startLightbox({ logLevel: 'warn' });
    try {
      expect((await plain.app.http.inject({ url: '/api/tls' })).statusCode).toBe(404);
      const r = await plain.app.http.inject({
        method: 'POST',
        url: '/api/tls/reload',
        headers: { 'content-type': 'application/json' },
      });
      expect(r.statusCode).toBe(404);
      expect(r.json().error).toMatch(/not configured/);
    } finally {
      await plain.stop();
    }
  });
});

describe('in-process: HTTPS with the same certificate (--https)', () => {
  let lb: TestLightbox;
  beforeAll(async () => {
    lb = await startLightbox({
      tlsCert: certs.server.cert,
      tlsKey: certs.server.key,
      tlsPort: 0,
      https: true,
      logLevel: 'warn',
    });
  });
  afterAll(async () => {
    await lb?.stop();
  });

  it('inject() still reaches every route', async () => {
    const r = await lb.app.http.inject({ url: '/api/tls' });
    expect(r.statusCode).toBe(200);
    expect(r.json().certificate.subject).toBe('CN=lightbox-test');
  });

  it('a real HTTPS request verifies the certificate; plain HTTP on the port gets no answer', async () => {
    const r = await httpsGet(lb.httpPort, '/healthz');
    expect(r.status).toBe(200);
    expect(r.cn).toBe('lightbox-test');
    const plain = await fetch(`http://127.0.0.1:${lb.httpPort}/healthz`, {
      signal: AbortSignal.timeout(3000),
    }).then(
      (x) => x.status,
      () => 'refused',
    );
    expect(plain).not.toBe(200);
  });

  it("the Origin rule knows its own origin is https: (an http: one is another site's)", async () => {
    const post = (origin: string) =>
      httpsGet(lb.httpPort, '/api/tls/reload', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
      });
    expect((await post(`https://localhost:${lb.httpPort}`)).status).toBe(200);
    const foreign = await post(`http://localhost:${lb.httpPort}`);
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).rule).toBe('origin');
  });
});

// ---------------------------------------------------------------------------------------------
// The built entry point: SIGHUP, HTTPS, start-up errors.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = join(root, 'dist/src/main.js');
const children = new Set<ChildProcess>();

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LIGHTBOX_')));
}

function launch(args: string[]) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: tmp,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<number | string>((res) =>
    child.on('close', (code, signal) => res(code ?? signal ?? -1)),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

/** One HTTPS request trusting the test CA: status, headers and body. */
function httpsGet(
  port: number,
  path: string,
  o: { method?: string; body?: string; headers?: Record<string, string> } = {},
) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string; cn: string }>(
    (res, rej) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path,
          method: o.method ?? 'GET',
          ca: readFileSync(certs.ca.cert),
          servername: 'localhost',
          headers: { host: `localhost:${port}`, ...o.headers },
          agent: false,
        },
        (r) => {
          let body = '';
          r.setEncoding('utf8').on('data', (d: string) => {
            body += d;
          });
          const cn = String((r.socket as import('node:tls').TLSSocket).getPeerCertificate().subject?.CN);
          r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body, cn }));
        },
      );
      req.on('error', rej);
      req.end(o.body);
    },
  );
}

describe('the built entry point', () => {
  beforeAll(() => {
    const started = Date.now();
    try {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'pipe', timeout: 120_000 });
    } catch (e) {
      const fresh = existsSync(MAIN) && statSync(MAIN).mtimeMs >= started - 1000;
      if (!fresh) throw e;
    }
  }, 150_000);
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('SIGHUP reloads the certificate for DICOM TLS and HTTPS; a bad one is kept out and logged', async () => {
    const files = install(join(tmp, 'hup'), certs.server);
    const [dicomPort, tlsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const token = 'sesame-open-0123456789';
    const r = launch([
      ...['--host', '127.0.0.1', '--dicom-port', String(dicomPort), '--tls-port', String(tlsPort)],
      ...['--http-port', String(httpPort), '--data-dir', join(tmp, 'hup-data'), '--api-token', token],
      ...['--tls-cert', files.cert, '--tls-key', files.key, '--https'],
    ]);
    await until('HTTPS /healthz', async () => {
      try {
        return (await httpsGet(httpPort, '/healthz')).status === 200;
      } catch {
        return false;
      }
    });
    // A real HTTPS request: the health check, and a login whose cookie is marked Secure.
    const health = await httpsGet(httpPort, '/healthz');
    expect(health.cn).toBe('lightbox-test');
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', dicomPort });
    const login = await httpsGet(httpPort, '/api/session', {
      method: 'POST',
      body: JSON.stringify({ token }),
      headers: { 'content-type': 'application/json' },
    });
    expect(login.status).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
    expect(await peerName(tlsPort)).toBe('lightbox-test');

    install(join(tmp, 'hup'), certs.renewed);
    r.child.kill('SIGHUP');
    await until('reloaded log line', () => r.stdout().includes('TLS certificate reloaded'));
    expect(await peerName(tlsPort)).toBe('lightbox-renewed');
    expect((await httpsGet(httpPort, '/healthz')).cn).toBe('lightbox-renewed');

    writeFileSync(files.key, '-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n');
    r.child.kill('SIGHUP');
    await until('failed reload log line', () => r.stdout().includes('TLS reload failed'));
    expect(await peerName(tlsPort)).toBe('lightbox-renewed');
    expect(r.child.exitCode).toBeNull();

    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
  }, 40_000);

  it('a certificate that cannot serve stops start-up with one line (exit 2)', async () => {
    const bad = join(tmp, 'bad.pem');
    writeFileSync(bad, 'hello\n');
    const run = async (args: string[]) => {
      const r = launch([
        '--host',
        '127.0.0.1',
        '--dicom-port',
        '0',
        '--http-port',
        '0',
        '--data-dir',
        join(tmp, 'bad-data'),
        ...args,
      ]);
      return { code: await r.exited, stderr: r.stderr() };
    };
    const content = await run(['--tls-cert', bad, '--tls-key', certs.server.key, '--tls-port', '0']);
    expect(content.code).toBe(2);
    expect(content.stderr.trim().split('\n')).toHaveLength(1);
    expect(content.stderr).toMatch(/TLS certificate .*bad\.pem: not a PEM certificate/);
    const missing = await run(['--tls-cert', join(tmp, 'nope.pem'), '--tls-key', certs.server.key]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/--tls-cert: cannot read .*nope\.pem: ENOENT/);
  }, 30_000);
});
