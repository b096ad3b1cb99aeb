/**
 * Structured logs: pino, JSON lines on stdout. Written asynchronously (sonic-boom) so a log line
 * per DIMSE message never blocks the DICOM event loop; flushLogs() before the process exits.
 */
import { type Logger, pino } from 'pino';

export function createLogger(level: string): Logger {
  return pino(
    { level, base: { app: 'lightbox' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: false }),
  );
}

export function flushLogs(log: Logger): Promise<void> {
  return new Promise((resolve) => log.flush(() => resolve()));
}
