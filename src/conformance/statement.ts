/**
 * A printer's DICOM Conformance Statement (PS3.2 structure), built from the tables that answer on
 * the wire: the services and routes a printer is given (print/printer.ts), the presentation
 * contexts they make acceptable, the attribute tables and their value checks
 * (print/attributes.ts), the N-GET data sets (print/printer-attributes.ts), the image pixel
 * module's mandatory attributes, the status cases (./statuses.ts), the event types, the profile
 * and the network settings. Pure: the same inputs give the same document.
 */

import { commandName } from '../dicom/dimse/command-fields.js';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import { keywordOf } from '../dicom/dimse/dataset.js';
import { Status, type StatusName, statusCategory, statusHex } from '../dicom/dimse/status.js';
import type { Service } from '../dicom/service/service.js';
import { Implementation, Uid } from '../dicom/uids.js';
import { PcResult, Reject } from '../dicom/ul/pdu.js';
import { type Accepted, type AttributeRule, acceptedValues } from '../print/attributes.js';
import { REQUIRED_COLOR, REQUIRED_GRAY } from '../print/pixel-module.js';
import { printerServices, transferSyntaxUids } from '../print/printer.js';
import { printerAttributes, printerConfiguration, printJobAttributes } from '../print/printer-attributes.js';
import type { PrinterRuntime } from '../print/printer-runtime.js';
import { tagLabel } from '../print/values.js';
import { type Capabilities, filmMatrix } from '../profiles/capabilities.js';
import { FILM_SIZES_MM } from '../profiles/film-sizes.js';
import { PRINT_BUFF_FULL } from '../profiles/printer-status.js';
import { ATTRIBUTE_TABLES, type AttributeOperation, isMandatory, SOP_CLASS_NAMES } from '../verdict/spec.js';
import { DEFAULTS } from './defaults.js';
import {
  type Block,
  code,
  facts,
  type Inline,
  joined,
  list,
  paragraph,
  type Section,
  type Statement,
  section,
  type Text,
  table,
} from './document.js';
import { EVENT_REPORTS } from './events.js';
import { bytesText, defaultNetworkSettings, type NetworkSettings, secondsText } from './settings.js';
import { GENERAL_CASES, type Operation, PRINT_CASES, type StatusCase, validationCases } from './statuses.js';

export interface StatementInput {
  caps: Capabilities;
  /** The profile file the printer comes from, or "(embedded)". */
  source?: string;
  settings: NetworkSettings;
}

const TRANSFER_SYNTAX_NAMES: Readonly<Record<string, string>> = {
  [Uid.ImplicitVrLittleEndian]: 'Implicit VR Little Endian',
  [Uid.ExplicitVrLittleEndian]: 'Explicit VR Little Endian',
  [Uid.ExplicitVrBigEndian]: 'Explicit VR Big Endian',
};

/** The order SOP classes are listed in: meta classes, then the hierarchy top down. */
const SOP_ORDER: readonly string[] = [
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
const OPERATION_ORDER: readonly Operation[] = [
  'C-ECHO',
  'N-CREATE',
  'N-SET',
  'N-GET',
  'N-ACTION',
  'N-DELETE',
];
const CATEGORY_ORDER = ['success', 'warning', 'failure'];

const name = (uid: string) => SOP_CLASS_NAMES[uid] ?? uid;
const byOrder = (order: readonly string[]) => (a: string, b: string) => {
  const [i, j] = [order.indexOf(a), order.indexOf(b)];
  return (i < 0 ? order.length : i) - (j < 0 ? order.length : j) || a.localeCompare(b);
};
const tsName = (uid: string) => TRANSFER_SYNTAX_NAMES[uid] ?? uid;

/**
 * The services a printer with these capabilities is given, to read their routes and abstract
 * syntaxes. The runtime is a stand-in holding only the capabilities: building the services reads
 * nothing else, and their handlers are never called here.
 */
function servicesOf(caps: Capabilities): Service[] {
  return printerServices({ caps } as unknown as PrinterRuntime);
}

/** What the wire tables say about one printer, gathered once. */
interface Wire {
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

function wireOf(caps: Capabilities, settings: NetworkSettings): Wire {
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

function casesOf(w: Wire): StatusCase[] {
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

// ---------------------------------------------------------------- values

const VALUE_NOTES: Readonly<Record<string, string>> = {
  SpecificCharacterSet: 'any; recorded',
  FilmSessionLabel: 'any; recorded, and printed on each film when the printer stamps it',
  MemoryAllocation: 'ignored (0xB600)',
  OwnerID: 'any; recorded',
  ConfigurationInformation: 'any; recorded, no effect on printing',
  ICCProfile: 'any; recorded',
  ReferencedImageBoxSequence: 'returned by the printer; sent back, it is ignored',
  ReferencedBasicAnnotationBoxSequence: 'returned by the printer; sent back, it is ignored',
  BasicGrayscaleImageSequence:
    'at most one item, the image (see the image pixel module below); no item: the box is emptied',
  BasicColorImageSequence:
    'at most one item, the image (see the image pixel module below); no item: the box is emptied',
  PresentationLUTSequence: 'one item: LUT Descriptor and LUT Data (see the statuses below)',
  Illumination: 'any; recorded',
  ReflectedAmbientLight: 'any; recorded',
};

function displayFormats(a: Extract<Accepted, { kind: 'display-formats' }>): Inline[] {
  const described = a.formats.map((f): Inline[] => {
    if (f === 'STANDARD\\*') return [code(f), ' (any STANDARD\\C,R)'];
    if (f === 'ROW\\*') return [code(f), ' (any ROW\\R1,R2,...)'];
    if (f === 'COL\\*') return [code(f), ' (any COL\\C1,C2,...)'];
    if (f === 'SLIDE') return [code(f), ' (', code(`${a.slide}`), ' columns,rows)'];
    if (f === 'SUPERSLIDE') return [code(f), ' (', code(`${a.superslide}`), ' columns,rows)'];
    const custom = /^CUSTOM\\(\d+)$/.exec(f);
    if (custom && a.custom[custom[1]!]) return [code(f), ' (', code(a.custom[custom[1]!]!), ')'];
    return [code(f)];
  });
  return [
    ...described.flatMap((d, i) => (i === 0 ? d : [', ', ...d])),
    `; at most ${a.maxBoxes} image boxes`,
  ];
}

function acceptedText(r: AttributeRule, c: Capabilities): Text {
  const a = acceptedValues(r, c);
  if (!a) return VALUE_NOTES[r.keyword] ?? 'any';
  switch (a.kind) {
    case 'terms':
      return joined(a.values.map(code));
    case 'integers':
      return [code(a.min), ' to ', code(a.max)];
    case 'density':
      return [...joined(a.terms.map(code)), ', or hundredths of OD from ', code(a.min), ' to ', code(a.max)];
    case 'display-formats':
      return displayFormats(a);
    case 'reference':
      return a.sopClassUid === Uid.BasicFilmSession
        ? ["one item: this association's film session (", code(a.sopClassUid), ')']
        : [`one item: a ${name(a.sopClassUid)} created on this association (`, code(a.sopClassUid), ')'];
    case 'size-mm':
      return `a decimal number of mm, above ${a.above} and below ${a.below}`;
  }
}

function usageText(r: AttributeRule, op: AttributeOperation, c: Capabilities): Text {
  if (r.supported && !r.supported(c)) return 'not supported (0x0105)';
  if (op === 'N-SET' && r.settable === false) return 'not settable (0x0105)';
  return isMandatory(r, op) ? 'M' : 'U';
}

function defaultText(sop: string, keyword: string, c: Capabilities): Text {
  const d = DEFAULTS[sop]?.[keyword];
  if (!d || (d.applies && !d.applies(c))) return '';
  const note = d.note?.(c);
  if (!d.value) return note ?? '';
  return note ? [code(d.value(c)), ` (${note})`] : [code(d.value(c))];
}

// ---------------------------------------------------------------- tables of a SOP class

function attributeBlocks(sop: string, c: Capabilities): Block[] {
  const tables = ATTRIBUTE_TABLES.filter((t) => t.sopClass === sop);
  if (tables.length === 0) return [];
  const ops = tables.map((t) => t.operation);
  // The tables of one SOP class list the same attributes (N-CREATE and N-SET share one).
  const rules = tables[0]!.rules;
  const rows = rules.map((r): Text[] => [
    r.keyword,
    code(tagLabel(r.tag)),
    ...ops.map((op) => usageText(r, op, c)),
    r.supported && !r.supported(c) ? '' : acceptedText(r, c),
    defaultText(sop, r.keyword, c),
  ]);
  return [
    table(
      ['Attribute', 'Tag', ...ops.map((o) => `${o} (SCU usage)`), 'Accepted values', 'Default when absent'],
      rows,
      `${name(sop)}: attributes`,
    ),
  ];
}

function pixelModuleBlocks(sop: string, c: Capabilities): Block[] {
  if (sop !== Uid.BasicGrayscaleImageBox && sop !== Uid.BasicColorImageBox) return [];
  const color = sop === Uid.BasicColorImageBox;
  const gray: Record<string, Text> = {
    SamplesPerPixel: code(1),
    PhotometricInterpretation: joined([code('MONOCHROME1'), code('MONOCHROME2')]),
    BitsAllocated: c.bitsStored.map((b) => `${b === 8 ? 8 : 16} with Bits Stored ${b}`).join(', '),
    BitsStored: joined(c.bitsStored.map(code)),
    HighBit: 'Bits Stored - 1',
  };
  const rgb: Record<string, Text> = {
    SamplesPerPixel: code(3),
    PhotometricInterpretation: code('RGB'),
    PlanarConfiguration: [code(1), ' (', code(0), ' also read)'],
    BitsAllocated: code(8),
    BitsStored: code(8),
    HighBit: code(7),
  };
  const common: Record<string, Text> = {
    Rows: [code(1), ' to ', code(c.maxImageSize.rows)],
    Columns: [code(1), ' to ', code(c.maxImageSize.columns)],
    PixelRepresentation: code(0),
    PixelData: 'Rows x Columns x Samples per Pixel x Bits Allocated / 8 bytes (padded to even length)',
  };
  const values = { ...common, ...(color ? rgb : gray) };
  const rows = (color ? REQUIRED_COLOR : REQUIRED_GRAY).map((tag): Text[] => {
    const kw = keywordOf(tag) ?? tag;
    return [kw, code(tagLabel(tag)), 'M', values[kw] ?? 'any'];
  });
  rows.push(['PixelAspectRatio', code(tagLabel('00280034')), 'U', 'any; used when rendering']);
  return [
    table(
      ['Attribute', 'Tag', 'Usage', 'Accepted values'],
      rows,
      `${name(sop)}: image pixel module (the item of the image sequence)`,
    ),
  ];
}

/** A data set's attributes as table rows, items of sequences indented with ">". */
function datasetRows(ds: DcmDataset, depth = 0): Text[][] {
  const rows: Text[][] = [];
  for (const [tag, el] of Object.entries(ds)) {
    rows.push([`${'>'.repeat(depth)}${keywordOf(tag) ?? tag}`, code(tagLabel(tag))]);
    if (el.vr === 'SQ') {
      const first = (el.Value as DcmDataset[] | undefined)?.[0];
      if (first) rows.push(...datasetRows(first, depth + 1));
    }
  }
  return rows;
}

function getBlocks(sop: string, c: Capabilities): Block[] {
  const stand = { caps: c, status: 'NORMAL', statusInfo: 'NORMAL' } as unknown as PrinterRuntime;
  let ds: DcmDataset | undefined;
  if (sop === Uid.Printer) ds = printerAttributes(stand);
  if (sop === Uid.PrinterConfigurationRetrieval) ds = printerConfiguration(stand);
  if (sop === Uid.PrintJob)
    ds = printJobAttributes({
      uid: '',
      status: 'PENDING',
      statusInfo: 'NORMAL',
      priority: 'MED',
      createdAt: new Date(0),
      originator: '',
      printerName: '',
      films: [],
      copies: 1,
    });
  if (!ds) return [];
  return [table(['Attribute', 'Tag'], datasetRows(ds), `${name(sop)}: attributes N-GET returns`)];
}

function eventBlocks(sop: string, c: Capabilities): Block[] {
  return EVENT_REPORTS.filter((e) => e.sopClass === sop && e.applies(c)).flatMap((e) => [
    table(
      ['Event Type ID', 'Event', 'Event information'],
      e.types.map((t) => [
        code(t.id),
        t.name,
        e.attributes.map((a) => `${a.keyword} (${a.when})`).join(', '),
      ]),
      `${name(sop)}: N-EVENT-REPORT (SCP to SCU)`,
    ),
    paragraph(
      'Sent: ',
      e.when,
      '. About: ',
      e.instance.startsWith('1.') ? code(e.instance) : e.instance,
      ". The SCU's answer: ",
      e.answer,
      '.',
    ),
  ]);
}

function statusRows(cases: readonly StatusCase[], w: Wire, sop?: string): Text[][] {
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

function sopNotes(sop: string, c: Capabilities, w: Wire): Text[] {
  const notes: Text[] = [];
  const ops = w.operations.get(sop) ?? [];
  if (sop === Uid.BasicFilmSession) {
    notes.push(
      'One film session per association; it and everything under it end with the association (print jobs go on).',
    );
    if (ops.includes('N-ACTION'))
      notes.push(
        c.maxCollatedFilms > 0
          ? `N-ACTION (Action Type ID 1) prints every film box of the session as one print job, collated up to ${c.maxCollatedFilms} films.`
          : 'N-ACTION (Action Type ID 1) prints every film box of the session; this printer does not collate (0xB601).',
      );
  }
  if (sop === Uid.BasicFilmBox) {
    notes.push(
      'N-CREATE answers with the attributes as used (defaults filled in, densities clamped) and Referenced Image Box Sequence' +
        (c.sopClasses.annotationBox
          ? ' (and Referenced Basic Annotation Box Sequence when Basic Annotation Box was negotiated)'
          : '') +
        '.',
    );
    if (c.quirks.omitSopClassUidInCreateResponse)
      notes.push('The N-CREATE response has no Affected SOP Class UID (as some older printers answer).');
    notes.push(
      'N-ACTION (Action Type ID 1) prints the film box as one print job; the answer comes once the film is stored for good.',
    );
    if (c.sopClasses.printJob)
      notes.push('When Print Job was negotiated, the N-ACTION response holds Referenced Print Job Sequence.');
    notes.push(
      c.quirks.lenientFilmBoxOrder
        ? 'Any film box of the session may be changed or printed (lenient film box order).'
        : 'Only the most recently created film box (and its boxes) may be changed, printed or deleted (PS3.4 H.4.2).',
    );
  }
  if (sop === Uid.BasicGrayscaleImageBox || sop === Uid.BasicColorImageBox) {
    notes.push(
      `An image larger than its box: ${c.decimateCrop.honoursRequest ? 'Requested Decimate/Crop Behavior is obeyed; absent, ' : 'Requested Decimate/Crop Behavior is accepted but not obeyed: '}the printer ${c.decimateCrop.default === 'FAIL' ? 'fails it' : `uses ${c.decimateCrop.default}`}.`,
    );
    notes.push(
      `Image memory: ${bytesText(c.memoryBytes)}; an image holds it from its N-SET until its film box is printed or deleted.`,
    );
  }
  if (sop === Uid.BasicAnnotationBox) {
    const formats = Object.entries(c.annotationFormats).map(([id, n]) => `${id} (${n} boxes)`);
    notes.push(
      `Annotation Display Format IDs: ${formats.join(', ')}; the first ${c.maxAnnotationLength} characters of Text String are printed.`,
    );
  }
  if (sop === Uid.PresentationLut)
    notes.push(
      `Referenced from the ${c.presentationLutLevel === 'film-session' ? 'film session (non-standard, DCMTK-compatible)' : 'film box'} and the grayscale image box.`,
    );
  if (sop === Uid.PrintJob)
    notes.push(
      `A print job is created by each N-ACTION and goes PENDING (${c.printJob.pendingMs} ms), PRINTING (${c.printJob.msPerFilm} ms per film copy), then DONE; FAILURE with the printer's status info when the printer goes to FAILURE (${PRINT_BUFF_FULL} excepted) meanwhile.`,
    );
  if (sop === Uid.Printer)
    notes.push(
      'Printer Status and Printer Status Info as set over the HTTP API, the web console, the disk watcher or a test-lab fault.',
    );
  return notes;
}

function sopSection(sop: string, w: Wire, cases: readonly StatusCase[]): Section {
  const c = w.caps;
  const ops = w.operations.get(sop) ?? [];
  const carriers = [...w.abstractSyntaxes.entries()].filter(([, m]) => m.includes(sop)).map(([a]) => a);
  const notes = sopNotes(sop, c, w);
  const statuses = statusRows(cases, w, sop);
  const blocks: Block[] = [
    paragraph(
      'UID ',
      code(sop),
      '. Operations (SCP): ',
      ...joined(ops.map(code)),
      '. Used on presentation contexts of: ',
      ...joined(carriers.map((a) => name(a))),
      '.',
    ),
    ...(notes.length > 0 ? [list(notes)] : []),
    ...attributeBlocks(sop, c),
    ...pixelModuleBlocks(sop, c),
    ...getBlocks(sop, c),
    ...eventBlocks(sop, c),
    ...(statuses.length > 0
      ? [
          table(
            ['Operation', 'Status', 'Category', 'When'],
            statuses,
            `${name(sop)}: statuses, besides those any request can get (see "Statuses of every request")`,
          ),
        ]
      : []),
  ];
  return section(`sop-${sop}`, `${name(sop)} SOP Class`, blocks);
}

// ---------------------------------------------------------------- the statement

function sopClassTable(w: Wire): Block {
  return table(
    ['SOP Class', 'UID', 'User of Service (SCU)', 'Provider of Service (SCP)'],
    w.sopClasses.map((sop) => [name(sop), code(sop), 'No', 'Yes']),
  );
}

function overview(w: Wire, ae: string): Section {
  const c = w.caps;
  return section('overview', 'Conformance Statement Overview', [
    paragraph(
      `${c.name} is a DICOM Print Management Service Class Provider: an application entity, AE title `,
      code(ae),
      ', that accepts print requests from modalities and workstations (the Print SCUs) and prints their films. It is emulated by Lightbox, a virtual film printer: a film is kept on disk and rendered as an image instead of exposed.',
    ),
    ...(c.description ? [paragraph(c.description)] : []),
    paragraph('Network services, all as a provider (SCP):'),
    sopClassTable(w),
    paragraph('Media interchange: none.'),
  ]);
}

function introduction(w: Wire, source: string | undefined): Section {
  const c = w.caps;
  const id = c.identity;
  return section(
    'introduction',
    'Introduction',
    [],
    [
      section('about', 'About This Statement', [
        paragraph(
          'This statement is generated by Lightbox (implementation version ',
          code(Implementation.versionName),
          ') from the printer profile ',
          source ? code(source) : 'of this printer',
          ' and the network settings it runs with, out of the same tables that answer on the wire: the services and presentation contexts the printer is given, its attribute tables and value checks, its status cases and event types. What it says is what the printer does.',
        ),
        paragraph(
          'Lightbox has a test-lab mode: faults armed over HTTP or by a scenario can make a printer answer any status, delay, drop an association or change its status. This statement describes the printer with no fault armed.',
        ),
      ]),
      section('device', 'The Emulated Device', [
        facts(
          ['Attribute', 'Value'],
          [
            ['Printer Name', code(id.printerName)],
            ['Manufacturer', id.manufacturer],
            ['Manufacturer Model Name', id.model],
            ['Device Serial Number', id.serialNumber],
            ['Software Versions', joined(id.softwareVersions.map(code))],
            [
              'Date and Time of Last Calibration',
              id.calibrationDate
                ? [code(id.calibrationDate), ' ', code(id.calibrationTime ?? '')]
                : 'not reported',
            ],
          ],
        ),
      ]),
      section('abbreviations', 'Abbreviations', [
        list([
          'AE: Application Entity',
          'DIMSE: DICOM Message Service Element',
          'M / U: Mandatory / User option, as the SCU uses an attribute (PS3.4 H)',
          'OD: optical density (densities are in hundredths of OD)',
          'PDU: Protocol Data Unit',
          'SCP / SCU: Service Class Provider / User',
          'TLS: Transport Layer Security',
          'UID: Unique Identifier',
        ]),
      ]),
    ],
  );
}

function ports(w: Wire): Inline[] {
  const p = [code(w.settings.dicomPort), ' (--dicom-port, every printer by called AE title)'];
  return w.caps.port !== undefined && w.caps.port !== w.settings.dicomPort
    ? [...p, ' and ', code(w.caps.port), ' (its own port)']
    : p;
}

function implementationModel(w: Wire, ae: string): Section {
  const c = w.caps;
  const flow: Text[] = [
    c.sopClasses.printerConfiguration
      ? 'Optionally: N-GET of the Printer (its status) and of the Printer Configuration Retrieval instance.'
      : 'Optionally: N-GET of the Printer (its status).',
    'N-CREATE Film Session: one per association.',
    ...(c.sopClasses.presentationLut
      ? ['Optionally: N-CREATE Presentation LUT, referenced by what follows.']
      : []),
    'N-CREATE Film Box: its Image Display Format makes the image boxes (and annotation boxes), listed in the response.',
    `N-SET each Image Box with its image${c.sopClasses.annotationBox ? ' (and each Annotation Box with its text)' : ''}.`,
    `N-ACTION Film Box (or Film Session): a print job; the film is stored, then rendered${c.sopClasses.printJob ? '; N-EVENT-REPORTs follow the job when Print Job was negotiated' : ''}.`,
    'N-DELETE Film Box and Film Session (or release the association: they go with it).',
  ];
  return section(
    'implementation-model',
    'Implementation Model',
    [],
    [
      section('data-flow', 'Application Data Flow', [
        paragraph(
          'A Print SCU opens an association to ',
          code(ae),
          ' and builds a film session, film boxes and their image boxes, then asks for printing. ',
          code(ae),
          ' answers each request as this statement says, turns each printed film box into a print job, keeps each film on disk (the attributes as received and as used, and the images as received) and renders it at the printer pixel matrix. Operators see printers, print jobs, films and associations in the HTTP API and web console.',
        ),
      ]),
      section('functional-definition', 'Functional Definition of the AE', [
        paragraph(
          code(ae),
          ' waits for associations on TCP port ',
          ...ports(w),
          ", accepts them as below and answers every request on them. It never initiates an association; its N-EVENT-REPORTs travel on the SCU's association.",
        ),
      ]),
      section('sequencing', 'Sequencing of Real-World Activities', [
        list(flow),
        paragraph(
          c.quirks.lenientFilmBoxOrder
            ? 'Film boxes may be changed and printed in any order.'
            : 'Only the most recently created film box (and its boxes) may be changed, printed or deleted.',
        ),
      ]),
    ],
  );
}

function associationPolicies(w: Wire): Section[] {
  const s = w.settings;
  const c = w.caps;
  return [
    section('association-policies', 'Association Policies', [
      facts(
        ['Policy', 'Value'],
        [
          ['Application Context Name', code(Uid.ApplicationContext)],
          ['Maximum PDU length received', [code(s.maxPduLength), ' bytes (--max-pdu), advertised']],
          ['Maximum PDU length sent', "the SCU's advertised maximum"],
          [
            'Concurrent associations',
            `at most ${s.maxAssociations} (--max-associations), all printers together; not limited per calling AE`,
          ],
          [
            'Asynchronous operations',
            'not supported: a requested window is answered 1/1; one request is answered at a time, in order',
          ],
          ['Implementation Class UID', code(Implementation.classUid)],
          ['Implementation Version Name', code(Implementation.versionName)],
        ],
      ),
    ]),
    section('association-initiation', 'Association Initiation Policy', [
      paragraph('None: the printer never initiates an association.'),
    ]),
    section('association-acceptance', 'Association Acceptance Policy', [
      paragraph('A-ASSOCIATE-RQ is answered in this order:'),
      table(
        ['Condition', 'Answer', 'Result', 'Source', 'Reason'],
        [
          rejection(
            'the protocol version has bit 0 clear',
            Reject.protocolVersionNotSupported,
            'protocol-version-not-supported',
          ),
          rejection(
            `the application context is not ${Uid.ApplicationContext}`,
            Reject.applicationContextNotSupported,
            'application-context-name-not-supported',
          ),
          rejection(
            'the called AE title is not a printer here',
            Reject.calledAeNotRecognized,
            'called-AE-title-not-recognized',
          ),
          ...(c.callingAeTitles.length > 0
            ? [
                rejection(
                  `the calling AE title is not one of ${c.callingAeTitles.join(', ')}`,
                  Reject.callingAeNotRecognized,
                  'calling-AE-title-not-recognized',
                ),
              ]
            : []),
          rejection(
            `${s.maxAssociations} associations are open already`,
            Reject.localLimitExceeded,
            'local-limit-exceeded',
          ),
          ['otherwise', 'A-ASSOCIATE-AC', '', '', ''],
        ],
        'A-ASSOCIATE-RJ',
      ),
      paragraph(
        c.callingAeTitles.length > 0
          ? ['Calling AE titles accepted: ', ...joined(c.callingAeTitles.map(code)), '.']
          : 'Any calling AE title is accepted.',
      ),
      table(
        ['Presentation context', 'Result'],
        [
          ['an even presentation context ID', `${PcResult.NoReason} (no reason)`],
          [
            'an abstract syntax not in the table below',
            `${PcResult.AbstractSyntaxNotSupported} (abstract syntax not supported)`,
          ],
          [
            ['none of the proposed transfer syntaxes is one of ', ...joined(w.transferSyntaxes.map(code))],
            `${PcResult.TransferSyntaxesNotSupported} (transfer syntaxes not supported)`,
          ],
          ['SCP/SCU role selection refusing the SCU role', `${PcResult.UserRejection} (user rejection)`],
          [
            [
              'otherwise: accepted with the first of ',
              ...joined(w.transferSyntaxes.map(code)),
              ' (this order) that was proposed',
            ],
            `${PcResult.Acceptance} (acceptance)`,
          ],
        ],
        'Presentation contexts',
      ),
      list([
        'SCP/SCU role selection: the SCU role is granted when proposed, the SCP role (the printer as SCU) never.',
        'User identity negotiation: not checked; a requested positive response gets an empty one.',
        'Extended negotiation: none.',
      ]),
      facts(
        ['Limit or timer', 'Value'],
        [
          [
            'Largest data set of one request',
            [bytesText(s.maxDatasetBytes), ' (--max-dataset): larger ones are answered ', code('0x0213')],
          ],
          [
            'ARTIM timer',
            [
              secondsText(s.artimTimeoutMs),
              ' (--artim-timeout): for the A-ASSOCIATE-RQ and for the peer to close after a release or abort',
            ],
          ],
          ['Idle association', [secondsText(s.idleTimeoutMs), ' (--idle-timeout) without a PDU: A-ABORT']],
          [
            'On shutdown',
            [
              secondsText(s.shutdownGraceMs),
              ' (--shutdown-grace) for open associations to finish, then A-ABORT',
            ],
          ],
          [
            'Malformed or unexpected PDUs',
            'A-ABORT (service provider, with the PS3.8 reason); the other associations go on',
          ],
        ],
        'Limits and timers',
      ),
    ]),
  ];
}

function rejection(
  when: string,
  r: { result: number; source: number; reason: number },
  reason: string,
): Text[] {
  const result = r.result === 1 ? 'rejected-permanent' : 'rejected-transient';
  const source =
    ['', 'service-user', 'service-provider (ACSE)', 'service-provider (presentation)'][r.source] ?? '';
  return [
    when,
    'A-ASSOCIATE-RJ',
    `${r.result} (${result})`,
    `${r.source} (${source})`,
    `${r.reason} (${reason})`,
  ];
}

function presentationContexts(w: Wire): Section {
  const rows = [...w.abstractSyntaxes.entries()]
    .sort(([a], [b]) => byOrder(SOP_ORDER)(a, b))
    .map(([abstract, members]): Text[] => [
      name(abstract),
      code(abstract),
      w.transferSyntaxes.flatMap((ts, i): Inline[] => [...(i > 0 ? ['; '] : []), `${tsName(ts)} `, code(ts)]),
      'SCP',
      'None',
      joined(
        members.sort(byOrder(SOP_ORDER)).map((m) => name(m)),
        ', ',
      ),
    ]);
  return section('presentation-contexts', 'Acceptable Presentation Contexts', [
    table(
      [
        'Abstract Syntax',
        'UID',
        'Transfer Syntaxes',
        'Role',
        'Extended Negotiation',
        'SOP classes usable on it',
      ],
      rows,
    ),
    paragraph(
      'Any other abstract syntax is refused (result 3); so is Explicit VR Big Endian',
      w.transferSyntaxes.length < 2 ? ` and every transfer syntax but ${tsName(w.transferSyntaxes[0]!)}` : '',
      '.',
    ),
  ]);
}

function commonStatuses(w: Wire, cases: readonly StatusCase[]): Section {
  return section('common-statuses', 'Statuses of Every Request', [
    paragraph(
      'Whatever the SOP class, a request can get these (the checks every request goes through before its SOP class answers). Every status comes with the reason in Error Comment (at most 64 characters); failures about attributes name them in Offending Element or Attribute Identifier List. When several warnings apply, the first is the status and Error Comment names them all.',
    ),
    table(['Operation', 'Status', 'Category', 'When'], statusRows(cases, w)),
  ]);
}

/** The meta SOP classes have no operations of their own: they name what travels on their contexts. */
function metaNote(w: Wire): Block[] {
  const metas = w.sopClasses.filter((s) => w.abstractSyntaxes.has(s) && !w.operations.has(s));
  return metas.map((m) =>
    paragraph(
      `${name(m)} (`,
      code(m),
      '): no operations of its own; a presentation context of it carries ',
      ...joined((w.abstractSyntaxes.get(m) ?? []).map((x) => name(x))),
      '.',
    ),
  );
}

function aeSpecification(w: Wire, ae: string, cases: readonly StatusCase[]): Section {
  const specific = w.sopClasses.filter((s) => w.operations.has(s));
  return section(
    'ae-specification',
    `AE Specification: ${ae}`,
    [],
    [
      section('sop-classes', 'SOP Classes', [sopClassTable(w)]),
      ...associationPolicies(w),
      presentationContexts(w),
      commonStatuses(w, cases),
      section(
        'sop-specific',
        'SOP Specific Conformance',
        [
          paragraph(
            'For each SOP class: its operations, the attributes it accepts (with the usage the SCU must follow, the values this printer accepts and the value it uses when one is left out), what N-GET returns, the N-EVENT-REPORTs it sends, and the statuses its operations can answer, and when.',
          ),
          ...metaNote(w),
        ],
        specific.map((sop) => sopSection(sop, w, cases)),
      ),
    ],
  );
}

function networkInterfaces(w: Wire): Section {
  return section('network-interfaces', 'Network Interfaces', [
    facts(
      ['Interface', 'Value'],
      [
        ['Physical network', 'TCP/IP over any interface of the host'],
        ['Listening address', [code(w.settings.host), ' (--host)']],
        ['TCP port', ports(w)],
        ['TLS', 'not supported: DICOM runs over plain TCP; Lightbox has no TLS setting'],
      ],
    ),
  ]);
}

function configuration(w: Wire, ae: string): Section {
  const s = w.settings;
  return section(
    'configuration',
    'Configuration',
    [],
    [
      section('ae-mapping', 'AE Title / Presentation Address Mapping', [
        table(['AE title', 'Address', 'Port'], [[code(ae), code(s.host), ports(w)]]),
      ]),
      section('parameters', 'Parameters', [
        table(
          ['Parameter', 'Value', 'Set by'],
          [
            ['Maximum PDU length received', code(s.maxPduLength), '--max-pdu'],
            ['Concurrent associations', code(s.maxAssociations), '--max-associations'],
            ['Largest data set', code(s.maxDatasetBytes), '--max-dataset'],
            ['ARTIM timeout', secondsText(s.artimTimeoutMs), '--artim-timeout'],
            ['Idle timeout', secondsText(s.idleTimeoutMs), '--idle-timeout'],
            ['Shutdown grace', secondsText(s.shutdownGraceMs), '--shutdown-grace'],
            [
              'Minimum free disk space',
              s.minFreeSpace === undefined
                ? 'off'
                : 'bytes' in s.minFreeSpace
                  ? bytesText(s.minFreeSpace.bytes)
                  : `${s.minFreeSpace.percent} %`,
              '--min-free-space',
            ],
            ['Everything else', 'the printer profile (see the annexes)', 'printers/*.yaml'],
          ],
        ),
      ]),
    ],
  );
}

function annexes(w: Wire): Section {
  const c = w.caps;
  const resolutions = Object.entries(c.resolutions);
  const filmRows = c.filmSizes.map((f): Text[] => {
    const mm = FILM_SIZES_MM[f.id];
    return [
      code(f.id),
      mm ? `${mm[0]} x ${mm[1]}` : '',
      `${f.printableMarginMm ?? 0}`,
      ...resolutions.map(([id]) => {
        const m = filmMatrix(c, f.id, 'PORTRAIT', id);
        return `${m.width} x ${m.height}`;
      }),
    ];
  });
  const annotationRows = Object.entries(c.annotationFormats).map(([id, n]): Text[] => [
    code(id),
    String(n),
    (c.annotationLayout[id] ?? []).join(', ') || 'bottom strip, left to right',
  ]);
  const printing: [string, Text][] = [
    ['Image memory', bytesText(c.memoryBytes)],
    ['Largest image', `${c.maxImageSize.columns} columns x ${c.maxImageSize.rows} rows`],
    ['Grayscale Bits Stored', joined(c.bitsStored.map(code))],
    [
      'Density range',
      `${c.density.min} to ${c.density.max} hundredths of OD (default ${c.density.defaultMin} to ${c.density.defaultMax})`,
    ],
    ['Print queue', `${c.printJob.queueLimit} jobs`],
    ['Print timing', `PENDING ${c.printJob.pendingMs} ms, then ${c.printJob.msPerFilm} ms per film copy`],
    ['Number of Copies', `1 to ${c.maxCopies}`],
    [
      'Collation (film session printing)',
      c.maxCollatedFilms > 0 ? `up to ${c.maxCollatedFilms} films` : 'not supported',
    ],
    [
      'A print while the printer is FAILURE',
      {
        refuse: 'refused as a full queue (0xC601 / 0xC602)',
        'processing-failure': 'refused with 0x0110',
        'fail-job': "accepted; the job ends FAILURE with the printer's status info",
      }[c.whenFailed],
    ],
    [
      'Stamp on every film',
      [
        c.stamp.filmSessionLabel ? `Film Session Label (${c.stamp.labelAt ?? 'top-left'})` : '',
        c.stamp.printer ? `printer name and date (${c.stamp.printerAt ?? 'top-right'})` : '',
      ]
        .filter(Boolean)
        .join(', ') || 'none',
    ],
  ];
  return section(
    'annexes',
    'Annexes',
    [],
    [
      section('film-sizes', 'Film Sizes and Pixel Matrices', [
        table(
          [
            'Film Size ID',
            'Size (mm, portrait)',
            'Unprintable margin (mm)',
            ...resolutions.map(([id, dpi]) => `Pixels at ${id} (${dpi} dpi), portrait`),
          ],
          filmRows,
        ),
        paragraph(
          'LANDSCAPE swaps width and height. The first film size, orientation and resolution are the defaults.',
        ),
      ]),
      section('annotations', 'Annotation Layout', [
        table(['Annotation Display Format ID', 'Boxes', 'Where positions 1, 2, ... print'], annotationRows),
      ]),
      section('printing', 'Printing', [facts(['Property', 'Value'], printing)]),
    ],
  );
}

/** The conformance statement of one printer. */
export function conformanceStatement(input: StatementInput): Statement {
  const { caps, source, settings } = input;
  const w = wireOf(caps, settings);
  const ae = caps.aeTitle;
  const cases = casesOf(w);
  return {
    title: `DICOM Conformance Statement: ${caps.name}`,
    subtitle: `AE title ${ae}, ${caps.identity.manufacturer} ${caps.identity.model}, emulated by Lightbox ${Implementation.versionName}${source ? ` from ${source}` : ''}`,
    sections: [
      overview(w, ae),
      introduction(w, source),
      section(
        'networking',
        'Networking',
        [],
        [
          implementationModel(w, ae),
          aeSpecification(w, ae, cases),
          networkInterfaces(w),
          configuration(w, ae),
        ],
      ),
      section('media', 'Media Interchange', [paragraph('Not supported.')]),
      section('character-sets', 'Support of Character Sets', [
        paragraph(
          'Specific Character Set (0008,0005) is accepted in every N-CREATE and N-SET and recorded with the other attributes; annotation and label text prints as the data set reader decodes it.',
        ),
      ]),
      section('security', 'Security', [
        list([
          'No security profiles; no TLS.',
          'User identity negotiation is not checked.',
          caps.callingAeTitles.length > 0
            ? `Only the calling AE titles ${caps.callingAeTitles.join(', ')} may associate.`
            : 'Any calling AE title may associate.',
        ]),
      ]),
      annexes(w),
    ],
  };
}
