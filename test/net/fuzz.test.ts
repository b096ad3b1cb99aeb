/**
 * Time-boxed fuzzing of the live server on loopback: random bytes and mutated valid PDUs, each on
 * its own connection. Bounded in count and time; the seed is printed so a failure can be replayed
 * (LIGHTBOX_FUZZ_SEED). Afterwards a normal C-ECHO must still succeed and every connection must
 * have been let go.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodePdu } from '../../src/dicom/ul/pdu-codec.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { associateRq, commandPData, echoCommand } from '../support/pdus.js';
import { Peer } from '../support/peer.js';

const MAX_CASES = 1000;
const MAX_MS = 10_000;
const SEED = Number(process.env['LIGHTBOX_FUZZ_SEED'] ?? Date.now() % 2 ** 31);

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let lb: TestLightbox;
beforeAll(async () => {
  lb = await startLightbox({ artimTimeoutMs: 500, idleTimeoutMs: 2000, logLevel: 'warn' });
});
afterAll(async () => {
  await lb?.stop();
});

const rq = encodePdu(associateRq());
const echo = encodePdu(commandPData(1, echoCommand(1)));
const seeds = [
  rq,
  echo,
  encodePdu({ type: 'A-RELEASE-RQ' }),
  encodePdu({ type: 'A-ABORT', source: 0, reason: 0 }),
  encodePdu({ type: 'A-ASSOCIATE-RJ', result: 1, source: 1, reason: 1 }),
];

function mutate(r: () => number, input: Buffer): Buffer {
  const b = Buffer.from(input);
  const pick = (n: number) => Math.floor(r() * n);
  switch (pick(6)) {
    case 0: // flip random bits
      for (let i = 0, n = 1 + pick(8); i < n; i++) b[pick(b.length)]! ^= 1 << pick(8);
      return b;
    case 1: // rewrite the PDU length
      b.writeUInt32BE([0, 1, 3, 5, b.length, 0x7fffffff, 0xffffffff][pick(7)]!, 2);
      return b;
    case 2: // truncate
      return b.subarray(0, pick(b.length));
    case 3: // random item length inside
      if (b.length > 80) b.writeUInt16BE(pick(0x10000), 74 + 2 * pick(8));
      return b;
    case 4: // random PDU type
      b[0] = pick(256);
      return b;
    default: // pure noise
      return Buffer.from(Array.from({ length: pick(512) }, () => pick(256)));
  }
}

function fire(port: number, chunks: Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      for (const c of chunks) s.write(c);
    });
    const done = () => {
      s.destroy();
      resolve();
    };
    s.on('error', done);
    s.on('close', done);
    // Once the server has answered (AC, RJ, A-ABORT, a response), the case has been processed.
    s.on('data', () => setTimeout(done, 10));
    setTimeout(done, 150);
  });
}

it(`survives random and mutated PDUs (seed ${SEED})`, { timeout: MAX_MS + 20_000 }, async () => {
  const r = rng(SEED);
  const t0 = Date.now();
  let cases = 0;
  while (cases < MAX_CASES && Date.now() - t0 < MAX_MS) {
    const base = seeds[Math.floor(r() * seeds.length)]!;
    const bad = mutate(r, base);
    // Half the cases associate properly first, so the mutated PDU hits Sta6.
    const chunks = r() < 0.5 ? [rq, bad] : [bad];
    await Promise.all([fire(lb.dicomPort, chunks), fire(lb.dicomPort, [rq, echo, mutate(r, echo)])]);
    cases += 2;
  }
  expect(cases).toBeGreaterThan(100);
  console.info(`fuzz: ${cases} connections in ${Date.now() - t0} ms, seed ${SEED}`);

  const p = await Peer.connect(lb.dicomPort);
  await p.associate();
  expect((await p.echo(42)).status).toBe(0);
  await p.release();
  await expect.poll(() => lb.app.dicom.connectionCount, { timeout: 5000 }).toBe(0);
  const errors = lb.logs.filter((l) => Number(l['level']) >= 50);
  expect(errors, JSON.stringify(errors.slice(0, 3))).toEqual([]);
});
