/**
 * Lightbox as a whole: printers, the DICOM listener and the HTTP app, started and stopped
 * together. main.ts adds the process concerns (argv, signals, exit codes); tests use this directly.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { buildApp } from './http/app.js';
import { DicomServer } from './net/dicom-server.js';
import { createPrinter, type Printer } from './printers/printer.js';
import { loadProfiles } from './printers/profile-loader.js';

/** Requests a peer may queue behind the one in progress before we abort it. */
const MAX_QUEUED_REQUESTS = 16;
/** A-ASSOCIATE-RQ PDUs are a few hundred bytes; 128 presentation contexts fit well within this. */
const MAX_ASSOCIATE_PDU = 64 * 1024;

export class Lightbox {
  readonly printers: readonly Printer[];
  readonly dicom: DicomServer;
  readonly http: FastifyInstance;
  readonly #config: Config;
  readonly #log: Logger;

  constructor(config: Config, logger: Logger) {
    this.#config = config;
    this.#log = logger;
    this.printers = loadProfiles(config.printersDir).map((l) =>
      createPrinter(l.profile, l.source, { dataDir: config.dataDir, logger }),
    );
    this.dicom = new DicomServer({
      host: config.host,
      port: config.dicomPort,
      printers: this.printers,
      maxAssociations: config.maxAssociations,
      logger,
      dumpMessages: config.dumpMessages,
      limits: {
        maxPduLength: config.maxPduLength,
        maxAssociatePduLength: MAX_ASSOCIATE_PDU,
        maxDatasetBytes: config.maxDatasetBytes,
        artimMs: config.artimTimeoutMs,
        idleMs: config.idleTimeoutMs,
        maxQueuedRequests: MAX_QUEUED_REQUESTS,
      },
    });
    this.http = buildApp({
      dicomListening: () => this.dicom.listening,
      dicomPort: () => this.dicom.port,
      printers: () => this.printers.map((p) => ({ aeTitle: p.profile.aeTitle, name: p.profile.name })),
      logger,
    });
  }

  /** Start DICOM first: /healthz must only say ok once associations can be accepted. */
  async start(): Promise<void> {
    for (const p of this.printers)
      this.#log.info({ ae: p.profile.aeTitle, source: p.source }, `printer ${p.profile.name}`);
    await this.dicom.listen();
    await this.http.listen({ port: this.#config.httpPort, host: this.#config.host });
  }

  get httpPort(): number {
    const a = this.http.server.address();
    return typeof a === 'object' && a ? a.port : this.#config.httpPort;
  }

  async stop(): Promise<void> {
    await this.dicom.close(this.#config.shutdownGraceMs);
    await this.http.close();
  }
}
