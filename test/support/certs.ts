/**
 * Test certificates made with the openssl command line in a temp directory: a CA, server and
 * client certificates it signs, and a second, unrelated CA with a client of its own (the "wrong CA").
 * RSA 2048: every DCMTK TLS profile proposes ECDHE_RSA suites.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pair {
  cert: string;
  key: string;
}

export interface TestCerts {
  dir: string;
  ca: Pair;
  server: Pair;
  /** Another server certificate of the same CA (CN lightbox-renewed), for reload tests. */
  renewed: Pair;
  client: Pair;
  otherCa: Pair;
  /** A client certificate signed by otherCa. */
  strangerClient: Pair;
  /** A server certificate of ca that expired yesterday. */
  expired: Pair;
  /** A directory holding ca.cert under its hash name, as DCMTK's CACertificateDirectory wants. */
  caDir: string;
}

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  }).toString();
}

function selfSigned(dir: string, name: string, cn: string): Pair {
  const p = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p.key,
      '-out',
      p.cert,
      '-days',
      '2',
      '-subj',
      `/CN=${cn}`,
    ],
    dir,
  );
  return p;
}

function signed(dir: string, name: string, cn: string, ca: Pair, ext: string, days = 2): Pair {
  const p = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  const csr = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, `${ext}\n`);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.key, '-out', csr, '-subj', `/CN=${cn}`], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-CAcreateserial',
      '-out',
      p.cert,
      '-days',
      String(days),
      '-extfile',
      extFile,
    ],
    dir,
  );
  return p;
}

export function makeCerts(dir: string): TestCerts {
  mkdirSync(dir, { recursive: true });
  const serverExt = 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth';
  const clientExt = 'extendedKeyUsage=clientAuth';
  const ca = selfSigned(dir, 'ca', 'Lightbox Test CA');
  const otherCa = selfSigned(dir, 'other-ca', 'Some Other CA');
  const caDir = join(dir, 'cacerts');
  mkdirSync(caDir, { recursive: true });
  const hash = openssl(['x509', '-hash', '-noout', '-in', ca.cert], dir).trim();
  copyFileSync(ca.cert, join(caDir, `${hash}.0`));
  return {
    dir,
    ca,
    otherCa,
    caDir,
    server: signed(dir, 'server', 'lightbox-test', ca, serverExt),
    renewed: signed(dir, 'renewed', 'lightbox-renewed', ca, serverExt),
    client: signed(dir, 'client', 'modality-1', ca, clientExt),
    strangerClient: signed(dir, 'stranger', 'stranger', otherCa, clientExt),
    expired: signed(dir, 'expired', 'lightbox-expired', ca, serverExt, -1),
  };
}
