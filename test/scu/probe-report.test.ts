/** The words of a "check now" probe (src/scu/probe-report.ts), without a socket. */
import { describe, expect, it } from 'vitest';
import { Tag } from '../../src/dicom/tags.js';
import { Reject } from '../../src/dicom/ul/pdu.js';
import {
  type PrinterProbe,
  printerAttributes,
  probeLine,
  probeResult,
  rejectionView,
} from '../../src/scu/probe-report.js';

const base: PrinterProbe = {
  startedAt: '2026-12-03T10:00:00.000Z',
  endedAt: '2026-12-03T10:00:00.020Z',
  ms: 20,
  target: 'printer.local:104:DRYPIX',
  callingAeTitle: 'PROXY',
  timeoutMs: 5000,
  state: 'reachable',
  result: 'answered',
  accepted: [],
};

describe('probe report', () => {
  it('names each requestor failure as a probe result', () => {
    expect(probeResult('connect')).toBe('unreachable');
    expect(probeResult('rejected')).toBe('rejected');
    expect(probeResult('timeout')).toBe('timeout');
    expect(probeResult('aborted')).toBe('aborted');
    expect(probeResult('closed')).toBe('aborted');
    expect(probeResult('usage')).toBe('error');
    expect(probeResult(undefined)).toBe('error');
  });

  it('says an A-ASSOCIATE-RJ in PS3.8 words, an unknown reason by its number', () => {
    expect(rejectionView({ type: 'A-ASSOCIATE-RJ', ...Reject['called-ae-title-not-recognized'] })).toEqual({
      result: 'permanent',
      source: 'service-user',
      reason: 'called-ae-title-not-recognized',
    });
    expect(rejectionView({ type: 'A-ASSOCIATE-RJ', ...Reject['transient-no-reason-given'] })).toEqual({
      result: 'transient',
      source: 'service-user',
      reason: 'no-reason-given',
    });
    expect(rejectionView({ type: 'A-ASSOCIATE-RJ', ...Reject['temporary-congestion'] }).source).toBe(
      'service-provider (presentation)',
    );
    expect(rejectionView({ type: 'A-ASSOCIATE-RJ', result: 1, source: 1, reason: 9 }).reason).toBe(
      'reason 9',
    );
  });

  it('reads the Printer attributes present, trimmed, multiple values joined, bounded', () => {
    expect(
      printerAttributes({
        [Tag.PrinterStatus]: { vr: 'CS', Value: ['WARNING'] },
        [Tag.PrinterStatusInfo]: { vr: 'CS', Value: ['SUPPLY LOW '] },
        [Tag.PrinterName]: { vr: 'LO', Value: [''] },
        [Tag.SoftwareVersions]: { vr: 'LO', Value: ['1.2', 'fw 7'] },
        [Tag.Manufacturer]: { vr: 'LO', Value: ['X'.repeat(300)] },
      }),
    ).toEqual({
      printerStatus: 'WARNING',
      printerStatusInfo: 'SUPPLY LOW',
      softwareVersions: '1.2\\fw 7',
      manufacturer: 'X'.repeat(128),
    });
  });

  it('sums a probe up in one line', () => {
    expect(
      probeLine({
        ...base,
        echo: { status: 0 },
        nGet: { status: 0 },
        printer: { printerStatus: 'FAILURE', printerStatusInfo: 'FILM JAM' },
      }),
    ).toBe('printer FAILURE (FILM JAM); C-ECHO 0x0000, N-GET 0x0000');
    expect(probeLine({ ...base, echo: { status: 0 }, nGet: { status: 0x0105 } })).toBe(
      'no Printer Status; C-ECHO 0x0000, N-GET 0x0105',
    );
    expect(
      probeLine({
        ...base,
        state: 'unreachable',
        result: 'unreachable',
        detail: 'cannot connect: ECONNREFUSED',
      }),
    ).toBe('unreachable: cannot connect: ECONNREFUSED');
  });
});
