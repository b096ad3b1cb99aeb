/**
 * The HTTP API as the console uses it. Requests that change something are control requests (see
 * the README, "Security of the control API"): they always go as content-type: application/json,
 * which a page on another site cannot send here without asking. Who may send them is the server's
 * call: this machine without an API token, else a browser logged in with it (POST /api/session
 * sets an HttpOnly cookie, which every request here, EventSource and <img> included, carries).
 */

/** An API answer that was not 2xx; `status` is the HTTP status, the message the API's own words. */
export class ApiError extends Error {
  constructor(status, message, rule) {
    super(message);
    this.status = status;
    this.rule = rule;
  }
  /** 401: the server wants the API token (log in). A 403 is a rule no token changes. */
  get needsToken() {
    return this.status === 401;
  }
}

async function request(method, path, body) {
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok)
    throw new ApiError(
      res.status,
      data?.message ?? data?.error ?? `${res.status} ${res.statusText}`,
      data?.rule,
    );
  return data;
}

export const get = (path) => request('GET', path);

/**
 * One page of a listing: its items and the cursor of the next page (X-Next-Cursor), or null on
 * the last page. Listings are paginated by the API (limit + cursor).
 */
export async function getPage(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const data = await res.json().catch(() => null);
  if (!res.ok)
    throw new ApiError(
      res.status,
      data?.message ?? data?.error ?? `${res.status} ${res.statusText}`,
      data?.rule,
    );
  return { items: data ?? [], next: res.headers.get('x-next-cursor') };
}
export const post = (path, body) => request('POST', path, body);
export const put = (path, body) => request('PUT', path, body);
export const del = (path) => request('DELETE', path);

/** "?a=1&b=x" from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
