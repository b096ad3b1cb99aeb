/**
 * Lightbox as a whole: printers, the DICOM listener and the HTTP app, started and stopped
 * together. main.ts adds the process concerns (argv, signals, exit codes); tests use this directly.
 */

import { totalmem } from 'node:os';
import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import {
  type Config,
  DEFAULT_ASSOCIATE_TIMEOUT_MS,
  DEFAULT_MAX_UNASSOCIATED,
  DEFAULT_MAX_UNASSOCIATED_PER_PEER,
  DEFAULT_TLS_PORT,
  defaultMaxInflight,
} from './config/config.js';
import { networkSettings } from './conformance/settings.js';
import { EventBus } from './events.js';
import { DEFAULT_BACKOFF, ExportQueue } from './export/export-queue.js';
import { buildApp } from './http/app.js';
import { Lab } from './lab/lab.js';
import { loadScenarios } from './lab/scenarios.js';
import { type ConnectionStats, DicomServer, type DropReason } from './net/dicom-server.js';
import { InflightBudget } from './net/inflight-budget.js';
import { type ReloadResult, TlsCredentials } from './net/tls-credentials.js';
import { SOFTWARE } from './output/film-dicom.js';
import { PoolSync } from './pool/pool-sync.js';
import { createPrinter, type Printer } from './print/printer.js';
import { loadProfiles } from './profiles/profile-loader.js';
import { FilmDensities } from './render/film-densities.js';
import { DEFAULT_RENDER_QUIET_MS, FilmRendering } from './render/film-rendering.js';
import { Renderer } from './render/renderer.js';
import { TrafficClock } from './render/traffic-clock.js';
import { forwardTls } from './scu/forward-tls.js';
import { type ForwardConfig, Forwarder } from './scu/forwarder.js';
import { ProxyLink } from './scu/proxy-link.js';
import type { Target } from './scu/target.js';
import { DiskSpaceWatcher } from './store/disk-space.js';
import { Retention } from './store/retention.js';
import { Store } from './store/store.js';

/** Requests a peer may queue behind the one in progress before we abort it. */
const MAX_QUEUED_REQUESTS = 16;
/** A-ASSOCIATE-RQ PDUs are a few hundred bytes; 128 presentation contexts fit well within this. */
const MAX_ASSOCIATE_PDU = 64 * 1024;

export class Lightbox {
  readonly printers: readonly Printer[];
  /**
   * The listener on --dicom-port, serving every printer by called AE title; with --tls-only, the
   * TLS listener (there is no plain one).
   */
  readonly dicom: DicomServer;
  /** The DICOM TLS listener on --tls-port (the same object as `dicom` with --tls-only); absent: no TLS. */
  readonly dicomTls: DicomServer | undefined;
  /** Listeners on the printers' own ports (profile key `port`), each serving just those printers. */
  readonly ownPorts: DicomServer[] = [];
  /** Certificate and key of the TLS listeners (--tls-cert), reloadable; absent: no TLS. */
  readonly tls: TlsCredentials | undefined;
  readonly http: FastifyInstance;
  /** Renders every printed film (worker thread). */
  readonly renderer: Renderer;
  /** Which film renders next; the index learns how each render ended. */
  readonly rendering: FilmRendering;
  /** When DICOM traffic was last seen: full renders wait for a quiet moment (film-rendering.ts). */
  readonly traffic = new TrafficClock();
  readonly densities: FilmDensities;
  /** Films, jobs, associations and fault firings, kept across restarts in the data directory. */
  readonly store: Store;
  /** Everything that happens, for the event stream and metrics. */
  readonly events = new EventBus();
  /** Test-lab faults and scenarios, armed over HTTP or at start-up (--scenario). */
  readonly lab: Lab;
  /** Free space on the data directory's volume (--min-free-space): printers FAILURE when low. */
  readonly disk: DiskSpaceWatcher;
  /** Removes the oldest unpinned films beyond the --retention-* limits. */
  readonly retention: Retention;
  /** Prints films on to the real printers of profiles with `forward:` (tee), from a durable queue. */
  readonly forwarder: Forwarder;
  /** Sends rendered films to the printers' export targets (profile key `export`), durably. */
  readonly exports: ExportQueue;
  /** Memory for data sets in flight, shared by every listener's associations (--max-inflight). */
  readonly inflight: InflightBudget;
  /** With other instances on one PostgreSQL database: what they tell each other; absent on SQLite. */
  readonly pool: PoolSync | undefined;
  readonly #config: Config;
  readonly #log: Logger;

  constructor(config: Config, logger: Logger) {
    this.#config = config;
    this.#log = logger;
    this.store = new Store(config.dataDir, {
      ...(config.database ? { database: config.database } : {}),
      onError: (e, what) => logger.error({ err: e.message, what }, 'not recorded in the store'),
    });
    const recovery = this.store.filmFiles.recover(this.store.films);
    this.store.curves.removeOrphans();
    if (recovery.removed + recovery.indexed + recovery.dropped + recovery.broken.length > 0)
      logger.warn(recovery, 'films directory recovered: temporary leftovers removed, index brought in line');
    this.printers = loadProfiles(config.printersDir).map((l) =>
      createPrinter(l.profile, l.source, { store: this.store, logger }),
    );
    this.renderer = new Renderer(logger);
    this.rendering = new FilmRendering(this.renderer, this.store, this.events, logger, {
      clock: this.traffic,
      quietMs: config.renderQuietMs ?? DEFAULT_RENDER_QUIET_MS,
    });
    this.densities = new FilmDensities(this.renderer, this.store, logger);
    this.lab = new Lab({
      printers: this.printers,
      scenarios: loadScenarios(config.scenariosDir),
      logger,
      events: this.events,
    });
    this.events.subscribe((e) => {
      if (e.type !== 'fault.fired') return;
      try {
        this.store.faults.add({
          at: e.at,
          printer: e.printer,
          fault: e.fault,
          kind: e.kind,
          description: e.description,
          association: e.association,
        });
      } catch (err) {
        logger.error({ err: (err as Error).message }, 'fault firing not recorded');
      }
    });
    this.pool = this.store.instances.shared
      ? new PoolSync({
          store: this.store,
          events: this.events,
          lab: this.lab,
          printers: this.printers,
          log: logger,
        })
      : undefined;
    this.lab.loadAtStart(
      (config.scenario ?? '')
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    );
    for (const p of this.printers) {
      const names = p.caps.export.map((t) => t.name);
      const twice = names.find((n, i) => names.indexOf(n) !== i);
      if (twice) throw new Error(`printer ${p.caps.aeTitle}: two export targets named ${twice}`);
    }
    this.exports = new ExportQueue({
      store: this.store,
      targets: (ae) => this.printers.find((p) => p.caps.aeTitle === ae)?.caps.export ?? [],
      events: this.events,
      log: logger,
      software: SOFTWARE,
      backoff: {
        baseMs: config.exportRetryBaseMs ?? DEFAULT_BACKOFF.baseMs,
        maxMs: config.exportRetryMaxMs ?? DEFAULT_BACKOFF.maxMs,
      },
    });
    this.events.subscribe((e) => {
      // No printer exports: no job waits for a render (a statement or two saved per film).
      if (e.type === 'film.rendered' && this.printers.some((p) => p.caps.export.length > 0))
        this.exports.rendered(e.film);
      else if (e.type === 'film.removed') this.store.exports.removeFilm(e.film);
    });
    this.disk = new DiskSpaceWatcher({
      dir: config.dataDir,
      threshold: config.minFreeSpace,
      printers: this.printers.map((p) => p.runtime),
      log: logger,
    });
    this.retention = new Retention({
      store: this.store,
      limits: {
        maxAgeMs: config.retentionMaxAgeMs,
        maxBytes: config.retentionMaxBytes,
        maxFilms: config.retentionMaxFilms,
      },
      events: this.events,
      log: logger,
      busy: () => this.#busyFilms(),
      onRemoved: () => void this.disk.check(),
    });
    const forwards = new Map<string, ForwardConfig>();
    for (const p of this.printers) {
      const f = p.caps.forward;
      if (f?.tls) checkForwardTls(p.caps.aeTitle, f);
      if (f?.mode === 'tee') forwards.set(p.caps.aeTitle, f);
    }
    this.forwarder = new Forwarder({
      store: this.store,
      configs: forwards,
      log: logger,
      events: this.events,
    });
    for (const p of this.printers) {
      p.runtime.events = this.events;
      // Export jobs and the tee's forward rows are written with the films' rows: a failure there
      // fails the print (nothing kept, N-ACTION refused), never the export or the forward alone.
      p.runtime.withFilms = (films) => {
        for (const f of films) this.exports.add(f.id, p.caps.aeTitle);
        this.forwarder.enqueue(p.caps.aeTitle, films);
      };
      p.runtime.onFilmsSpooled = (films) => {
        // Only a printer that forwards (tee) or exports queued anything to send.
        if (forwards.has(p.caps.aeTitle)) this.forwarder.kick();
        for (const f of films)
          this.events.publish({ type: 'film.printed', printer: p.caps.aeTitle, film: f.id });
        if (p.caps.export.length > 0) this.exports.kick();
        if (!config.noRender) this.rendering.add(films.map((f) => f.id));
        void this.disk.check();
      };
    }
    this.#resumeJobs();
    // Read and checked now: a certificate that cannot serve stops start-up with one line.
    this.tls =
      config.tlsCert && config.tlsKey
        ? new TlsCredentials({
            cert: config.tlsCert,
            key: config.tlsKey,
            ...(config.tlsCa ? { ca: config.tlsCa } : {}),
            verifyPeer: config.tlsVerifyPeer === true,
          })
        : undefined;
    if (this.tls) this.#warnValidity(this.tls.certificate);
    for (const p of this.printers)
      if (p.caps.tls === 'required' && !this.tls)
        throw new Error(
          `printer ${p.caps.aeTitle} requires TLS (profile key tls: required) but --tls-cert is not set`,
        );
    this.inflight = new InflightBudget(config.maxInflightBytes ?? defaultMaxInflight(totalmem()));
    const server = (port: number, printers: readonly Printer[], tls?: TlsCredentials) =>
      new DicomServer({
        ...(tls ? { tls } : {}),
        host: config.host,
        port,
        printers,
        maxAssociations: config.maxAssociations,
        maxUnassociated: config.maxUnassociated ?? DEFAULT_MAX_UNASSOCIATED,
        maxUnassociatedPerPeer: config.maxUnassociatedPerPeer ?? DEFAULT_MAX_UNASSOCIATED_PER_PEER,
        logger,
        dumpMessages: config.dumpMessages,
        events: this.events,
        faults: this.lab.hooks,
        recorder: this.store.associations,
        onTraffic: () => this.traffic.touch(),
        upstreamFor: (printer, handlers) =>
          printer.caps.forward?.mode === 'proxy' ? new ProxyLink(printer.caps.forward, handlers) : undefined,
        limits: {
          maxPduLength: config.maxPduLength,
          maxAssociatePduLength: MAX_ASSOCIATE_PDU,
          maxDatasetBytes: config.maxDatasetBytes,
          artimMs: config.artimTimeoutMs,
          associateMs: config.associateTimeoutMs ?? DEFAULT_ASSOCIATE_TIMEOUT_MS,
          idleMs: config.idleTimeoutMs,
          maxQueuedRequests: MAX_QUEUED_REQUESTS,
          inflight: this.inflight,
        },
      });
    const tlsPort = config.tlsPort ?? DEFAULT_TLS_PORT;
    this.dicomTls = this.tls ? server(tlsPort, this.printers, this.tls) : undefined;
    this.dicom = config.tlsOnly && this.dicomTls ? this.dicomTls : server(config.dicomPort, this.printers);
    const ports = new Map<number, Printer[]>();
    for (const p of this.printers) {
      if (p.caps.port === undefined || p.caps.port === config.dicomPort) continue;
      if (config.tlsOnly) {
        logger.warn(
          { ae: p.caps.aeTitle, port: p.caps.port },
          'own port not opened: --tls-only (reach it on the TLS port)',
        );
        continue;
      }
      ports.set(p.caps.port, [...(ports.get(p.caps.port) ?? []), p]);
    }
    for (const [port, printers] of ports) this.ownPorts.push(server(port, printers));
    this.http = buildApp({
      densities: this.densities,
      dicomListening: () => this.#listeners().every((s) => s.listening),
      dicomPort: () => this.dicom.port,
      ...(this.dicomTls ? { dicomTlsPort: () => this.dicomTls!.port } : {}),
      printers: () => this.printers,
      store: this.store,
      events: this.events,
      control: {
        token: config.apiToken,
        protectReads: config.protectReads,
        allowedHosts: config.allowedHosts,
        bindHost: config.host,
      },
      lab: this.lab,
      forward: this.forwarder,
      disk: () => this.disk.state,
      network: networkSettings(config),
      connections: () => this.#connectionStats(),
      ...(this.tls
        ? {
            tls: {
              certificate: () => this.tls!.certificate,
              clientCertificates: () => this.tls!.clientCertificates,
              reload: () => this.reloadTls('POST /api/tls/reload')!,
            },
          }
        : {}),
      // HTTPS presents the same certificate; browsers are not asked for client certificates.
      ...(config.https && this.tls ? { https: this.tls.serverOptions(false) } : {}),
      exports: this.exports,
      inflight: () => ({
        used: this.inflight.used,
        limit: this.inflight.limit,
        peak: this.inflight.peak,
        refused: this.inflight.refused,
      }),
      localTarget: (ae) => this.#localTarget(ae),
      logger,
    });
    if (config.https && this.tls) {
      const https = this.http.server as unknown as TlsServer;
      const tls = this.tls;
      tls.onReload(() => https.setSecureContext(tls.serverOptions(false)));
    }
  }

  /** This server's printer as a modality reaches it: the plain listener, on loopback when bound to every address. */
  #localTarget(aeTitle: string): Target | undefined {
    if (this.#config.tlsOnly || !this.printers.some((p) => p.caps.aeTitle === aeTitle)) return undefined;
    const host = this.#config.host;
    const any = host === '0.0.0.0' || host === '::' || host === '';
    return { host: any ? (host === '::' ? '::1' : '127.0.0.1') : host, port: this.dicom.port, aeTitle };
  }

  /** Every DICOM listener, each once. */
  #listeners(): DicomServer[] {
    return [...new Set([this.dicom, ...(this.dicomTls ? [this.dicomTls] : []), ...this.ownPorts])];
  }

  /**
   * Read the TLS certificate, key and CA files again (SIGHUP, POST /api/tls/reload): new connections
   * get them; on any failure the loaded ones stay, and the log says so. Undefined without TLS.
   */
  reloadTls(why: string): ReloadResult | undefined {
    if (!this.tls) {
      this.#log.warn({ why }, 'TLS reload asked, but no --tls-cert is configured');
      return undefined;
    }
    const r = this.tls.reload();
    if (r.ok) {
      this.#log.info({ why, certificate: r.certificate }, 'TLS certificate reloaded');
      this.#warnValidity(r.certificate);
    } else
      this.#log.error(
        { why, error: r.error, kept: r.kept },
        `TLS reload failed, still serving the certificate loaded at ${r.kept.loadedAt}: ${r.error}`,
      );
    return r;
  }

  /** A certificate outside its validity makes every verifying peer refuse: say so (it still serves). */
  #warnValidity(c: { validFrom: string; validTo: string; subject: string }): void {
    const now = new Date().toISOString();
    if (c.validTo < now)
      this.#log.warn(c, `TLS certificate expired on ${c.validTo}: peers that verify it will refuse`);
    else if (c.validFrom > now) this.#log.warn(c, `TLS certificate not valid before ${c.validFrom}`);
  }

  /** Every listener's connections, summed. */
  #connectionStats(): ConnectionStats {
    const sum: ConnectionStats = {
      unassociated: 0,
      associated: 0,
      closing: 0,
      dropped: {
        'associate-timeout': 0,
        'invalid-pdu': 0,
        evicted: 0,
        'socket-limit': 0,
        'tls-handshake': 0,
      },
    };
    for (const s of this.#listeners()) {
      const c = s.stats;
      sum.unassociated += c.unassociated;
      sum.associated += c.associated;
      sum.closing += c.closing;
      for (const [k, v] of Object.entries(c.dropped)) sum.dropped[k as DropReason] += v;
    }
    return sum;
  }

  /** Films retention must not remove now: their print job is queued or printing, or they are rendering. */
  #busyFilms(): Set<string> {
    const busy = new Set<string>();
    for (const p of this.printers)
      for (const j of p.runtime.activeJobs)
        if (j.status === 'PENDING' || j.status === 'PRINTING') for (const f of j.films) busy.add(f);
    const rendering = this.rendering.current;
    if (rendering) busy.add(rendering);
    for (const f of this.rendering.previewing) busy.add(f);
    for (const f of this.forwarder.busy()) busy.add(f);
    // A film whose export is not sent yet stays until it is (or someone deletes it).
    for (const f of this.store.exports.unsentFilms()) busy.add(f);
    // Other instances' work is known from the shared index only: their unfinished jobs and renders.
    if (this.store.instances.shared) {
      for (const j of this.store.jobs.unfinished()) for (const f of j.films) busy.add(f);
      for (const f of this.store.films.pendingRender()) busy.add(f);
    }
    return busy;
  }

  /** Jobs an earlier run left queued or printing: their films are stored, so they print to the end. */
  #resumeJobs(): void {
    for (const j of this.store.jobs.unfinished()) {
      const p = this.printers.find((x) => x.caps.aeTitle === j.printer);
      if (p) {
        p.runtime.resume(j);
        continue;
      }
      // Its printer is no longer configured: the job cannot end otherwise.
      this.store.jobs.changed({
        ...j,
        createdAt: new Date(j.createdAt),
        printerName: j.printerName ?? '',
        status: 'FAILURE',
        statusInfo: 'PRINTER OFFLINE',
      });
    }
  }

  /** Start DICOM first: /healthz must only say ok once associations can be accepted. */
  async start(): Promise<void> {
    for (const p of this.printers)
      this.#log.info({ ae: p.profile.aeTitle, source: p.source }, `printer ${p.profile.name}`);
    this.#log.info(
      { maxInflight: this.inflight.limit, auto: this.#config.maxInflightBytes === undefined },
      `in-flight budget ${Math.round(this.inflight.limit / 1024 ** 2)} MiB (--max-inflight)`,
    );
    // On a shared database: this instance is seen alive (its render claims hold) from now on.
    this.store.instances.start();
    this.pool?.start();
    // Printers are FAILURE before anyone connects when the disk is already short of space.
    await this.disk.start();
    this.retention.start();
    for (const s of this.#listeners()) await s.listen();
    await this.http.listen({ port: this.#config.httpPort, host: this.#config.host });
    // Films queued by an earlier run (or a printer down then) go out again.
    this.forwarder.start();
    // Films a crash left unrendered, in the background behind anything printed from now on.
    if (!this.#config.noRender) {
      this.renderer.start();
      this.rendering.recover();
    }
    this.exports.start();
  }

  get httpPort(): number {
    const a = this.http.server.address();
    return typeof a === 'object' && a ? a.port : this.#config.httpPort;
  }

  async stop(): Promise<void> {
    this.pool?.stop();
    this.lab.stop();
    await this.forwarder.stop(this.#config.shutdownGraceMs);
    await Promise.all(this.#listeners().map((s) => s.close(this.#config.shutdownGraceMs)));
    await this.http.close();
    await this.retention.stop();
    await this.disk.stop();
    this.rendering.stop();
    await this.renderer.stop();
    await this.exports.stop();
    this.store.close();
  }
}

/** The printer's TLS files are read now: one that cannot be read stops start-up with one line. */
function checkForwardTls(ae: string, f: ForwardConfig): void {
  try {
    forwardTls(f.tls!, f.host);
  } catch (e) {
    throw new Error(`printer ${ae}: ${(e as Error).message}`);
  }
}
