/**
 * /api/films: printed films in the data directory, their records and images. Film ids are
 * directory names checked against a strict pattern and the listing itself, and file names come
 * from a fixed list, so no request can reach outside the data directory.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { listFilms } from '../../print/film-store.js';
import { type ControlPolicy, requireControl } from '../control.js';

const FILES: Record<string, string> = {
  'film.png': 'image/png',
  'density.png': 'image/png',
  'thumb.png': 'image/png',
  'film.json': 'application/json',
  'render.json': 'application/json',
};
const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$' } as const;

export function filmRoutes(app: FastifyInstance, dataDir: string, policy: ControlPolicy): void {
  const film = (id: string) => listFilms(dataDir).find((f) => f.id === id);

  app.get<{ Querystring: { printer?: string; callingAe?: string; since?: string } }>(
    '/api/films',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            printer: { type: 'string' },
            callingAe: { type: 'string' },
            since: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
    async (req) => {
      const q = req.query;
      return listFilms(dataDir)
        .filter((f) => !q.printer || f.printer === q.printer)
        .filter((f) => !q.callingAe || f.callingAeTitle === q.callingAe)
        .filter((f) => !q.since || f.printedAt >= new Date(q.since).toISOString())
        .map(({ dir: _dir, ...rest }) => rest);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/films/:id',
    { schema: { params: { type: 'object', required: ['id'], properties: { id: ID } } } },
    async (req, reply) => {
      const f = film(req.params.id);
      if (!f) return reply.code(404).send({ error: `no film ${req.params.id}` });
      const read = (n: string) =>
        existsSync(join(f.dir, n)) ? JSON.parse(readFileSync(join(f.dir, n), 'utf8')) : null;
      const { dir: _dir, ...summary } = f;
      return { ...summary, film: read('film.json'), render: read('render.json') };
    },
  );

  app.get<{ Params: { id: string; file: string } }>(
    '/api/films/:id/:file',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id', 'file'],
          properties: { id: ID, file: { type: 'string', enum: Object.keys(FILES) } },
        },
      },
    },
    async (req, reply) => {
      const f = film(req.params.id);
      const path = f && join(f.dir, req.params.file);
      if (!path || !existsSync(path))
        return reply.code(404).send({ error: `no ${req.params.file} for film ${req.params.id}` });
      return reply.type(FILES[req.params.file]!).send(createReadStream(path));
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/films/:id',
    {
      preHandler: requireControl(policy),
      schema: { params: { type: 'object', required: ['id'], properties: { id: ID } } },
    },
    async (req, reply) => {
      const f = film(req.params.id);
      if (!f) return reply.code(404).send({ error: `no film ${req.params.id}` });
      await rm(f.dir, { recursive: true, force: true });
      return reply.code(204).send();
    },
  );
}
