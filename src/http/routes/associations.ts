/** /api/associations: live and recent associations, each DIMSE message with its status and timing. */
import type { FastifyInstance } from 'fastify';
import type { AssociationSummary } from '../../net/dicom-connection.js';
import { messageView, responseCounts } from '../describe.js';
import { ASSOCIATION_DETAIL, ASSOCIATION_SUMMARY, ERROR, listFilter } from '../schemas.js';

const LIST_ITEM = {
  ...ASSOCIATION_SUMMARY,
  properties: {
    ...ASSOCIATION_SUMMARY.properties,
    messageCount: { type: 'integer' },
    warnings: { type: 'integer', description: 'responses with a warning status' },
    failures: { type: 'integer', description: 'responses with a failure status' },
  },
} as const;

export function associationRoutes(app: FastifyInstance, associations: () => AssociationSummary[]): void {
  const ID = {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', pattern: '^a[0-9]{1,12}$' } },
  } as const;
  const find = (id: string) => associations().find((a) => a.id === id);
  const detail = (a: AssociationSummary) => ({ ...a, messages: a.messages.map(messageView) });

  app.get<{ Querystring: { printer?: string; callingAe?: string; active?: boolean } }>(
    '/api/associations',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            printer: { type: 'string' },
            callingAe: { type: 'string' },
            active: { type: 'boolean' },
          },
        },
        response: {
          200: { description: 'associations, oldest first', type: 'array', items: LIST_ITEM },
          '4xx': ERROR,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const listed = listFilter(q);
      return associations()
        .filter((a) => listed({ printer: a.printer, callingAe: a.callingAeTitle, at: a.startedAt }))
        .filter((a) => q.active === undefined || (a.endedAt === undefined) === q.active)
        .map(({ messages, ...rest }) => ({
          ...rest,
          messageCount: messages.length,
          ...responseCounts({ ...rest, messages }),
        }));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/associations/:id',
    { schema: { params: ID, response: { 200: ASSOCIATION_DETAIL, '4xx': ERROR } } },
    async (req, reply) => {
      const a = find(req.params.id);
      if (!a) return reply.code(404).send({ error: `no association ${req.params.id}` });
      return detail(a);
    },
  );

  // The whole conversation as a file, for bug reports and CI artifacts.
  app.get<{ Params: { id: string } }>(
    '/api/associations/:id/conversation.json',
    {
      schema: {
        params: ID,
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
      const a = find(req.params.id);
      if (!a) return reply.code(404).send({ error: `no association ${req.params.id}` });
      return reply
        .header('content-disposition', `attachment; filename="lightbox-${a.id}-conversation.json"`)
        .type('application/json')
        .send(JSON.stringify(detail(a), null, 1));
    },
  );
}
