/**
 * GET /api/control: may this client change things (and read, under --protect-reads), and why; the
 * console asks before showing its controls. POST /api/session: the console's login, the API token
 * exchanged for an HttpOnly, SameSite=Strict cookie that EventSource, <img> and download links
 * carry (they cannot send an Authorization header); DELETE /api/session forgets it. Logins are
 * rate-limited per client (login-limit.ts): 429 with Retry-After beyond the burst.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Access, SESSION_SECONDS, sessionCookieName, sessionValue } from '../control.js';
import { LoginLimiter } from '../login-limit.js';
import { ERROR } from '../schemas.js';

const CONTROL = {
  type: 'object',
  properties: {
    allowed: { type: 'boolean', description: 'may this client send control requests now' },
    reason: { type: 'string', description: 'why, in one sentence' },
    via: {
      type: 'string',
      enum: ['loopback', 'token', 'session'],
      description: 'when allowed: on what grounds',
    },
    rule: { type: 'string', description: 'when refused: the rule that refuses (loopback, token)' },
    client: { type: 'string', description: 'the source address the server sees' },
    tokenSet: { type: 'boolean', description: '--api-token is set: the token (or a login) grants control' },
    session: { type: 'boolean', description: 'this browser holds a valid session cookie' },
    reads: {
      type: 'object',
      properties: {
        allowed: { type: 'boolean' },
        reason: { type: 'string' },
        protected: { type: 'boolean', description: '--protect-reads' },
      },
    },
  },
} as const;

function setCookie(req: FastifyRequest, reply: FastifyReply, value: string, maxAge: number): void {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  reply.header(
    'set-cookie',
    `${sessionCookieName(req)}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`,
  );
}

export function accessRoutes(app: FastifyInstance, access: Access, logins = new LoginLimiter()): void {
  app.get(
    '/api/control',
    {
      schema: {
        description:
          'May this client change things (printer status, lab faults, deleting and pinning films), and read under --protect-reads; why',
        response: { 200: CONTROL },
      },
    },
    async (req, reply) => reply.header('cache-control', 'no-store').send(access.describe(req)),
  );

  app.post<{ Body: { token: string } }>(
    '/api/session',
    {
      schema: {
        description:
          "Log in: the API token for a session cookie (HttpOnly, SameSite=Strict, 12 h) that grants what the token grants, for the console's event stream, images and downloads",
        body: {
          type: 'object',
          required: ['token'],
          additionalProperties: false,
          properties: { token: { type: 'string', minLength: 1, maxLength: 4096 } },
        },
        response: {
          200: {
            type: 'object',
            properties: { session: { type: 'boolean' }, expiresAt: { type: 'string', format: 'date-time' } },
          },
          '4xx': ERROR,
        },
      },
    },
    async (req, reply) => {
      // Counted before the token is looked at: a right guess past the limit is refused like a wrong one.
      const admission = logins.attempt(req.socket.remoteAddress);
      if (!admission.allowed) {
        req.log.debug({ client: req.socket.remoteAddress }, 'console login rate-limited');
        return reply
          .code(429)
          .header('retry-after', String(admission.retryAfterS))
          .send({
            error: `too many login attempts from this address: try again in ${admission.retryAfterS} s`,
          });
      }
      if (!access.tokenSet)
        return reply.code(409).send({
          error:
            'no --api-token is set: there is nothing to log in with (control is for clients on this machine)',
        });
      if (!access.tokenMatches(req.body.token)) {
        req.log.warn({ client: req.socket.remoteAddress }, 'console login refused: wrong API token');
        return reply.code(401).send({ error: "that is not this server's --api-token" });
      }
      const { value, expires } = sessionValue(req.body.token);
      setCookie(req, reply, value, SESSION_SECONDS);
      req.log.info({ client: req.socket.remoteAddress }, 'console logged in with the API token');
      return { session: true, expiresAt: new Date(expires * 1000).toISOString() };
    },
  );

  app.delete(
    '/api/session',
    {
      schema: {
        description: 'Log out: the session cookie is cleared',
        response: { 204: { description: 'logged out', type: 'null' } },
      },
    },
    async (req, reply) => {
      setCookie(req, reply, '', 0);
      return reply.code(204).send();
    },
  );
}
