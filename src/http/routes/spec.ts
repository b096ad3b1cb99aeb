/**
 * GET /spec/:note: the project's specification notes (docs/spec), one HTML page each, so that the
 * console can link a verdict finding to the section it rests on (/spec/lifecycle#film-box). Notes
 * are read at start-up; a name not among them is the JSON 404, so no path reaches the file system.
 */
import type { FastifyInstance } from 'fastify';
import { renderNoteHtml } from '../../spec/html.js';
import { findSpecDir, loadNotes } from '../../spec/notes.js';
import { ERROR } from '../schemas.js';

export function specRoutes(app: FastifyInstance, dir = findSpecDir()): void {
  if (!dir) {
    app.log.warn('docs/spec not found: the specification notes are not served');
    return;
  }
  const notes = loadNotes(dir);
  const page = (name: string) => {
    const note = notes.get(name.replace(/\.md$/, ''));
    return note ? renderNoteHtml(note) : undefined;
  };
  app.get('/spec', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/spec/README'));
  app.get<{ Params: { note: string } }>(
    '/spec/:note',
    {
      schema: {
        // A page of the console's, like web/: not part of the API description.
        hide: true,
        description:
          'A specification note of docs/spec as HTML (sections carry the anchors findings cite: /spec/statuses#choosing)',
        params: {
          type: 'object',
          required: ['note'],
          properties: { note: { type: 'string', maxLength: 64 } },
        },
        response: {
          200: { description: 'the note', content: { 'text/html': { schema: { type: 'string' } } } },
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const html = page(req.params.note);
      if (!html) return reply.code(404).send({ error: 'no such note', path: req.url });
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
    },
  );
}
