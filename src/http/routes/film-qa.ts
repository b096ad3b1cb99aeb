/**
 * GET /api/films/:id/qa and /api/films/:id/qa.svg: the density report of a film that carries a QA
 * test pattern (src/qa/report.ts), as JSON or as an SVG plot. Reports are computed on request from
 * the film's files; one at a time (a 14x17 in film's density map is ~50 MB decoded), a few more
 * waiting, and any further request is told to come back (503).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import sharp from 'sharp';
import type { DiffThresholds, DiffUnit } from '../../qa/diff.js';
import { diffPng, FilmDiffError, filmDiff } from '../../qa/film-diff.js';
import { FilmQaError, filmQa } from '../../qa/film-qa.js';
import { PATTERN_NAMES, type PatternName } from '../../qa/patterns.js';
import { reportSvg } from '../../qa/plot.js';
import { PROTOCOL_NAMES, PROTOCOLS, type ProtocolName, withOwnLimits } from '../../qa/protocols.js';
import type { QaReport } from '../../qa/report.js';
import { DensitiesBusy, type FilmDensities } from '../../render/film-densities.js';
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

interface DiffBody {
  against?: string;
  densityPng?: string;
  filmPng?: string;
  compare?: 'density' | 'film';
  thresholds?: Partial<DiffThresholds>;
}
/** An uploaded golden PNG, base64 in JSON: a 14x17 in density.png is a few MB. */
const MAX_UPLOAD_BASE64 = 48 * 1024 * 1024;
const LIMIT = { type: 'number', minimum: 0, maximum: 65535 } as const;

/** density.png made on its first request (src/render/film-densities.ts); absent: read as it is. */
export type DensityMaps = Pick<FilmDensities, 'ensure'>;

/** Density maps being made: 503 with a retry, as when the queue here is full. */
export function densitiesBusy(e: unknown, reply: FastifyReply): boolean {
  if (!(e instanceof DensitiesBusy)) return false;
  void reply.code(503).header('retry-after', '2').send({ error: e.message });
  return true;
}

export function filmQaRoutes(app: FastifyInstance, store: Store, densities?: DensityMaps): void {
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
    const run = chain.then(async () => {
      await densities?.ensure(id);
      return filmQa(id, store.filmFiles.local(id), { protocol, pattern: q.pattern });
    });
    chain = run.catch(() => undefined);
    try {
      return await run;
    } catch (e) {
      if (densitiesBusy(e, reply)) return undefined;
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

  for (const ext of ['svg', 'png'] as const)
    app.get<{ Params: { id: string }; Querystring: QaQuery }>(
      `/api/films/:id/qa.${ext}`,
      {
        schema: {
          description: `The density report as a plot (${ext.toUpperCase()}): measured vs target density over P, and the residuals`,
          params: PARAMS,
          querystring: QUERY,
          response: {
            200: {
              description: 'the plot',
              content: { [ext === 'svg' ? 'image/svg+xml' : 'image/png']: { schema: { type: 'string' } } },
            },
            '4xx': ERROR,
            '5xx': ERROR,
          },
        },
      },
      async (req, reply) => {
        const r = await report(req.params.id, req.query, reply);
        if (!r) return reply;
        const svg = reportSvg(r);
        if (ext === 'svg') return reply.type('image/svg+xml').send(svg);
        return reply.type('image/png').send(await sharp(Buffer.from(svg)).png().toBuffer());
      },
    );

  app.post<{ Params: { id: string }; Querystring: { format?: 'json' | 'png' }; Body: DiffBody }>(
    '/api/films/:id/diff',
    {
      bodyLimit: MAX_UPLOAD_BASE64 + 64 * 1024,
      schema: {
        description:
          'Compare the film with a golden: another film (against) or an uploaded density.png / film.png (base64): mean, p95 and max difference over the film, each box and its image, against thresholds; ?format=png: the difference image (red denser, blue lighter)',
        params: PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: ['json', 'png'] } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            against: { type: 'string', pattern: FILM_ID_PATTERN, description: 'the golden film id' },
            densityPng: {
              type: 'string',
              maxLength: MAX_UPLOAD_BASE64,
              description: 'a golden density.png, base64',
            },
            filmPng: {
              type: 'string',
              maxLength: MAX_UPLOAD_BASE64,
              description: 'a golden film.png, base64 (compared in grey levels)',
            },
            compare: {
              type: 'string',
              enum: ['density', 'film'],
              description: 'with against: which file (default density)',
            },
            thresholds: {
              type: 'object',
              additionalProperties: false,
              properties: { mean: LIMIT, p95: LIMIT, max: LIMIT },
              description:
                'in OD for density, grey levels for film.png (defaults: 0.02/0.05/0.30 OD, 2/5/40 levels)',
            },
          },
        },
        response: {
          200: {
            description: 'the diff report, or the difference image',
            content: {
              'application/json': { schema: { type: 'object', additionalProperties: true } },
              'image/png': { schema: { type: 'string', format: 'binary' } },
            },
          },
          '4xx': ERROR,
          '5xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const b = req.body ?? {};
      const given = [b.against, b.densityPng, b.filmPng].filter((x) => x !== undefined).length;
      if (given !== 1)
        return reply
          .code(400)
          .send({ error: 'give exactly one golden: against (a film id), densityPng or filmPng' });
      const f = store.films.get(req.params.id);
      if (!f) return reply.code(404).send({ error: `no film ${req.params.id}` });
      const unit: DiffUnit =
        b.filmPng !== undefined || (b.against !== undefined && b.compare === 'film') ? 'level' : 'od';
      let golden: { film: string; dir: string } | { upload: Buffer };
      if (b.against !== undefined) {
        if (!store.films.get(b.against))
          return reply.code(404).send({ error: `no golden film ${b.against}` });
        golden = { film: b.against, dir: store.filmFiles.local(b.against) };
      } else golden = { upload: Buffer.from((b.densityPng ?? b.filmPng)!, 'base64') };
      if (waiting >= WAITING_MAX)
        return reply
          .code(503)
          .header('retry-after', '2')
          .send({ error: 'film diffs busy; try again shortly' });
      waiting++;
      const run = chain.then(async () => {
        if (unit === 'od') {
          await densities?.ensure(f.id);
          if ('film' in golden) await densities?.ensure(golden.film);
        }
        const d = await filmDiff({
          id: f.id,
          dir: store.filmFiles.local(f.id),
          unit,
          golden,
          thresholds: b.thresholds,
        });
        return req.query.format === 'png' ? { png: await diffPng(d.maps, unit) } : { report: d.report };
      });
      chain = run.catch(() => undefined);
      try {
        const r = await run;
        if ('png' in r) return reply.type('image/png').send(r.png);
        return r.report;
      } catch (e) {
        if (densitiesBusy(e, reply)) return reply;
        if (e instanceof FilmDiffError) return reply.code(e.status).send({ error: e.message });
        if ((e as NodeJS.ErrnoException).code === 'ENOENT')
          return reply.code(404).send({ error: 'a film has no files to compare' });
        throw e;
      } finally {
        waiting--;
      }
    },
  );
}
