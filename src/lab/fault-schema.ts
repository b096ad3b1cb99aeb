/**
 * Test-lab faults and scenarios as data: what a lab may arm on a printer, one TypeBox schema per
 * kind (the schema is the documentation of every key; keep descriptions exact). Scenario files in
 * scenarios/ and POST /api/lab/faults are both checked against these.
 */
import { type Static, type TObject, Type } from '@sinclair/typebox';
import { REJECT_REASONS } from '../dicom/ul/pdu.js';

export const DIMSE_COMMANDS = ['C-ECHO', 'N-CREATE', 'N-SET', 'N-GET', 'N-ACTION', 'N-DELETE'] as const;

const Printer = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 16,
    description: "AE title of the printer to arm; absent: the scenario's printer, else every printer",
  }),
);
const Count = Type.Optional(
  Type.Integer({
    minimum: 1,
    maximum: 1_000_000,
    description: 'Fire this many times, then stop (1: one-shot); absent: every time (sticky)',
  }),
);
/** Printer Status Info / Execution Status Info: a CS, PS3.3 C.13.9.1 defined terms (FILM JAM, SUPPLY LOW...). */
const StatusInfo = Type.String({
  pattern: '^[A-Z0-9 _]{1,16}$',
  description: 'Printer Status Info term (CS), e.g. FILM JAM, SUPPLY LOW, SUPPLY EMPTY, ELEC SW ERROR',
});

/** Which DIMSE requests a fault applies to; every key given must match. */
const matchKeys = {
  command: Type.Optional(
    Type.Union(
      DIMSE_COMMANDS.map((c) => Type.Literal(c)),
      { description: 'DIMSE request, e.g. N-SET; absent: any' },
    ),
  ),
  sopClass: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'SOP class: a UID or its name, e.g. "Basic Grayscale Image Box"; absent: any',
    }),
  ),
  where: Type.Optional(
    Type.Object(
      {
        attribute: Type.String({
          minLength: 1,
          maxLength: 64,
          description: 'Keyword (Rows) or tag ((0028,0010) or 00280010), searched in sequence items too',
        }),
        equals: Type.Optional(
          Type.Union([Type.String({ maxLength: 1024 }), Type.Number()], {
            description: 'Some value is this',
          }),
        ),
        atLeast: Type.Optional(Type.Number({ description: 'Some value is a number >= this' })),
        atMost: Type.Optional(Type.Number({ description: 'Some value is a number <= this' })),
      },
      {
        additionalProperties: false,
        description: 'Only requests whose data set has this attribute with a value meeting every condition',
      },
    ),
  ),
};

export const FAULT_SCHEMAS = {
  response: Type.Object(
    {
      kind: Type.Literal('response'),
      printer: Printer,
      count: Count,
      ...matchKeys,
      status: Type.Union([Type.Integer({ minimum: 0, maximum: 0xffff }), Type.String({ minLength: 1 })], {
        description:
          'Status to answer: a code (0xC605, "C605", 50693) or a name from the status table (InsufficientMemory, "Insufficient memory")',
      }),
      errorComment: Type.Optional(
        Type.String({ maxLength: 64, description: 'Error Comment (0000,0902); default: the status meaning' }),
      ),
    },
    {
      additionalProperties: false,
      description:
        'Answer matching requests with a status. A failure answers without running the handler (nothing changes); a success or warning runs it and replaces its status unless it failed.',
    },
  ),
  delay: Type.Object(
    {
      kind: Type.Literal('delay'),
      printer: Printer,
      count: Count,
      ...matchKeys,
      ms: Type.Integer({ minimum: 1, maximum: 600_000, description: 'Delay before the response, ms' }),
    },
    { additionalProperties: false, description: 'Hold the response to matching requests' },
  ),
  drop: Type.Object(
    {
      kind: Type.Literal('drop'),
      printer: Printer,
      count: Count,
      how: Type.Union([Type.Literal('a-abort'), Type.Literal('tcp-close')], {
        description: 'A-ABORT PDU, or a bare TCP close (FIN, no PDU)',
      }),
      ...matchKeys,
      afterMessages: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 100_000,
          description:
            "Drop after answering the association's Nth request (0: right after A-ASSOCIATE-AC), instead of on a matching request",
        }),
      ),
      source: Type.Optional(
        Type.Union([Type.Literal('service-user'), Type.Literal('service-provider')], {
          description: 'A-ABORT source (default service-provider)',
        }),
      ),
      reason: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 6,
          description: 'A-ABORT reason for service-provider aborts (PS3.8 9.3.8; default 0, not specified)',
        }),
      ),
    },
    {
      additionalProperties: false,
      description:
        'Drop the association: on a matching request (which is not answered, nor handled), or after the Nth',
    },
  ),
  refuse: Type.Object(
    {
      kind: Type.Literal('refuse'),
      printer: Printer,
      count: Count,
      reason: Type.Union(
        REJECT_REASONS.map((r) => Type.Literal(r)),
        { description: 'A-ASSOCIATE-RJ reason (PS3.8 Table 9-21); the source follows from it' },
      ),
      result: Type.Optional(
        Type.Union([Type.Literal('permanent'), Type.Literal('transient')], {
          description: 'Default: transient for presentation-layer reasons, permanent otherwise',
        }),
      ),
    },
    { additionalProperties: false, description: 'Refuse associations the printer would accept' },
  ),
  'max-pdu': Type.Object(
    {
      kind: Type.Literal('max-pdu'),
      printer: Printer,
      count: Count,
      bytes: Type.Integer({
        minimum: 1024,
        maximum: 0xffffffff,
        description: 'Maximum Length advertised in the A-ASSOCIATE-AC (and enforced on what we receive)',
      }),
    },
    { additionalProperties: false, description: 'Accept associations with a short maximum PDU length' },
  ),
  'printer-status': Type.Object(
    {
      kind: Type.Literal('printer-status'),
      printer: Printer,
      count: Count,
      status: Type.Union([Type.Literal('NORMAL'), Type.Literal('WARNING'), Type.Literal('FAILURE')]),
      info: Type.Optional(StatusInfo),
      when: Type.Optional(
        Type.Union([Type.Literal('now'), Type.Literal('printing')], {
          description: 'now: when armed; printing: when a job reaches PRINTING (mid-job)',
        }),
      ),
      afterFilms: Type.Optional(
        Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'After this many films printed (DONE)' }),
      ),
    },
    {
      additionalProperties: false,
      description:
        'Change the printer status (N-EVENT-REPORTs to every association); exactly one of when, afterFilms',
    },
  ),
  'status-flapping': Type.Object(
    {
      kind: Type.Literal('status-flapping'),
      printer: Printer,
      status: Type.Union([Type.Literal('WARNING'), Type.Literal('FAILURE')]),
      info: StatusInfo,
      everyMs: Type.Integer({ minimum: 50, maximum: 3_600_000, description: 'Time between changes, ms' }),
      flaps: Type.Integer({
        minimum: 1,
        maximum: 1000,
        description: 'Round trips to the status and back to NORMAL',
      }),
    },
    { additionalProperties: false, description: 'Alternate the printer status, ending NORMAL' },
  ),
  'job-failure': Type.Object(
    {
      kind: Type.Literal('job-failure'),
      printer: Printer,
      count: Count,
      info: StatusInfo,
    },
    { additionalProperties: false, description: 'Print jobs end in FAILURE with this info instead of DONE' },
  ),
  'print-timing': Type.Object(
    {
      kind: Type.Literal('print-timing'),
      printer: Printer,
      count: Count,
      pendingMs: Type.Integer({ minimum: 0, maximum: 3_600_000, description: 'Time a job stays PENDING' }),
      msPerFilm: Type.Integer({ minimum: 0, maximum: 3_600_000, description: 'PRINTING time per film copy' }),
    },
    { additionalProperties: false, description: "Print jobs take this long instead of the profile's timing" },
  ),
} as const satisfies Record<string, TObject>;

export type FaultKind = keyof typeof FAULT_SCHEMAS;
export const FAULT_KINDS = Object.keys(FAULT_SCHEMAS) as FaultKind[];

export const FaultSchema = Type.Union(Object.values(FAULT_SCHEMAS), {
  description: 'One fault; `kind` selects which',
});
export type Fault = { [K in FaultKind]: Static<(typeof FAULT_SCHEMAS)[K]> }[FaultKind];
export type FaultOf<K extends FaultKind> = Static<(typeof FAULT_SCHEMAS)[K]>;

export const ScenarioSchema = Type.Object(
  {
    description: Type.String({ minLength: 1, maxLength: 1000, description: 'What it reproduces' }),
    printer: Type.Optional(
      Type.Union(
        [
          Type.String({ minLength: 1, maxLength: 16 }),
          Type.Array(Type.String({ minLength: 1, maxLength: 16 }), { minItems: 1, maxItems: 256 }),
        ],
        {
          description: 'AE title(s) its faults go to when they name none; absent: every printer',
        },
      ),
    ),
    faults: Type.Array(Type.Object({}, { additionalProperties: true }), {
      minItems: 1,
      maxItems: 64,
      description: 'Faults to arm (see the fault kinds)',
    }),
    expectations: Type.Optional(
      Type.Array(Type.Object({}, { additionalProperties: true }), {
        maxItems: 32,
        description: "What a careful SCU does when the faults hit it, checked by the run's verdict",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ScenarioFile = Static<typeof ScenarioSchema>;
