/**
 * GET /api/events: Server-Sent Events for everything that changes (associations, DIMSE messages,
 * printer status, jobs, films, lab faults fired). GET /metrics: Prometheus text counters built from
 * the same stream, and gauges read at scrape time (free disk space, films stored and their bytes,
 * DICOM connections, event stream clients, event loop delay).
 *
 * An event stream client that does not read is not given memory without end: once more than
 * SSE_MAX_BUFFERED bytes wait for it in Lightbox (beyond what the kernel's socket buffers took),
 * it is disconnected and its buffer freed.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { EventBus, Stamped } from '../../events.js';
import type { DiskState } from '../../store/disk-space.js';
import type { BridgeStats } from '../../store/pg-database.js';
import type { Store } from '../../store/store.js';

/** The DICOM listeners' connections (src/net DicomServer.stats, summed over listeners). */
export interface ConnectionGauges {
  unassociated: number;
  associated: number;
  closing: number;
  dropped: Record<string, number>;
}

/** The in-flight budget (--max-inflight, src/net/inflight-budget.ts) as /metrics shows it. */
export interface InflightGauges {
  used: number;
  limit: number;
  peak: number;
  refused: number;
}

/** Where the gauges of /metrics are read at scrape time. */
export interface GaugeSources {
  store?: Store;
  disk?: () => DiskState | undefined;
  connections?: () => ConnectionGauges;
  inflight?: () => InflightGauges;
}

/** SSE keep-alive comment, so proxies and browsers do not drop an idle stream. */
const KEEPALIVE_MS = 15_000;
/**
 * Bytes an event stream client may leave unread in Lightbox's buffers before it is disconnected:
 * some 5,000 events, minutes of a busy printer, on top of what the kernel buffers hold.
 */
export const SSE_MAX_BUFFERED = 1024 * 1024;

/** The event loop is sampled this often (ms) for lightbox_event_loop_lag_*. */
const LOOP_RESOLUTION_MS = 10;

/** One event's SSE frame, serialised once however many clients there are. */
const frames = new WeakMap<Stamped, string>();
function frameOf(e: Stamped): string {
  let f = frames.get(e);
  if (f === undefined) {
    f = `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;
    frames.set(e, f);
  }
  return f;
}

/** Event stream clients now and dropped, for /metrics. */
interface SseStats {
  clients: number;
  dropped: number;
}

export function eventRoutes(app: FastifyInstance, bus: EventBus, gauges: GaugeSources = {}): void {
  const sse: SseStats = { clients: 0, dropped: 0 };
  app.get(
    '/api/events',
    {
      schema: {
        description:
          'Server-Sent Events: association.opened/closed, dimse, printer.status, job, film.printed, film.preview (its thumbnail is ready, before film.rendered), film.rendered, film.removed, export, fault.armed/fired/disarmed; each `data:` is the event as JSON with its time `at`',
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
      sse.clients++;
      let ended = false;
      // Backpressure: once res.write() says the socket's buffer is full, frames wait here, in one
      // list of strings, until 'drain' writes them as one chunk. Left to the socket, every frame
      // would be four buffered writes (chunked encoding) of some 100 bytes of bookkeeping each,
      // and destroying a socket holding 1 MiB of them costs an Error per write: seconds.
      let queue: string[] = [];
      let queued = 0;
      let waiting = false;
      const end = () => {
        if (ended) return;
        ended = true;
        sse.clients--;
        queue = [];
        clearInterval(timer);
        unsubscribe();
      };
      const send = (text: string) => {
        if (ended || res.destroyed) return;
        if (!waiting) {
          waiting = !res.write(text);
          return;
        }
        queue.push(text);
        queued += text.length;
        // What waits in Lightbox for this client: our queue, and the response's and socket's buffers.
        const buffered = queued + res.writableLength;
        if (buffered <= SSE_MAX_BUFFERED) return;
        sse.dropped++;
        req.log.warn({ client: req.ip, buffered }, 'event stream client does not read: disconnected');
        end();
        res.destroy();
      };
      res.on('drain', () => {
        if (ended) return;
        waiting = false;
        if (queue.length === 0) return;
        const text = queue.join('');
        queue = [];
        queued = 0;
        waiting = !res.write(text);
      });
      const unsubscribe = bus.subscribe((e) => send(frameOf(e)), { remote: true });
      const timer = setInterval(() => send(': keep-alive\n\n'), KEEPALIVE_MS);
      send(': lightbox events\n\n');
      req.raw.on('close', end);
      res.on('close', end);
    },
  );

  // Event loop delay since the previous scrape.
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  app.addHook('onClose', async () => loop.disable());

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
      const text = metrics.render(gauges, sse, loop);
      loop.reset();
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
      case 'film.preview':
        this.#inc('lightbox_film_previews_total', {});
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
      case 'forward':
        this.#inc('lightbox_forward_attempts_total', { printer: e.printer, result: e.result });
        break;
      case 'export':
        this.#inc('lightbox_export_attempts_total', { target: e.target, kind: e.kind, result: e.state });
        break;
      default:
        break;
    }
  }

  render(g: GaugeSources, sse: SseStats, loop: ReturnType<typeof monitorEventLoopDelay>): string {
    const lines: string[] = [];
    const help: Record<string, string> = {
      lightbox_associations_total: 'Associations ended, by printer and how they ended',
      lightbox_dimse_messages_total: 'DIMSE requests answered, by message and status',
      lightbox_films_total: 'Films printed, by printer',
      lightbox_film_previews_total: 'Film previews made (thumb.png before the full render)',
      lightbox_film_renders_total: 'Film renders, by result',
      lightbox_print_job_transitions_total: 'Print job state changes, by printer and status',
      lightbox_printer_status_changes_total: 'Printer status changes, by printer and status',
      lightbox_faults_fired_total: 'Test-lab faults fired, by kind and printer',
      lightbox_films_removed_total:
        'Films removed, by reason (api: DELETE /api/films; max-age, max-films, max-bytes: retention)',
      lightbox_forward_attempts_total:
        'Films sent on to a real printer (tee), by printer and result (done, failed: it answered a failure or stayed unreachable; retry: unreachable, queued again)',
      lightbox_export_attempts_total: 'Film export attempts, by target, kind and result (sent, failed)',
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
    // Several instances on one database: each is scraped on its own; this names the one answering
    // (a label of its own: Prometheus keeps `instance` for the scrape target's address).
    if (g.store?.instances.shared) {
      lines.push(
        '# HELP lightbox_instance_info This instance of a pool sharing one database (README: "Several instances")',
        '# TYPE lightbox_instance_info gauge',
        `lightbox_instance_info{lightbox_instance="${g.store.instances.id.replace(/["\\\n]/g, '_')}"} 1`,
      );
    }
    let totals: { films: number; bytes: number } | undefined;
    try {
      totals = g.store?.films.totals();
    } catch {
      // the store is closed or broken: no film gauges rather than no metrics
    }
    gauge('lightbox_films_stored', 'Films in the store (pinned ones included)', totals?.films);
    gauge('lightbox_films_bytes', 'Bytes on disk of the films in the store', totals?.bytes);
    let forward: Record<string, number> | undefined;
    try {
      forward = g.store?.forwardQueue.counts();
    } catch {
      // as above
    }
    if (forward) {
      lines.push(
        '# HELP lightbox_forward_queue Films in the forward (tee) queue, by state (queued: to be sent; failed: needs a re-send; done)',
        '# TYPE lightbox_forward_queue gauge',
      );
      for (const [state, n] of Object.entries(forward))
        lines.push(`lightbox_forward_queue{state="${state}"} ${n}`);
    }
    let exports: { target: string; state: string; n: number }[] = [];
    try {
      exports = g.store?.exports.counts() ?? [];
    } catch {
      // as above
    }
    lines.push(
      '# HELP lightbox_exports Film export jobs, by target and state (queued, sending, sent, failed)',
      '# TYPE lightbox_exports gauge',
    );
    for (const x of exports)
      lines.push(`lightbox_exports{target="${x.target.replace(/["\\\n]/g, '_')}",state="${x.state}"} ${x.n}`);

    const c = g.connections?.();
    if (c) {
      lines.push(
        '# HELP lightbox_dicom_connections DICOM connections open, by phase (unassociated: no A-ASSOCIATE-RQ yet; associated: counts toward --max-associations; closing: the association ended, the transport not yet)',
        '# TYPE lightbox_dicom_connections gauge',
      );
      for (const phase of ['unassociated', 'associated', 'closing'] as const)
        lines.push(`lightbox_dicom_connections{phase="${phase}"} ${c[phase]}`);
      lines.push(
        '# HELP lightbox_dicom_connections_dropped_total DICOM connections closed before they associated, by reason (associate-timeout, invalid-pdu, evicted, socket-limit, tls-handshake)',
        '# TYPE lightbox_dicom_connections_dropped_total counter',
      );
      for (const [reason, n] of Object.entries(c.dropped))
        lines.push(`lightbox_dicom_connections_dropped_total{reason="${reason}"} ${n}`);
    }
    const f = g.inflight?.();
    if (f) {
      gauge(
        'lightbox_inflight_bytes',
        'Bytes of DIMSE data sets held in memory now (pixel data streamed to disk excluded)',
        f.used,
      );
      gauge('lightbox_inflight_limit_bytes', 'The in-flight budget (--max-inflight)', f.limit);
      gauge('lightbox_inflight_peak_bytes', 'The most bytes of data sets held at once since start', f.peak);
      lines.push(
        '# HELP lightbox_inflight_refused_total Data sets dropped for want of in-flight budget (answered 0xC605 or 0x0213)',
        '# TYPE lightbox_inflight_refused_total counter',
        `lightbox_inflight_refused_total ${f.refused}`,
      );
    }
    gauge('lightbox_sse_clients', 'Event stream (/api/events) clients connected', sse.clients);
    lines.push(
      `# HELP lightbox_sse_clients_dropped_total Event stream clients disconnected because they did not read (more than ${SSE_MAX_BUFFERED} bytes waiting)`,
      '# TYPE lightbox_sse_clients_dropped_total counter',
      `lightbox_sse_clients_dropped_total ${sse.dropped}`,
    );
    // The histogram holds the time between two samples, in ns: the lag is what exceeds the
    // sampling interval. No sample since the last scrape reads as 0.
    const seconds = (ns: number) =>
      Number.isFinite(ns) && loop.count > 0 ? Math.max(0, (ns - LOOP_RESOLUTION_MS * 1e6) / 1e9) : 0;
    gauge(
      'lightbox_event_loop_lag_p50_seconds',
      'Event loop delay since the previous scrape, median (perf_hooks monitorEventLoopDelay, beyond its 10 ms sampling interval)',
      seconds(loop.percentile(50)),
    );
    gauge(
      'lightbox_event_loop_lag_p99_seconds',
      'Event loop delay since the previous scrape, 99th percentile',
      seconds(loop.percentile(99)),
    );
    gauge(
      'lightbox_event_loop_lag_max_seconds',
      'Event loop delay since the previous scrape, maximum',
      seconds(loop.max),
    );
    const bridge = (g.store?.db as { stats?: BridgeStats } | undefined)?.stats;
    if (bridge) {
      gauge('lightbox_db_statements', 'Statements sent to PostgreSQL since start', bridge.statements);
      gauge(
        'lightbox_db_wait_seconds',
        'Time the event loop waited for PostgreSQL since start (the synchronous bridge)',
        bridge.waitMs / 1000,
      );
      gauge(
        'lightbox_db_wait_max_seconds',
        'Longest single wait for PostgreSQL since start',
        bridge.maxWaitMs / 1000,
      );
    }
    return `${lines.join('\n')}\n`;
  }
}
