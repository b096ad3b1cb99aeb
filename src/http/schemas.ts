/**
 * Response schemas shared by the routes. fastify serialises replies through them (fast-json-stringify
 * drops what a schema does not name) and /openapi.json is built from them, so records whose shape
 * belongs to someone else (film.json, render.json, capabilities, recorded data sets) are open
 * objects: listed properties are documented, everything else passes through unchanged.
 */

import { OUTCOMES } from '../store/outcome.js';

/** A free-form JSON object (documented elsewhere: the README and the writer's types). */
const OPEN_OBJECT = { type: 'object', additionalProperties: true } as const;

/** Every error reply: ours ({error}) and fastify's validation errors ({statusCode, code, error, message}). */
export const ERROR = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    path: { type: 'string' },
  },
  additionalProperties: true,
} as const;

/** A DIMSE status with its PS3.7/PS3.4 name and category (success, warning, failure...). */
const STATUS = {
  type: 'object',
  properties: {
    code: { type: 'integer' },
    hex: { type: 'string', description: 'e.g. "B605"' },
    name: { type: 'string' },
    meaning: { type: 'string' },
    category: { type: 'string', enum: ['success', 'warning', 'failure', 'cancel', 'pending'] },
  },
} as const;

/** GET /api/dicom/vocabulary: the server's DICOM tables, for readers that need the words up front. */
export const VOCABULARY = {
  type: 'object',
  properties: {
    statuses: {
      type: 'array',
      description: 'every DIMSE status Lightbox may answer or a fault may name, in the status table order',
      items: {
        type: 'object',
        properties: {
          ...STATUS.properties,
          key: { type: 'string', description: 'its name in the status table, e.g. "InsufficientMemory"' },
          scope: {
            type: 'string',
            enum: ['print', 'general'],
            description: 'print: Print Management (PS3.4 H.4, 0xB6xx and 0xC6xx); general: PS3.7 C',
          },
        },
      },
    },
    sopClasses: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          uid: { type: 'string' },
          key: { type: 'string', description: 'its name in the UID table, e.g. "BasicFilmBox"' },
          name: { type: 'string', description: 'e.g. "Basic Film Box": what faults and verdicts call it' },
          meta: { type: 'boolean', description: 'a meta SOP class: negotiated, never named by a request' },
        },
      },
    },
    requests: {
      type: 'array',
      items: { type: 'string' },
      description: "the DIMSE requests Lightbox answers (a fault's command)",
    },
  },
} as const;

export const PRINTER_SUMMARY = {
  type: 'object',
  properties: {
    aeTitle: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    source: { type: 'string', description: 'the profile file, or "embedded"' },
    port: { type: ['integer', 'null'], description: "the printer's own DICOM port, if it has one" },
    status: { type: 'string', enum: ['NORMAL', 'WARNING', 'FAILURE'] },
    statusInfo: { type: 'string' },
    queued: { type: 'integer', description: 'print jobs pending or printing' },
    memoryUsed: { type: 'integer', description: 'bytes of image memory in use' },
    identity: { ...OPEN_OBJECT, description: 'Printer Name, Manufacturer, model, serial number...' },
  },
} as const;

export const PRINTER_DETAIL = {
  type: 'object',
  properties: {
    ...PRINTER_SUMMARY.properties,
    capabilities: { ...OPEN_OBJECT, description: 'the resolved printer profile' },
  },
} as const;

const UPSTREAM_EVIDENCE = {
  type: 'object',
  properties: {
    at: { type: 'string', format: 'date-time' },
    association: { type: 'string', description: 'proxy mode: the association it was seen on' },
    film: { type: 'string', description: 'tee mode: the film being forwarded' },
    probe: { type: 'string', description: 'a "check now" probe: its outbound run (o12)' },
    detail: { type: 'string', description: 'what went wrong toward the printer' },
  },
} as const;

const PROBE_ANSWER = {
  type: 'object',
  properties: {
    status: { type: 'integer' },
    errorComment: { type: 'string' },
    ms: { type: 'number' },
    error: { type: 'string', description: 'not sent, or not answered, and why' },
  },
} as const;

/** A "check now" probe of a real printer (src/scu/probe-report.ts, docs/proxy.md#probe). */
export const PRINTER_PROBE = {
  type: 'object',
  properties: {
    id: { type: 'string', description: 'the outbound run keeping its conversation (GET /api/outbound/{id})' },
    startedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: 'string', format: 'date-time' },
    ms: { type: 'integer' },
    target: { type: 'string', description: 'HOST:PORT:AE' },
    callingAeTitle: { type: 'string' },
    timeoutMs: { type: 'integer', description: 'the bound on each wait' },
    state: { type: 'string', enum: ['reachable', 'unreachable'] },
    result: {
      type: 'string',
      enum: ['answered', 'unreachable', 'rejected', 'timeout', 'aborted', 'error'],
      description:
        'answered: associated, C-ECHO and N-GET answered (see their statuses); unreachable: no TCP/TLS connection within timeoutMs; rejected: A-ASSOCIATE-RJ (see rejection); timeout: connected but no A-ASSOCIATE-AC or no response within timeoutMs; aborted: A-ABORT or connection dropped; error: the probe could not be made (detail)',
    },
    detail: { type: 'string' },
    rejection: {
      type: 'object',
      properties: { result: { type: 'string' }, source: { type: 'string' }, reason: { type: 'string' } },
    },
    accepted: { type: 'array', items: { type: 'string' } },
    echo: PROBE_ANSWER,
    nGet: { ...PROBE_ANSWER, description: 'N-GET of the Printer SOP instance' },
    printer: {
      type: 'object',
      description: "the Printer SOP instance's attributes as answered",
      properties: Object.fromEntries(
        [
          'printerStatus',
          'printerStatusInfo',
          'printerName',
          'manufacturer',
          'manufacturerModelName',
          'deviceSerialNumber',
          'softwareVersions',
          'dateOfLastCalibration',
          'timeOfLastCalibration',
        ].map((k) => [k, { type: 'string' }]),
      ),
    },
  },
} as const;

/** A forwarding printer's real printer (GET /api/printers/{ae}/forward, src/http/upstream-state.ts). */
export const FORWARD_VIEW = {
  type: 'object',
  properties: {
    mode: { type: 'string', enum: ['tee', 'proxy'] },
    target: { type: 'string', description: 'HOST:PORT:AE of the real printer' },
    tls: {
      type: 'object',
      description: 'absent: plain TCP',
      properties: {
        verify: { type: 'boolean' },
        clientCertificate: { type: 'boolean' },
        servername: { type: 'string' },
      },
    },
    callingAeTitle: { type: 'string' },
    timeoutMs: { type: 'integer' },
    upstream: {
      type: 'object',
      properties: {
        state: {
          type: 'string',
          enum: ['reachable', 'unreachable', 'unknown'],
          description:
            'as of the last attempt (traffic, or a "check now" probe): an association was made with the printer, or not; unknown before any',
        },
        last: UPSTREAM_EVIDENCE,
        lastError: { ...UPSTREAM_EVIDENCE, description: 'the newest failure toward the printer' },
      },
    },
    associations: { type: 'integer', description: 'proxy mode: recent associations the state was read from' },
    probe: { ...PRINTER_PROBE, description: 'the newest "check now" probe (POST .../forward/probe)' },
  },
} as const;

/** What became of a listed film or job (src/store/outcome.ts), in words. */
const RESULT = {
  type: 'object',
  description: 'what became of it: outcome, a short label, the reason in a sentence, the warnings named',
  properties: {
    outcome: {
      type: 'string',
      enum: [...OUTCOMES],
      description:
        'failed: its print job ended in FAILURE (not delivered); render-failed; warned: delivered with warning statuses; pending: queued, printing or rendering; ok',
    },
    label: { type: 'string', description: 'e.g. "not delivered: FILM JAM", "warned: 0xB605"' },
    reason: { type: 'string' },
    warnings: { type: 'array', items: STATUS, description: 'the warning statuses the SCU got for it' },
  },
} as const;

export const FILM_SUMMARY = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    printer: { type: 'string' },
    callingAeTitle: { type: 'string' },
    jobUid: { type: 'string' },
    printedAt: { type: 'string', format: 'date-time' },
    filmBoxUid: { type: 'string' },
    associationId: { type: 'string', description: 'the association that printed it (see /api/associations)' },
    imageBoxes: { type: 'integer', description: 'image boxes holding an image' },
    bytes: { type: 'integer', description: 'bytes on disk: pixels, records and rendered images' },
    render: {
      type: 'string',
      enum: ['rendered', 'failed', 'pending', 'broken'],
      description: 'broken: the directory is there but film.json cannot be read (error says why)',
    },
    error: { type: 'string', description: 'why rendering failed, or why the film is broken' },
    pinned: { type: 'boolean', description: 'kept by retention whatever its age' },
    jobStatus: { type: 'string', description: 'the status of its print job' },
    jobStatusInfo: { type: 'string', description: 'why (FILM JAM...)' },
    result: RESULT,
  },
} as const;

const OUTCOME_STATUS = {
  type: 'object',
  properties: {
    ...STATUS.properties,
    message: { type: 'string', description: 'the response it came with, e.g. N-SET-RSP' },
    errorComment: { type: 'string' },
    source: {
      type: 'string',
      enum: ['conversation', 'film.json', 'derived'],
      description:
        'conversation: the recorded response; film.json: the answer film.json kept; derived: from the decisions film.json records',
    },
    lightbox: {
      type: 'object',
      description:
        "proxy mode: Lightbox's own answer to the request, where it differs from the real printer's (the one the SCU got)",
      properties: { ...STATUS.properties, errorComment: { type: 'string' } },
    },
  },
} as const;

export const EXPORT_STATES = ['queued', 'sending', 'sent', 'failed'];

/** An export job of a film (src/export, /api/exports). */
export const EXPORT_JOB = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    filmId: { type: 'string' },
    printer: { type: 'string' },
    target: { type: 'string', description: "the target's name in the printer profile" },
    kind: { type: 'string', enum: ['directory', 'stow-rs', 'c-store'] },
    state: { type: 'string', enum: EXPORT_STATES },
    attempts: { type: 'integer' },
    nextAttemptAt: {
      type: 'string',
      format: 'date-time',
      description: 'when it is tried again (failed) or first (queued)',
    },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    sentAt: { type: 'string' },
    error: { type: 'string', description: "the last attempt's failure: what the peer answered" },
  },
} as const;

export const FILM_DETAIL = {
  type: 'object',
  properties: {
    ...FILM_SUMMARY.properties,
    film: { ...OPEN_OBJECT, type: ['object', 'null'], description: 'film.json' },
    render: { ...OPEN_OBJECT, type: ['object', 'null'], description: 'render.json (null until rendered)' },
    renderStatus: FILM_SUMMARY.properties.render,
    exports: {
      type: 'array',
      items: EXPORT_JOB,
      description: 'its export jobs, one per target (src/export)',
    },
    outcome: {
      type: 'object',
      description: 'what happened to the film box and each image box, and the statuses the SCU got',
      properties: {
        filmBox: {
          type: 'object',
          properties: { uid: { type: 'string' }, statuses: { type: 'array', items: OUTCOME_STATUS } },
        },
        boxes: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              position: { type: 'integer' },
              uid: { type: 'string' },
              fates: {
                type: 'array',
                items: {
                  type: 'string',
                  enum: ['fits', 'demagnified', 'cropped', 'decimated', 'density-clamped', 'empty'],
                },
              },
              status: { ...OUTCOME_STATUS, type: ['object', 'null'] },
              minDensity: { type: 'integer' },
              maxDensity: { type: 'integer' },
              requestedMinDensity: { type: 'integer' },
              requestedMaxDensity: { type: 'integer' },
            },
          },
        },
      },
    },
  },
} as const;

export const JOB = {
  type: 'object',
  properties: {
    uid: { type: 'string' },
    printer: { type: 'string' },
    status: { type: 'string', enum: ['PENDING', 'PRINTING', 'DONE', 'FAILURE'] },
    statusInfo: { type: 'string' },
    priority: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    originator: { type: 'string', description: 'the calling AE title' },
    printerName: { type: 'string' },
    filmSessionLabel: { type: 'string' },
    associationId: { type: 'string', description: 'the association that printed it' },
    copies: { type: 'integer' },
    films: { type: 'array', items: { type: 'string' }, description: 'film ids (see /api/films)' },
    result: RESULT,
    history: {
      type: 'array',
      description: 'every state the job went through, oldest first (job detail only)',
      items: {
        type: 'object',
        properties: {
          at: { type: 'string', format: 'date-time' },
          status: { type: 'string' },
          info: { type: 'string' },
        },
      },
    },
  },
} as const;

export const ASSOCIATION_SUMMARY = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    peer: { type: 'string' },
    callingAeTitle: { type: 'string' },
    calledAeTitle: { type: 'string' },
    printer: { type: 'string' },
    startedAt: { type: 'string', format: 'date-time' },
    endedAt: { type: 'string', format: 'date-time' },
    state: { type: 'string', description: 'PS3.8 state, Sta6 while associated' },
    ending: { type: 'string' },
    detail: { type: 'string' },
    contexts: { type: 'array', items: { type: 'string' } },
    instance: {
      type: 'string',
      description: 'several instances on one database: the instance the association is (or was) with',
    },
    upstream: {
      type: 'object',
      description: "proxy mode: the real printer's association behind this one (docs/proxy.md)",
      properties: {
        target: { type: 'string', description: 'HOST:PORT:AE' },
        tls: { type: 'boolean' },
        callingAeTitle: { type: 'string' },
        accepted: { type: 'array', items: { type: 'string' } },
        ending: { type: 'string' },
        detail: { type: 'string', description: 'why it failed or ended, when it did' },
        pausedForPrinter: {
          type: 'integer',
          description: "times the modality's socket was paused because the printer was behind",
        },
        paused: { type: 'boolean', description: "live: the modality's socket is paused for the printer now" },
      },
    },
  },
  additionalProperties: true,
} as const;

/** One recorded DIMSE message; the status, SOP class and data set are explained for readers. */
export const MESSAGE = {
  type: 'object',
  properties: {
    at: { type: 'number', description: 'ms since the epoch' },
    direction: { type: 'string', enum: ['in', 'out'] },
    type: { type: 'string' },
    contextId: { type: 'integer' },
    messageId: { type: 'integer' },
    sopClass: { type: 'string' },
    sopClassName: { type: 'string' },
    sopInstance: { type: 'string' },
    status: { type: 'integer' },
    statusInfo: STATUS,
    errorComment: { type: 'string' },
    datasetBytes: { type: 'integer' },
    ms: { type: 'number' },
    attributes: { description: 'the data set, bounded; pixel data as a byte count' },
    lightbox: {
      type: 'object',
      description:
        "proxy mode, on a response relayed from the real printer: Lightbox's own answer to the request (absent when it did not perform it)",
      properties: { status: { type: 'integer' }, errorComment: { type: 'string' }, statusInfo: STATUS },
    },
    upstreamMs: { type: 'number', description: 'proxy mode: how long the real printer took to answer' },
    relay: {
      type: 'string',
      enum: ['cut-through', 'whole'],
      description:
        'proxy mode, on a request: its data set went on to the printer as it arrived, or once all here',
    },
  },
  additionalProperties: true,
} as const;

export const ASSOCIATION_DETAIL = {
  type: 'object',
  properties: {
    ...ASSOCIATION_SUMMARY.properties,
    messages: { type: 'array', items: MESSAGE },
  },
  additionalProperties: true,
} as const;

/** A date or date-time query parameter: only what happened at or after it. */
export const SINCE = {
  type: 'string',
  anyOf: [{ format: 'date-time' }, { format: 'date' }],
  description: 'only those at or after this date or date-time',
} as const;

/** The filters every listing takes: films, jobs, associations, verdicts. */
export const LIST_FILTERS = {
  printer: { type: 'string' },
  callingAe: { type: 'string' },
  since: SINCE,
} as const;

/** Films and jobs filtered by what became of them. */
export const OUTCOME_FILTER = {
  type: 'string',
  enum: [...OUTCOMES],
  description: 'only those with this outcome (result.outcome)',
} as const;

/** LIST_FILTERS as the query type of a route. */
export interface ListFilters {
  printer?: string;
  callingAe?: string;
  since?: string;
}
