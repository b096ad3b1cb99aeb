/** Structured logs: pino, JSON lines on stdout. */
import { type Logger, pino } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'lightbox' }, timestamp: pino.stdTimeFunctions.isoTime });
}
