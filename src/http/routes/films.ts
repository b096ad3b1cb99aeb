/**
 * /api/films: printed films in the data directory, their records and images. Film ids are
 * directory names checked against a strict pattern and the listing itself, and file names come
 * from a fixed list, so no request can reach outside the data directory.
 */
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AssociationSummary } from '../../net/dicom-connection.js';
import { type FilmSummary, listFilms } from '../../print/film-store.js';
import type { FilmRecord } from '../../print/spool.js';
import { type ControlPolicy, requireControl } from '../control.js';
import { filmOutcome } from '../film-outcome.js';
import { ERROR, FILM_DETAIL, FILM_SUMMARY, LIST_FILTERS, listFilter } from '../schemas.js';

const FILES: Record<string, string> = {
  'film.png': 'image/png',
  'density.png': 'image/png',
  'thumb.png': 'image/png',
  'film.json': 'application/json',
  'render.json': 'application/json',
};
const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$' } as const;
const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: ID } } as const;
/** A day ("2026-05-01") or an instant ("2026-05-01T10:00:00Z"). */
interface FilmQuery {
  printer?: string;
  callingAe?: string;
  since?: string;
  status?: FilmSummary['render'];
}

export function filmRoutes(
  app: FastifyInstance,
  dataDir: string,
  policy: ControlPolicy,
  associations: () => AssociationSummary[],
): void {
  const film = (id: string) => listFilms(dataDir).find((f) => f.id === id);

  app.get<{ Querystring: FilmQuery }>(
    '/api/films',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...LIST_FILTERS,
            status: { type: 'string', enum: ['rendered', 'failed', 'pending'] },
          },
        },
        response: {
          200: { description: 'films, oldest first', type: 'array', items: FILM_SUMMARY },
          '4xx': ERROR,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const listed = listFilter(q);
      return listFilms(dataDir)
        .filter((f) => listed({ printer: f.printer, callingAe: f.callingAeTitle, at: f.printedAt }))
        .filter((f) => !q.status || f.render === q.status)
        .map(({ dir: _dir, ...rest }) => rest);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/films/:id',
    { schema: { params: ID_PARAMS, response: { 200: FILM_DETAIL, '4xx': ERROR } } },
    async (req, reply) => {
      const f = film(req.params.id);
      if (!f) return reply.code(404).send({ error: `no film ${req.params.id}` });
      const read = (n: string): unknown =>
        existsSync(join(f.dir, n)) ? JSON.parse(readFileSync(join(f.dir, n), 'utf8')) : null;
      const record = read('film.json') as FilmRecord | null;
      const { dir: _dir, render: renderStatus, ...summary } = f;
      return {
        ...summary,
        renderStatus,
        film: record,
        render: read('render.json'),
        outcome: record ? filmOutcome(record, associations()) : undefined,
      };
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
        response: {
          200: {
            description: 'the file',
            content: {
              'image/png': { schema: { type: 'string', format: 'binary' } },
              'application/json': { schema: { type: 'object', additionalProperties: true } },
            },
          },
          '4xx': ERROR,
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
      schema: {
        params: ID_PARAMS,
        response: { 204: { description: 'deleted', type: 'null' }, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      const f = film(req.params.id);
      if (!f) return reply.code(404).send({ error: `no film ${req.params.id}` });
      await rm(f.dir, { recursive: true, force: true });
      return reply.code(204).send();
    },
  );
}
