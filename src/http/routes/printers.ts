/** /api/printers: the configured printers, their capabilities and live status (settable). */
import type { FastifyInstance } from 'fastify';
import type { Printer } from '../../print/printer.js';
import type { PrinterStatus } from '../../profiles/printer-status.js';
import type { Store } from '../../store/store.js';
import { ERROR, FORWARD_VIEW, PRINTER_DETAIL, PRINTER_SUMMARY } from '../schemas.js';
import { forwardView } from '../upstream-state.js';

/** Proxy mode: the printer side of this many newest associations tells the printer's state. */
const RECENT_ASSOCIATIONS = 20;

function summary(p: Printer) {
  return {
    aeTitle: p.caps.aeTitle,
    name: p.caps.name,
    description: p.caps.description,
    source: p.source,
    port: p.caps.port ?? null,
    status: p.runtime.status,
    statusInfo: p.runtime.statusInfo,
    queued: p.runtime.queued,
    memoryUsed: p.runtime.memoryUsed,
    identity: p.caps.identity,
  };
}

export function printerRoutes(app: FastifyInstance, printers: () => readonly Printer[], store: Store): void {
  const find = (ae: string) => printers().find((p) => p.caps.aeTitle === ae);
  const AeParams = {
    type: 'object',
    required: ['ae'],
    properties: { ae: { type: 'string', minLength: 1, maxLength: 16 } },
  } as const;

  app.get(
    '/api/printers',
    { schema: { response: { 200: { description: 'the printers', type: 'array', items: PRINTER_SUMMARY } } } },
    async () => printers().map(summary),
  );

  app.get<{ Params: { ae: string } }>(
    '/api/printers/:ae',
    { schema: { params: AeParams, response: { 200: PRINTER_DETAIL, '4xx': ERROR } } },
    async (req, reply) => {
      const p = find(req.params.ae);
      if (!p) return reply.code(404).send({ error: `no printer ${req.params.ae}` });
      return { ...summary(p), capabilities: p.caps };
    },
  );

  app.get<{ Params: { ae: string } }>(
    '/api/printers/:ae/forward',
    { schema: { params: AeParams, response: { 200: FORWARD_VIEW, '4xx': ERROR } } },
    async (req, reply) => {
      const p = find(req.params.ae);
      if (!p) return reply.code(404).send({ error: `no printer ${req.params.ae}` });
      const c = p.caps.forward;
      if (!c) return reply.code(404).send({ error: `printer ${p.caps.aeTitle} does not forward` });
      const ae = p.caps.aeTitle;
      return forwardView(
        c,
        c.mode === 'proxy'
          ? {
              associations: store.associations.list(
                { printer: ae },
                { limit: RECENT_ASSOCIATIONS, order: 'desc' },
              ).items,
            }
          : { forwards: store.forwardQueue.list({ printer: ae }) },
      );
    },
  );

  app.put<{ Params: { ae: string }; Body: { status: PrinterStatus; info?: string } }>(
    '/api/printers/:ae/status',
    {
      // A control request, as every /api/ method but GET: see control.ts.
      schema: {
        params: AeParams,
        body: {
          type: 'object',
          required: ['status'],
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['NORMAL', 'WARNING', 'FAILURE'] },
            // Printer Status Info is a CS (PS3.3 C.13.9.1 defined terms, at most 16 characters).
            info: { type: 'string', pattern: '^[A-Z0-9 _]{1,16}$' },
          },
        },
        response: { 200: PRINTER_SUMMARY, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      const p = find(req.params.ae);
      if (!p) return reply.code(404).send({ error: `no printer ${req.params.ae}` });
      const { status, info } = req.body;
      if (status !== 'NORMAL' && !info)
        return reply.code(400).send({ error: `${status} needs a Printer Status Info term` });
      // Every open association of this printer gets an N-EVENT-REPORT (PS3.4 H.4.7).
      p.runtime.setStatus(status, info ?? 'NORMAL', 'operator');
      return summary(p);
    },
  );
}
