/**
 * Hostile load over real TCP: sockets that never associate, A-ASSOCIATE-RQs trickled a byte at a
 * time, associations left idle. A modality (DCMTK's echoscu) must still get its association at once.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePdu } from '../../src/dicom/ul/pdu-codec.js';
import { dcmtk } from '../support/dcmtk.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { associateRq } from '../support/pdus.js';
import { Peer } from '../support/peer.js';

let lb: TestLightbox | undefined;
const sockets: Socket[] = [];
const timers: NodeJS.Timeout[] = [];
const peers: Peer[] = [];

afterEach(async () => {
  for (const t of timers.splice(0)) clearInterval(t);
  for (const s of sockets.splice(0)) s.destroy();
  for (const p of peers.splice(0)) p.destroy();
  await lb?.stop();
  lb = undefined;
});

/** A socket that connects and then sends nothing; `closed` resolves when the server closes it. */
function silent(port: number): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    sockets.push(socket);
    const closed = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** A socket that sends a valid A-ASSOCIATE-RQ one byte every `everyMs`. */
async function trickling(port: number, everyMs: number) {
  const s = await silent(port);
  const bytes = encodePdu(associateRq({ calling: 'TRICKLE' }));
  let i = 0;
  const t = setInterval(() => {
    if (i < bytes.length && !s.socket.destroyed) s.socket.write(bytes.subarray(i, ++i));
  }, everyMs);
  timers.push(t);
  return s;
}

async function hold(port: number, nSilent: number, nTrickling: number, trickleMs = 100) {
  const held = [];
  for (let i = 0; i < nSilent; i++) held.push(await silent(port));
  for (let i = 0; i < nTrickling; i++) held.push(await trickling(port, trickleMs));
  return held;
}

/** echoscu against the test Lightbox: exit code, output and wall time. */
async function echoscu() {
  const t0 = performance.now();
  const r = await dcmtk('echoscu', [
    '-aec',
    'LIGHTBOX',
    '-to',
    '5',
    '-ta',
    '5',
    '127.0.0.1',
    String(lb!.dicomPort),
  ]);
  return { ...r, ms: performance.now() - t0 };
}

async function metrics(): Promise<string> {
  return (await lb!.app.http.inject({ url: '/metrics' })).body;
}

async function associations(): Promise<{ callingAeTitle?: string }[]> {
  return (await lb!.app.http.inject({ url: '/api/associations' })).json();
}

describe('connections that never associate', () => {
  it('100 silent sockets and 64 trickling A-ASSOCIATE-RQs do not take association slots: echoscu succeeds at once', async () => {
    // Room for all of them, so none is evicted: only the separate bound is at work.
    lb = await startLightbox({
      logLevel: 'warn',
      maxAssociations: 4,
      maxUnassociated: 300,
      maxUnassociatedPerPeer: 300,
      associateTimeoutMs: 30_000,
      artimTimeoutMs: 30_000,
    });
    const idle = await echoscu();
    expect(idle.code, idle.output).toBe(0);
    const held = await hold(lb.dicomPort, 100, 64);
    await expect.poll(() => lb!.app.dicom.stats.unassociated).toBe(164);

    const loaded = await echoscu();
    expect(loaded.code, loaded.output).toBe(0);
    expect(loaded.output).not.toMatch(/Local Limit Exceeded/i);
    expect(loaded.ms).toBeLessThan(Math.max(2000, idle.ms * 3));
    // Nothing hostile was closed, nor recorded as an association.
    expect(held.every((h) => !h.socket.destroyed)).toBe(true);
    await expect.poll(async () => (await associations()).length).toBe(2);
    expect((await associations()).every((a) => a.callingAeTitle === 'ECHOSCU')).toBe(true);
    const m = await metrics();
    expect(m).toContain('lightbox_dicom_connections{phase="unassociated"} 164');
    expect(m).toContain('lightbox_dicom_connections{phase="associated"} 0');
  });

  it('with the default bounds, one address holds at most 32 once they are a second old: its oldest go first, echoscu gets in', async () => {
    lb = await startLightbox({ logLevel: 'warn', associateTimeoutMs: 30_000, artimTimeoutMs: 30_000 });
    await hold(lb.dicomPort, 100, 64);
    await expect.poll(() => lb!.app.dicom.stats.unassociated, { timeout: 5000 }).toBe(32);
    const r = await echoscu();
    expect(r.code, r.output).toBe(0);
    expect(r.ms).toBeLessThan(2000);
    expect(lb.app.dicom.stats.dropped.evicted).toBeGreaterThanOrEqual(164 - 32);
    expect(await metrics()).toMatch(/lightbox_dicom_connections_dropped_total\{reason="evicted"\} \d+/);
    // A warning, then a summary at most every 10 s: not one line per socket.
    expect(lb.logs.filter((l) => String(l['msg']).startsWith('connection dropped')).length).toBe(1);
  });

  it('a burst of 64 associations from one address, all connected before any request: none is closed, all associate', async () => {
    lb = await startLightbox({ logLevel: 'warn' });
    const burst = await Promise.all(Array.from({ length: 64 }, () => Peer.connect(lb!.dicomPort)));
    peers.push(...burst);
    // Every socket accepted and waiting for its request (a CI host that opened them all at once).
    await expect.poll(() => lb!.app.dicom.stats.unassociated).toBe(64);
    const accepted = await Promise.all(burst.map((p) => p.associate()));
    expect(accepted).toHaveLength(64);
    expect(lb.app.dicom.stats.dropped.evicted).toBe(0);
    await Promise.all(burst.map((p) => p.release()));
  });

  it('silent and trickling sockets are closed after --associate-timeout, and never listed as associations', async () => {
    lb = await startLightbox({ logLevel: 'debug', associateTimeoutMs: 300, artimTimeoutMs: 20_000 });
    const t0 = Date.now();
    const held = await hold(lb.dicomPort, 20, 5, 50);
    const closedAt = await Promise.all(held.map((h) => h.closed));
    for (const at of closedAt) {
      expect(at - t0).toBeGreaterThanOrEqual(250);
      expect(at - t0).toBeLessThan(3000);
    }
    await expect.poll(() => lb!.app.dicom.stats.dropped['associate-timeout']).toBe(25);
    expect(await metrics()).toContain(
      'lightbox_dicom_connections_dropped_total{reason="associate-timeout"} 25',
    );
    await expect.poll(() => lb!.app.dicom.connectionCount).toBe(0);
    expect(await associations()).toEqual([]);
    expect(lb.logs.filter((l) => l['msg'] === 'association ended')).toEqual([]);
    // A modality that sends its request at once is not affected.
    const p = await Peer.connect(lb.dicomPort);
    peers.push(p);
    await p.associate();
    await new Promise((r) => setTimeout(r, 500));
    expect((await p.echo(1)).status).toBe(0);
    await p.release();
  });

  it('bytes that are not an A-ASSOCIATE-RQ: A-ABORT, counted as invalid-pdu, not an association', async () => {
    lb = await startLightbox({ logLevel: 'warn' });
    const p = await Peer.connect(lb.dicomPort);
    peers.push(p);
    p.sendBytes(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(await p.next()).toEqual({ type: 'A-ABORT', source: 2, reason: 1 });
    expect(lb.app.dicom.stats.dropped['invalid-pdu']).toBe(1);
    expect(await associations()).toEqual([]);
  });

  it('a rejected A-ASSOCIATE-RQ is still an association on record', async () => {
    lb = await startLightbox({ logLevel: 'warn' });
    const p = await Peer.connect(lb.dicomPort);
    peers.push(p);
    p.send(associateRq({ called: 'NOBODY', calling: 'WRONGAE' }));
    expect(await p.next()).toMatchObject({ type: 'A-ASSOCIATE-RJ', result: 1 });
    p.destroy();
    await expect.poll(async () => (await associations()).map((a) => a.callingAeTitle)).toEqual(['WRONGAE']);
  });
});

describe('associations left idle', () => {
  it('the idle abort closes the socket at once and frees the slot', async () => {
    lb = await startLightbox({
      logLevel: 'warn',
      maxAssociations: 1,
      idleTimeoutMs: 300,
      artimTimeoutMs: 20_000,
    });
    const idle = await Peer.connect(lb.dicomPort);
    peers.push(idle);
    await idle.associate({ calling: 'IDLE' });
    const t0 = Date.now();
    expect(await idle.next(3000)).toEqual({ type: 'A-ABORT', source: 2, reason: 0 });
    // The peer never closes: we do, long before ARTIM (20 s).
    await idle.waitClosed(2000);
    expect(Date.now() - t0).toBeLessThan(2000);
    const next = await Peer.connect(lb.dicomPort);
    peers.push(next);
    await next.associate({ calling: 'NEXT' });
    expect((await next.echo(1)).status).toBe(0);
    await next.release();
  });
});
