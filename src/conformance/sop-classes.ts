/**
 * The SOP specific conformance of one SOP class: its operations and notes, its attribute table
 * (print/attributes.ts: usage, accepted values as the checks read them, defaults), the image pixel
 * module, what N-GET returns (print/printer-attributes.ts, run on a stand-in), its
 * N-EVENT-REPORTs and its statuses.
 */
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import { keywordOf } from '../dicom/dimse/dataset.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import { type Accepted, type AttributeRule, acceptedValues } from '../print/attributes.js';
import { REQUIRED_COLOR, REQUIRED_GRAY } from '../print/pixel-module.js';
import { printerAttributes, printerConfiguration, printJobAttributes } from '../print/printer-attributes.js';
import type { PrinterRuntime } from '../print/printer-runtime.js';
import { tagLabel } from '../print/values.js';
import type { Capabilities } from '../profiles/capabilities.js';
import { PRINT_BUFF_FULL } from '../profiles/printer-status.js';
import { ATTRIBUTE_TABLES, type AttributeOperation, isMandatory } from '../verdict/spec.js';
import { DEFAULTS } from './defaults.js';
import {
  type Block,
  code,
  type Inline,
  joined,
  list,
  paragraph,
  type Section,
  section,
  type Text,
  table,
} from './document.js';
import { EVENT_REPORTS } from './events.js';
import { bytesText } from './settings.js';
import type { StatusCase } from './statuses.js';
import { name, statusRows, type Wire } from './wire.js';

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
  if (!a) return VALUE_NOTES[keywordOf(r.tag) ?? r.tag] ?? 'any';
  switch (a.kind) {
    case 'terms':
      return joined(a.values.map(code));
    case 'integers':
      return a.clampedTo
        ? [
            code(a.min),
            ' to ',
            code(a.max),
            '; outside ',
            code(a.clampedTo.min),
            ' to ',
            code(a.clampedTo.max),
            ' clamped to it (0xB605)',
          ]
        : [code(a.min), ' to ', code(a.max)];
    case 'density':
      return [...joined(a.terms.map(code)), ', or hundredths of OD from ', code(a.min), ' to ', code(a.max)];
    case 'display-formats':
      return displayFormats(a);
    case 'reference':
      return a.sopClassUid === Uid.BasicFilmSession
        ? ["one item: this association's film session (", code(a.sopClassUid), ')']
        : [`one item: a ${name(a.sopClassUid)} created on this association (`, code(a.sopClassUid), ')'];
    case 'size-mm':
      return `a decimal number of mm above ${a.above}; larger than the box: as an image too large for it`;
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
    keywordOf(r.tag) ?? r.tag,
    code(tagLabel(r.tag)),
    ...ops.map((op) => usageText(r, op, c)),
    r.supported && !r.supported(c) ? '' : acceptedText(r, c),
    defaultText(sop, keywordOf(r.tag) ?? r.tag, c),
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
  rows.push(['PixelAspectRatio', code(tagLabel(Tag.PixelAspectRatio)), 'U', 'any; used when rendering']);
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

export function sopSection(sop: string, w: Wire, cases: readonly StatusCase[]): Section {
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

/** The meta SOP classes have no operations of their own: they name what travels on their contexts. */
export function metaNote(w: Wire): Block[] {
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
