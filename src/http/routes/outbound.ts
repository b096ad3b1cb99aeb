/**
 * Lightbox as SCU over HTTP: POST /api/associations/{id}/replay sends a recorded association
 * again to another printer and answers with the diff; /api/outbound lists what was sent (replays
 * and forwarded films) with the peer's answers, one run in full, a replay as JUnit XML.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FilmReadError } from '../../scu/film-source.js';
import { printStoredFilm } from '../../scu/print-film.js';
import { keepPrintRun } from '../../scu/print-run.js';
import { replayStored } from '../../scu/replay.js';
import type { ReplayReport } from '../../scu/replay-diff.js';
import { replayJunit } from '../../scu/replay-junit.js';
import type { RunOptions } from '../../scu/runner.js';
import { ScuError } from '../../scu/scu-error.js';
import { parseTarget, type Target } from '../../scu/target.js';
import { FILM_ID_PATTERN } from '../../store/film-files.js';
import type { ForwardState } from '../../store/forward-queue.js';
import type { OutboundKind } from '../../store/outbound-log.js';
import type { Store } from '../../store/store.js';
import { ERROR } from '../schemas.js';
import { ASSOCIATION_ID } from './associations.js';

const OUTBOUND_ID = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^o[0-9]{1,15}$' } },
} as const;

const OUTBOUND_SUMMARY = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['replay', 'forward', 'print', 'probe'] },
    source: { type: 'string' },
    target: { type: 'string', description: 'HOST:PORT:AE' },
    filmId: { type: 'string' },
    associationId: { type: 'string' },
    startedAt: { type: 'string' },
    endedAt: { type: 'string' },
    ok: {
      type: 'boolean',
      description:
        'replay: every answer as the original; forward: the film printed; probe: C-ECHO and N-GET answered 0x0000',
    },
    outcome: { type: 'string' },
  },
} as const;

const FORWARD_ITEM = {
  type: 'object',
  properties: {
    filmId: { type: 'string' },
    printer: { type: 'string' },
    target: { type: 'string', description: 'HOST:PORT:AE of the real printer' },
    state: { type: 'string', enum: ['queued', 'done', 'failed'] },
    attempts: { type: 'integer' },
    nextAt: { type: 'integer', description: 'when a queued film is next sent (ms since the epoch)' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    lastError: { type: 'string' },
    lastOutbound: {
      type: 'string',
      description: 'the outbound run (its answers) of the last attempt that reached the printer',
    },
  },
} as const;

interface ReplayBody {
  to: string;
  callingAeTitle?: string;
  timeoutMs?: number;
}

/** The body of a request that sends to another printer: where, as whom, how long to wait. */
const sendBody = (to: string) =>
  ({
    type: 'object',
    additionalProperties: false,
    required: ['to'],
    properties: {
      to: { type: 'string', maxLength: 300, description: to },
      callingAeTitle: { type: 'string', minLength: 1, maxLength: 16 },
      timeoutMs: { type: 'integer', minimum: 1, maximum: 600_000 },
    },
  }) as const;

/** Replays running at once: each holds an association and the films' pixels. */
const MAX_CONCURRENT_REPLAYS = 4;

export function outboundRoutes(
  app: FastifyInstance,
  store: Store,
  forward?: { retry(filmId: string): boolean },
): void {
  let running = 0;

  /**
   * One send to another printer: a slot of MAX_CONCURRENT_REPLAYS (429 when none is free), `to`
   * parsed (400 when it is not HOST:PORT:AE), the body's calling AE title and timeout as options.
   */
  const send = async (
    reply: FastifyReply,
    body: ReplayBody,
    what: string,
    run: (target: Target, o: RunOptions) => Promise<FastifyReply>,
  ): Promise<FastifyReply> => {
    if (running >= MAX_CONCURRENT_REPLAYS)
      return reply.code(429).send({ error: `${running} ${what} are running; try again when one ends` });
    let target: Target;
    try {
      target = parseTarget(body.to);
    } catch (e) {
      return reply.code(400).send({ error: (e as Error).message });
    }
    running++;
    try {
      return await run(target, {
        ...(body.callingAeTitle ? { callingAeTitle: body.callingAeTitle } : {}),
        ...(body.timeoutMs ? { timeouts: { responseMs: body.timeoutMs } } : {}),
      });
    } finally {
      running--;
    }
  };

  app.post<{ Params: { id: string }; Body: ReplayBody }>(
    '/api/associations/:id/replay',
    {
      schema: {
        params: ASSOCIATION_ID,
        body: sendBody('HOST:PORT:AE of the printer to replay to'),
        response: {
          201: {
            description: 'the replay report: per message the original and the new answer and what differs',
            type: 'object',
            additionalProperties: true,
            properties: { id: { type: 'string' }, same: { type: 'boolean' } },
          },
          '4xx': ERROR,
          '5xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const a = store.associations.get(req.params.id);
      if (!a) return reply.code(404).send({ error: `no association ${req.params.id}` });
      if (!a.endedAt) return reply.code(409).send({ error: `association ${a.id} has not ended yet` });
      return send(reply, req.body, 'replays', async (target, o) => {
        try {
          const { id, report } = await replayStored(store, a, target, o);
          return reply.code(201).send({ id, ...report });
        } catch (e) {
          if (e instanceof ScuError && e.kind === 'usage') return reply.code(400).send({ error: e.message });
          throw e;
        }
      });
    },
  );

  app.post<{ Params: { id: string }; Body: ReplayBody }>(
    '/api/films/:id/print',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: FILM_ID_PATTERN } },
        },
        body: sendBody('HOST:PORT:AE of the printer to print on'),
        response: {
          201: {
            description: 'the answers of the printer to the film session that printed the film there',
            type: 'object',
            additionalProperties: true,
            properties: { id: { type: 'string' }, ok: { type: 'boolean' }, outcome: { type: 'string' } },
          },
          '4xx': ERROR,
          '5xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      if (!store.films.get(req.params.id)) return reply.code(404).send({ error: `no film ${req.params.id}` });
      return send(reply, req.body, 'sends', async (target, o) => {
        try {
          const { run, source, associationId } = await printStoredFilm(store, req.params.id, target, o);
          const kept = keepPrintRun(store, run, {
            source,
            filmId: req.params.id,
            ...(associationId ? { associationId } : {}),
          });
          return reply.code(201).send({ ...kept, ...run });
        } catch (e) {
          if (e instanceof FilmReadError) return reply.code(409).send({ error: e.message });
          throw e;
        }
      });
    },
  );

  app.get<{ Querystring: { kind?: OutboundKind; association?: string; film?: string } }>(
    '/api/outbound',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            kind: { type: 'string', enum: ['replay', 'forward', 'print', 'probe'] },
            association: { type: 'string', maxLength: 20 },
            film: { type: 'string', maxLength: 200 },
          },
        },
        response: {
          200: { type: 'object', properties: { runs: { type: 'array', items: OUTBOUND_SUMMARY } } },
        },
      },
    },
    async (req) => {
      const q = req.query;
      return {
        runs: store.outbound.list({
          ...(q.kind ? { kind: q.kind } : {}),
          ...(q.association ? { associationId: q.association } : {}),
          ...(q.film ? { filmId: q.film } : {}),
        }),
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/outbound/:id',
    {
      schema: {
        params: OUTBOUND_ID,
        response: {
          200: {
            description: 'one run with its whole report (replay: the diff; forward: the answers)',
            type: 'object',
            additionalProperties: true,
            properties: {
              ...OUTBOUND_SUMMARY.properties,
              report: { type: 'object', additionalProperties: true },
            },
          },
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const o = store.outbound.get(req.params.id);
      if (!o) return reply.code(404).send({ error: `no outbound run ${req.params.id}` });
      return { ...o.summary, report: o.report };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/outbound/:id/junit.xml',
    {
      schema: {
        params: OUTBOUND_ID,
        response: {
          200: {
            description: 'a replay as JUnit XML: one test case per message, a failure per differing answer',
            content: { 'application/xml': { schema: { type: 'string' } } },
          },
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const o = store.outbound.get(req.params.id);
      if (o?.summary.kind !== 'replay') return reply.code(404).send({ error: `no replay ${req.params.id}` });
      return reply.type('application/xml').send(replayJunit(o.report as ReplayReport));
    },
  );

  app.get<{ Querystring: { state?: ForwardState; printer?: string; film?: string } }>(
    '/api/forwards',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: ['queued', 'done', 'failed'] },
            printer: { type: 'string', maxLength: 16 },
            film: { type: 'string', maxLength: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              counts: {
                type: 'object',
                properties: {
                  queued: { type: 'integer' },
                  done: { type: 'integer' },
                  failed: { type: 'integer' },
                },
              },
              films: { type: 'array', items: FORWARD_ITEM },
            },
          },
        },
      },
    },
    async (req) => ({
      counts: store.forwardQueue.counts(),
      films: store.forwardQueue.list({
        ...(req.query.state ? { state: req.query.state } : {}),
        ...(req.query.printer ? { printer: req.query.printer } : {}),
        ...(req.query.film ? { filmId: req.query.film } : {}),
      }),
    }),
  );

  app.post<{ Params: { film: string } }>(
    '/api/forwards/:film/retry',
    {
      schema: {
        params: {
          type: 'object',
          required: ['film'],
          properties: { film: { type: 'string', pattern: FILM_ID_PATTERN } },
        },
        response: { 202: FORWARD_ITEM, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      if (!forward || !store.forwardQueue.get(req.params.film))
        return reply.code(404).send({ error: `film ${req.params.film} is not in the forward queue` });
      forward.retry(req.params.film);
      return reply.code(202).send(store.forwardQueue.get(req.params.film));
    },
  );
}
