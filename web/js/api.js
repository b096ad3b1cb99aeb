/**
 * The HTTP API as the console uses it. Reads are plain GETs; changes carry the API token, when the
 * user has pasted one, as "Authorization: Bearer <token>" (see the README: control API).
 */

const TOKEN_KEY = 'lightbox.apiToken';

export const token = {
  get: () => localStorage.getItem(TOKEN_KEY) ?? '',
  set: (v) => (v ? localStorage.setItem(TOKEN_KEY, v) : localStorage.removeItem(TOKEN_KEY)),
};

/** An API answer that was not 2xx; `status` is the HTTP status, the message the API's own words. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
  /** 401: the control API wants a (valid) token. (403 means it is off: no token would help.) */
  get needsToken() {
    return this.status === 401;
  }
}

async function request(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const t = token.get();
  if (method !== 'GET' && t) headers.authorization = `Bearer ${t}`;
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok)
    throw new ApiError(res.status, data?.message ?? data?.error ?? `${res.status} ${res.statusText}`);
  return data;
}

export const get = (path) => request('GET', path);
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
