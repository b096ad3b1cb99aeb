/** Lightbox against DCMTK's echoscu and storescu over real TCP. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dcmtk } from '../support/dcmtk.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
const OUR_MAX_PDU = 256 * 1024;

beforeAll(async () => {
  lb = await startLightbox({ maxPduLength: OUR_MAX_PDU });
});
afterAll(async () => {
  await lb?.stop();
});

const echo = (...args: string[]) =>
  dcmtk('echoscu', ['-d', '-aec', 'LIGHTBOX', ...args, '127.0.0.1', String(lb.dicomPort)]);

function acceptedLog(calling: string) {
  return lb.logs.filter((l) => l['msg'] === 'association accepted' && l['calling'] === calling).at(-1);
}

describe('DCMTK echoscu', () => {
  it('C-ECHO in Implicit VR Little Endian (echoscu proposes only implicit by default)', async () => {
    const r = await echo('-aet', 'IMPLICIT');
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Received Echo Response \(Success\)/);
    expect(r.output).toMatch(/Accepted Transfer Syntax: =LittleEndianImplicit/);
    expect(acceptedLog('IMPLICIT')?.['contexts']).toEqual(['1:Verification:ImplicitVrLittleEndian']);
  });

  it('C-ECHO in Explicit VR Little Endian (our preference when both are proposed)', async () => {
    const r = await echo('-aet', 'EXPLICIT', '--propose-ts', '2');
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/Accepted Transfer Syntax: =LittleEndianExplicit/);
    expect(acceptedLog('EXPLICIT')?.['contexts']).toEqual(['1:Verification:ExplicitVrLittleEndian']);
  });

  it.each([4096, 131072])('peer max PDU %i: we record it and advertise ours', async (max) => {
    const r = await echo('-aet', `PDU${max}`, '--max-pdu', String(max), '--repeat', '3');
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/Received Echo Response \(Success\)/g)).toHaveLength(3);
    expect(r.output).toMatch(new RegExp(`Their Max PDU Receive Size: +${OUR_MAX_PDU}`));
    expect(acceptedLog(`PDU${max}`)?.['peerMaxPdu']).toBe(max);
  });

  it('wrong called AE title: A-ASSOCIATE-RJ permanent, called-AE-title-not-recognized', async () => {
    const r = await dcmtk('echoscu', ['-aec', 'NOTAPRINTER', '127.0.0.1', String(lb.dicomPort)]);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/Rejected Permanent, Source: Service User/);
    expect(r.output).toMatch(/Called AE Title Not Recognized/);
  });

  it('several contexts proposed: each answered, all Verification accepted', async () => {
    const r = await echo('-aet', 'MANYPC', '--propose-pc', '5', '--propose-ts', '3');
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/Context ID: +\d+ \(Accepted\)/g)).toHaveLength(5);
  });
});

describe('DCMTK storescu with a mixed association profile', () => {
  it('refuses CT Image Storage (abstract syntax not supported) while accepting Verification', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lightbox-storescu-'));
    const file = join(dir, 'ct.dcm');
    const made = await dcmtk('dump2dcm', ['--write-xfer-little', 'test/fixtures/ct-image.dump', file]);
    expect(made.code, made.output).toBe(0);
    const r = await dcmtk('storescu', [
      '-d',
      '-aec',
      'LIGHTBOX',
      '-xf',
      'test/fixtures/storescu-verification-and-ct.cfg',
      'Mixed',
      '127.0.0.1',
      String(lb.dicomPort),
      file,
    ]);
    expect(r.output).toMatch(/Context ID: +1 \(Accepted\)\s+D: +Abstract Syntax: =VerificationSOPClass/);
    expect(r.output).toMatch(
      /Context ID: +3 \(Abstract Syntax Not Supported\)\s+D: +Abstract Syntax: =CTImageStorage/,
    );
    expect(r.output).toMatch(/No presentation context for: \(CT\)/);
  });
});
