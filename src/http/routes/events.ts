/**
 * GET /api/events: Server-Sent Events for everything that changes (associations, DIMSE messages,
 * printer status, jobs, films, lab faults fired). GET /metrics: Prometheus text counters built from
 * the same stream, and gauges read at scrape time (free disk space, films stored and their bytes,
 * DICOM connections).
 */
import type { FastifyInstance } from 'fastify';
import type { EventBus, Stamped } from '../../events.js';
import type { DiskState } from '../../store/disk-space.js';
import type { Store } from '../../store/store.js';

/** The DICOM listeners' connections (src/net DicomServer.stats, summed over listeners). */
export interface ConnectionGauges {
  unassociated: number;
  associated: number;
  closing: number;
  dropped: Record<string, number>;
}

/** Where the gauges of /metrics are read at scrape time. */
export interface GaugeSources {
  store?: Store;
  disk?: () => DiskState | undefined;
  connections?: () => ConnectionGauges;
}

/** SSE keep-alive comment, so proxies and browsers do not drop an idle stream. */
const KEEPALIVE_MS = 15_000;

export function eventRoutes(app: FastifyInstance, bus: EventBus, gauges: GaugeSources = {}): void {
  app.get(
    '/api/events',
    {
      schema: {
        description:
          'Server-Sent Events: association.opened/closed, dimse, printer.status, job, film.printed, film.rendered, film.removed, fault.armed/fired/disarmed; each `data:` is the event as JSON with its time `at`',
        response: {
          200: {
            description: 'an endless text/event-stream',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
    },
    (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(': lightbox events\n\n');
      const unsubscribe = bus.subscribe((e) => {
        res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      });
      const timer = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
      req.raw.on('close', () => {
        clearInterval(timer);
        unsubscribe();
      });
    },
  );

  const metrics = new Metrics();
  bus.subscribe((e) => metrics.count(e));
  app.get(
    '/metrics',
    {
      schema: {
        description: 'Prometheus text exposition (0.0.4)',
        response: {
          200: { description: 'counters', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    async (_req, reply) => {
      const text = metrics.render(gauges);
      return reply.type('text/plain; version=0.0.4').send(text);
    },
  );
}

/** Counters in Prometheus exposition format (text 0.0.4). */
class Metrics {
  readonly #counters = new Map<string, Map<string, number>>();
  #renderSeconds = 0;
  #renders = 0;

  #inc(name: string, labels: Record<string, string | number | undefined>): void {
    const key = Object.entries(labels)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, '_')}"`)
      .join(',');
    const m = this.#counters.get(name) ?? new Map<string, number>();
    m.set(key, (m.get(key) ?? 0) + 1);
    this.#counters.set(name, m);
  }

  count(e: Stamped): void {
    switch (e.type) {
      case 'association.closed':
        this.#inc('lightbox_associations_total', { printer: e.printer, ending: e.ending });
        break;
      case 'dimse':
        this.#inc('lightbox_dimse_messages_total', {
          message: e.message,
          status: e.status === undefined ? undefined : `0x${e.status.toString(16).padStart(4, '0')}`,
        });
        break;
      case 'film.printed':
        this.#inc('lightbox_films_total', { printer: e.printer });
        break;
      case 'film.rendered':
        this.#inc('lightbox_film_renders_total', { result: e.failed ? 'failed' : 'ok' });
        if (!e.failed && e.ms !== undefined) {
          this.#renderSeconds += e.ms / 1000;
          this.#renders++;
        }
        break;
      case 'job':
        this.#inc('lightbox_print_job_transitions_total', { printer: e.printer, status: e.status });
        break;
      case 'printer.status':
        this.#inc('lightbox_printer_status_changes_total', { printer: e.printer, status: e.status });
        break;
      case 'fault.fired':
        this.#inc('lightbox_faults_fired_total', { kind: e.kind, printer: e.printer });
        break;
      case 'film.removed':
        this.#inc('lightbox_films_removed_total', { reason: e.reason });
        break;
      default:
        break;
    }
  }

  render(g: GaugeSources): string {
    const lines: string[] = [];
    const help: Record<string, string> = {
      lightbox_associations_total: 'Associations ended, by printer and how they ended',
      lightbox_dimse_messages_total: 'DIMSE requests answered, by message and status',
      lightbox_films_total: 'Films printed, by printer',
      lightbox_film_renders_total: 'Film renders, by result',
      lightbox_print_job_transitions_total: 'Print job state changes, by printer and status',
      lightbox_printer_status_changes_total: 'Printer status changes, by printer and status',
      lightbox_faults_fired_total: 'Test-lab faults fired, by kind and printer',
      lightbox_films_removed_total:
        'Films removed, by reason (api: DELETE /api/films; max-age, max-films, max-bytes: retention)',
    };
    for (const [name, text] of Object.entries(help)) {
      lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} counter`);
      for (const [labels, v] of this.#counters.get(name) ?? [])
        lines.push(`${name}${labels ? `{${labels}}` : ''} ${v}`);
    }
    lines.push(
      '# HELP lightbox_film_render_seconds Time spent rendering films',
      '# TYPE lightbox_film_render_seconds summary',
    );
    lines.push(
      `lightbox_film_render_seconds_sum ${this.#renderSeconds}`,
      `lightbox_film_render_seconds_count ${this.#renders}`,
    );
    const gauge = (name: string, text: string, value: number | undefined) => {
      if (value === undefined) return;
      lines.push(`# HELP ${name} ${text}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    };
    const disk = g.disk?.();
    gauge('lightbox_disk_free_bytes', "Free bytes on the data directory's volume (last check)", disk?.free);
    gauge(
      'lightbox_disk_low',
      '1 while free space is below --min-free-space (printers FAILURE PRINT BUFF FULL)',
      disk ? Number(disk.low) : undefined,
    );
    let totals: { films: number; bytes: number } | undefined;
    try {
      totals = g.store?.films.totals();
    } catch {
      // the store is closed or broken: no film gauges rather than no metrics
    }
    gauge('lightbox_films_stored', 'Films in the store (pinned ones included)', totals?.films);
    gauge('lightbox_films_bytes', 'Bytes on disk of the films in the store', totals?.bytes);

    const c = g.connections?.();
    if (c) {
      lines.push(
        '# HELP lightbox_dicom_connections DICOM connections open, by phase (unassociated: no A-ASSOCIATE-RQ yet; associated: counts toward --max-associations; closing: the association ended, the transport not yet)',
        '# TYPE lightbox_dicom_connections gauge',
      );
      for (const phase of ['unassociated', 'associated', 'closing'] as const)
        lines.push(`lightbox_dicom_connections{phase="${phase}"} ${c[phase]}`);
      lines.push(
        '# HELP lightbox_dicom_connections_dropped_total DICOM connections closed before they associated, by reason (associate-timeout, invalid-pdu, evicted, socket-limit)',
        '# TYPE lightbox_dicom_connections_dropped_total counter',
      );
      for (const [reason, n] of Object.entries(c.dropped))
        lines.push(`lightbox_dicom_connections_dropped_total{reason="${reason}"} ${n}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
