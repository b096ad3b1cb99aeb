/** /api/lab/firings: every test-lab fault that fired, kept across restarts, a page at a time. */
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store.js';
import { listPage, PAGE_QUERY, type PageQuery, pageOf } from '../paging.js';
import { ERROR, SINCE } from '../schemas.js';

const FIRING = {
  type: 'object',
  properties: {
    at: { type: 'string', format: 'date-time' },
    printer: { type: 'string' },
    fault: { type: 'string', description: 'the fault id (see /api/lab/faults)' },
    kind: { type: 'string' },
    description: { type: 'string' },
    association: { type: 'string', description: 'the association it fired on, if any' },
  },
} as const;

interface FiringQuery extends PageQuery {
  printer?: string;
  since?: string;
  association?: string;
}

export function faultFiringRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: FiringQuery }>(
    '/api/lab/firings',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            printer: { type: 'string' },
            since: SINCE,
            association: { type: 'string', pattern: '^a[0-9]{1,15}$' },
            ...PAGE_QUERY,
          },
        },
        response: {
          200: pageOf('fault firings', FIRING),
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      return listPage(req, reply, (filter, page) => store.faults.list(filter, page));
    },
  );
}
