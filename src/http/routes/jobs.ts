/**
 * /api/jobs: print jobs, queued, printing and finished, from the store (kept across restarts),
 * each with the film ids it printed and, in the detail, every state it went through.
 */
import type { FastifyInstance } from 'fastify';
import type { JobStatus } from '../../store/job-log.js';
import type { Outcome } from '../../store/outcome.js';
import type { Store } from '../../store/store.js';
import { describeJob } from '../outcome-words.js';
import { listPage, PAGE_QUERY, type PageQuery, pageOf } from '../paging.js';
import { ERROR, JOB, LIST_FILTERS, type ListFilters, OUTCOME_FILTER } from '../schemas.js';

interface JobQuery extends PageQuery, ListFilters {
  status?: JobStatus;
  outcome?: Outcome;
}

export function jobRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: JobQuery }>(
    '/api/jobs',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...LIST_FILTERS,
            status: { type: 'string', enum: ['PENDING', 'PRINTING', 'DONE', 'FAILURE'] },
            outcome: OUTCOME_FILTER,
            ...PAGE_QUERY,
          },
        },
        response: {
          200: pageOf('print jobs', JOB),
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      return listPage(req, reply, (filter, page) => store.jobs.list(filter, page)).map(describeJob);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/jobs/:id',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^[0-9][0-9.]{0,63}$' } },
        },
        response: { 200: JOB, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      const j = store.jobs.get(req.params.id);
      if (!j) return reply.code(404).send({ error: `no print job ${req.params.id}` });
      return describeJob(j);
    },
  );
}
