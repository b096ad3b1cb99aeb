/** Start a real Lightbox in-process on ephemeral ports, for tests that talk to it over TCP. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Config } from '../../src/config/config.js';
import { Lightbox } from '../../src/lightbox.js';

export interface TestLightbox {
  app: Lightbox;
  dicomPort: number;
  httpPort: number;
  /** Log records written so far (JSON objects). */
  logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export async function startLightbox(overrides: Partial<Config> = {}): Promise<TestLightbox> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lightbox-test-'));
  const config: Config = {
    dicomPort: 0,
    httpPort: 0,
    host: '127.0.0.1',
    dataDir,
    printersDir: undefined,
    maxPduLength: 256 * 1024,
    maxAssociations: 64,
    maxDatasetBytes: 64 * 1024 * 1024,
    artimTimeoutMs: 5000,
    idleTimeoutMs: 30_000,
    shutdownGraceMs: 2000,
    logLevel: 'debug',
    dumpMessages: false,
    noRender: false,
    apiToken: undefined,
    ...overrides,
  };
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: config.logLevel },
    {
      write(line: string) {
        if (logs.length < 100_000) logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  const app = new Lightbox(config, logger);
  await app.start();
  return {
    app,
    dicomPort: app.dicom.port,
    httpPort: app.httpPort,
    logs,
    async stop() {
      await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
