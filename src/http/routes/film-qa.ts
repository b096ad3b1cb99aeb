/**
 * GET /api/films/:id/qa and /api/films/:id/qa.svg: the density report of a film that carries a QA
 * test pattern (src/qa/report.ts), as JSON or as an SVG plot. Reports are computed on request from
 * the film's files; one at a time (a 14x17 in film's density map is ~50 MB decoded), a few more
 * waiting, and any further request is told to come back (503).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { FilmQaError, filmQa } from '../../qa/film-qa.js';
import { PATTERN_NAMES, type PatternName } from '../../qa/patterns.js';
import { reportSvg } from '../../qa/plot.js';
import { PROTOCOL_NAMES, PROTOCOLS, type ProtocolName, withOwnLimits } from '../../qa/protocols.js';
import type { QaReport } from '../../qa/report.js';
import { FILM_ID_PATTERN } from '../../store/film-files.js';
import type { Store } from '../../store/store.js';
import { ERROR } from '../schemas.js';

interface QaQuery {
  pattern?: PatternName;
  protocol?: ProtocolName;
  toleranceOd?: number;
  uniformityOd?: number;
}

const QUERY = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pattern: {
      type: 'string',
      enum: [...PATTERN_NAMES],
      description: 'the pattern the film carries (default: recognised from the pixels)',
    },
    protocol: {
      type: 'string',
      enum: PROTOCOL_NAMES,
      description: 'tolerances to judge by (default ps3.14-d2)',
    },
    toleranceOd: {
      type: 'number',
      minimum: 0.001,
      maximum: 5,
      description: 'your own tolerance per step, OD',
    },
    uniformityOd: {
      type: 'number',
      minimum: 0.001,
      maximum: 5,
      description: 'your own uniformity limit, OD',
    },
  },
} as const;
const PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: FILM_ID_PATTERN } },
} as const;

/** Reports computed at once, and requests allowed to wait for their turn. */
const WAITING_MAX = 4;

export function filmQaRoutes(app: FastifyInstance, store: Store): void {
  let chain: Promise<unknown> = Promise.resolve();
  let waiting = 0;

  async function report(id: string, q: QaQuery, reply: FastifyReply): Promise<QaReport | undefined> {
    const f = store.films.get(id);
    if (!f) {
      void reply.code(404).send({ error: `no film ${id}` });
      return undefined;
    }
    if (f.render !== 'rendered') {
      void reply
        .code(409)
        .send({ error: `film ${id} is ${f.render}, not rendered: no density map to measure` });
      return undefined;
    }
    if (waiting >= WAITING_MAX) {
      void reply
        .code(503)
        .header('retry-after', '2')
        .send({ error: 'density reports busy; try again shortly' });
      return undefined;
    }
    waiting++;
    const protocol = withOwnLimits(PROTOCOLS[q.protocol ?? 'ps3.14-d2'], q);
    const run = chain.then(() => filmQa(id, store.filmFiles.dir(id), { protocol, pattern: q.pattern }));
    chain = run.catch(() => undefined);
    try {
      return await run;
    } catch (e) {
      if (e instanceof FilmQaError) {
        void reply.code(e.status).send({ error: e.message });
        return undefined;
      }
      // A film directory removed meanwhile, or files of another shape.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        void reply.code(404).send({ error: `film ${id} has no files to measure` });
        return undefined;
      }
      throw e;
    } finally {
      waiting--;
    }
  }

  app.get<{ Params: { id: string }; Querystring: QaQuery }>(
    '/api/films/:id/qa',
    {
      schema: {
        description:
          "Density report: each test-pattern patch's rendered density against the PS3.14 target for the film's densities, viewing and Presentation LUT, in OD and JND, judged by a protocol",
        params: PARAMS,
        querystring: QUERY,
        response: { 200: { type: 'object', additionalProperties: true }, '4xx': ERROR, '5xx': ERROR },
      },
    },
    async (req, reply) => {
      const r = await report(req.params.id, req.query, reply);
      return r ?? reply;
    },
  );

  app.get<{ Params: { id: string }; Querystring: QaQuery }>(
    '/api/films/:id/qa.svg',
    {
      schema: {
        description:
          'The density report as an SVG plot: measured vs target density over P, and the residuals',
        params: PARAMS,
        querystring: QUERY,
        response: {
          200: { description: 'the plot', content: { 'image/svg+xml': { schema: { type: 'string' } } } },
          '4xx': ERROR,
          '5xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const r = await report(req.params.id, req.query, reply);
      if (!r) return reply;
      return reply.type('image/svg+xml').send(reportSvg(r));
    },
  );
}
