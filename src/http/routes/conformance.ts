/**
 * GET /api/printers/:ae/conformance: the printer's DICOM Conformance Statement, generated from its
 * profile and the running network settings; Markdown (default, ?format=md) or HTML (?format=html,
 * or an Accept header that names HTML).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { renderHtml } from '../../conformance/html.js';
import { renderMarkdown } from '../../conformance/markdown.js';
import type { NetworkSettings } from '../../conformance/settings.js';
import { conformanceStatement } from '../../conformance/statement.js';
import type { Printer } from '../../print/printer.js';
import { ERROR } from '../schemas.js';

interface Query {
  format?: 'md' | 'html';
}

/** HTML when asked by ?format=html, or by an Accept header that names text/html (a browser). */
function wantsHtml(req: FastifyRequest<{ Querystring: Query }>): boolean {
  if (req.query.format) return req.query.format === 'html';
  return /\btext\/html\b/.test(req.headers.accept ?? '');
}

export function conformanceRoutes(
  app: FastifyInstance,
  printers: () => readonly Printer[],
  settings: () => NetworkSettings,
): void {
  app.get<{ Params: { ae: string }; Querystring: Query }>(
    '/api/printers/:ae/conformance',
    {
      schema: {
        description:
          "The printer's DICOM Conformance Statement (PS3.2 structure), generated from the same tables that answer on the wire",
        params: {
          type: 'object',
          required: ['ae'],
          properties: { ae: { type: 'string', minLength: 1, maxLength: 16 } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            format: {
              type: 'string',
              enum: ['md', 'html'],
              description: 'md (Markdown, the default) or html; without it, Accept: text/html gives HTML',
            },
          },
        },
        response: {
          200: {
            description: 'the conformance statement',
            content: {
              'text/markdown': { schema: { type: 'string' } },
              'text/html': { schema: { type: 'string' } },
            },
          },
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const p = printers().find((x) => x.caps.aeTitle === req.params.ae);
      if (!p) return reply.code(404).send({ error: `no printer ${req.params.ae}` });
      const statement = conformanceStatement({ caps: p.caps, source: p.source, settings: settings() });
      return wantsHtml(req)
        ? reply.type('text/html; charset=utf-8').send(renderHtml(statement))
        : reply.type('text/markdown; charset=utf-8').send(renderMarkdown(statement));
    },
  );
}
