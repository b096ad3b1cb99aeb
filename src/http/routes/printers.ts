/** /api/printers: the configured printers, their capabilities and live status (settable). */
import type { FastifyInstance } from 'fastify';
import type { Printer } from '../../print/printer.js';
import type { PrinterStatus } from '../../profiles/printer-status.js';
import { PROBE_TIMEOUT_MS, probeAndKeep } from '../../scu/printer-probe.js';
import type { PrinterProbe } from '../../scu/probe-report.js';
import type { Store } from '../../store/store.js';
import { ERROR, FORWARD_VIEW, PRINTER_DETAIL, PRINTER_PROBE, PRINTER_SUMMARY } from '../schemas.js';
import { forwardView } from '../upstream-state.js';

/** Proxy mode: the printer side of this many newest associations tells the printer's state. */
const RECENT_ASSOCIATIONS = 20;

/** The outbound runs of a printer's probes are kept under this source. */
const probeSource = (ae: string) => `printer ${ae}`;

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
  /** A printer that forwards, with its forward settings; or why not (a 404). */
  const forwarding = (ae: string) => {
    const p = find(ae);
    if (!p) return { error: `no printer ${ae}` };
    const c = p.caps.forward;
    return c ? { p, c } : { error: `printer ${p.caps.aeTitle} does not forward` };
  };
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
      const f = forwarding(req.params.ae);
      if ('error' in f) return reply.code(404).send(f);
      const { p, c } = f;
      const ae = p.caps.aeTitle;
      const kept = store.outbound.newest('probe', probeSource(ae));
      const probe = kept ? { ...(kept.report as PrinterProbe), id: kept.summary.id } : undefined;
      return forwardView(c, {
        ...(c.mode === 'proxy'
          ? {
              associations: store.associations.list(
                { printer: ae },
                { limit: RECENT_ASSOCIATIONS, order: 'desc' },
              ).items,
            }
          : { forwards: store.forwardQueue.list({ printer: ae }) }),
        ...(probe ? { probe } : {}),
      });
    },
  );

  // One probe per printer at a time: a second "check now" meanwhile gets the same answer.
  const probing = new Map<string, Promise<PrinterProbe>>();
  app.post<{ Params: { ae: string }; Body: { timeoutMs?: number } | undefined }>(
    '/api/printers/:ae/forward/probe',
    {
      schema: {
        description:
          'Check now: associate with the real printer of a tee or proxy printer (C-ECHO, then N-GET of the Printer SOP instance), each wait bounded by timeoutMs, and answer what it said; kept (GET .../forward shows the newest, /api/outbound?kind=probe all). An unreachable, refusing or silent printer is a result (200), not an error',
        params: AeParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            timeoutMs: {
              type: 'integer',
              minimum: PROBE_TIMEOUT_MS.min,
              maximum: PROBE_TIMEOUT_MS.max,
              description: `each wait (connect, A-ASSOCIATE-AC, each response, release); default ${PROBE_TIMEOUT_MS.default}`,
            },
          },
        },
        response: { 200: PRINTER_PROBE, '4xx': ERROR },
      },
    },
    async (req, reply) => {
      const f = forwarding(req.params.ae);
      if ('error' in f) return reply.code(404).send(f);
      const { p, c } = f;
      const ae = p.caps.aeTitle;
      let running = probing.get(ae);
      if (!running) {
        running = probeAndKeep(store, c, {
          printer: ae,
          source: probeSource(ae),
          timeoutMs: req.body?.timeoutMs ?? PROBE_TIMEOUT_MS.default,
        }).finally(() => probing.delete(ae));
        probing.set(ae, running);
      }
      return running;
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
