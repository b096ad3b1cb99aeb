/**
 * Who may change things (printer status, deleting films): with --api-token, requests carrying
 * "Authorization: Bearer <token>"; without one, only when Lightbox listens on loopback alone.
 * Safe by default: bound to every interface with no token, the control API says no.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface ControlPolicy {
  token?: string;
  /** True when the HTTP listener is bound to a loopback address only. */
  loopbackOnly: boolean;
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** A preHandler that refuses control requests the policy does not allow (401/403, JSON). */
export function requireControl(policy: ControlPolicy) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (policy.token) {
      const given = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
      const want = Buffer.from(policy.token);
      if (given.length !== want.length || !timingSafeEqual(given, want)) {
        return reply.code(401).send({ error: 'a valid Authorization: Bearer <token> is required' });
      }
      return;
    }
    if (!policy.loopbackOnly) {
      return reply
        .code(403)
        .send({ error: 'control API disabled: set --api-token, or bind --host to loopback' });
    }
  };
}
