/**
 * A printer's DICOM Conformance Statement (PS3.2 structure), built from the tables that answer on
 * the wire: the services and routes a printer is given (print/printer.ts), the presentation
 * contexts they make acceptable, the attribute tables and their value checks
 * (print/attributes.ts), the N-GET data sets (print/printer-attributes.ts), the image pixel
 * module's mandatory attributes, the status cases (./statuses.ts), the event types, the profile
 * and the network settings. Pure: the same inputs give the same document. The wire tables are
 * gathered in ./wire.ts, each SOP class's part is ./sop-classes.ts; the rest of PS3.2 is here.
 */

import { Implementation, Uid } from '../dicom/uids.js';
import { PcResult, Reject } from '../dicom/ul/pdu.js';
import { BCP195_CIPHER_SUITES, ECDH_CURVES } from '../net/tls-credentials.js';
import type { Capabilities } from '../profiles/capabilities.js';
import { filmMatrix } from '../profiles/capabilities.js';
import { FILM_SIZES_MM } from '../profiles/film-sizes.js';
import { FILM_PLAN_SOP_CLASSES } from '../scu/film-plan.js';
import { PROBE_SOP_CLASSES } from '../scu/probe-report.js';
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
import { bytesText, type NetworkSettings, secondsText } from './settings.js';
import { metaNote, sopSection } from './sop-classes.js';
import type { StatusCase } from './statuses.js';
import { byOrder, casesOf, name, SOP_ORDER, statusRows, tsName, type Wire, wireOf } from './wire.js';

export { printerStatusCases } from './wire.js';

export interface StatementInput {
  caps: Capabilities;
  /** The profile file the printer comes from, or "(embedded)". */
  source?: string;
  settings: NetworkSettings;
}

// ---------------------------------------------------------------- the statement

/** The Storage SOP classes a printer with C-STORE export targets sends its films as (src/output/film-dicom.ts). */
const FILM_STORAGE_CLASSES = [
  Uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
  Uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage,
  Uid.MultiFrameTrueColorSecondaryCaptureImageStorage,
];

/** The printer's C-STORE export targets (profile key export), if any. */
function storeTargets(c: Capabilities) {
  return c.export.filter((t) => t.type === 'c-store');
}

/**
 * The printer's own SOP classes it also requests as SCU when it forwards (profile key forward):
 * in proxy mode every one (whatever the modality sends is relayed), in tee mode those a stored
 * film's print uses.
 */
function forwardedClasses(w: Wire): Set<string> {
  const f = w.caps.forward;
  if (!f) return new Set();
  if (f.mode === 'proxy') return new Set(w.sopClasses);
  // Tee: the film it prints on, and the "check now" probe (C-ECHO, N-GET of the Printer).
  return new Set(
    w.sopClasses.filter((s) => FILM_PLAN_SOP_CLASSES.includes(s) || PROBE_SOP_CLASSES.includes(s)),
  );
}

function sopClassTable(w: Wire): Block {
  const storage = storeTargets(w.caps).length > 0 ? FILM_STORAGE_CLASSES : [];
  const scu = forwardedClasses(w);
  return table(
    ['SOP Class', 'UID', 'User of Service (SCU)', 'Provider of Service (SCP)'],
    [
      ...w.sopClasses.map((sop) => [name(sop), code(sop), scu.has(sop) ? 'Yes' : 'No', 'Yes']),
      ...storage.map((sop) => [name(sop), code(sop), 'Yes', 'No']),
    ],
  );
}

/** What the AE initiates: nothing, or associations to its real printer and its C-STORE export targets. */
function initiates(c: Capabilities): string {
  const targets = storeTargets(c);
  const f = c.forward;
  if (targets.length === 0 && !f)
    return "It never initiates an association; its N-EVENT-REPORTs travel on the SCU's association.";
  const out = ["Its N-EVENT-REPORTs travel on the SCU's association."];
  if (f) {
    const printer = `the printer ${f.aeTitle} at ${f.host}:${f.port}${f.tls ? ' over DICOM TLS' : ''}`;
    out.push(
      f.mode === 'proxy'
        ? `It is a proxy for ${printer}: for each association it is asked for, it opens one there when the A-ASSOCIATE-RQ arrives (calling AE title ${f.callingAeTitle ?? "the SCU's own"}), proposing the SCU's presentation contexts in Explicit or Implicit VR Little Endian, accepts for the SCU what that printer accepts, relays every request, and answers with the printer's statuses and events. The printer unreachable: A-ASSOCIATE-RJ rejected-transient; no answer during the session: 0x0110 with the reason in Error Comment, then A-ABORT.`
        : `It prints every stored film on to ${printer} as well (calling AE title ${f.callingAeTitle ?? c.aeTitle}): once the SCU's association has ended, one association per film, proposing the Grayscale or Color Print Management Meta SOP class, Presentation LUT, Basic Annotation Box, Print Job and Printer; N-GET of the Printer, N-CREATE of the Presentation LUT, Film Session and Film Box, N-SET of each Image and Annotation Box, N-ACTION, N-DELETE. A printer that cannot be reached is retried with backoff; a failure status is recorded, not retried.`,
      `When asked to check that printer (the API's and the console's "check now"), it opens one short association there (calling AE title ${f.callingAeTitle ?? c.aeTitle}) proposing Verification and the Grayscale and Color Print Management Meta SOP classes: C-ECHO, N-GET of the Printer, A-RELEASE.`,
    );
  }
  if (targets.length > 0) {
    const where = targets.map((t) => `${t.aeTitle} at ${t.host}:${t.port}`).join(', ');
    out.push(
      `It exports films: once a film is rendered, one association per film to each C-STORE export target (${where}), proposing the film's Secondary Capture SOP class in one transfer syntax, and retries until the target takes it.`,
    );
  }
  return out.join(' ');
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
    paragraph(
      c.forward || storeTargets(c).length > 0
        ? 'Network services, as a provider (SCP) and, where it says so, as a user (SCU):'
        : 'Network services, all as a provider (SCP):',
    ),
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
  const tls = w.settings.tls;
  const refused = w.caps.tls === 'required' ? ', plain associations refused' : '';
  const plain: Inline[] = tls?.only
    ? []
    : [code(w.settings.dicomPort), ` (--dicom-port, every printer by called AE title${refused})`];
  if (!tls?.only && w.caps.port !== undefined && w.caps.port !== w.settings.dicomPort)
    plain.push(' and ', code(w.caps.port), ` (its own port${refused})`);
  if (!tls) return plain;
  const secure = [code(tls.port), ' (--tls-port, DICOM over TLS, every printer by called AE title)'];
  return plain.length > 0 ? [...plain, ' and ', ...secure] : secure;
}

/** PS3.15 B.12 as configured, or why there is none. */
function tlsText(w: Wire): Inline[] {
  const tls = w.settings.tls;
  if (!tls)
    return [
      'not configured: DICOM over plain TCP only (--tls-cert and --tls-key open a TLS port, PS3.15 B.12)',
    ];
  const clients = {
    none: 'client certificates are not asked for',
    optional: 'a client certificate is optional; one presented must verify against --tls-ca',
    required: 'a client certificate signed by a --tls-ca CA is required',
  }[tls.clientCertificates];
  const suites = (v: 'TLSv1.3' | 'TLSv1.2'): Inline[] =>
    BCP195_CIPHER_SUITES.filter((c) => c.version === v).flatMap((c, i) => [
      ...(i ? [', '] : []),
      code(c.iana),
    ]);
  return [
    `BCP 195 RFC 8996, 9325 TLS Secure Transport Connection Profile (PS3.15 B.12) on port ${tls.port}: TLS 1.2 and 1.3 (1.3 preferred); cipher suites `,
    ...suites('TLSv1.3'),
    ' (TLS 1.3), ',
    ...suites('TLSv1.2'),
    ` (TLS 1.2); ECDHE over ${ECDH_CURVES.join(', ')}; ${clients}. `,
    w.caps.tls === 'required'
      ? 'This printer accepts associations over TLS only.'
      : tls.only
        ? 'No plain TCP port (--tls-only).'
        : 'Plain TCP is served too.',
  ];
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
          `, accepts them as below and answers every request on them. ${initiates(w.caps)}`,
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
            Reject['protocol-version-not-supported'],
            'protocol-version-not-supported',
          ),
          rejection(
            `the application context is not ${Uid.ApplicationContext}`,
            Reject['application-context-name-not-supported'],
            'application-context-name-not-supported',
          ),
          rejection(
            'the called AE title is not a printer here',
            Reject['called-ae-title-not-recognized'],
            'called-ae-title-not-recognized',
          ),
          ...(c.tls === 'required'
            ? [
                rejection(
                  'the association came over plain TCP (this printer requires TLS)',
                  Reject['no-reason-given'],
                  'no-reason-given',
                ),
              ]
            : []),
          ...(c.callingAeTitles.length > 0
            ? [
                rejection(
                  `the calling AE title is not one of ${c.callingAeTitles.join(', ')}`,
                  Reject['calling-ae-title-not-recognized'],
                  'calling-ae-title-not-recognized',
                ),
              ]
            : []),
          rejection(
            `${s.maxAssociations} associations are open already`,
            Reject['local-limit-exceeded'],
            'local-limit-exceeded',
          ),
          rejection(
            'less than a sixteenth of the in-flight budget (--max-inflight) is free: data sets being received fill it',
            Reject['temporary-congestion'],
            'temporary-congestion',
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
          [
            'Connection without an association',
            [
              secondsText(s.associateTimeoutMs),
              ' (--associate-timeout) to send the whole A-ASSOCIATE-RQ, else closed; at most ',
              code(s.maxUnassociated),
              ' such connections (',
              code(s.maxUnassociatedPerPeer),
              ' from one address, once older than a second), beyond which the oldest is closed; they do not count toward --max-associations',
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
        ['TLS', tlsText(w)],
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
            ['Connections not yet associated', code(s.maxUnassociated), '--max-unassociated'],
            [
              'The same, from one peer address',
              code(s.maxUnassociatedPerPeer),
              '--max-unassociated-per-peer',
            ],
            ['Time to send the A-ASSOCIATE-RQ', secondsText(s.associateTimeoutMs), '--associate-timeout'],
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
        paragraph(
          c.annotationArea === 'band'
            ? 'Annotation text and the stamp print in bands of their own along the top and bottom edges of the film, on the border density, half a text line from the edge and from the images; the image boxes share the rest of the film, so a film box with annotation boxes has shorter image boxes than one without.'
            : 'Annotation text and the stamp print over the image area, each letter outlined in the opposite density; the image boxes keep the whole film.',
        ),
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
          w.settings.tls
            ? 'Security profile: BCP 195 RFC 8996, 9325 TLS Secure Transport Connection Profile (PS3.15 B.12), see Network Interfaces.'
            : 'No security profiles; no TLS (not configured).',
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
