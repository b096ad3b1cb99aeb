/**
 * What a "check now" probe of a real printer found (docs/proxy.md#probe), as data: pure, so each
 * outcome (answered, unreachable, rejected, timeout, aborted, error) is named and unit-tested
 * without a socket. The probe itself is printer-probe.ts.
 */
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import { statusHex } from '../dicom/dimse/status.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import { type AssociateRj, Reject } from '../dicom/ul/pdu.js';
import { str } from '../print/values.js';
import type { ScuErrorKind } from './scu-error.js';

/** The print management meta SOP classes a probe proposes, the Printer SOP class being in both (PS3.4 H.3). */
export const PROBE_METAS: readonly string[] = [
  Uid.BasicGrayscalePrintManagementMeta,
  Uid.BasicColorPrintManagementMeta,
];
/** The SOP classes a probe uses as SCU (the conformance statement says so). */
export const PROBE_SOP_CLASSES: readonly string[] = [Uid.Verification, ...PROBE_METAS, Uid.Printer];

/**
 * answered: associated, and the C-ECHO and N-GET answered (whatever their statuses);
 * unreachable: no TCP (or TLS) connection within the timeout; rejected: A-ASSOCIATE-RJ;
 * timeout: connected, but no A-ASSOCIATE-AC or no response in time; aborted: A-ABORT or the
 * connection dropped; error: the probe could not be made (forward.tls files unreadable).
 */
export type ProbeResult = 'answered' | 'unreachable' | 'rejected' | 'timeout' | 'aborted' | 'error';

/** One request of the probe: its status and Error Comment, or why there is none. */
export interface ProbeAnswer {
  status?: number;
  errorComment?: string;
  ms?: number;
  /** Not sent (its context was not accepted, the association ended) or not answered, and why. */
  error?: string;
}

/** The Printer SOP instance's attributes (PS3.3 C.13.9), as the printer answered N-GET. */
export interface PrinterAttributes {
  /** NORMAL, WARNING or FAILURE. */
  printerStatus?: string;
  printerStatusInfo?: string;
  printerName?: string;
  manufacturer?: string;
  manufacturerModelName?: string;
  deviceSerialNumber?: string;
  softwareVersions?: string;
  dateOfLastCalibration?: string;
  timeOfLastCalibration?: string;
}

export interface PrinterProbe {
  /** The outbound run that keeps its conversation (o12), once kept. */
  id?: string;
  startedAt: string;
  endedAt: string;
  ms: number;
  /** HOST:PORT:AE */
  target: string;
  callingAeTitle: string;
  /** The bound on each wait (connect, A-ASSOCIATE-AC, each response, release). */
  timeoutMs: number;
  /** Whether the association was made: the state GET .../forward reports from it. */
  state: 'reachable' | 'unreachable';
  result: ProbeResult;
  /** Why, for any result but answered. */
  detail?: string;
  rejection?: { result: 'permanent' | 'transient'; source: string; reason: string };
  /** Accepted contexts as "abstract syntax: transfer syntax". */
  accepted: string[];
  echo?: ProbeAnswer;
  /** The N-GET of the Printer SOP instance (1.2.840.10008.5.1.1.17). */
  nGet?: ProbeAnswer;
  printer?: PrinterAttributes;
}

const KIND_RESULT: Record<ScuErrorKind, ProbeResult> = {
  connect: 'unreachable',
  rejected: 'rejected',
  timeout: 'timeout',
  aborted: 'aborted',
  closed: 'aborted',
  'not-negotiated': 'answered',
  usage: 'error',
};

export function probeResult(kind: ScuErrorKind | undefined): ProbeResult {
  return kind ? KIND_RESULT[kind] : 'error';
}

const SOURCES = ['', 'service-user', 'service-provider (ACSE)', 'service-provider (presentation)'];

/** An A-ASSOCIATE-RJ in PS3.8 9.3.4's words. */
export function rejectionView(rj: AssociateRj): NonNullable<PrinterProbe['rejection']> {
  const named = Object.entries(Reject).find(([, r]) => r.source === rj.source && r.reason === rj.reason);
  return {
    result: rj.result === 1 ? 'permanent' : 'transient',
    source: SOURCES[rj.source] ?? String(rj.source),
    reason: named ? named[0].replace(/^transient-/, '') : `reason ${rj.reason}`,
  };
}

const ATTRIBUTES: Record<keyof PrinterAttributes, string> = {
  printerStatus: Tag.PrinterStatus,
  printerStatusInfo: Tag.PrinterStatusInfo,
  printerName: Tag.PrinterName,
  manufacturer: Tag.Manufacturer,
  manufacturerModelName: Tag.ManufacturerModelName,
  deviceSerialNumber: Tag.DeviceSerialNumber,
  softwareVersions: Tag.SoftwareVersions,
  dateOfLastCalibration: Tag.DateOfLastCalibration,
  timeOfLastCalibration: Tag.TimeOfLastCalibration,
};

/** Longest value kept of each attribute (a printer's answer is not ours to store unbounded). */
const VALUE_MAX = 128;

/** The Printer attributes present in an N-GET response (multiple values joined with "\"). */
export function printerAttributes(ds: DcmDataset): PrinterAttributes {
  const out: PrinterAttributes = {};
  for (const [key, tag] of Object.entries(ATTRIBUTES) as [keyof PrinterAttributes, string][]) {
    const values = ds[tag]?.Value;
    const v = values && values.length > 1 ? values.map(String).join('\\') : str(ds, tag);
    if (v !== undefined && v.trim() !== '') out[key] = v.trim().slice(0, VALUE_MAX);
  }
  return out;
}

/** One line for listings: what the printer said, or why it said nothing. */
export function probeLine(p: PrinterProbe): string {
  if (p.result !== 'answered') return `${p.result}: ${p.detail ?? ''}`.trim();
  const status = p.printer?.printerStatus;
  const info = p.printer?.printerStatusInfo;
  const printer = status
    ? `printer ${status}${info && info !== status ? ` (${info})` : ''}`
    : 'no Printer Status';
  const hex = (a: ProbeAnswer | undefined) =>
    a?.status === undefined ? (a?.error ?? 'not sent') : statusHex(a.status);
  return `${printer}; C-ECHO ${hex(p.echo)}, N-GET ${hex(p.nGet)}`;
}
