/**
 * /api/qa/patterns: the QA test patterns (src/qa/patterns.ts) as DICOM files ready to print, at a
 * bounded size and 8 or 12 bits. Generated per request (a 4096 x 4096 12-bit pattern is 32 MiB):
 * one at a time, a few more waiting, so a burst of requests cannot hold many at once.
 */
import type { FastifyInstance } from 'fastify';
import { analyseCurve, CurveError, parseReadings } from '../../qa/curve.js';
import { patternFile } from '../../qa/pattern-dicom.js';
import {
  drawPattern,
  MAX_SIDE,
  MIN_SIDE,
  PATTERN_NAMES,
  PATTERNS,
  type PatternBits,
  type PatternName,
} from '../../qa/patterns.js';
import { curveSvg } from '../../qa/plot.js';
import { PROTOCOL_NAMES, PROTOCOLS, type ProtocolName, withOwnLimits } from '../../qa/protocols.js';
import { ERROR } from '../schemas.js';

interface CurveBody {
  csv: string;
  bits?: 8 | 12;
  illumination?: number;
  ambient?: number;
  protocol?: ProtocolName;
  toleranceOd?: number;
}

/** A densitometer's readings of a step film are a few KiB; this bounds a pasted file generously. */
const MAX_CSV = 256 * 1024;

interface PatternQuery {
  bits?: PatternBits;
  rows?: number;
  cols?: number;
}

const SIDE = { type: 'integer', minimum: MIN_SIDE, maximum: MAX_SIDE } as const;
/** Patterns being made or waiting their turn; more are told to come back (503). */
const WAITING_MAX = 4;

export function qaPatternRoutes(app: FastifyInstance): void {
  app.get(
    '/api/qa/patterns',
    {
      schema: {
        description: 'The QA test patterns Lightbox generates, each downloadable as DICOM',
        response: {
          200: {
            type: 'object',
            properties: {
              patterns: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string' },
                    title: { type: 'string' },
                    description: { type: 'string' },
                    kind: { type: 'string', enum: ['steps', 'uniformity'] },
                    rows: { type: 'integer' },
                    columns: { type: 'integer' },
                    href: { type: 'string' },
                  },
                },
              },
              bits: { type: 'array', items: { type: 'integer' } },
              minSide: { type: 'integer' },
              maxSide: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => ({
      patterns: PATTERN_NAMES.map((n) => ({ ...PATTERNS[n], href: `/api/qa/patterns/${n}.dcm` })),
      bits: [8, 12],
      minSide: MIN_SIDE,
      maxSide: MAX_SIDE,
    }),
  );

  let busy: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  app.get<{ Params: { file: string }; Querystring: PatternQuery }>(
    '/api/qa/patterns/:file',
    {
      schema: {
        description:
          'A test pattern as a Secondary Capture DICOM file (MONOCHROME2, Explicit VR Little Endian), ready to print',
        params: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', enum: PATTERN_NAMES.map((n) => `${n}.dcm`) } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            bits: { type: 'integer', enum: [8, 12], description: 'bits stored (default 12)' },
            rows: { ...SIDE, description: "rows (default: the pattern's own)" },
            cols: { ...SIDE, description: "columns (default: the pattern's own)" },
          },
        },
        response: {
          200: {
            description: 'the DICOM file',
            content: { 'application/dicom': { schema: { type: 'string', format: 'binary' } } },
          },
          '4xx': ERROR,
          '5xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const name = req.params.file.replace(/\.dcm$/, '') as PatternName;
      const { bits = 12, rows, cols } = req.query;
      if (waiting >= WAITING_MAX)
        return reply.code(503).header('retry-after', '1').send({ error: 'patterns busy; try again shortly' });
      waiting++;
      const run = busy.then(() => patternFile(drawPattern(name, { bits, rows, columns: cols })));
      busy = run.catch(() => undefined);
      let bytes: Buffer;
      try {
        bytes = await run;
      } finally {
        waiting--;
      }
      return reply
        .type('application/dicom')
        .header('content-disposition', `attachment; filename="${name}-${bits}bit.dcm"`)
        .send(bytes);
    },
  );

  app.post<{ Body: CurveBody; Querystring: { format?: 'json' | 'svg' } }>(
    '/api/qa/curves',
    {
      bodyLimit: MAX_CSV * 2,
      schema: {
        description:
          "A printer's measured characteristic curve from densitometer readings of a printed step film: its deviation from the GSDF (PS3.14 D.2) per step in OD and JND, JNDs per DDL increment, the gamma that explains it, pass/fail, and the characteristicCurve a printer profile takes",
        body: {
          type: 'object',
          required: ['csv'],
          additionalProperties: false,
          properties: {
            csv: {
              type: 'string',
              maxLength: MAX_CSV,
              description: 'step,od[,ddl] per line (header optional)',
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
          },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: ['json', 'svg'], description: 'svg: the plot' } },
        },
        response: {
          200: {
            description: 'the analysis, or its plot',
            content: {
              'application/json': { schema: { type: 'object', additionalProperties: true } },
              'image/svg+xml': { schema: { type: 'string' } },
            },
          },
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const bits = b.bits ?? 8;
      try {
        const readings = parseReadings(b.csv, bits);
        const c = analyseCurve(readings, {
          bits,
          viewing: { illumination: b.illumination ?? 2000, reflectedAmbient: b.ambient ?? 10 },
          protocol: withOwnLimits(PROTOCOLS[b.protocol ?? 'ps3.14-d2'], { toleranceOd: b.toleranceOd }),
        });
        if (req.query.format === 'svg') return reply.type('image/svg+xml').send(curveSvg(c));
        return c;
      } catch (e) {
        if (e instanceof CurveError) return reply.code(400).send({ error: e.message });
        throw e;
      }
    },
  );
}
