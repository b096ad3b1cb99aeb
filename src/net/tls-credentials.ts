/**
 * The certificate, private key and trusted CAs the TLS listeners present (the DICOM TLS port and,
 * with --https, the HTTP server), read from files and reloadable without a restart. A reload that
 * fails (unreadable file, not PEM, key not matching the certificate) keeps what was loaded before,
 * so a half-copied certificate never takes a printer off the network.
 *
 * The protocol settings follow PS3.15 B.12/B.13 (BCP 195: RFC 8996, RFC 9325): TLS 1.2 or 1.3
 * only, TLS 1.3 preferred (OpenSSL picks the highest version both offer), and only AEAD suites with
 * ephemeral key exchange. DHE suites are left out: B.13 forbids them where the DHE key length
 * cannot be set, and ECDHE is what DCMTK proposes first.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions, type TLSSocket, type TlsOptions } from 'node:tls';
import type { TlsSession } from '../store/association-record.js';

/**
 * The suites offered, strongest-first within each version: TLS 1.3's (RFC 8446 9.1), then the TLS
 * 1.2 ones of RFC 9325 4.2 with ECDHE. IANA names for people (the conformance statement), OpenSSL's
 * for Node.
 */
export const BCP195_CIPHER_SUITES = [
  { iana: 'TLS_AES_128_GCM_SHA256', openssl: 'TLS_AES_128_GCM_SHA256', version: 'TLSv1.3' },
  { iana: 'TLS_AES_256_GCM_SHA384', openssl: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3' },
  { iana: 'TLS_CHACHA20_POLY1305_SHA256', openssl: 'TLS_CHACHA20_POLY1305_SHA256', version: 'TLSv1.3' },
  {
    iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
    openssl: 'ECDHE-ECDSA-AES128-GCM-SHA256',
    version: 'TLSv1.2',
  },
  {
    iana: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
    openssl: 'ECDHE-RSA-AES128-GCM-SHA256',
    version: 'TLSv1.2',
  },
  {
    iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
    openssl: 'ECDHE-ECDSA-AES256-GCM-SHA384',
    version: 'TLSv1.2',
  },
  {
    iana: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
    openssl: 'ECDHE-RSA-AES256-GCM-SHA384',
    version: 'TLSv1.2',
  },
] as const;
export const TLS_MIN_VERSION = 'TLSv1.2';
/** ECDHE groups of 256 bits or more (B.13). */
export const ECDH_CURVES = ['X25519', 'P-256', 'P-384'] as const;
/** A PEM file larger than this is not a certificate chain or a key: refused before it is read whole. */
const MAX_PEM_BYTES = 1024 * 1024;

export interface TlsFiles {
  cert: string;
  key: string;
  /** CAs whose certificates clients may present; absent: client certificates are not asked for. */
  ca?: string;
  /** A client must present a certificate that one of `ca` signed (else the handshake fails). */
  verifyPeer?: boolean;
}

/** What is loaded now, for logs and the reload route. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  fingerprint256: string;
  loadedAt: string;
}

export type ReloadResult =
  | { ok: true; certificate: CertificateInfo }
  | { ok: false; error: string; kept: CertificateInfo };

export class TlsError extends Error {
  override name = 'TlsError';
}

function readPem(path: string, what: string): Buffer {
  try {
    const size = statSync(path).size;
    if (size > MAX_PEM_BYTES) throw new TlsError(`${what} ${path}: ${size} bytes, larger than any PEM file`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof TlsError) throw e;
    throw new TlsError(`${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** One line out of an OpenSSL error ("error:0480006C:PEM routines::no start line" -> "no start line"). */
function opensslReason(e: unknown): string {
  const m = (e as Error).message ?? String(e);
  return (m.split('\n')[0] ?? m).replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/, '');
}

function load(files: TlsFiles): { options: SecureContextOptions; info: CertificateInfo } {
  const cert = readPem(files.cert, 'TLS certificate');
  const key = readPem(files.key, 'TLS key');
  const ca = files.ca === undefined ? undefined : readPem(files.ca, 'TLS CA file');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (e) {
    throw new TlsError(`TLS certificate ${files.cert}: not a PEM certificate (${opensslReason(e)})`);
  }
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch (e) {
      throw new TlsError(`TLS CA file ${files.ca}: not a PEM certificate (${opensslReason(e)})`);
    }
  }
  const options: SecureContextOptions = {
    cert,
    key,
    ...(ca === undefined ? {} : { ca }),
    minVersion: TLS_MIN_VERSION,
    ciphers: BCP195_CIPHER_SUITES.map((c) => c.openssl).join(':'),
    honorCipherOrder: true,
    ecdhCurve: ECDH_CURVES.join(':'),
  };
  try {
    // Parses the key and checks it against the certificate ("key values mismatch").
    createSecureContext(options);
  } catch (e) {
    throw new TlsError(`TLS key ${files.key} with certificate ${files.cert}: ${opensslReason(e)}`);
  }
  return {
    options,
    info: {
      subject: x509.subject.replace(/\n/g, ', '),
      issuer: x509.issuer.replace(/\n/g, ', '),
      validFrom: new Date(x509.validFrom).toISOString(),
      validTo: new Date(x509.validTo).toISOString(),
      fingerprint256: x509.fingerprint256,
      loadedAt: new Date().toISOString(),
    },
  };
}

export class TlsCredentials {
  readonly files: TlsFiles;
  #options: SecureContextOptions;
  #info: CertificateInfo;
  readonly #listeners = new Set<() => void>();

  /** Reads and checks the files now: throws TlsError (one line) when they cannot serve. */
  constructor(files: TlsFiles) {
    this.files = files;
    ({ options: this.#options, info: this.#info } = load(files));
  }

  get certificate(): CertificateInfo {
    return this.#info;
  }

  /** Whether client certificates are asked for (a CA is set) and required (--tls-verify-peer). */
  get clientCertificates(): 'required' | 'optional' | 'none' {
    if (this.files.ca === undefined) return 'none';
    return this.files.verifyPeer ? 'required' : 'optional';
  }

  /** Options for tls.createServer(), client certificates as configured. */
  serverOptions(withClientCertificates = true): TlsOptions {
    const ask = withClientCertificates && this.files.ca !== undefined;
    return {
      ...this.#options,
      requestCert: ask,
      rejectUnauthorized: ask && this.files.verifyPeer === true,
    };
  }

  /** Called after each successful reload (a server then takes serverOptions() again). */
  onReload(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Read the files again; on any failure keep the loaded certificate and say why. */
  reload(): ReloadResult {
    let loaded: ReturnType<typeof load>;
    try {
      loaded = load(this.files);
    } catch (e) {
      return { ok: false, error: (e as Error).message, kept: this.#info };
    }
    this.#options = loaded.options;
    this.#info = loaded.info;
    for (const l of this.#listeners) l();
    return { ok: true, certificate: loaded.info };
  }
}

/**
 * With a CA but without --tls-verify-peer a client certificate is optional; one that is presented
 * must still verify (DCMTK's "verify if present"). Returns why the connection is refused, if it is.
 */
export function peerRefusal(socket: TLSSocket, credentials: TlsCredentials): string | undefined {
  if (credentials.clientCertificates !== 'optional' || socket.authorized) return undefined;
  const presented = Object.keys(socket.getPeerCertificate() ?? {}).length > 0;
  return presented ? `client certificate not trusted: ${socket.authorizationError}` : undefined;
}

/** What a connection negotiated, for its association record. */
export function tlsSession(socket: TLSSocket): TlsSession {
  const peer = socket.getPeerCertificate();
  const subject = peer?.subject
    ? Object.entries(peer.subject)
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
        .join(', ')
    : '';
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher().name,
    ...(subject ? { clientCertificate: subject } : {}),
  };
}
