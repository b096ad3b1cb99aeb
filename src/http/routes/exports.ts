/**
 * /api/exports: the export jobs of rendered films (src/export/): their state, the peer's last
 * answer, when the next attempt is due; and sending one again by hand. A film's own jobs are also
 * on GET /api/films/{id} (`exports`).
 */
import type { FastifyInstance } from 'fastify';
import type { ExportJob, ExportState } from '../../store/export-log.js';
import type { Store } from '../../store/store.js';
import { ERROR, EXPORT_JOB, EXPORT_STATES } from '../schemas.js';

/** Jobs a listing returns at most. */
const MAX_LIST = 500;

/** A job as the API shows it. */
export function exportView(j: ExportJob) {
  const { nextAt, ...rest } = j;
  return {
    ...rest,
    ...(nextAt !== undefined && j.state !== 'sent' ? { nextAttemptAt: new Date(nextAt).toISOString() } : {}),
  };
}

export interface ExportControl {
  resend(id: number): boolean;
}

export function exportRoutes(app: FastifyInstance, store: Store, control: ExportControl | undefined): void {
  app.get<{ Querystring: { state?: ExportState; target?: string; limit?: number } }>(
    '/api/exports',
    {
      schema: {
        description: 'export jobs, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: EXPORT_STATES },
            target: { type: 'string', maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIST, default: 100 },
          },
        },
        response: {
          200: { type: 'object', properties: { exports: { type: 'array', items: EXPORT_JOB } } },
          '4xx': ERROR,
        },
      },
    },
    async (req) => ({
      exports: store.exports.list(req.query, req.query.limit ?? 100).map(exportView),
    }),
  );

  app.post<{ Params: { id: number } }>(
    '/api/exports/:id/resend',
    {
      schema: {
        description: 'send this export again now (whatever its state, unless an attempt is under way)',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
        response: { 200: EXPORT_JOB, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      const j = store.exports.get(req.params.id);
      if (!j) return reply.code(404).send({ error: `no export ${req.params.id}` });
      if (!control) return reply.code(409).send({ error: 'exports are not running' });
      if (!control.resend(j.id)) return reply.code(409).send({ error: `export ${j.id} is being sent` });
      return exportView(store.exports.get(j.id)!);
    },
  );
}
