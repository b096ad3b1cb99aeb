/** /api/associations: live and past associations (kept across restarts), each DIMSE message with its status and timing. */
import type { FastifyInstance } from 'fastify';
import type { AssociationSummary } from '../../store/association-record.js';
import type { Store } from '../../store/store.js';
import { messageView } from '../describe.js';
import { listPage, PAGE_QUERY, type PageQuery, pageOf } from '../paging.js';
import {
  ASSOCIATION_DETAIL,
  ASSOCIATION_SUMMARY,
  ERROR,
  LIST_FILTERS,
  type ListFilters,
} from '../schemas.js';

const LIST_ITEM = {
  ...ASSOCIATION_SUMMARY,
  properties: {
    ...ASSOCIATION_SUMMARY.properties,
    messageCount: { type: 'integer' },
    warnings: { type: 'integer', description: 'responses with a warning status' },
    failures: { type: 'integer', description: 'responses with a failure status' },
  },
} as const;

export const ASSOCIATION_ID = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^a[0-9]{1,15}$' } },
} as const;

interface AssociationQuery extends PageQuery, ListFilters {
  active?: boolean;
}

export function associationRoutes(app: FastifyInstance, store: Store): void {
  const detail = (a: AssociationSummary) => ({ ...a, messages: a.messages.map(messageView) });

  app.get<{ Querystring: AssociationQuery }>(
    '/api/associations',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...LIST_FILTERS, active: { type: 'boolean' }, ...PAGE_QUERY },
        },
        response: {
          200: pageOf('associations', LIST_ITEM),
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      return listPage(req, reply, (filter, page) => store.associations.list(filter, page));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/associations/:id',
    { schema: { params: ASSOCIATION_ID, response: { 200: ASSOCIATION_DETAIL, '4xx': ERROR } } },
    async (req, reply) => {
      const a = store.associations.get(req.params.id);
      if (!a) return reply.code(404).send({ error: `no association ${req.params.id}` });
      return detail(a);
    },
  );

  // The whole conversation as a file, for bug reports and CI artifacts.
  app.get<{ Params: { id: string } }>(
    '/api/associations/:id/conversation.json',
    {
      schema: {
        params: ASSOCIATION_ID,
        response: {
          200: {
            description: 'the association with every message, as a download',
            content: { 'application/json': { schema: ASSOCIATION_DETAIL } },
          },
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const a = store.associations.get(req.params.id);
      if (!a) return reply.code(404).send({ error: `no association ${req.params.id}` });
      return reply
        .header('content-disposition', `attachment; filename="lightbox-${a.id}-conversation.json"`)
        .type('application/json')
        .send(JSON.stringify(detail(a), null, 1));
    },
  );
}
