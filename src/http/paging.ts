/**
 * Every listing is a page: `limit` items (default 100, at most 1000) after `cursor`, oldest first
 * or, with `order=desc`, newest first. The body stays a JSON array; the next page's cursor comes
 * in `X-Next-Cursor` and a `Link: <...>; rel="next"` header (absent on the last page).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  CURSOR_PATTERN,
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  type Page,
  type PageRequest,
} from '../store/page.js';

export const PAGE_QUERY = {
  limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT },
  cursor: { type: 'string', pattern: CURSOR_PATTERN, description: 'X-Next-Cursor of the previous page' },
  order: { type: 'string', enum: ['asc', 'desc'], default: 'asc', description: 'asc: oldest first' },
} as const;

export interface PageQuery {
  limit?: number;
  cursor?: string;
  order?: 'asc' | 'desc';
}

export const PAGE_HEADERS = {
  'x-next-cursor': { type: 'string', description: 'cursor of the next page; absent on the last page' },
  link: { type: 'string', description: 'RFC 8288 link to the next page (rel="next")' },
} as const;

/** A listing's 200 answer: `what`, a JSON array of `items` a page at a time, next-page headers. */
export function pageOf(what: string, items: object) {
  return {
    description: `${what}, oldest first (order=desc: newest first), a page at a time`,
    type: 'array',
    items,
    headers: PAGE_HEADERS,
  } as const;
}

export function pageRequest(q: PageQuery): PageRequest {
  return { limit: q.limit ?? DEFAULT_PAGE_LIMIT, cursor: q.cursor, order: q.order ?? 'asc' };
}

/**
 * One page of a listing: the query's filters (all but limit, cursor and order) and its page go to
 * `list`; the page's items are the answer, the next page's cursor goes in the headers.
 */
export function listPage<Q extends PageQuery, T>(
  req: FastifyRequest<{ Querystring: Q }>,
  reply: FastifyReply,
  list: (filter: Omit<Q, keyof PageQuery>, page: PageRequest) => Page<T>,
): T[] {
  // fastify wraps the route's Querystring type; the schema has checked it is a Q.
  const query = req.query as Q;
  const { limit: _l, cursor: _c, order: _o, ...filter } = query;
  return sendPage(req, reply, list(filter, pageRequest(query)));
}

/** Set the next-page headers and answer the page's items. */
export function sendPage<T>(req: FastifyRequest, reply: FastifyReply, page: Page<T>): T[] {
  if (page.next !== undefined) {
    const url = new URL(req.url, 'http://lightbox');
    url.searchParams.set('cursor', page.next);
    reply.header('x-next-cursor', page.next);
    reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
  }
  return page.items;
}
