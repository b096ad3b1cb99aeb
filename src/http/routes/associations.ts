/** /api/associations: live and recent associations, each DIMSE message with its status and timing. */
import type { FastifyInstance } from 'fastify';
import type { AssociationSummary } from '../../net/dicom-connection.js';

export function associationRoutes(app: FastifyInstance, associations: () => AssociationSummary[]): void {
  const ID = {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', pattern: '^a[0-9]{1,12}$' } },
  } as const;
  const find = (id: string) => associations().find((a) => a.id === id);

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
      },
    },
    async (req) => {
      const q = req.query;
      return associations()
        .filter((a) => !q.printer || a.printer === q.printer)
        .filter((a) => !q.callingAe || a.callingAeTitle === q.callingAe)
        .filter((a) => q.active === undefined || (a.endedAt === undefined) === q.active)
        .map(({ messages, ...rest }) => ({ ...rest, messageCount: messages.length }));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/associations/:id',
    { schema: { params: ID } },
    async (req, reply) => {
      const a = find(req.params.id);
      if (!a) return reply.code(404).send({ error: `no association ${req.params.id}` });
      return a;
    },
  );

  // The whole conversation as a file, for bug reports and CI artifacts.
  app.get<{ Params: { id: string } }>(
    '/api/associations/:id/conversation.json',
    { schema: { params: ID } },
    async (req, reply) => {
      const a = find(req.params.id);
      if (!a) return reply.code(404).send({ error: `no association ${req.params.id}` });
      return reply
        .header('content-disposition', `attachment; filename="lightbox-${a.id}-conversation.json"`)
        .type('application/json')
        .send(JSON.stringify(a, null, 1));
    },
  );
}
