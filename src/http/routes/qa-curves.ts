/**
 * Measured printer curves: POST /api/qa/curves analyses densitometer readings of a printed step
 * film (src/qa/curve.ts) and keeps the analysis (store/curve-log.ts), linked to the film it was
 * measured on when one is named; GET lists and fetches them (JSON or the SVG plot), DELETE
 * removes one. A film's analyses go when the film does.
 */
import type { FastifyInstance } from 'fastify';
import { analyseCurve, CurveError, type CurveReport, MAX_READINGS, parseReadings } from '../../qa/curve.js';
import { curveSvg } from '../../qa/plot.js';
import { PROTOCOL_NAMES, PROTOCOLS, type ProtocolName, withOwnLimits } from '../../qa/protocols.js';
import { MAX_CURVES } from '../../store/curve-log.js';
import { FILM_ID_PATTERN } from '../../store/film-files.js';
import type { Store } from '../../store/store.js';
import { ERROR } from '../schemas.js';

interface CurveBody {
  csv?: string;
  readings?: { step: number; od: number; ddl?: number }[];
  bits?: 8 | 12;
  illumination?: number;
  ambient?: number;
  protocol?: ProtocolName;
  toleranceOd?: number;
  filmId?: string;
  label?: string;
}

/** A densitometer's readings of a step film are a few KiB; this bounds a pasted file generously. */
const MAX_CSV = 256 * 1024;
const CURVE_ID = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^c[0-9]{1,15}$' } },
} as const;
const FORMAT = {
  type: 'object',
  additionalProperties: false,
  properties: { format: { type: 'string', enum: ['json', 'svg'], description: 'svg: the plot' } },
} as const;
const ANALYSIS = {
  description: 'the analysis (id, filmId, label, createdAt, then the report), or its plot',
  content: {
    'application/json': { schema: { type: 'object', additionalProperties: true } },
    'image/svg+xml': { schema: { type: 'string' } },
  },
} as const;

/** What a listing shows of an analysis. */
function summaryOf(c: CurveReport, readings: number): Record<string, unknown> {
  return {
    protocol: c.protocol.name,
    bits: c.bits,
    readings,
    illumination: c.viewing.illumination,
    ambient: c.viewing.reflectedAmbient,
    dmin: c.dmin,
    dmax: c.dmax,
    gamma: c.gamma,
    maxAbsResidual: c.maxAbsResidual,
    maxAbsJndError: c.maxAbsJndError,
  };
}

export function qaCurveRoutes(app: FastifyInstance, store: Store): void {
  app.post<{ Body: CurveBody; Querystring: { format?: 'json' | 'svg' } }>(
    '/api/qa/curves',
    {
      bodyLimit: MAX_CSV * 2,
      schema: {
        description:
          "A printer's measured characteristic curve from densitometer readings of a printed step film: its deviation from the GSDF (PS3.14 D.2) per step in OD and JND, JNDs per DDL increment, the gamma that explains it, pass/fail, and the characteristicCurve a printer profile takes. Kept (GET /api/qa/curves/{id}), linked to filmId when given",
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            csv: {
              type: 'string',
              maxLength: MAX_CSV,
              description: 'step,od[,ddl] per line (header optional); or readings',
            },
            readings: {
              type: 'array',
              maxItems: MAX_READINGS,
              description: 'the readings as JSON; or csv',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['step', 'od'],
                properties: {
                  step: { type: 'integer', minimum: 1, maximum: MAX_READINGS },
                  od: { type: 'number', minimum: 0, maximum: 10 },
                  ddl: { type: 'integer', minimum: 0, maximum: 4095 },
                },
              },
            },
            bits: { type: 'integer', enum: [8, 12], description: 'bits of the DDLs printed (default 8)' },
            illumination: {
              type: 'number',
              minimum: 1,
              maximum: 10000,
              description: 'light box, cd/m2 (default 2000)',
            },
            ambient: {
              type: 'number',
              minimum: 0,
              maximum: 1000,
              description: 'reflected ambient light, cd/m2 (default 10)',
            },
            protocol: { type: 'string', enum: PROTOCOL_NAMES },
            toleranceOd: { type: 'number', minimum: 0.001, maximum: 5 },
            filmId: {
              type: 'string',
              pattern: FILM_ID_PATTERN,
              description: 'the film the readings were taken on',
            },
            label: {
              type: 'string',
              maxLength: 200,
              description: 'e.g. the densitometer, the printer, the date',
            },
          },
        },
        querystring: FORMAT,
        response: { 201: ANALYSIS, '4xx': ERROR, '5xx': ERROR },
      },
    },
    async (req, reply) => {
      const b = req.body ?? {};
      if ((b.csv === undefined) === (b.readings === undefined))
        return reply.code(400).send({ error: 'give the readings as csv or as readings, one of them' });
      if (b.filmId && !store.films.get(b.filmId))
        return reply.code(404).send({ error: `no film ${b.filmId}` });
      if (store.curves.count() >= MAX_CURVES)
        return reply
          .code(507)
          .send({ error: `${MAX_CURVES} curve analyses are kept: delete some (DELETE /api/qa/curves/{id})` });
      const bits = b.bits ?? 8;
      const csv =
        b.csv ??
        b.readings!.map((r) => `${r.step},${r.od}${r.ddl === undefined ? '' : `,${r.ddl}`}`).join('\n');
      let analysis: CurveReport;
      let readings: number;
      try {
        const parsed = parseReadings(csv, bits);
        readings = parsed.length;
        analysis = analyseCurve(parsed, {
          bits,
          viewing: { illumination: b.illumination ?? 2000, reflectedAmbient: b.ambient ?? 10 },
          protocol: withOwnLimits(PROTOCOLS[b.protocol ?? 'ps3.14-d2'], { toleranceOd: b.toleranceOd }),
        });
      } catch (e) {
        if (e instanceof CurveError) return reply.code(400).send({ error: e.message });
        throw e;
      }
      const createdAt = new Date().toISOString();
      const { csv: _csv, readings: _readings, ...settings } = b;
      const id = store.curves.add({
        ...(b.filmId ? { filmId: b.filmId } : {}),
        ...(b.label ? { label: b.label } : {}),
        createdAt,
        pass: analysis.pass,
        summary: summaryOf(analysis, readings),
        input: { csv, ...settings, bits },
        analysis,
      });
      reply.code(201).header('location', `/api/qa/curves/${id}`);
      if (req.query.format === 'svg') return reply.type('image/svg+xml').send(curveSvg(analysis));
      return {
        id,
        ...(b.filmId ? { filmId: b.filmId } : {}),
        ...(b.label ? { label: b.label } : {}),
        createdAt,
        ...analysis,
      };
    },
  );

  app.get<{ Querystring: { film?: string } }>(
    '/api/qa/curves',
    {
      schema: {
        description: 'The curve analyses kept, newest first (at most 500); of one film with ?film=',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { film: { type: 'string', pattern: FILM_ID_PATTERN } },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              curves: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: true,
                  properties: {
                    id: { type: 'string' },
                    filmId: { type: 'string' },
                    label: { type: 'string' },
                    createdAt: { type: 'string' },
                    pass: { type: 'boolean' },
                    protocol: { type: 'string' },
                    readings: { type: 'integer' },
                    gamma: { type: 'number' },
                    maxAbsResidual: { type: 'number' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => ({ curves: store.curves.list(req.query.film ? { filmId: req.query.film } : {}) }),
  );

  app.get<{ Params: { id: string }; Querystring: { format?: 'json' | 'svg' } }>(
    '/api/qa/curves/:id',
    {
      schema: {
        description:
          'One kept analysis: as POST answered it, with the readings and settings uploaded (input)',
        params: CURVE_ID,
        querystring: FORMAT,
        response: { 200: ANALYSIS, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      const c = store.curves.get(req.params.id);
      if (!c) return reply.code(404).send({ error: `no curve analysis ${req.params.id}` });
      if (req.query.format === 'svg')
        return reply.type('image/svg+xml').send(curveSvg(c.analysis as CurveReport));
      const { id, filmId, label, createdAt } = c.summary;
      return {
        id,
        ...(filmId ? { filmId } : {}),
        ...(label ? { label } : {}),
        createdAt,
        ...(c.analysis as CurveReport),
        input: c.input,
      };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/qa/curves/:id',
    {
      schema: {
        description: 'Remove a kept analysis',
        params: CURVE_ID,
        response: { 204: { type: 'null' }, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      if (!store.curves.remove(req.params.id))
        return reply.code(404).send({ error: `no curve analysis ${req.params.id}` });
      return reply.code(204).send();
    },
  );
}
