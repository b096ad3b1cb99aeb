/**
 * The TLS port's bounds: sockets that never finish (or start) a handshake are held like connections
 * without an association, a few per peer address, so they cannot use up the listener's sockets;
 * the handshake itself must be done within --associate-timeout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    associateTimeoutMs: 1500,
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

it('a peer holds at most --max-unassociated-per-peer sockets in the handshake; the oldest go first', async () => {
  const sockets = [];
  for (let i = 0; i < 10; i++) sockets.push(await silent());
  const early = await Promise.all(
    sockets.map((s) => Promise.race([s.closed, new Promise<number>((r) => setTimeout(() => r(-1), 700))])),
  );
  // The first six were closed to make room, the newest four are still waiting.
  expect(early.slice(0, 6).every((ms) => ms >= 0)).toBe(true);
  expect(early.slice(6).every((ms) => ms === -1)).toBe(true);
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
  for (const ms of late) expect(ms).toBeLessThan(5000);
  expect(lb.app.dicomTls!.stats.dropped['tls-handshake']).toBeGreaterThanOrEqual(3);
}, 30_000);
