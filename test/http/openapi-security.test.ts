/** /openapi.json declares how guarded routes authenticate: bearer token or the console's session cookie. */
import { describe, expect, it } from 'vitest';
import { Access } from '../../src/http/control.js';
import { bareApp } from '../support/app.js';

type Operation = { security?: Record<string, string[]>[] };
type Doc = {
  components: { securitySchemes: Record<string, Record<string, string>> };
  paths: Record<string, Record<string, Operation>>;
};

async function openapi(control: { token?: string; protectReads?: boolean }): Promise<Doc> {
  const r = await bareApp({ control }).inject({ url: '/openapi.json' });
  expect(r.statusCode).toBe(200);
  return r.json() as Doc;
}

/** "/api/films/{id}" back to the route form access rules use, "/api/films/:id". */
const routeOf = (path: string) => path.replace(/\{([^}]+)\}/g, ':$1');
const BOTH = [{ bearerAuth: [] }, { sessionCookie: [] }];

describe('OpenAPI security', () => {
  it('declares the bearer and cookie schemes', async () => {
    const doc = await openapi({ token: 't' });
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.sessionCookie).toMatchObject({ type: 'apiKey', in: 'cookie' });
    expect(doc.components.securitySchemes.sessionCookie!.name).toMatch(/^lightbox_session_/);
  });

  it('marks exactly the routes the access rules guard: control requests; reads only under --protect-reads', async () => {
    for (const protectReads of [false, true]) {
      const doc = await openapi({ token: 't', protectReads });
      const access = new Access({ token: 't', protectReads });
      let guarded = 0;
      let open = 0;
      for (const [path, ops] of Object.entries(doc.paths))
        for (const [method, op] of Object.entries(ops)) {
          const guard = access.guard(method.toUpperCase(), routeOf(path));
          if (guard) {
            guarded++;
            expect(op.security, `${method} ${path}`).toEqual(BOTH);
          } else {
            open++;
            expect(op.security, `${method} ${path}`).toBeUndefined();
          }
        }
      // Some of each, and the known ones where they belong.
      expect(guarded).toBeGreaterThan(3);
      expect(open).toBeGreaterThan(0);
      expect(doc.paths['/api/printers/{ae}/status']!.put!.security).toEqual(BOTH);
      expect(doc.paths['/api/session']!.post!.security).toBeUndefined();
      expect(doc.paths['/api/control']!.get!.security).toBeUndefined();
      expect(doc.paths['/api/films']!.get!.security).toEqual(protectReads ? BOTH : undefined);
    }
  });
});
