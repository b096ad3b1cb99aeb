/** The acceptor, byte in and byte out, without sockets: the outputs are exactly what goes on the wire. */
import { describe, expect, it } from 'vitest';
import { decodeCommand } from '../../src/dicom/dimse/command-codec.js';
import { Uid } from '../../src/dicom/uids.js';
import { decideAssociation } from '../../src/dicom/ul/acceptance.js';
import { Association, type Output } from '../../src/dicom/ul/association.js';
import { decodePdu, encodePdu } from '../../src/dicom/ul/pdu-codec.js';
import { associateRq, commandPData, echoCommand } from '../support/pdus.js';

const printer = {
  aeTitle: 'LIGHTBOX',
  abstractSyntaxes: new Set([Uid.Verification]),
  transferSyntaxes: [Uid.ExplicitVrLittleEndian, Uid.ImplicitVrLittleEndian],
};
const settings = {
  findPrinter: (ae: string) => (ae === 'LIGHTBOX' ? printer : undefined),
  atCapacity: () => false,
  maxPduLength: 32768,
  implementationClassUid: '1.2.3.4',
  implementationVersionName: 'LB',
};

function acceptor() {
  const a = new Association({
    role: 'acceptor',
    limits: { maxPDataLength: 32768, maxAssociateLength: 65536 },
    decide: (rq) => decideAssociation(rq, settings),
  });
  expect(a.transportAccepted()).toEqual([{ kind: 'artim', run: true }]);
  return a;
}

const writes = (o: Output[]) =>
  o.filter((x) => x.kind === 'write').map((x) => Buffer.concat((x as { parts: readonly Buffer[] }).parts));
const kinds = (o: Output[]) => o.map((x) => x.kind);

describe('acceptor association, bytes in, bytes out', () => {
  it('A-ASSOCIATE-RQ -> stops ARTIM, writes A-ASSOCIATE-AC, Sta6', () => {
    const a = acceptor();
    const out = a.receive(encodePdu(associateRq()));
    expect(kinds(out)).toEqual(['artim', 'write', 'associated']);
    expect(out[0]).toEqual({ kind: 'artim', run: false });
    const ac = decodePdu(writes(out)[0]!);
    expect(ac).toMatchObject({
      type: 'A-ASSOCIATE-AC',
      calledAeTitle: 'LIGHTBOX',
      callingAeTitle: 'TESTSCU',
      presentationContexts: [{ id: 1, result: 0, transferSyntax: Uid.ImplicitVrLittleEndian }],
      userInfo: { maxLength: 32768, implementationClassUid: '1.2.3.4', implementationVersionName: 'LB' },
    });
    expect(a.state).toBe('Sta6');
    expect(a.history.map((h) => `${h.from}+${h.event}:${h.action}`)).toEqual([
      'Sta1+Evt5:AE-5',
      'Sta2+Evt6:AE-6',
      'Sta3+Evt7:AE-7',
    ]);
  });

  it('wrong called AE -> A-ASSOCIATE-RJ 03 00 00000004 00 01 01 07, ARTIM, Sta13', () => {
    const a = acceptor();
    const out = a.receive(encodePdu(associateRq({ called: 'NOBODY' })));
    expect(writes(out)[0]!.toString('hex')).toBe('030000000004' + '00010107');
    expect(out.at(-1)).toEqual({ kind: 'artim', run: true });
    expect(a.state).toBe('Sta13');
    expect(a.ending).toBe('rejected');
    // The peer closes: Evt17 in Sta13 -> AR-5 (stop ARTIM), Sta1.
    expect(a.transportClosed()).toEqual([{ kind: 'artim', run: false }]);
    expect(a.state).toBe('Sta1');
  });

  it('protocol version without bit 0 -> A-ASSOCIATE-RJ source 2 reason 2 from AE-6', () => {
    const a = acceptor();
    const out = a.receive(encodePdu(associateRq({ protocolVersion: 2 })));
    expect(writes(out)[0]!.toString('hex')).toBe('030000000004' + '00010202');
    expect(a.history.at(-1)).toMatchObject({ action: 'AE-6', to: 'Sta13' });
  });

  it('C-ECHO-RQ in P-DATA -> pdata indication; response goes out via Evt9', () => {
    const a = acceptor();
    a.receive(encodePdu(associateRq()));
    const out = a.receive(encodePdu(commandPData(1, echoCommand(7))));
    expect(kinds(out)).toEqual(['pdata']);
    const pdv = (out[0] as { pdvs: { data: Buffer }[] }).pdvs[0]!;
    expect(decodeCommand(pdv.data).command).toMatchObject({ commandField: 0x0030, messageId: 7 });
    const sent = a.sendPData(
      commandPData(1, {
        commandField: 0x8030,
        messageIdBeingRespondedTo: 7,
        commandDataSetType: 0x0101,
        status: 0,
      }),
    );
    expect(decodePdu(writes(sent)[0]!).type).toBe('P-DATA-TF');
  });

  it('A-RELEASE-RQ -> indication, and A-RELEASE-RP only when the service layer answers', () => {
    const a = acceptor();
    a.receive(encodePdu(associateRq()));
    expect(kinds(a.receive(encodePdu({ type: 'A-RELEASE-RQ' })))).toEqual(['release-requested']);
    expect(a.state).toBe('Sta8');
    // AR-7: a response still being sent may go out in Sta8.
    expect(writes(a.sendPData(commandPData(1, echoCommand(1)))).length).toBe(1);
    const out = a.releaseResponse();
    expect(writes(out)[0]!.toString('hex')).toBe('060000000004' + '00000000');
    expect(kinds(out)).toEqual(['write', 'released', 'artim']);
    expect(a.state).toBe('Sta13');
    expect(a.ending).toBe('released');
  });

  it('a PDV on a context that was not accepted -> A-ABORT provider, invalid-pdu-parameter-value', () => {
    const a = acceptor();
    a.receive(encodePdu(associateRq()));
    const out = a.receive(encodePdu(commandPData(3, echoCommand(1))));
    expect(writes(out)[0]!.toString('hex')).toBe('070000000004' + '00000206');
    expect(a.state).toBe('Sta13');
  });

  it('garbage after association -> A-ABORT provider, unrecognized-pdu; later bytes ignored', () => {
    const a = acceptor();
    a.receive(encodePdu(associateRq()));
    const out = a.receive(Buffer.from('0a0000000000', 'hex'));
    expect(writes(out)[0]!.toString('hex')).toBe('070000000004' + '00000201');
    expect(a.receive(encodePdu(commandPData(1, echoCommand(2))))).toEqual([]);
  });

  it('A-ASSOCIATE-RQ twice -> A-ABORT provider, unexpected-pdu (AA-8)', () => {
    const a = acceptor();
    a.receive(encodePdu(associateRq()));
    const out = a.receive(encodePdu(associateRq()));
    expect(writes(out)[0]!.toString('hex')).toBe('070000000004' + '00000202');
    expect(a.history.at(-1)).toMatchObject({ from: 'Sta6', event: 'Evt6', action: 'AA-8' });
  });

  it('P-DATA before association (Sta2) -> AA-1: A-ABORT, ARTIM', () => {
    const a = acceptor();
    const out = a.receive(encodePdu(commandPData(1, echoCommand(1))));
    expect(writes(out)[0]!.toString('hex')).toBe('070000000004' + '00000202');
    expect(out.at(-1)).toEqual({ kind: 'artim', run: true });
  });

  it('oversize P-DATA header after association -> A-ABORT from 6 bytes alone', () => {
    const a = acceptor();
    a.receive(encodePdu(associateRq()));
    const out = a.receive(Buffer.from('040000008001', 'hex')); // 32769 > 32768
    expect(writes(out)[0]!.toString('hex')).toBe('070000000004' + '00000206');
  });

  it('ARTIM expiry before any A-ASSOCIATE-RQ closes the transport (AA-2)', () => {
    const a = acceptor();
    expect(kinds(a.artimExpired())).toEqual(['artim', 'close']);
    expect(a.ending).toBe('artim-expired');
  });

  it('peer A-ABORT -> AA-3 closes, ending aborted-by-peer', () => {
    const a = acceptor();
    a.receive(encodePdu(associateRq()));
    const out = a.receive(encodePdu({ type: 'A-ABORT', source: 0, reason: 0 }));
    expect(kinds(out)).toEqual(['aborted', 'close']);
    expect(a.ending).toBe('aborted-by-peer');
  });

  it('local abort (idle timeout) writes A-ABORT with the given source', () => {
    const a = acceptor();
    a.receive(encodePdu(associateRq()));
    const out = a.abort(2, 0, 'idle');
    expect(writes(out)[0]!.toString('hex')).toBe('070000000004' + '00000200');
    expect(a.ending).toBe('aborted-by-us');
  });

  it('any chunking of a whole session gives the same outputs', () => {
    const session = Buffer.concat([
      encodePdu(associateRq()),
      encodePdu(commandPData(1, echoCommand(1))),
      encodePdu(commandPData(1, echoCommand(2))),
      encodePdu({ type: 'A-RELEASE-RQ' }),
    ]);
    const reference = acceptor();
    const expected = kinds(reference.receive(session));
    for (let i = 1; i < session.length; i++) {
      const a = acceptor();
      const got = [...a.receive(session.subarray(0, i)), ...a.receive(session.subarray(i))];
      expect(kinds(got)).toEqual(expected);
      expect(a.state).toBe('Sta8');
    }
  });
});
