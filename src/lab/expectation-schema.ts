/**
 * Expectations: what a careful SCU does when a scenario's faults hit it, written in a scenario's
 * `expectations` list and checked by the verdict over a run (src/verdict/expectations.ts). One
 * TypeBox schema per kind, as for faults; resolveExpectation turns one as written (names, "failure",
 * "0xC602") into the verdict's form (UIDs, codes) or throws FaultError naming the key and why.
 */
import { type Static, type TObject, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { Status } from '../dicom/dimse/status.js';
import { Uid } from '../dicom/uids.js';
import { schemaErrorText } from '../profiles/schema-error.js';
import type { Expectation, ExpectationKind, MessagePattern } from '../verdict/model.js';
import { DIMSE_COMMANDS } from './fault-schema.js';
import { FaultError, resolveSopClass, resolveStatus } from './resolve.js';

const Description = Type.Optional(
  Type.String({ minLength: 1, maxLength: 300, description: 'What a careful SCU does (default: generated)' }),
);
const Severity = Type.Optional(
  Type.Union([Type.Literal('error'), Type.Literal('warning'), Type.Literal('info')], {
    description: 'Severity of a breach (default error)',
  }),
);
const Seconds = (description: string) => Type.Number({ minimum: 0, maximum: 86_400, description });

/** Requests answered so; every key given must match. */
const Pattern = Type.Object(
  {
    command: Type.Optional(
      Type.Union(
        DIMSE_COMMANDS.map((c) => Type.Literal(c)),
        { description: 'DIMSE request, e.g. N-ACTION; absent: any' },
      ),
    ),
    sopClass: Type.Optional(
      Type.Union(
        [
          Type.String({ minLength: 1, maxLength: 64 }),
          Type.Array(Type.String({ minLength: 1, maxLength: 64 })),
        ],
        {
          description:
            'SOP class(es): UIDs or names ("Basic Film Box", "film session"; "image box" is both image box classes)',
        },
      ),
    ),
    status: Type.Optional(
      Type.Union(
        [
          Type.Literal('success'),
          Type.Literal('warning'),
          Type.Literal('failure'),
          Type.Integer({ minimum: 0, maximum: 0xffff }),
          Type.String({ minLength: 1 }),
          Type.Array(
            Type.Union([Type.Integer({ minimum: 0, maximum: 0xffff }), Type.String({ minLength: 1 })]),
          ),
        ],
        { description: 'Answered: success, warning, failure, or status code(s)/name(s) such as 0xC602' },
      ),
    ),
  },
  { additionalProperties: false, description: 'Requests of the SCU and how Lightbox answered them' },
);
type PatternText = Static<typeof Pattern>;

export const EXPECTATION_SCHEMAS = {
  'no-print-after-failed-set': Type.Object(
    {
      kind: Type.Literal('no-print-after-failed-set'),
      description: Description,
      severity: Severity,
      after: Type.Optional(Pattern),
    },
    {
      additionalProperties: false,
      description:
        'After a failed image box N-SET (after: default N-SET on an image box answered failure), its film box is not printed (film box or film session N-ACTION) unless that image box was set again with success',
    },
  ),
  retry: Type.Object(
    {
      kind: Type.Literal('retry'),
      description: Description,
      severity: Severity,
      after: Type.Union([Type.Literal('rejected'), Pattern], {
        description: 'rejected: an A-ASSOCIATE-RJ; or the requests whose failure is retried',
      }),
      notSoonerThan: Seconds('A retry comes no sooner than this after the failure it retries, s'),
      atMost: Type.Integer({ minimum: 0, maximum: 1000, description: 'Retries in the whole run, at most' }),
      atLeast: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: 1000,
          description: 'Retries in the run, at least (default 0; 1: the SCU must not give up at once)',
        }),
      ),
    },
    {
      additionalProperties: false,
      description:
        'Retries over the run: a retry is the next association (after: rejected) or the next request of the same command and SOP class(es) after a failure; each no sooner than notSoonerThan, and no more than atMost',
    },
  ),
  'hold-while-failed': Type.Object(
    { kind: Type.Literal('hold-while-failed'), description: Description, severity: Severity },
    {
      additionalProperties: false,
      description:
        'After a Printer N-EVENT-REPORT FAILURE (or an N-GET of the Printer answering FAILURE), no Film Box N-CREATE on any association of the run until the printer is reported NORMAL or WARNING',
    },
  ),
  'no-duplicate-job': Type.Object(
    { kind: Type.Literal('no-duplicate-job'), description: Description, severity: Severity },
    {
      additionalProperties: false,
      description:
        'A film is printed once: no second successful N-ACTION of a film box (or of its session) already printed, and no association repeating an earlier one of the run print for print (same session, film box and image attributes) after it printed with success and its job did not fail',
    },
  ),
  'release-after-failure': Type.Object(
    {
      kind: Type.Literal('release-after-failure'),
      description: Description,
      severity: Severity,
      after: Type.Optional(Pattern),
      within: Seconds('The association is released within this long of the failure, s'),
    },
    {
      additionalProperties: false,
      description:
        'After a failure (after: default any request answered failure), the association ends by A-RELEASE (not A-ABORT, not a TCP close, not left idle) within `within` seconds',
    },
  ),
  'answer-events': Type.Object(
    {
      kind: Type.Literal('answer-events'),
      description: Description,
      severity: Severity,
      within: Type.Optional(Seconds('Each answer comes within this long, s (default 10)')),
    },
    {
      additionalProperties: false,
      description: 'Every N-EVENT-REPORT is answered with success, within `within` seconds',
    },
  ),
} as const satisfies Record<ExpectationKind, TObject>;

export const EXPECTATION_KINDS = Object.keys(EXPECTATION_SCHEMAS) as ExpectationKind[];
export type ExpectationText = {
  [K in ExpectationKind]: Static<(typeof EXPECTATION_SCHEMAS)[K]>;
}[ExpectationKind];

const ajv = new Ajv({ allErrors: false, strict: false });
const validators = Object.fromEntries(
  EXPECTATION_KINDS.map((k) => [k, ajv.compile(EXPECTATION_SCHEMAS[k])]),
) as Record<ExpectationKind, ReturnType<typeof ajv.compile>>;

const IMAGE_BOXES = [Uid.BasicGrayscaleImageBox, Uid.BasicColorImageBox];

function resolveClasses(s: string | string[], key: string): string[] {
  return (Array.isArray(s) ? s : [s]).flatMap((name, i) => {
    const k = Array.isArray(s) ? `${key}/${i}` : key;
    return /^(basic\s*)?image\s*box$/i.test(name.trim()) ? IMAGE_BOXES : [resolveSopClass(name, k)];
  });
}

function resolvePattern(p: PatternText | undefined, fallback: MessagePattern, key: string): MessagePattern {
  if (!p) return fallback;
  const m: MessagePattern = {};
  if (p.command) m.command = p.command;
  if (p.sopClass !== undefined) m.sopClasses = resolveClasses(p.sopClass, `${key}/sopClass`);
  const s = p.status;
  if (s === 'success' || s === 'warning' || s === 'failure') m.category = s;
  else if (s !== undefined)
    m.statuses = (Array.isArray(s) ? s : [s]).map((x, i) =>
      Number(Status[resolveStatus(x, Array.isArray(s) ? `${key}/status/${i}` : `${key}/status`)].code),
    );
  return m;
}

const describePattern = (p: MessagePattern): string =>
  [
    p.command ?? 'a request',
    p.sopClasses
      ? `on ${p.sopClasses.map((u) => Object.entries(Uid).find(([, v]) => v === u)?.[0] ?? u).join('/')}`
      : '',
    p.category ? `answered ${p.category}` : '',
    p.statuses
      ? `answered ${p.statuses.map((c) => `0x${c.toString(16).toUpperCase().padStart(4, '0')}`).join('/')}`
      : '',
  ]
    .filter(Boolean)
    .join(' ');

/** Check and resolve one expectation as written; `id` names it in results, `path` in errors. */
export function resolveExpectation(data: unknown, id: string, path = '', scenario?: string): Expectation {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new FaultError(`${path || '/'}: must be an object with a kind`);
  const kind = (data as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !EXPECTATION_KINDS.includes(kind as ExpectationKind))
    throw new FaultError(`${path}/kind: must be one of ${EXPECTATION_KINDS.join(', ')}`);
  const validate = validators[kind as ExpectationKind];
  if (!validate(data)) {
    const e = validate.errors![0]!;
    throw new FaultError(`${path}${e.instancePath || ''}: ${schemaErrorText(e)}`);
  }
  const x = data as ExpectationText;
  const base = { id, severity: x.severity ?? 'error', ...(scenario ? { scenario } : {}) } as const;
  const text = (generated: string) => x.description ?? generated;
  switch (x.kind) {
    case 'no-print-after-failed-set': {
      const after = resolvePattern(
        x.after,
        { command: 'N-SET', sopClasses: IMAGE_BOXES, category: 'failure' },
        `${path}/after`,
      );
      return {
        ...base,
        kind: x.kind,
        after,
        description: text(
          `after ${describePattern(after)}, its film box is not printed unless the image box is set again`,
        ),
      };
    }
    case 'retry': {
      const after =
        x.after === 'rejected'
          ? 'rejected'
          : resolvePattern(x.after, { category: 'failure' }, `${path}/after`);
      const what = after === 'rejected' ? 'a refused association' : describePattern(after);
      return {
        ...base,
        kind: x.kind,
        after,
        notSoonerThan: x.notSoonerThan,
        atMost: x.atMost,
        atLeast: x.atLeast ?? 0,
        description: text(
          `after ${what}, retry no sooner than ${x.notSoonerThan} s, ${x.atLeast ? `at least ${x.atLeast} and ` : ''}at most ${x.atMost} time(s) in the run`,
        ),
      };
    }
    case 'hold-while-failed':
      return {
        ...base,
        kind: x.kind,
        description: text('no new film box while the printer is reported FAILURE, until NORMAL'),
      };
    case 'no-duplicate-job':
      return { ...base, kind: x.kind, description: text('a film is printed once: no duplicate job') };
    case 'release-after-failure': {
      const after = resolvePattern(x.after, { category: 'failure' }, `${path}/after`);
      return {
        ...base,
        kind: x.kind,
        after,
        within: x.within,
        description: text(
          `after ${describePattern(after)}, A-RELEASE within ${x.within} s (no abort, no idling)`,
        ),
      };
    }
    case 'answer-events': {
      const within = x.within ?? 10;
      return {
        ...base,
        kind: x.kind,
        within,
        description: text(`every N-EVENT-REPORT answered with success within ${within} s`),
      };
    }
  }
}
