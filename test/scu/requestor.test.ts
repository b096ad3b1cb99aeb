/**
 * The generic requestor (src/scu/requestor.ts) over real TCP: against Lightbox (N-services, its
 * N-EVENT-REPORTs, both Maximum Lengths), DCMTK's storescp (C-ECHO, C-STORE of a large data set
 * cut to a small PDU), and scripted raw peers for every way an acceptor can fail us: refused,
 * rejected, silent, aborting, oversize PDU, no release answer. Each must end in a ScuError of the
 * right kind within its timeout, never a hang.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joined } from '../../src/dicom/chunked-bytes.js';
import { encodeCommand } from '../../src/dicom/dimse/command-codec.js';
import { CommandField } from '../../src/dicom/dimse/command-fields.js';
import { type DcmDataset, encodeDataset } from '../../src/dicom/dimse/dataset.js';
import { Uid } from '../../src/dicom/uids.js';
import type { Pdu } from '../../src/dicom/ul/pdu.js';
import { emptyUserInfo } from '../../src/dicom/ul/pdu.js';
import { decodePdu, encodePdu } from '../../src/dicom/ul/pdu-codec.js';
import { PduFramer } from '../../src/dicom/ul/pdu-framer.js';
import { type ExchangedMessage, Requestor, STREAM_HIGH_WATER } from '../../src/scu/requestor.js';
import { ScuError } from '../../src/scu/scu-error.js';
import { dcmtk } from '../support/dcmtk.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { grayImage } from '../support/scu.js';

const META = Uid.BasicGrayscalePrintManagementMeta;

describe('against Lightbox', () => {
  let lb: TestLightbox;
  beforeAll(async () => {
    lb = await startLightbox({ logLevel: 'warn', maxPduLength: 16384 });
  });
  afterAll(async () => {
    await lb?.stop();
  });

  it('runs a film session, answers the Print Job events, and both sides keep to the other Maximum Length', async () => {
    const seen: ExchangedMessage[] = [];
    const r = await Requestor.open({
      host: '127.0.0.1',
      port: lb.dicomPort,
      callingAeTitle: 'SCUTEST',
      calledAeTitle: 'LIGHTBOX',
      contexts: [
        { abstractSyntax: META },
        { abstractSyntax: Uid.PrintJob },
        { abstractSyntax: Uid.Verification },
      ],
      maxPduLength: 4096,
      onMessage: (m) => seen.push(m),
    });
    expect(r.peerMaxPduLength).toBe(16384);
    expect(r.accepted(META)?.id).toBe(1);
    expect((await r.echo()).status).toBe(0);
    const session = await r.nCreate(Uid.BasicFilmSession, { context: META, dataset: {} });
    expect(session.status).toBe(0);
    const sid = session.command.affectedSopInstanceUid!;
    const fb = await r.nCreate(Uid.BasicFilmBox, {
      context: META,
      dataset: {
        '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
        '20100500': {
          vr: 'SQ',
          Value: [
            {
              '00081150': { vr: 'UI', Value: [Uid.BasicFilmSession] },
              '00081155': { vr: 'UI', Value: [sid] },
            },
          ],
        },
      },
    });
    expect(fb.status, fb.errorComment).toBe(0);
    const box = String((fb.dataset!['20100510']!.Value![0] as DcmDataset)['00081155']!.Value![0]);
    // 512 x 512 x 16 bits: 512 KiB, which Lightbox (max PDU 16 KiB) aborts on if one PDU is too long.
    const set = await r.nSet(
      Uid.BasicGrayscaleImageBox,
      box,
      { '20200010': { vr: 'US', Value: [1] }, '20200110': { vr: 'SQ', Value: [grayImage(512, 512)] } },
      { context: META },
    );
    expect(set.status, set.errorComment).toBe(0);
    const printed = await r.nAction(Uid.BasicFilmBox, fb.command.affectedSopInstanceUid!, 1, {
      context: META,
    });
    expect(printed.status, printed.errorComment).toBe(0);
    const job = String((printed.dataset!['21000500']!.Value![0] as DcmDataset)['00081155']!.Value![0]);
    // The job's N-GET is answered on the Print Job context, after its events started coming.
    const got = await r.nGet(Uid.PrintJob, job, {});
    expect(got.status).toBe(0);
    await expect
      .poll(() => r.events.filter((e) => e.sopClassUid === Uid.PrintJob).length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(r.events.every((e) => e.status === 0)).toBe(true);
    expect((await r.nDelete(Uid.BasicFilmSession, sid, { context: META })).status).toBe(0);
    await r.release();
    expect(r.ending).toBe('released');
    // What the record hook saw: our requests out, responses and events in.
    expect(
      seen.filter((m) => m.direction === 'out' && m.command.commandField === CommandField.N_SET_RQ)[0]
        ?.datasetBytes,
    ).toBeGreaterThan(512 * 1024);
    expect(
      seen.some((m) => m.direction === 'in' && m.command.commandField === CommandField.N_EVENT_REPORT_RQ),
    ).toBe(true);
    // Lightbox recorded a clean association with our events answered Success.
    const logs = lb.logs.filter((l) => (l.level as number) >= 40);
    expect(logs.map((l) => l.msg)).toEqual([]);
  });

  it('stream(): a data set sent as it arrives, in uneven parts, reaches the acceptor whole in PDUs of its Maximum Length; an empty one too', async () => {
    const r = await Requestor.open({
      host: '127.0.0.1',
      port: lb.dicomPort,
      callingAeTitle: 'STREAMTEST',
      calledAeTitle: 'LIGHTBOX',
      contexts: [{ abstractSyntax: META }],
    });
    const empty = r.stream({
      command: { commandField: CommandField.N_CREATE_RQ, affectedSopClassUid: Uid.BasicFilmSession },
      context: META,
    });
    empty.end();
    const session = await empty.response;
    expect(session.status).toBe(0);
    const sid = session.command.affectedSopInstanceUid!;
    const fb = await r.nCreate(Uid.BasicFilmBox, {
      context: META,
      dataset: {
        '20100010': { vr: 'ST', Value: ['STANDARD\\1,1'] },
        '20100500': {
          vr: 'SQ',
          Value: [
            {
              '00081150': { vr: 'UI', Value: [Uid.BasicFilmSession] },
              '00081155': { vr: 'UI', Value: [sid] },
            },
          ],
        },
      },
    });
    const box = String((fb.dataset!['20100510']!.Value![0] as DcmDataset)['00081155']!.Value![0]);
    const bytes = encodeDataset(
      { '20200010': { vr: 'US', Value: [1] }, '20200110': { vr: 'SQ', Value: [grayImage(512, 512)] } },
      Uid.ExplicitVrLittleEndian,
    );
    const s = r.stream({
      command: {
        commandField: CommandField.N_SET_RQ,
        requestedSopClassUid: Uid.BasicGrayscaleImageBox,
        requestedSopInstanceUid: box,
      },
      context: META,
    });
    // Parts as a socket delivers them: tiny, PDU-sized, larger than a PDU; with pauses between.
    for (const [from, to] of [
      [0, 7],
      [7, 16384],
      [16384, 100_000],
      [100_000, bytes.length],
    ] as const) {
      s.write(bytes.subarray(from, to));
      await new Promise((r) => setTimeout(r, 5));
    }
    s.end();
    const set = await s.response;
    expect(set.status, set.errorComment).toBe(0);
    await r.release();
    const rec = lb.app.store.associations
      .list({}, { limit: 5, order: 'desc' })
      .items.find((a) => a.callingAeTitle === 'STREAMTEST')!;
    const nset = lb.app.store.associations.get(rec.id)!.messages.find((m) => m.type === 'N-SET-RQ')!;
    expect(nset.datasetBytes).toBe(bytes.length);
  });

  it('stream(): more than the high water waiting to be sent asks its source to pause, until it is sent', async () => {
    const r = await Requestor.open({
      host: '127.0.0.1',
      port: lb.dicomPort,
      callingAeTitle: 'STREAMHIGH',
      calledAeTitle: 'LIGHTBOX',
      contexts: [{ abstractSyntax: META }],
    });
    const s = r.stream({
      command: { commandField: CommandField.N_CREATE_RQ, affectedSopClassUid: Uid.BasicFilmSession },
      context: META,
    });
    // A Film Session data set padded with a long private value: 9 MiB in one go, before any is sent.
    const big = encodeDataset(
      { '00091010': { vr: 'OB', Value: [new Uint8Array(STREAM_HIGH_WATER + 1024 * 1024).buffer] } },
      Uid.ExplicitVrLittleEndian,
    );
    expect(s.write(big.subarray(0, 1000))).toBe(true);
    expect(s.write(big.subarray(1000))).toBe(false);
    await s.whenLow();
    s.end();
    const rsp = await s.response;
    expect(rsp.command.messageIdBeingRespondedTo).toBeDefined();
    await r.release();
  });

  it('refuses a request on a context that was not accepted, without sending it', async () => {
    const r = await Requestor.open({
      host: '127.0.0.1',
      port: lb.dicomPort,
      callingAeTitle: 'SCUTEST',
      calledAeTitle: 'LIGHTBOX',
      contexts: [{ abstractSyntax: Uid.Verification }, { abstractSyntax: '1.2.840.10008.5.1.4.1.1.2' }],
    });
    expect(r.accepted('1.2.840.10008.5.1.4.1.1.2')).toBeUndefined();
    await expect(r.store('1.2.840.10008.5.1.4.1.1.2', '1.2.3', {})).rejects.toMatchObject({
      kind: 'not-negotiated',
    });
    expect((await r.echo()).status).toBe(0);
    await r.release();
  });

  it('is rejected for an unknown called AE title', async () => {
    const e = await Requestor.open({
      host: '127.0.0.1',
      port: lb.dicomPort,
      callingAeTitle: 'SCUTEST',
      calledAeTitle: 'NOSUCHPRINTER',
      contexts: [{ abstractSyntax: Uid.Verification }],
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ScuError);
    expect(e).toMatchObject({ kind: 'rejected', rejection: { result: 1, source: 1, reason: 7 } });
    expect((e as ScuError).transient).toBe(false);
  });
});

describe('against DCMTK storescp', () => {
  let dir: string;
  let scp: ChildProcess;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lightbox-storescp-'));
    port = await freePort();
    scp = spawn('storescp', ['--max-pdu', '8192', '-od', dir, '-aet', 'STORESCP', String(port)], {
      stdio: 'ignore',
    });
    await waitListening(port);
  });
  afterAll(() => {
    scp?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('echoes and stores a 1 MiB image in PDUs of its 8 KiB Maximum Length', async () => {
    const r = await Requestor.open({
      host: '127.0.0.1',
      port,
      callingAeTitle: 'LIGHTBOX',
      calledAeTitle: 'STORESCP',
      contexts: [{ abstractSyntax: Uid.Verification }, { abstractSyntax: SECONDARY_CAPTURE }],
    });
    expect(r.peerMaxPduLength).toBe(8192);
    expect((await r.echo()).status).toBe(0);
    const uid = '2.25.1234567890123456789';
    const image = {
      ...grayImage(512, 1024),
      '00080016': { vr: 'UI', Value: [SECONDARY_CAPTURE] },
      '00080018': { vr: 'UI', Value: [uid] },
      '00080060': { vr: 'CS', Value: ['OT'] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: 'SCU^TEST' }] },
    };
    const stored = await r.store(SECONDARY_CAPTURE, uid, image);
    expect(stored.status, stored.errorComment).toBe(0);
    await r.release();
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const dump = await dcmtk('dcmdump', ['+P', 'SOPInstanceUID', '+P', 'Rows', join(dir, files[0]!)]);
    expect(dump.output).toContain(uid);
    expect(dump.output).toContain('1024');
  });
});

describe('a failing acceptor', () => {
  it('stream(): the bytes reach the acceptor byte-exact, in PDUs within its Maximum Length, the source views untouched', async () => {
    // Data PDVs in order; the response once the last one is in.
    const data: Buffer[] = [];
    const peer = await rawPeer((p, reply) => {
      if (p.type === 'A-ASSOCIATE-RQ') reply(acceptAll(p));
      else if (p.type === 'A-RELEASE-RQ') reply({ type: 'A-RELEASE-RP' });
      else if (p.type === 'P-DATA-TF')
        for (const v of p.pdvs) {
          if (v.isCommand) continue;
          data.push(Buffer.from(joined(v.data)));
          if (v.isLast)
            reply(
              command({
                commandField: CommandField.C_ECHO_RQ | 0x8000,
                messageIdBeingRespondedTo: 1,
                affectedSopClassUid: Uid.Verification,
                commandDataSetType: 0x0101,
                status: 0,
              }),
            );
        }
    });
    const r = await open(peer.port);
    const s = r.stream({
      command: { commandField: CommandField.C_ECHO_RQ, affectedSopClassUid: Uid.Verification },
    });
    // 300 KB in uneven parts (views of one buffer, as socket reads are), some in one go.
    const src = Buffer.alloc(300_000);
    for (let i = 0; i < src.length; i++) src[i] = (i * 7 + (i >> 9)) & 0xff;
    const copy = Buffer.from(src);
    let at = 0;
    for (const n of [1, 5, 16_000, 16_378, 16_379, 65_536, 100_000]) {
      s.write(src.subarray(at, at + n));
      at += n;
      if (n > 16_000) await new Promise((res) => setTimeout(res, 2));
    }
    s.write(src.subarray(at));
    s.end();
    expect((await s.response).status).toBe(0);
    await r.release();
    peer.close();
    expect(Buffer.concat(data).equals(copy)).toBe(true);
    expect(src.equals(copy)).toBe(true);
    const pdata = peer.received.filter((p) => p.type === 'P-DATA-TF');
    // acceptAll's Maximum Length is 16384: each PDU's length field (its PDVs) within it.
    for (const p of pdata)
      expect(p.pdvs.reduce((n, v) => n + 6 + v.data.length, 0)).toBeLessThanOrEqual(16384);
    expect(data.length).toBe(Math.ceil(src.length / (16384 - 6)));
  });

  it('connection refused: a transient connect error', async () => {
    const port = await freePort();
    const e = await open(port).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'connect' });
    expect((e as ScuError).transient).toBe(true);
  });

  it('no A-ASSOCIATE-AC: times out within its bound, and the socket is closed', async () => {
    const peer = await rawPeer(() => {});
    const t0 = Date.now();
    const e = await open(peer.port, { associateMs: 300 }).catch((x: unknown) => x);
    expect(e).toMatchObject({ kind: 'timeout' });
    expect(Date.now() - t0).toBeLessThan(3000);
    await peer.closed;
    peer.close();
  });

  it('no response to a request: timeout, and the association is aborted', async () => {
    const peer = await rawPeer((pdu, reply) => {
      if (pdu.type === 'A-ASSOCIATE-RQ') reply(acceptAll(pdu));
    });
    const r = await open(peer.port, { responseMs: 300 });
    await expect(r.echo()).rejects.toMatchObject({ kind: 'timeout' });
    await peer.closed;
    expect(peer.received.map((p) => p.type)).toEqual(['A-ASSOCIATE-RQ', 'P-DATA-TF', 'A-ABORT']);
    await expect(r.echo()).rejects.toMatchObject({ kind: 'timeout' });
    peer.close();
  });

  it('A-ABORT from the acceptor fails the pending request', async () => {
    const peer = await rawPeer((pdu, reply) => {
      if (pdu.type === 'A-ASSOCIATE-RQ') reply(acceptAll(pdu));
      if (pdu.type === 'P-DATA-TF') reply({ type: 'A-ABORT', source: 2, reason: 0 });
    });
    const r = await open(peer.port);
    await expect(r.echo()).rejects.toMatchObject({ kind: 'aborted', message: /by the peer/ });
    await r.closed();
    expect(r.ending).toBe('aborted-by-peer');
    peer.close();
  });

  it('a P-DATA-TF over our Maximum Length: A-ABORT from us, the request fails', async () => {
    const peer = await rawPeer((pdu, reply) => {
      if (pdu.type === 'A-ASSOCIATE-RQ') reply(acceptAll(pdu));
      if (pdu.type === 'P-DATA-TF') {
        const data = Buffer.alloc(8000);
        reply({ type: 'P-DATA-TF', pdvs: [{ contextId: 1, isCommand: false, isLast: true, data }] });
      }
    });
    const r = await open(peer.port, {}, 4096);
    await expect(r.echo()).rejects.toMatchObject({ kind: 'aborted', message: /exceeds the limit of 4096/ });
    await peer.closed;
    expect(peer.received.at(-1)).toMatchObject({ type: 'A-ABORT', source: 2 });
    peer.close();
  });

  it('a response with a stray data set PDV out of order: protocol error, A-ABORT', async () => {
    const peer = await rawPeer((pdu, reply) => {
      if (pdu.type === 'A-ASSOCIATE-RQ') reply(acceptAll(pdu));
      if (pdu.type === 'P-DATA-TF')
        reply({
          type: 'P-DATA-TF',
          pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(4) }],
        });
    });
    const r = await open(peer.port);
    await expect(r.echo()).rejects.toMatchObject({ kind: 'aborted', message: /without a command/ });
    peer.close();
  });

  it('answers a request it cannot perform with 0x0211, and a matching response still arrives', async () => {
    const peer = await rawPeer((pdu, reply) => {
      if (pdu.type === 'A-ASSOCIATE-RQ') reply(acceptAll(pdu));
      if (pdu.type === 'P-DATA-TF' && pdu.pdvs[0]?.isCommand && peer.received.length === 2) {
        // An unsolicited C-ECHO-RQ first, then the answer to ours.
        reply(
          command({
            commandField: CommandField.C_ECHO_RQ,
            messageId: 77,
            affectedSopClassUid: Uid.Verification,
            commandDataSetType: 0x0101,
          }),
        );
        reply(
          command({
            commandField: 0x8030,
            messageIdBeingRespondedTo: 1,
            affectedSopClassUid: Uid.Verification,
            commandDataSetType: 0x0101,
            status: 0,
          }),
        );
      }
    });
    const r = await open(peer.port);
    expect((await r.echo()).status).toBe(0);
    await expect.poll(() => peer.received.length).toBe(3);
    r.abort();
    peer.close();
  });

  it('no A-RELEASE-RP: aborted after the release timeout', async () => {
    const peer = await rawPeer((pdu, reply) => {
      if (pdu.type === 'A-ASSOCIATE-RQ') reply(acceptAll(pdu));
    });
    const r = await open(peer.port, { releaseMs: 300 });
    const t0 = Date.now();
    await r.release();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(peer.received.map((p) => p.type)).toEqual(['A-ASSOCIATE-RQ', 'A-RELEASE-RQ', 'A-ABORT']);
    peer.close();
  });

  it('refuses bad options before touching the network', async () => {
    await expect(open(1, { responseMs: 0 })).rejects.toMatchObject({ kind: 'usage' });
    await expect(open(1, {}, 100)).rejects.toMatchObject({ kind: 'usage' });
  });
});

// ---------------------------------------------------------------- helpers

const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

function open(
  port: number,
  timeouts: Record<string, number> = {},
  maxPduLength?: number,
): Promise<Requestor> {
  return Requestor.open({
    host: '127.0.0.1',
    port,
    callingAeTitle: 'SCUTEST',
    calledAeTitle: 'PEER',
    contexts: [{ abstractSyntax: Uid.Verification }],
    timeouts: { connectMs: 2000, associateMs: 2000, responseMs: 2000, releaseMs: 2000, ...timeouts },
    maxPduLength,
  });
}

function acceptAll(rq: Extract<Pdu, { type: 'A-ASSOCIATE-RQ' }>): Pdu {
  return {
    type: 'A-ASSOCIATE-AC',
    protocolVersion: 1,
    calledAeTitle: rq.calledAeTitle,
    callingAeTitle: rq.callingAeTitle,
    applicationContext: rq.applicationContext,
    presentationContexts: rq.presentationContexts.map((p) => ({
      id: p.id,
      result: 0,
      transferSyntax: p.transferSyntaxes[0]!,
    })),
    userInfo: { ...emptyUserInfo(), maxLength: 16384 },
  };
}

function command(c: Parameters<typeof encodeCommand>[0]): Pdu {
  return {
    type: 'P-DATA-TF',
    pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: encodeCommand(c) }],
  };
}

interface RawPeer {
  port: number;
  received: Pdu[];
  closed: Promise<void>;
  close(): void;
}

/** One-connection scripted acceptor: every PDU it receives goes to `on`, which may reply. */
async function rawPeer(on: (pdu: Pdu, reply: (p: Pdu) => void) => void): Promise<RawPeer> {
  let socket: Socket | undefined;
  const received: Pdu[] = [];
  let closed!: () => void;
  const closedP = new Promise<void>((r) => {
    closed = r;
  });
  const server: Server = createServer((s) => {
    socket = s;
    const framer = new PduFramer({ maxPDataLength: 1 << 24, maxAssociateLength: 1 << 20 });
    s.on('data', (c: Buffer) => {
      for (const f of framer.push(c)) {
        const p = decodePdu(f);
        received.push(p);
        on(p, (x) => s.write(encodePdu(x)));
      }
    });
    s.on('error', () => {});
    s.on('close', () => closed());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    received,
    closed: closedP,
    close() {
      socket?.destroy();
      server.close();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitListening(port: number): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect({ port, host: '127.0.0.1' }, () => {
        c.destroy();
        resolve(true);
      });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}
