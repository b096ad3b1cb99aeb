/** Where an SCU sends: host, port and the called AE title, written HOST:PORT:AE on command lines. */
import { ScuError } from './scu-error.js';

export interface Target {
  host: string;
  port: number;
  aeTitle: string;
}

/** "printer.local:104:DRYPIX" (an IPv6 host in brackets: "[::1]:104:AE"). */
export function parseTarget(s: string): Target {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5}):(.{1,16})$/.exec(s.trim());
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535)
    throw new ScuError('usage', `target "${s}" is not HOST:PORT:AE (port 1-65535, AE title 1-16 characters)`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port, aeTitle: m[3]! };
}

export function targetText(t: Target): string {
  return `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}:${t.aeTitle}`;
}
