/**
 * POST /api/qa/patterns/{name}/print: a QA test pattern printed in one call, on a printer
 * elsewhere (`to`: HOST:PORT:AE) or on one of this Lightbox's own printers (`printer`: its AE
 * title, through its own DICOM listener, as a modality would). The answers are kept as an outbound
 * run like a printed film's; a print on this Lightbox answers the film it made too.
 */
import type { FastifyInstance } from 'fastify';
import { PATTERN_NAMES } from '../../qa/patterns.js';
import { PATTERN_FILM_BOX, type PatternPrintOptions } from '../../scu/pattern-plan.js';
import { patternPlan } from '../../scu/print-pattern.js';
import { keepPrintRun } from '../../scu/print-run.js';
import { runPlan } from '../../scu/runner.js';
import { ScuError } from '../../scu/scu-error.js';
import { parseTarget, type Target } from '../../scu/target.js';
import type { Store } from '../../store/store.js';
import { ERROR } from '../schemas.js';

interface PrintBody extends Omit<PatternPrintOptions, 'callingAeTitle'> {
  to?: string;
  printer?: string;
  bits?: 8 | 12;
  rows?: number;
  cols?: number;
  callingAeTitle?: string;
  timeoutMs?: number;
}

/** Where this Lightbox's own printer is reached (absent: no such printer, or no plain listener). */
export type LocalTarget = (aeTitle: string) => Target | undefined;

/** Pattern prints at once: each holds an association and its pattern's pixels. */
const MAX_CONCURRENT = 2;
const CS = { type: 'string', pattern: '^[A-Z0-9 _]{1,16}$' } as const;

export function qaPrintRoutes(app: FastifyInstance, store: Store, local?: LocalTarget): void {
  let running = 0;
  app.post<{ Params: { name: string }; Body: PrintBody }>(
    '/api/qa/patterns/:name/print',
    {
      schema: {
        description:
          "Print a QA test pattern on a printer in one call: `to` (HOST:PORT:AE) or `printer` (one of this Lightbox's AE titles). The pattern goes in every image box of the display format; attributes not given are not sent. Answers every response, kept under /api/outbound",
        params: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string', enum: [...PATTERN_NAMES] } },
        },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            to: { type: 'string', maxLength: 300, description: 'HOST:PORT:AE of the printer' },
            printer: {
              type: 'string',
              minLength: 1,
              maxLength: 16,
              description: "one of this Lightbox's printers",
            },
            bits: { type: 'integer', enum: [8, 12], description: 'bits stored (default 12)' },
            rows: { type: 'integer', minimum: 64, maximum: 4096 },
            cols: { type: 'integer', minimum: 64, maximum: 4096 },
            displayFormat: {
              type: 'string',
              maxLength: 64,
              description: 'STANDARD\\C,R, ROW\\.. or COL\\..',
            },
            filmSize: CS,
            filmOrientation: { type: 'string', enum: ['PORTRAIT', 'LANDSCAPE'] },
            magnificationType: CS,
            mediumType: CS,
            copies: { type: 'integer', minimum: 1, maximum: 99 },
            minDensity: { type: 'integer', minimum: 0, maximum: 1000, description: 'hundredths of OD' },
            maxDensity: { type: 'integer', minimum: 0, maximum: 1000, description: 'hundredths of OD' },
            illumination: { type: 'integer', minimum: 1, maximum: 65535, description: 'cd/m²' },
            reflectedAmbientLight: { type: 'integer', minimum: 0, maximum: 65535, description: 'cd/m²' },
            polarity: { type: 'string', enum: ['NORMAL', 'REVERSE'] },
            presentationLut: { type: 'string', enum: ['IDENTITY', 'LIN OD'] },
            callingAeTitle: { type: 'string', minLength: 1, maxLength: 16 },
            timeoutMs: { type: 'integer', minimum: 1, maximum: 600_000 },
          },
        },
        response: {
          201: {
            description: "the printer's answers; filmId: the film a print on this Lightbox made",
            type: 'object',
            additionalProperties: true,
            properties: {
              id: { type: 'string' },
              ok: { type: 'boolean' },
              outcome: { type: 'string' },
              filmId: { type: 'string' },
              pattern: { type: 'object', additionalProperties: true },
            },
          },
          '4xx': ERROR,
          '5xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const { to, printer, bits, rows, cols, callingAeTitle, timeoutMs, ...print } = req.body ?? {};
      if ((to === undefined) === (printer === undefined))
        return reply
          .code(400)
          .send({ error: 'give either to (HOST:PORT:AE) or printer (an AE title of this Lightbox)' });
      let target: Target;
      if (to !== undefined) {
        try {
          target = parseTarget(to);
        } catch (e) {
          return reply.code(400).send({ error: (e as Error).message });
        }
      } else {
        const t = local?.(printer!);
        if (!t)
          return reply.code(404).send({ error: `no printer ${printer} here reachable over plain DICOM` });
        target = t;
      }
      let prepared: ReturnType<typeof patternPlan>;
      try {
        prepared = patternPlan(
          req.params.name,
          { ...(bits ? { bits } : {}), ...(rows ? { rows } : {}), ...(cols ? { columns: cols } : {}) },
          { ...print, ...(callingAeTitle ? { callingAeTitle } : {}) },
        );
      } catch (e) {
        if (e instanceof ScuError) return reply.code(400).send({ error: e.message });
        throw e;
      }
      if (running >= MAX_CONCURRENT)
        return reply
          .code(429)
          .send({ error: `${running} pattern prints are running; try again when one ends` });
      running++;
      try {
        const run = await runPlan(
          prepared.plan,
          target,
          timeoutMs ? { timeouts: { responseMs: timeoutMs } } : {},
        );
        // Printed here: the film this printer stored from the film box it created.
        const filmBox = printer ? run.uids[PATTERN_FILM_BOX] : undefined;
        const filmId = filmBox ? store.films.byFilmBox(filmBox).at(-1)?.id : undefined;
        const kept = keepPrintRun(store, run, { source: run.source });
        return reply
          .code(201)
          .send({ ...kept, pattern: prepared.pattern, ...(filmId ? { filmId } : {}), ...run });
      } finally {
        running--;
      }
    },
  );
}
