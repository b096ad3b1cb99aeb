/**
 * GET /api/tls: the certificate the TLS listeners present now. POST /api/tls/reload: read the
 * --tls-cert, --tls-key and --tls-ca files again (as SIGHUP does), for new connections; a reload
 * that fails keeps the loaded certificate and answers 422 with why. A control request.
 */
import type { FastifyInstance } from 'fastify';
import { ERROR } from '../schemas.js';

export interface TlsCertificate {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  loadedAt: string;
}

/** What the routes need of the TLS credentials (src/net/tls-credentials.ts). */
export interface TlsControl {
  certificate(): TlsCertificate;
  /** Client certificates: none asked for, optional (verified when presented), required. */
  clientCertificates(): 'none' | 'optional' | 'required';
  reload(): { ok: true; certificate: TlsCertificate } | { ok: false; error: string; kept: TlsCertificate };
}

const CERTIFICATE = {
  type: 'object',
  properties: {
    subject: { type: 'string' },
    issuer: { type: 'string' },
    validFrom: { type: 'string', format: 'date-time' },
    validTo: { type: 'string', format: 'date-time' },
    fingerprint256: { type: 'string', description: 'SHA-256 fingerprint, colon-separated hex' },
    loadedAt: { type: 'string', format: 'date-time', description: 'when these files were read' },
  },
} as const;

const NOT_CONFIGURED = 'TLS is not configured (start with --tls-cert and --tls-key)';

export function tlsRoutes(app: FastifyInstance, tls: TlsControl | undefined): void {
  app.get(
    '/api/tls',
    {
      schema: {
        description:
          'The certificate the DICOM TLS port (and HTTPS) presents now, and the client certificate rule',
        response: {
          200: {
            type: 'object',
            properties: {
              certificate: CERTIFICATE,
              clientCertificates: { type: 'string', enum: ['none', 'optional', 'required'] },
            },
          },
          '4xx': ERROR,
        },
      },
    },
    async (_req, reply) => {
      if (!tls) return reply.code(404).send({ error: NOT_CONFIGURED });
      return { certificate: tls.certificate(), clientCertificates: tls.clientCertificates() };
    },
  );

  app.post(
    '/api/tls/reload',
    {
      schema: {
        description:
          'Read the certificate, key and CA files again, for connections from now on (as SIGHUP does). A bad file keeps the loaded certificate: 422 with why',
        response: {
          200: { type: 'object', properties: { reloaded: { type: 'boolean' }, certificate: CERTIFICATE } },
          422: {
            type: 'object',
            properties: {
              reloaded: { type: 'boolean' },
              error: { type: 'string' },
              kept: CERTIFICATE,
            },
          },
          '4xx': ERROR,
        },
      },
    },
    async (_req, reply) => {
      if (!tls) return reply.code(404).send({ error: NOT_CONFIGURED });
      const r = tls.reload();
      if (r.ok) return { reloaded: true, certificate: r.certificate };
      return reply.code(422).send({ reloaded: false, error: r.error, kept: r.kept });
    },
  );
}
