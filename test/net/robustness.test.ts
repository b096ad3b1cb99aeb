/** Bad input, timers and limits against a live server over loopback TCP. */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src/dicom/dimse/command-codec.js';
import { CommandField } from '../../src/dicom/dimse/command-fields.js';
import { encodePdu } from '../../src/dicom/ul/pdu-codec.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { associateRq, commandPData, echoCommand } from '../support/pdus.js';
import { Peer } from '../support/peer.js';

let lb: TestLightbox | undefined;
const peers: Peer[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.destroy();
  await lb?.stop();
  lb = undefined;
});

async function start(o: Parameters<typeof startLightbox>[0] = {}) {
  lb = await startLightbox(o);
  return lb;
}

async function peer(): Promise<Peer> {
  const p = await Peer.connect(lb!.dicomPort);
  peers.push(p);
  return p;
}

/** After whatever a test did, a fresh association still echoes: the server is alive and well. */
async function stillServes() {
  const p = await peer();
  await p.associate();
  expect((await p.echo(99)).status).toBe(0);
  await p.release();
}

describe('malformed and unexpected PDUs', () => {
  it('garbage instead of A-ASSOCIATE-RQ -> A-ABORT (provider, unrecognized-pdu), socket closed', async () => {
    await start();
    const p = await peer();
    p.sendBytes(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    expect(await p.next()).toEqual({ type: 'A-ABORT', source: 2, reason: 1 });
    // We wait in Sta13 for the peer to close (ARTIM); a peer that leaves is the normal end.
    p.destroy();
    await stillServes();
  });

  it('a P-DATA header announcing 4 GiB -> A-ABORT (invalid-pdu-parameter-value) at once', async () => {
    await start();
    const p = await peer();
    await p.associate();
    p.sendBytes(Buffer.from('0400ffffffff', 'hex'));
    expect(await p.next(1000)).toEqual({ type: 'A-ABORT', source: 2, reason: 6 });
    await stillServes();
  });

  it('a P-DATA-TF longer than the max PDU we advertised -> A-ABORT reason 6', async () => {
    await start({ maxPduLength: 8192 });
    const p = await peer();
    const ac = await p.associate();
    expect(ac.userInfo.maxLength).toBe(8192);
    p.send({
      type: 'P-DATA-TF',
      pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(9000) }],
    });
    expect(await p.next()).toEqual({ type: 'A-ABORT', source: 2, reason: 6 });
  });

  it('a data PDV before any command -> A-ABORT unexpected-pdu-parameter (5)', async () => {
    await start();
    const p = await peer();
    await p.associate();
    p.send({
      type: 'P-DATA-TF',
      pdvs: [{ contextId: 1, isCommand: false, isLast: true, data: Buffer.alloc(4) }],
    });
    expect(await p.next()).toEqual({ type: 'A-ABORT', source: 2, reason: 5 });
  });

  it('a command that does not parse -> A-ABORT invalid-pdu-parameter-value', async () => {
    await start();
    const p = await peer();
    await p.associate();
    p.send({
      type: 'P-DATA-TF',
      pdvs: [{ contextId: 1, isCommand: true, isLast: true, data: Buffer.from('not a command') }],
    });
    expect(await p.next()).toEqual({ type: 'A-ABORT', source: 2, reason: 6 });
  });

  it('a PDV on an unaccepted context -> A-ABORT reason 6', async () => {
    await start();
    const p = await peer();
    await p.associate();
    p.send(commandPData(3, echoCommand(1)));
    expect(await p.next()).toEqual({ type: 'A-ABORT', source: 2, reason: 6 });
  });

  it('a data set whose bytes do not parse gets 0x0110, and the association goes on', async () => {
    await start();
    const p = await peer();
    await p.associate();
    const cmd = echoCommand(1, { commandDataSetType: 0x0000 });
    p.send({
      type: 'P-DATA-TF',
      pdvs: [
        { contextId: 1, isCommand: true, isLast: true, data: encodeCommand(cmd) },
        { contextId: 1, isCommand: false, isLast: true, data: Buffer.from([0x08, 0x00, 0x05]) },
      ],
    });
    const r = (await p.nextCommand()).command;
    expect(r).toMatchObject({ commandField: 0x8030, status: 0x0110, messageIdBeingRespondedTo: 1 });
    expect(r.errorComment).toMatch(/does not parse/);
    expect((await p.echo(2)).status).toBe(0);
    await p.release();
  });

  it('a connection dropped in the middle of a PDU leaves the server serving', async () => {
    await start();
    const p = await peer();
    await p.associate();
    p.sendBytes(encodePdu(commandPData(1, echoCommand(1))).subarray(0, 20));
    p.destroy();
    await stillServes();
    await expect
      .poll(() =>
        lb!.logs.some((l) => l['msg'] === 'association ended' && l['ending'] === 'transport-closed'),
      )
      .toBe(true);
  });
});

describe('DIMSE over the wire', () => {
  it('honours a tiny peer max PDU when sending: every PDU <= 24 bytes', async () => {
    await start();
    const p = await peer();
    await p.associate({ maxLength: 24 });
    p.send(commandPData(1, echoCommand(7)));
    const { command, pduLengths } = await p.nextCommand();
    expect(command).toMatchObject({ commandField: 0x8030, status: 0, messageIdBeingRespondedTo: 7 });
    expect(pduLengths.length).toBeGreaterThan(3);
    for (const n of pduLengths) expect(n).toBeLessThanOrEqual(24);
  });

  it('peer max PDU 1 MiB and 0 (unlimited): the response comes in one PDU', async () => {
    await start();
    for (const maxLength of [1024 * 1024, 0]) {
      const p = await peer();
      await p.associate({ maxLength });
      p.send(commandPData(1, echoCommand(1)));
      expect((await p.nextCommand()).pduLengths).toHaveLength(1);
      await p.release();
    }
  });

  it('a request fragmented into many PDUs and 1-byte TCP writes is answered', async () => {
    await start();
    const p = await peer();
    await p.associate();
    const cmd = encodeCommand(echoCommand(3));
    const pdus = [];
    for (let i = 0; i < cmd.length; i += 5) {
      const data = cmd.subarray(i, i + 5);
      pdus.push(
        encodePdu({
          type: 'P-DATA-TF',
          pdvs: [{ contextId: 1, isCommand: true, isLast: i + 5 >= cmd.length, data }],
        }),
      );
    }
    for (const byte of Buffer.concat(pdus)) p.sendBytes(Buffer.from([byte]));
    expect((await p.nextCommand()).command.status).toBe(0);
  });

  it('pipelined requests are answered in order; a reused outstanding Message ID gets 0x0210', async () => {
    await start();
    const p = await peer();
    await p.associate();
    const burst = [1, 2, 2, 3].map((id) => encodePdu(commandPData(1, echoCommand(id))));
    p.sendBytes(Buffer.concat(burst));
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push((await p.nextCommand()).command);
    expect(answers.map((a) => [a.messageIdBeingRespondedTo, a.status])).toEqual([
      [1, 0],
      [2, 0],
      [2, 0x0210],
      [3, 0],
    ]);
  });

  it('an unknown command gets a response with the response bit and 0x0211-class failure', async () => {
    await start();
    const p = await peer();
    await p.associate();
    p.send(
      commandPData(1, {
        ...echoCommand(4),
        commandField: CommandField.N_GET_RQ,
        requestedSopClassUid: '1.2.840.10008.1.1',
      }),
    );
    const r = (await p.nextCommand()).command;
    expect(r).toMatchObject({ commandField: 0x8110, status: 0x0211, messageIdBeingRespondedTo: 4 });
  });

  it('--dump-messages logs each message whole', async () => {
    await start({ dumpMessages: true });
    const p = await peer();
    await p.associate();
    await p.echo(1);
    await p.release();
    const dumps = lb!.logs.filter((l) => l['msg'] === 'DIMSE dump');
    expect(dumps.map((d) => d['direction'])).toEqual(['in', 'out']);
    expect(dumps[0]!['command']).toMatchObject({ commandField: 0x30, messageId: 1 });
  });
});

describe('timers and limits', () => {
  it('ARTIM, when shorter than --associate-timeout: a connection that never sends A-ASSOCIATE-RQ is closed', async () => {
    await start({ artimTimeoutMs: 300 });
    const p = await peer();
    const t0 = Date.now();
    await p.waitClosed(3000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await expect.poll(() => lb!.app.dicom.stats.dropped['associate-timeout']).toBe(1);
    // Not an association: nothing recorded, no "association ended".
    await expect
      .poll(() => lb!.logs.some((l) => l['msg'] === 'connection closed before associating'))
      .toBe(true);
    expect(lb!.logs.some((l) => l['msg'] === 'association ended')).toBe(false);
  });

  it('idle timeout: a silent association is aborted, then closed', async () => {
    await start({ idleTimeoutMs: 300, artimTimeoutMs: 300 });
    const p = await peer();
    await p.associate();
    expect(await p.next(3000)).toEqual({ type: 'A-ABORT', source: 2, reason: 0 });
    await p.waitClosed(3000);
  });

  it('over the association limit: A-ASSOCIATE-RJ transient, service provider, local-limit-exceeded', async () => {
    await start({ maxAssociations: 2 });
    const a = await peer();
    const b = await peer();
    await a.associate();
    await b.associate();
    const c = await peer();
    c.send(associateRq());
    expect(await c.next()).toEqual({ type: 'A-ASSOCIATE-RJ', result: 2, source: 3, reason: 2 });
    c.destroy();
    await a.release();
    await expect.poll(() => lb!.app.dicom.connectionCount).toBeLessThanOrEqual(1);
    await stillServes();
  });

  it('logs one record per association with AE titles, contexts, duration and ending', async () => {
    await start();
    const p = await peer();
    await p.associate({ calling: 'LOGCHECK' });
    await p.echo(1);
    await p.release();
    await expect
      .poll(() => lb!.logs.find((l) => l['msg'] === 'association ended' && l['calling'] === 'LOGCHECK'))
      .toMatchObject({
        called: 'LIGHTBOX',
        printer: 'LIGHTBOX',
        contexts: ['1:Verification:ImplicitVrLittleEndian'],
        messages: 2,
        ending: 'released',
      });
    const msg = lb!.logs.find((l) => l['msg'] === 'C-ECHO-RQ -> success');
    expect(msg).toMatchObject({
      type: 'C-ECHO-RQ',
      sopClass: 'Verification',
      status: '0x0000 Success (success)',
    });
  });
});

describe('shutdown', () => {
  it('lets an open association finish, then stops; new connections are refused meanwhile', async () => {
    await start({ shutdownGraceMs: 5000 });
    const p = await peer();
    await p.associate();
    const stopping = lb!.app.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect((await p.echo(1)).status).toBe(0);
    await expect(Peer.connect(lb!.dicomPort)).rejects.toThrow();
    await p.release();
    await stopping;
    lb = undefined;
  });

  it('aborts associations still open when the grace period ends', async () => {
    await start({ shutdownGraceMs: 200 });
    const p = await peer();
    await p.associate();
    const t0 = Date.now();
    await lb!.app.stop();
    lb = undefined;
    expect(await p.next()).toEqual({ type: 'A-ABORT', source: 2, reason: 0 });
    expect(Date.now() - t0).toBeLessThan(4000);
  });
});
