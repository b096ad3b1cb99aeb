/**
 * /api/qa/patterns: the QA test patterns (src/qa/patterns.ts) as DICOM files ready to print, at a
 * bounded size and 8 or 12 bits. Generated per request (a 4096 x 4096 12-bit pattern is 32 MiB):
 * one at a time, a few more waiting, so a burst of requests cannot hold many at once.
 */
import type { FastifyInstance } from 'fastify';
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
import { PROTOCOL_NAMES, PROTOCOLS } from '../../qa/protocols.js';
import { ERROR } from '../schemas.js';

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
              protocols: {
                type: 'array',
                description: 'the QA protocols reports and curve analyses judge by (?protocol=)',
                items: {
                  type: 'object',
                  properties: { name: { type: 'string' }, title: { type: 'string' } },
                },
              },
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
      protocols: PROTOCOL_NAMES.map((n) => ({ name: n, title: PROTOCOLS[n].title })),
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
}
