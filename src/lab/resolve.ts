/**
 * From a fault as written (friendly names: "Basic Grayscale Image Box", "InsufficientMemory",
 * "Rows") to one the FaultBook can match (UIDs, status names, tags). Pure; a fault that does not
 * check or resolve throws FaultError naming the key and why, so nothing half-understood is armed.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { tagOf } from '../dicom/dimse/dataset.js';
import { Status, type StatusName, statusByCode, statusHex } from '../dicom/dimse/status.js';
import { Uid, uidName } from '../dicom/uids.js';
import { Reject } from '../dicom/ul/pdu.js';
import { schemaErrorText } from '../profiles/schema-error.js';
import { FAULT_KINDS, FAULT_SCHEMAS, type Fault, type FaultKind, type FaultOf } from './fault-schema.js';

export class FaultError extends Error {
  override name = 'FaultError';
}

export interface RequestMatch {
  command?: string;
  sopClassUid?: string;
  where?: { tag: string; equals?: string | number; atLeast?: number; atMost?: number };
}

export interface DropSpec {
  how: 'a-abort' | 'tcp-close';
  /** A-ABORT source: 0 service-user, 2 service-provider. */
  source: 0 | 2;
  reason: number;
}

export type Trigger = { on: 'now' } | { on: 'printing' } | { on: 'films'; films: number };

/** A fault resolved for matching; `count` undefined means sticky. */
export type Resolved = { count?: number; description: string } & (
  | { kind: 'response'; match: RequestMatch; status: StatusName; errorComment: string }
  | { kind: 'delay'; match: RequestMatch; ms: number }
  | { kind: 'drop'; match?: RequestMatch; afterMessages?: number; drop: DropSpec }
  | { kind: 'refuse'; rj: { result: 1 | 2; source: 1 | 2 | 3; reason: number } }
  | { kind: 'max-pdu'; bytes: number }
  | { kind: 'printer-status'; status: 'NORMAL' | 'WARNING' | 'FAILURE'; info: string; trigger: Trigger }
  | { kind: 'status-flapping'; status: 'WARNING' | 'FAILURE'; info: string; everyMs: number; flaps: number }
  | { kind: 'job-failure'; info: string }
  | { kind: 'print-timing'; pendingMs: number; msPerFilm: number }
);

const ajv = new Ajv({ allErrors: false, strict: false });
const validators = Object.fromEntries(FAULT_KINDS.map((k) => [k, ajv.compile(FAULT_SCHEMAS[k])])) as Record<
  FaultKind,
  ReturnType<typeof ajv.compile>
>;

function explain(path: string, e: ErrorObject): string {
  return `${`${path}${e.instancePath}` || '/'}: ${schemaErrorText(e, ' (see the schema in scenarios/README.md)')}`;
}

/** Check one fault against the schema of its kind (clear errors, never "must match anyOf"). */
export function checkFault(data: unknown, path = ''): Fault {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new FaultError(`${path || '/'}: must be an object with a kind`);
  const kind = (data as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !FAULT_KINDS.includes(kind as FaultKind))
    throw new FaultError(`${path}/kind: must be one of ${FAULT_KINDS.join(', ')}`);
  const validate = validators[kind as FaultKind];
  if (!validate(data)) throw new FaultError(explain(path, validate.errors![0]!));
  return data as Fault;
}

// ---------------------------------------------------------------- names

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
/** "BasicGrayscaleImageBox" -> "Basic Grayscale Image Box". */
export const spaced = (s: string) => s.replace(/([a-z])([A-Z])/g, '$1 $2');

/** The SOP classes a DIMSE request may name (meta classes and transfer syntaxes are not). */
const SOP_CLASSES = Object.entries(Uid).filter(
  ([k]) => !/Meta$|VrLittleEndian$|VrBigEndian$|^ApplicationContext$|Instance$/.test(k),
);

export function resolveSopClass(text: string, key: string): string {
  if (/^[0-9.]+$/.test(text)) return text;
  const want = squash(text);
  const hit = SOP_CLASSES.find(([k]) => squash(k) === want || squash(k) === `basic${want}`);
  if (!hit)
    throw new FaultError(
      `${key}: unknown SOP class "${text}": a UID or one of ${SOP_CLASSES.map(([k]) => spaced(k)).join(', ')}`,
    );
  return hit[1];
}

export function resolveStatus(s: string | number, key: string): StatusName {
  const names = Object.keys(Status) as StatusName[];
  let code: number | undefined;
  if (typeof s === 'number') code = s;
  else if (/^(0x)?[0-9a-f]{4}$/i.test(s.trim())) code = Number.parseInt(s.trim().replace(/^0x/i, ''), 16);
  if (code !== undefined) {
    const def = statusByCode(code);
    const name = names.find((n) => Status[n] === def);
    if (!name)
      throw new FaultError(`${key}: 0x${code.toString(16).toUpperCase()} is not in the status table`);
    return name;
  }
  const want = squash(String(s));
  const name = names.find((n) => squash(n) === want || squash(Status[n].name) === want);
  if (!name) throw new FaultError(`${key}: unknown status "${s}": a code such as 0xC605 or a status name`);
  return name;
}

/** A keyword or tag to the 8-hex-digit tag of the DICOM JSON model, via the data set dictionary. */
export function resolveAttribute(text: string, key: string): string {
  const m = /^\(?([0-9a-f]{4}),?([0-9a-f]{4})\)?$/i.exec(text.trim());
  if (m) return `${m[1]}${m[2]}`.toUpperCase();
  const tag = tagOf(text.trim());
  if (!tag) throw new FaultError(`${key}: "${text}" is neither a DICOM keyword nor a tag`);
  return tag;
}

// ---------------------------------------------------------------- resolution

function resolveMatch(f: FaultOf<'response' | 'delay' | 'drop'>, path: string): RequestMatch {
  const m: RequestMatch = {};
  if (f.command) m.command = f.command;
  if (f.sopClass) m.sopClassUid = resolveSopClass(f.sopClass, `${path}/sopClass`);
  if (f.where) {
    const w = f.where;
    if (w.equals === undefined && w.atLeast === undefined && w.atMost === undefined)
      throw new FaultError(`${path}/where: needs equals, atLeast or atMost`);
    m.where = { tag: resolveAttribute(w.attribute, `${path}/where/attribute`) };
    if (w.equals !== undefined) m.where.equals = w.equals;
    if (w.atLeast !== undefined) m.where.atLeast = w.atLeast;
    if (w.atMost !== undefined) m.where.atMost = w.atMost;
  }
  return m;
}

function describeMatch(f: FaultOf<'response' | 'delay' | 'drop'>, m: RequestMatch): string {
  const parts = [f.command ?? 'any request'];
  if (m.sopClassUid) parts.push(`on ${spaced(uidName(m.sopClassUid))}`);
  if (f.where) {
    const w = f.where;
    const conds = [
      w.equals !== undefined ? `= ${w.equals}` : '',
      w.atLeast !== undefined ? `>= ${w.atLeast}` : '',
      w.atMost !== undefined ? `<= ${w.atMost}` : '',
    ].filter(Boolean);
    parts.push(`where ${w.attribute} ${conds.join(' and ')}`);
  }
  return parts.join(' ');
}

const times = (count: number | undefined) =>
  count === undefined ? 'every' : count === 1 ? 'next' : `next ${count}`;

/** Check and resolve a fault; `path` prefixes error keys (e.g. "/faults/2"). */
export function resolveFault(data: unknown, path = ''): { fault: Fault; resolved: Resolved } {
  const f = checkFault(data, path);
  const count = 'count' in f ? f.count : undefined;
  const base = count === undefined ? {} : { count };
  switch (f.kind) {
    case 'response': {
      const match = resolveMatch(f, path);
      const status = resolveStatus(f.status, `${path}/status`);
      const s = Status[status];
      return {
        fault: f,
        resolved: {
          ...base,
          kind: 'response',
          match,
          status,
          errorComment: f.errorComment ?? s.meaning.slice(0, 64),
          description: `${times(count)} ${describeMatch(f, match)} answers ${statusHex(s.code)} ${s.name}`,
        },
      };
    }
    case 'delay': {
      const match = resolveMatch(f, path);
      return {
        fault: f,
        resolved: {
          ...base,
          kind: 'delay',
          match,
          ms: f.ms,
          description: `${times(count)} ${describeMatch(f, match)} answered ${f.ms} ms late`,
        },
      };
    }
    case 'drop': {
      const hasMatch = f.command !== undefined || f.sopClass !== undefined || f.where !== undefined;
      if (f.afterMessages !== undefined && hasMatch)
        throw new FaultError(`${path}/afterMessages: give either afterMessages or command/sopClass/where`);
      const source = f.source === 'service-user' ? 0 : 2;
      if (source === 0 && f.reason)
        throw new FaultError(`${path}/reason: a service-user A-ABORT carries no reason (PS3.8 9.3.8)`);
      if (f.how === 'tcp-close' && (f.source !== undefined || f.reason !== undefined))
        throw new FaultError(`${path}/how: a TCP close sends no A-ABORT, so no source or reason`);
      const drop: DropSpec = { how: f.how, source, reason: f.reason ?? 0 };
      const how = f.how === 'a-abort' ? `A-ABORT (source ${source}, reason ${drop.reason})` : 'TCP close';
      if (f.afterMessages !== undefined)
        return {
          fault: f,
          resolved: {
            ...base,
            kind: 'drop',
            afterMessages: f.afterMessages,
            drop,
            description: `${how} after ${f.afterMessages === 0 ? 'A-ASSOCIATE-AC' : `request ${f.afterMessages}`}`,
          },
        };
      const match = resolveMatch(f, path);
      return {
        fault: f,
        resolved: {
          ...base,
          kind: 'drop',
          match,
          drop,
          description: `${how} on ${times(count)} ${describeMatch(f, match)}, unanswered`,
        },
      };
    }
    case 'refuse': {
      const r = Reject[f.reason];
      const result = f.result ? (f.result === 'permanent' ? 1 : 2) : r.result;
      return {
        fault: f,
        resolved: {
          ...base,
          kind: 'refuse',
          rj: { result, source: r.source, reason: r.reason },
          description: `refuse ${times(count)} association: A-ASSOCIATE-RJ ${
            result === 1 ? 'permanent' : 'transient'
          }, source ${r.source}, ${f.reason} (${r.reason})`,
        },
      };
    }
    case 'max-pdu':
      return {
        fault: f,
        resolved: {
          ...base,
          kind: 'max-pdu',
          bytes: f.bytes,
          description: `${times(count)} association advertises max PDU ${f.bytes}`,
        },
      };
    case 'printer-status': {
      if ((f.when === undefined) === (f.afterFilms === undefined))
        throw new FaultError(`${path}/when: give exactly one of when, afterFilms`);
      if (f.status !== 'NORMAL' && !f.info)
        throw new FaultError(`${path}/info: ${f.status} needs a Printer Status Info term`);
      // A status set when armed happens once: it is a one-shot whatever count says.
      if (f.when === 'now' && (count ?? 1) !== 1)
        throw new FaultError(`${path}/count: a status set now fires once (count 1 or none)`);
      const info = f.status === 'NORMAL' ? 'NORMAL' : f.info!;
      const trigger: Trigger =
        f.afterFilms !== undefined ? { on: 'films', films: f.afterFilms } : { on: f.when! };
      const when =
        trigger.on === 'films'
          ? `after ${trigger.films} films`
          : trigger.on === 'printing'
            ? 'when a job reaches PRINTING'
            : 'now';
      return {
        fault: f,
        resolved: {
          ...(f.when === 'now' ? { count: 1 } : base),
          kind: 'printer-status',
          status: f.status,
          info,
          trigger,
          description: `printer ${f.status} ${info} ${when}${count === undefined && f.when !== 'now' ? ' (every time)' : ''}`,
        },
      };
    }
    case 'status-flapping':
      return {
        fault: f,
        resolved: {
          kind: 'status-flapping',
          count: f.flaps,
          status: f.status,
          info: f.info,
          everyMs: f.everyMs,
          flaps: f.flaps,
          description: `printer flaps ${f.flaps}x NORMAL <-> ${f.status} ${f.info} every ${f.everyMs} ms`,
        },
      };
    case 'job-failure':
      return {
        fault: f,
        resolved: {
          ...base,
          kind: 'job-failure',
          info: f.info,
          description: `${times(count)} print job ends in FAILURE ${f.info}`,
        },
      };
    case 'print-timing':
      return {
        fault: f,
        resolved: {
          ...base,
          kind: 'print-timing',
          pendingMs: f.pendingMs,
          msPerFilm: f.msPerFilm,
          description: `${times(count)} print job: PENDING ${f.pendingMs} ms, ${f.msPerFilm} ms per film`,
        },
      };
  }
}
