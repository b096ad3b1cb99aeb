/**
 * DICOM TLS toward a real printer (profile key `forward.tls`, PS3.15 B.12): the files named there
 * read into Node's client options, with the same BCP 195 floor our listener keeps (TLS 1.2+,
 * ECDHE with AEAD suites). The printer's certificate is verified against `ca` (else the system's
 * roots) and its name, unless `verify: false`.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { BCP195_CIPHER_SUITES, ECDH_CURVES } from '../net/tls-credentials.js';
import { ScuError } from './scu-error.js';

export interface ForwardTlsConfig {
  /** CA certificate(s) (PEM) the printer's certificate must chain to. */
  ca?: string;
  /** Our client certificate and key (PEM), for a printer that asks for one. */
  cert?: string;
  key?: string;
  /** The name the printer's certificate must carry (default: the host, when it is a name). */
  servername?: string;
  /** false: accept any certificate (a lab printer with a self-made one). Default true. */
  verify?: boolean;
}

function read(what: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ScuError('usage', `forward.tls.${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

/** Client options for tls.connect; throws a one-line ScuError ('usage') for a file it cannot read. */
export function forwardTls(c: ForwardTlsConfig, host: string): ConnectionOptions {
  if ((c.cert === undefined) !== (c.key === undefined))
    throw new ScuError('usage', 'forward.tls: cert and key go together');
  const servername = c.servername ?? (isIP(host) ? undefined : host);
  return {
    ...(c.ca ? { ca: read('ca', c.ca) } : {}),
    ...(c.cert ? { cert: read('cert', c.cert) } : {}),
    ...(c.key ? { key: read('key', c.key) } : {}),
    ...(servername ? { servername } : {}),
    rejectUnauthorized: c.verify !== false,
    minVersion: 'TLSv1.2',
    ciphers: BCP195_CIPHER_SUITES.map((s) => s.openssl).join(':'),
    ecdhCurve: ECDH_CURVES.join(':'),
  };
}
