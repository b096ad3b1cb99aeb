/**
 * The HTTP side: the API and the web console (web/). buildApp() never listens, so tests use
 * fastify's inject(); main.ts does the listening.
 */

import type { SecureContextOptions } from 'node:tls';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { defaultNetworkSettings, type NetworkSettings } from '../conformance/settings.js';
import { EventBus } from '../events.js';
import type { LabControl } from '../lab/lab.js';
import type { Printer } from '../print/printer.js';
import { TilePyramids } from '../render/tile-pyramid.js';
import type { DiskState } from '../store/disk-space.js';
import type { Store } from '../store/store.js';
import { Access, accessHook, type ControlPolicy } from './control.js';
import { accessRoutes } from './routes/access.js';
import { associationRoutes } from './routes/associations.js';
import { conformanceRoutes } from './routes/conformance.js';
import { dicomRoutes } from './routes/dicom.js';
import { type ConnectionGauges, eventRoutes, type InflightGauges } from './routes/events.js';
import { type ExportControl, exportRoutes } from './routes/exports.js';
import { faultFiringRoutes } from './routes/fault-firings.js';
import { type DensityMaps, filmQaRoutes } from './routes/film-qa.js';
import { filmRoutes } from './routes/films.js';
import { jobRoutes } from './routes/jobs.js';
import { labRoutes } from './routes/lab.js';
import { outboundRoutes } from './routes/outbound.js';
import { printerRoutes } from './routes/printers.js';
import { qaPatternRoutes } from './routes/qa.js';
import { qaCurveRoutes } from './routes/qa-curves.js';
import { type LocalTarget, qaPrintRoutes } from './routes/qa-print.js';
import { specRoutes } from './routes/spec.js';
import { tileRoutes } from './routes/tiles.js';
import { type TlsControl, tlsRoutes } from './routes/tls.js';
import { verdictRoutes } from './routes/verdicts.js';
import { webRoutes } from './routes/web.js';

/** How a guarded request shows who it is (control.ts): the token as a bearer, or the console's login cookie. */
const SECURITY_SCHEMES = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: 'Authorization: Bearer <the --api-token>',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'lightbox_session_8080',
    description:
      'The cookie POST /api/session sets for the API token (HttpOnly, SameSite=Strict); its name ends with the port the server is reached on, lightbox_session_8080 on the default port',
  },
} as const;

export interface AppDeps {
  /** Is the DICOM listener accepting associations? */
  dicomListening(): boolean;
  dicomPort(): number;
  /** The DICOM TLS port listened on; absent: no TLS. */
  dicomTlsPort?(): number;
  printers(): readonly Printer[];
  /** Films, jobs, associations: what the listings read. */
  store: Store;
  /** Who may change things and read (see control.ts): token, --protect-reads, --allowed-hosts. */
  control: ControlPolicy;
  /** What happens, for SSE and /metrics (optional: without it, no events). */
  events?: EventBus;
  /** Test-lab faults and scenarios (optional: without it, no /api/lab routes). */
  lab?: LabControl;
  /** Tee mode's queue: re-send a film (optional: without it, retries are refused). */
  forward?: { retry(filmId: string): boolean };
  /** The last free-space measurement of the data directory's volume, for /metrics. */
  disk?: () => DiskState | undefined;
  /** The network limits and timers the DICOM listener runs with, for conformance statements (absent: the defaults). */
  network?: NetworkSettings;
  /** The DICOM listeners' connections by phase and those dropped before associating, for /metrics. */
  connections?: () => ConnectionGauges;
  /** The TLS certificate, shown and reloaded over /api/tls (absent: no TLS configured). */
  tls?: TlsControl;
  /** Serve HTTPS with these options (--https); absent: plain HTTP. */
  https?: SecureContextOptions;
  /** The export queue, to send an export again (absent: exports are listed, not re-sent). */
  exports?: ExportControl;
  /** density.png made on its first request (absent: read as it is on disk). */
  densities?: DensityMaps;
  /** The in-flight budget's use, for /metrics. */
  inflight?: () => InflightGauges;
  /** Where one of this server's printers is reached over plain DICOM, to print to it as a modality would. */
  localTarget?: LocalTarget;
  logger?: FastifyBaseLogger;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Event streams never end by themselves: close every connection on shutdown.
    forceCloseConnections: true,
    // Requests are not worth a log line each; errors still are.
    logController: new LogController({ disableRequestLogging: true }),
    // An https.Server is an http.Server to everything the routes touch (req.protocol says which).
    ...(deps.https ? { https: deps.https } : {}),
  }) as FastifyInstance;

  // Host, Origin, and who may change things (or read, under --protect-reads): for every request,
  // before any body is read.
  const access = new Access(deps.control);
  accessHook(app, access);

  // A bodyless POST marked application/json (what a control request without a body must send,
  // see control.ts) is an empty body, not a 400; anything else parses as fastify's own JSON.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '') return done(null, undefined);
    return json(req, body as string, done);
  });

  // The OpenAPI description is built from the routes' own schemas (registered after this plugin).
  void app.register(swagger, {
    openapi: {
      info: {
        title: 'Lightbox API',
        version: '0.1.0',
        description:
          "A virtual DICOM film printer: printers, films, associations, events. Routes marked with a security requirement need the API token (bearer) or the console session cookie when --api-token is set; without it they are open to clients on the server's own machine (loopback) only. Reads need them only under --protect-reads.",
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
  });
  // Each guarded route (control.ts: control requests; reads under --protect-reads) says so.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.some((m) => access.guard(m, route.url))) return;
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }, { sessionCookie: [] }] };
  });
  void app.register(async (api) => {
    api.get(
      '/healthz',
      {
        schema: {
          response: {
            200: {
              type: 'object',
              properties: {
                status: { type: 'string' },
                dicomPort: { type: 'integer' },
                dicomTlsPort: { type: 'integer', description: 'present when DICOM over TLS is configured' },
                printers: { type: 'array', items: { type: 'string' } },
              },
            },
            503: { type: 'object', properties: { status: { type: 'string' } } },
          },
        },
      },
      async (_req, reply) => {
        if (!deps.dicomListening()) return reply.code(503).send({ status: 'starting' });
        return {
          status: 'ok',
          dicomPort: deps.dicomPort(),
          ...(deps.dicomTlsPort ? { dicomTlsPort: deps.dicomTlsPort() } : {}),
          printers: deps.printers().map((p) => p.caps.aeTitle),
        };
      },
    );

    const events = deps.events ?? new EventBus();
    accessRoutes(api, access);
    printerRoutes(api, deps.printers, deps.store);
    const network = deps.network ?? defaultNetworkSettings();
    // The port actually listened on (an ephemeral --dicom-port 0 is known once listening).
    conformanceRoutes(api, deps.printers, () => ({
      ...network,
      dicomPort: deps.dicomPort() || network.dicomPort,
      ...(network.tls ? { tls: { ...network.tls, port: deps.dicomTlsPort?.() || network.tls.port } } : {}),
    }));
    jobRoutes(api, deps.store);
    filmRoutes(api, deps.store, events, deps.densities);
    tileRoutes(api, deps.store, new TilePyramids());
    exportRoutes(api, deps.store, deps.exports);
    associationRoutes(api, deps.store);
    outboundRoutes(api, deps.store, deps.forward);
    verdictRoutes(api, deps.store, deps.printers, deps.lab);
    eventRoutes(api, events, {
      store: deps.store,
      disk: deps.disk,
      connections: deps.connections,
      inflight: deps.inflight,
    });
    if (deps.lab) labRoutes(api, deps.lab);
    faultFiringRoutes(api, deps.store);
    qaPatternRoutes(api);
    qaPrintRoutes(api, deps.store, deps.localTarget);
    qaCurveRoutes(api, deps.store);
    filmQaRoutes(api, deps.store, deps.densities);
    dicomRoutes(api);
    specRoutes(api);
    tlsRoutes(api, deps.tls);
    webRoutes(api);
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send({ error: 'not found', path: req.url });
  });
  return app;
}
