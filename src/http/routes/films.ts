/**
 * /api/films: printed films, from the store's index (no request reads the films directory), their
 * records and images (streamed). Film ids are checked against a strict pattern and the index, and
 * file names come from a fixed list, so no request can reach outside the data directory.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { EventBus } from '../../events.js';
import { SOFTWARE } from '../../output/film-dicom.js';
import { dicomOf, FilmOutputError, pdfOf } from '../../output/film-outputs.js';
import { SHEETS_MM, type Sheet } from '../../output/film-pdf.js';
import { SlotsFull } from '../../output/slots.js';
import type { FilmRecord } from '../../print/spool.js';
import { FILM_ID_PATTERN, type FilmFiles } from '../../store/film-files.js';
import type { FilmSummary, RenderState } from '../../store/film-index.js';
import type { Outcome } from '../../store/outcome.js';
import { removeFilm } from '../../store/remove-film.js';
import type { Store } from '../../store/store.js';
import { filmOutcome } from '../film-outcome.js';
import { describeFilm } from '../outcome-words.js';
import { listPage, PAGE_QUERY, type PageQuery, pageOf } from '../paging.js';
import {
  ERROR,
  FILM_DETAIL,
  FILM_SUMMARY,
  LIST_FILTERS,
  type ListFilters,
  OUTCOME_FILTER,
} from '../schemas.js';
import { ThumbCache } from '../thumb-cache.js';
import { exportView } from './exports.js';
import { type DensityMaps, densitiesBusy } from './film-qa.js';

const FILES: Record<string, string> = {
  'film.png': 'image/png',
  'density.png': 'image/png',
  'thumb.png': 'image/png',
  'film.json': 'application/json',
  'render.json': 'application/json',
};
const ID = { type: 'string', pattern: FILM_ID_PATTERN } as const;
/** Thumbnails are ~70 KB: the newest few hundred films, what the console's film list shows. */
const THUMB_CACHE_BYTES = 32 * 1024 * 1024;
const ID_PARAMS = { type: 'object', required: ['id'], properties: { id: ID } } as const;

interface FilmQuery extends PageQuery, ListFilters {
  status?: RenderState;
  job?: string;
  outcome?: Outcome;
  pinned?: boolean;
}

/** A JSON file of a film, or null when it is missing or unreadable (a film is never a 500). */
async function readJson(files: FilmFiles, id: string, name: string): Promise<unknown> {
  try {
    const bytes = await files.read(id, name);
    return bytes ? JSON.parse(bytes.toString('utf8')) : null;
  } catch {
    return null;
  }
}

export function filmRoutes(
  app: FastifyInstance,
  store: Store,
  events: EventBus,
  densities?: DensityMaps,
): void {
  const thumbs = new ThumbCache(THUMB_CACHE_BYTES);
  // A film previewed or rendered (again), or removed, has another thumbnail, or none.
  const unsubscribe = events.subscribe(
    (e) => {
      if (e.type === 'film.preview' || e.type === 'film.rendered' || e.type === 'film.removed')
        thumbs.delete(e.film);
    },
    { remote: true },
  );
  app.addHook('onClose', async () => unsubscribe());
  app.get<{ Querystring: FilmQuery }>(
    '/api/films',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...LIST_FILTERS,
            status: { type: 'string', enum: ['rendered', 'failed', 'pending', 'broken'] },
            job: { type: 'string', description: 'films of one print job (its SOP Instance UID)' },
            outcome: OUTCOME_FILTER,
            pinned: {
              type: 'boolean',
              description: 'only pinned films (true) or only unpinned ones (false)',
            },
            ...PAGE_QUERY,
          },
        },
        response: {
          200: pageOf('films', FILM_SUMMARY),
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      return listPage(req, reply, (filter, page) => store.films.list(filter, page)).map(describeFilm);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/films/:id',
    { schema: { params: ID_PARAMS, response: { 200: FILM_DETAIL, '4xx': ERROR } } },
    async (req, reply) => {
      const f = store.films.get(req.params.id);
      if (!f) return reply.code(404).send({ error: `no film ${req.params.id}` });
      const record = (await readJson(store.filmFiles, f.id, 'film.json')) as FilmRecord | null;
      const { render: renderStatus, ...summary } = describeFilm(f);
      let outcome: ReturnType<typeof filmOutcome> | undefined;
      try {
        if (record) outcome = filmOutcome(record, conversationOf(f, store));
      } catch {
        // a film.json of another shape (hand-edited, older): no outcome, the rest still answers
      }
      return {
        ...summary,
        renderStatus,
        film: record,
        render: renderStatus === 'pending' ? null : await readJson(store.filmFiles, f.id, 'render.json'),
        outcome,
        exports: store.exports.forFilm(f.id).map(exportView),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { fit?: Sheet } }>(
    '/api/films/:id/film.pdf',
    {
      schema: {
        description:
          'the film as a PDF page at true physical size (the film size, the image at the printer resolution), or fitted on a sheet with ?fit= and the scale printed; made when asked for',
        params: ID_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { fit: { type: 'string', enum: Object.keys(SHEETS_MM) } },
        },
        response: {
          200: {
            description: 'the PDF',
            content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
          },
          '4xx': ERROR,
          503: ERROR,
        },
      },
    },
    async (req, reply) => {
      const f = store.films.get(req.params.id);
      if (!f) return reply.code(404).send({ error: `no film ${req.params.id}` });
      try {
        const pdf = await pdfOf(store.filmFiles.local(f.id), f.id, req.query.fit);
        const name = `${f.id}${req.query.fit ? `-${req.query.fit}` : ''}.pdf`;
        return reply
          .type('application/pdf')
          .header('content-disposition', `inline; filename="${name}"`)
          .send(Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength));
      } catch (e) {
        return outputFailed(e, reply);
      }
    },
  );

  app.get<{ Params: { id: string }; Querystring: { depth?: 8 | 16 } }>(
    '/api/films/:id/film.dcm',
    {
      schema: {
        description:
          'the film as a DICOM Secondary Capture object (Part 10 file, Explicit VR Little Endian) at its pixel matrix: 8-bit presentation values as viewed (default), ?depth=16 for optical densities (grey films); color films in RGB; made when asked for',
        params: ID_PARAMS,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { depth: { type: 'integer', enum: [8, 16] } },
        },
        response: {
          200: {
            description: 'the DICOM file',
            content: { 'application/dicom': { schema: { type: 'string', format: 'binary' } } },
          },
          '4xx': ERROR,
          503: ERROR,
        },
      },
    },
    async (req, reply) => {
      const f = store.films.get(req.params.id);
      if (!f) return reply.code(404).send({ error: `no film ${req.params.id}` });
      try {
        if (req.query.depth === 16) await densities?.ensure(f.id);
        const o = await dicomOf(store.filmFiles.local(f.id), f.id, req.query.depth ?? 8, SOFTWARE);
        return reply
          .type('application/dicom')
          .header('content-length', o.bytes)
          .header('content-disposition', `attachment; filename="${f.id}.dcm"`)
          .send(Readable.from(o.file));
      } catch (e) {
        if (densitiesBusy(e, reply)) return reply;
        return outputFailed(e, reply);
      }
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
      const f = store.films.get(req.params.id);
      const missing = () =>
        reply.code(404).send({ error: `no ${req.params.file} for film ${req.params.id}` });
      if (!f) return missing();
      if (req.params.file === 'thumb.png') {
        let thumb = thumbs.get(f.id);
        if (!thumb) {
          thumb = await store.filmFiles.read(f.id, 'thumb.png');
          if (!thumb) return missing();
          thumbs.set(f.id, thumb);
        }
        return reply.type('image/png').send(thumb);
      }
      if (req.params.file === 'density.png') {
        try {
          await densities?.ensure(f.id);
        } catch (e) {
          if (densitiesBusy(e, reply)) return reply;
          req.log.error({ film: f.id, err: (e as Error).message }, 'density.png not made');
          return reply.code(500).send({ error: (e as Error).message });
        }
      }
      const stream = await store.filmFiles.stream(f.id, req.params.file);
      if (!stream) return missing();
      return reply.type(FILES[req.params.file]!).send(stream);
    },
  );

  const pin =
    (pinned: boolean) => async (req: { params: { id: string } }, reply: import('fastify').FastifyReply) => {
      if (!store.films.setPinned(req.params.id, pinned))
        return reply.code(404).send({ error: `no film ${req.params.id}` });
      return describeFilm(store.films.get(req.params.id)!);
    };
  const pinSchema = { params: ID_PARAMS, response: { 200: FILM_SUMMARY, '4xx': ERROR } };
  app.put<{ Params: { id: string } }>(
    '/api/films/:id/pin',
    {
      schema: { ...pinSchema, description: 'keep this film whatever retention says' },
    },
    pin(true),
  );
  app.delete<{ Params: { id: string } }>(
    '/api/films/:id/pin',
    {
      schema: { ...pinSchema, description: 'let retention remove this film again' },
    },
    pin(false),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/films/:id',
    {
      schema: {
        params: ID_PARAMS,
        response: { 204: { description: 'deleted', type: 'null' }, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      const f = await removeFilm(
        store,
        req.params.id,
        { reason: 'api', detail: 'deleted over the API' },
        { events, log: req.log },
      );
      if (!f) return reply.code(404).send({ error: `no film ${req.params.id}` });
      return reply.code(204).send();
    },
  );
}

/** A film that is not rendered is a 409; outputs already queued to the limit, a 503. */
function outputFailed(e: unknown, reply: import('fastify').FastifyReply) {
  if (e instanceof FilmOutputError) return reply.code(409).send({ error: e.message });
  if (e instanceof SlotsFull) return reply.code(503).header('retry-after', '2').send({ error: e.message });
  throw e;
}

/** The conversation that printed the film; films from before the store name none, and their outcome is taken from film.json. */
function conversationOf(f: FilmSummary, store: Store) {
  if (f.associationId) {
    const a = store.associations.get(f.associationId);
    return a ? [a] : [];
  }
  return [];
}
