/**
 * /api/films/{id}/tiles: a film's tile pyramid for the console's zoom (src/render/tile-pyramid.ts).
 * The geometry answers at once from film.png's header; the first tile asks for the pyramid to be
 * made. Level, column and row are checked against the film's geometry, so no path is built from
 * anything but numbers that name a real tile.
 */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { isTile, pyramidGeometry, sourceStamp, type TilePyramids } from '../../render/tile-pyramid.js';
import { FILM_ID_PATTERN } from '../../store/film-files.js';
import type { Store } from '../../store/store.js';
import { openedFile } from '../opened-file.js';
import { ERROR } from '../schemas.js';

const ID = { type: 'string', pattern: FILM_ID_PATTERN } as const;
const GEOMETRY = {
  type: 'object',
  required: ['width', 'height', 'tileSize', 'levels', 'version'],
  properties: {
    width: { type: 'integer' },
    height: { type: 'integer' },
    tileSize: { type: 'integer' },
    levels: { type: 'integer', description: 'levels 0 (1 pixel) .. levels-1 (the film pixel matrix)' },
    version: { type: 'string', description: 'changes when the film is rendered again: add ?v= to tile URLs' },
  },
} as const;

export function tileRoutes(app: FastifyInstance, store: Store, pyramids: TilePyramids): void {
  /** film.png's size, from its header; undefined when the film has no film.png. */
  const geometry = async (id: string) => {
    if (!store.films.get(id)) return undefined;
    const dir = store.filmFiles.local(id);
    const version = await sourceStamp(dir);
    if (!version) return undefined;
    const m = await sharp(join(dir, 'film.png'), { limitInputPixels: false })
      .metadata()
      .catch(() => undefined);
    if (!m?.width || !m.height) return undefined;
    return { dir, version, ...pyramidGeometry(m.width, m.height) };
  };

  app.get<{ Params: { id: string } }>(
    '/api/films/:id/tiles',
    {
      schema: {
        description: "the film's tile pyramid (Deep Zoom layout): size, tile size, levels",
        params: { type: 'object', required: ['id'], properties: { id: ID } },
        response: { 200: GEOMETRY, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      const g = await geometry(req.params.id);
      if (!g) return reply.code(404).send({ error: `film ${req.params.id} has no rendered film.png` });
      const { dir: _, ...out } = g;
      return out;
    },
  );

  app.get<{ Params: { id: string; level: number; tile: string } }>(
    '/api/films/:id/tiles/:level/:tile',
    {
      schema: {
        description: 'one 512-pixel tile (PNG) of a pyramid level; made on first request',
        params: {
          type: 'object',
          required: ['id', 'level', 'tile'],
          properties: {
            id: ID,
            level: { type: 'integer', minimum: 0, maximum: 32 },
            tile: { type: 'string', pattern: '^[0-9]{1,5}_[0-9]{1,5}\\.png$' },
          },
        },
        querystring: { type: 'object', properties: { v: { type: 'string', maxLength: 64 } } },
        response: {
          200: {
            description: 'the tile',
            content: { 'image/png': { schema: { type: 'string', format: 'binary' } } },
          },
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      const { id, level, tile } = req.params;
      const [column, row] = tile.replace('.png', '').split('_').map(Number) as [number, number];
      const missing = () => reply.code(404).send({ error: `no tile ${level}/${tile} for film ${id}` });
      const g = await geometry(id);
      if (!g || !isTile(g, level, column, row)) return missing();
      const path = await pyramids.tile(g.dir, level, column, row).catch(() => undefined);
      if (!path) return missing();
      const stream = await openedFile(path);
      if (!stream) return missing();
      // A new render changes the version the console asks with (?v=), so a tile may be kept.
      return reply.type('image/png').header('cache-control', 'private, max-age=86400').send(stream);
    },
  );
}
