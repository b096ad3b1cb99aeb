/**
 * What the wire tables say about one printer, gathered once for its conformance statement: the
 * services it is given (print/printer.ts) with their routes and abstract syntaxes, its transfer
 * syntaxes, and the status cases (./statuses.ts) that can happen where it routes.
 */
import { commandName } from '../dicom/dimse/command-fields.js';
import { Status, type StatusName, statusCategory, statusHex } from '../dicom/dimse/status.js';
import type { Service } from '../dicom/service/service.js';
import { SOP_CLASS_NAMES, Uid } from '../dicom/uids.js';
import { printerServices, transferSyntaxUids } from '../print/printer.js';
import type { PrinterRuntime } from '../print/printer-runtime.js';
import type { Capabilities } from '../profiles/capabilities.js';
import { ATTRIBUTE_TABLES } from '../verdict/spec.js';
import { code, type Text } from './document.js';
import { defaultNetworkSettings, type NetworkSettings } from './settings.js';
import { GENERAL_CASES, type Operation, PRINT_CASES, type StatusCase, validationCases } from './statuses.js';

const TRANSFER_SYNTAX_NAMES: Readonly<Record<string, string>> = {
  [Uid.ImplicitVrLittleEndian]: 'Implicit VR Little Endian',
  [Uid.ExplicitVrLittleEndian]: 'Explicit VR Little Endian',
  [Uid.ExplicitVrBigEndian]: 'Explicit VR Big Endian',
};

/** The order SOP classes are listed in: meta classes, then the hierarchy top down. */
export const SOP_ORDER: readonly string[] = [
  Uid.Verification,
  Uid.BasicGrayscalePrintManagementMeta,
  Uid.BasicColorPrintManagementMeta,
  Uid.BasicFilmSession,
  Uid.BasicFilmBox,
  Uid.BasicGrayscaleImageBox,
  Uid.BasicColorImageBox,
  Uid.BasicAnnotationBox,
  Uid.PresentationLut,
  Uid.Printer,
  Uid.PrintJob,
  Uid.PrinterConfigurationRetrieval,
];
export const OPERATION_ORDER: readonly Operation[] = [
  'C-ECHO',
  'N-CREATE',
  'N-SET',
  'N-GET',
  'N-ACTION',
  'N-DELETE',
];
const CATEGORY_ORDER = ['success', 'warning', 'failure'];

export const name = (uid: string) => SOP_CLASS_NAMES[uid] ?? uid;
export const byOrder = (order: readonly string[]) => (a: string, b: string) => {
  const [i, j] = [order.indexOf(a), order.indexOf(b)];
  return (i < 0 ? order.length : i) - (j < 0 ? order.length : j) || a.localeCompare(b);
};
export const tsName = (uid: string) => TRANSFER_SYNTAX_NAMES[uid] ?? uid;

/**
 * The services a printer with these capabilities is given, to read their routes and abstract
 * syntaxes. The runtime is a stand-in holding only the capabilities: building the services reads
 * nothing else, and their handlers are never called here.
 */
function servicesOf(caps: Capabilities): Service[] {
  return printerServices({ caps } as unknown as PrinterRuntime);
}

/** What the wire tables say about one printer, gathered once. */
export interface Wire {
  caps: Capabilities;
  settings: NetworkSettings;
  /** Abstract syntax -> the SOP classes usable on a context of it. */
  abstractSyntaxes: Map<string, string[]>;
  /** Specific SOP class -> its operations. */
  operations: Map<string, Operation[]>;
  transferSyntaxes: string[];
  /** Every SOP class the printer knows: abstract syntaxes and their members. */
  sopClasses: string[];
}

export function wireOf(caps: Capabilities, settings: NetworkSettings): Wire {
  const abstractSyntaxes = new Map<string, string[]>();
  const operations = new Map<string, Operation[]>();
  for (const s of servicesOf(caps)) {
    for (const [a, members] of Object.entries(s.abstractSyntaxes))
      abstractSyntaxes.set(a, [...new Set([...(abstractSyntaxes.get(a) ?? []), ...members])]);
    for (const r of s.routes)
      for (const sop of r.sopClasses) {
        const op = commandName(r.command).replace(/-RQ$/, '') as Operation;
        operations.set(sop, [...(operations.get(sop) ?? []), op].sort(byOrder(OPERATION_ORDER)));
      }
  }
  const sopClasses = [...new Set([...abstractSyntaxes.keys(), ...[...abstractSyntaxes.values()].flat()])]
    // A SOP class no route serves is not offered, whatever context it could travel on.
    .filter((sop) => abstractSyntaxes.has(sop) || operations.has(sop))
    .sort(byOrder(SOP_ORDER));
  return {
    caps,
    settings,
    abstractSyntaxes,
    operations,
    transferSyntaxes: transferSyntaxUids(caps),
    sopClasses,
  };
}

/** The status cases this printer can answer with, each where it can (routes only). */
export function printerStatusCases(caps: Capabilities): StatusCase[] {
  return casesOf(wireOf(caps, defaultNetworkSettings()));
}

export function casesOf(w: Wire): StatusCase[] {
  const tables = ATTRIBUTE_TABLES.flatMap(validationCases);
  const out: StatusCase[] = [];
  for (const k of [...GENERAL_CASES, ...PRINT_CASES, ...tables]) {
    if (k.applies && !k.applies(w.caps)) continue;
    if (!k.on) {
      out.push(k);
      continue;
    }
    const sopClasses = k.on.sopClasses.filter((s) => w.operations.has(s));
    const operations = k.on.operations.filter((o) =>
      sopClasses.some((s) => w.operations.get(s)!.includes(o)),
    );
    if (sopClasses.length > 0 && operations.length > 0) out.push({ ...k, on: { sopClasses, operations } });
  }
  return out;
}

export function statusRows(cases: readonly StatusCase[], w: Wire, sop?: string): Text[][] {
  const rows: { op: string; status: StatusName; when: string }[] = [];
  for (const k of cases) {
    if (sop === undefined) {
      if (!k.on) rows.push({ op: 'any', status: k.status, when: k.when(w.caps, w.settings) });
      continue;
    }
    if (!k.on?.sopClasses.includes(sop)) continue;
    for (const op of k.on.operations)
      if (w.operations.get(sop)?.includes(op))
        rows.push({ op, status: k.status, when: k.when(w.caps, w.settings) });
  }
  const cat = (s: StatusName) => CATEGORY_ORDER.indexOf(statusCategory(Status[s].code));
  rows.sort(
    (a, b) =>
      byOrder(OPERATION_ORDER)(a.op, b.op) ||
      cat(a.status) - cat(b.status) ||
      Status[a.status].code - Status[b.status].code,
  );
  return rows.map((r) => [
    r.op,
    [code(statusHex(Status[r.status].code)), ` ${Status[r.status].name}`],
    statusCategory(Status[r.status].code),
    r.when,
  ]);
}
