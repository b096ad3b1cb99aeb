/**
 * The TLS port's bounds: sockets that never finish (or start) a handshake are held like connections
 * without an association, a few per peer address, so they cannot use up the listener's sockets;
 * the handshake itself must be done within --associate-timeout. Sockets of an address younger
 * than a moment (min(1 s, --associate-timeout / 2) = 1 s here) are spared, as for plain
 * connections: a burst of SCUs from one host all get through.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { dcmtk } from '../support/dcmtk.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let tmp: string;
let certs: TestCerts;
let lb: TestLightbox;
let port: number;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'lightbox-tls-bounds-'));
  certs = makeCerts(join(tmp, 'certs'));
  lb = await startLightbox({
    tlsCert: certs.server.cert,
    tlsKey: certs.server.key,
    tlsPort: 0,
    maxUnassociatedPerPeer: 4,
    associateTimeoutMs: 3000,
    logLevel: 'warn',
  });
  port = lb.app.dicomTls!.port;
}, 60_000);

afterAll(async () => {
  await lb?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Open a TCP connection that sends nothing; resolves once connected, with when it closed. */
function silent(): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((res, rej) => {
    const socket = connect(port, '127.0.0.1');
    const opened = Date.now();
    const closed = new Promise<number>((c) => socket.once('close', () => c(Date.now() - opened)));
    socket.on('error', () => {});
    socket.once('connect', () => res({ socket, closed }));
    socket.once('error', rej);
  });
}

it('a peer holds at most --max-unassociated-per-peer sockets in the handshake; the oldest go first, once not young', async () => {
  const sockets: { socket: Socket; closed: Promise<number> }[] = [];
  for (let i = 0; i < 10; i++) sockets.push(await silent());
  const openedAt = Date.now();
  const early = await Promise.all(
    sockets.map((s) =>
      Promise.race([
        s.closed,
        new Promise<number>((r) => setTimeout(() => r(-1), openedAt + 1800 - Date.now())),
      ]),
    ),
  );
  // The first six were closed to make room, each once 1 s old (never while young); the newest four
  // still wait.
  expect(
    early.slice(0, 6).every((ms) => ms >= 950),
    early.join(', '),
  ).toBe(true);
  expect(
    early.slice(6).every((ms) => ms === -1),
    early.join(', '),
  ).toBe(true);
  expect(lb.app.dicomTls!.stats.dropped.evicted).toBe(6);
  // A modality still gets through (one more silent socket gives way).
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
  // The rest end when the handshake timeout (--associate-timeout) does.
  const late = await Promise.all(sockets.slice(6).map((s) => s.closed));
  for (const ms of late) expect(ms).toBeLessThan(8000);
  expect(lb.app.dicomTls!.stats.dropped['tls-handshake']).toBeGreaterThanOrEqual(3);
}, 30_000);

it('a burst of 8 handshakes from one address (bound 4), all started at once: all complete', async () => {
  const before = lb.app.dicomTls!.stats.dropped.evicted;
  const raw = await Promise.all(
    Array.from(
      { length: 8 },
      () =>
        new Promise<Socket>((res, rej) => {
          const s = connect(port, '127.0.0.1', () => res(s));
          s.once('error', rej);
        }),
    ),
  );
  const ca = readFileSync(certs.ca.cert);
  const done = await Promise.all(
    raw.map(
      (socket) =>
        new Promise<string>((res) => {
          const t = tlsConnect({ socket, ca, servername: 'localhost' }, () => {
            res(t.getProtocol() ?? 'none');
            t.destroy();
          });
          t.once('error', (e) => res(`error: ${e.message}`));
        }),
    ),
  );
  expect(
    done.every((p) => p === 'TLSv1.3' || p === 'TLSv1.2'),
    done.join(', '),
  ).toBe(true);
  expect(lb.app.dicomTls!.stats.dropped.evicted).toBe(before);
});
