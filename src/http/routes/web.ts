/**
 * The web console: the static files under web/, one GET route per file found at start-up, with
 * `/` serving index.html. No request path ever reaches the file system, so nothing outside web/
 * can be served; unknown paths fall through to the JSON 404. Files are read per request, so an
 * edited page shows on reload.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** web/ next to package.json: found by walking up from this module (src/ or dist/src/). */
function findWebDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'web', 'index.html')) && existsSync(join(dir, 'package.json')))
      return join(dir, 'web');
    dir = dirname(dir);
  }
  return undefined;
}

/** Servable files below dir (known types only, no dot files), as URL paths ("/js/app.js"). */
function servable(dir: string): string[] {
  return (
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && TYPES[extname(e.name)])
      .map((e) => `/${relative(dir, join(e.parentPath, e.name)).split(sep).join('/')}`)
      // Plain names, no dot files or directories (':' and '*' would be parameters to the router).
      .filter((url) => /^(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$/.test(url))
  );
}

export function webRoutes(app: FastifyInstance, webDir = findWebDir()): void {
  if (!webDir) {
    app.log.warn('web/ not found: the web console is not served');
    return;
  }
  for (const url of servable(webDir)) {
    const file = join(webDir, ...url.split('/'));
    const handler = async (_req: unknown, reply: FastifyReply) =>
      reply
        .type(TYPES[extname(file)]!)
        .header('cache-control', 'no-cache')
        .send(await readFile(file));
    app.get(url, { schema: { hide: true } }, handler);
    if (url === '/index.html') app.get('/', { schema: { hide: true } }, handler);
  }
}
