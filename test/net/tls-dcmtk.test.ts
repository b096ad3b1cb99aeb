/**
 * DICOM over TLS end to end with DCMTK (PS3.15 Annex B): echoscu and the print SCU (dcmprscu) over
 * +tls against the TLS port, with and without client certificates; untrusted certificates either
 * way refused; a plain client on the TLS port refused; a printer that requires TLS refusing a plain
 * association (A-ASSOCIATE-RJ permanent, service user, no reason given). Certificates are made by
 * openssl in a temp directory.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { dcmPrint, generateImages, type PrintOptions, type PrintResult } from '../support/dcmprint.js';
import { dcmtk } from '../support/dcmtk.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let tmp: string;
let certs: TestCerts;
let images: string[];
let printers: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'lightbox-tls-'));
  certs = makeCerts(join(tmp, 'certs'));
  printers = join(tmp, 'printers');
  mkdirSync(printers);
  writeFileSync(join(printers, 'secure.yaml'), 'aeTitle: SECURE\nname: TLS only\ntls: required\n');
  writeFileSync(join(printers, 'open.yaml'), 'aeTitle: OPEN\nname: Plain or TLS\n');
  images = [(await generateImages(join(tmp, 'images'))).sc8];
}, 60_000);

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** echoscu over TLS: the client's certificate (or none: anonymous), the CA it trusts the server by. */
function tlsEcho(
  port: number,
  o: { client?: { cert: string; key: string }; trust: string; called?: string },
) {
  const tls = o.client ? ['+tls', o.client.key, o.client.cert] : ['+tla'];
  return dcmtk('echoscu', [...tls, '+cf', o.trust, '-aec', o.called ?? 'OPEN', '127.0.0.1', String(port)]);
}

const plainEcho = (port: number, called = 'OPEN') =>
  dcmtk('echoscu', ['-aec', called, '127.0.0.1', String(port)], 15_000);

/** dcmprscu's dcmpstat.cfg with the TLS keys of the target (UseTLS, Certificate, CA directory). */
async function tlsPrint(
  port: number,
  work: string,
  o: { called: string; client?: { cert: string; key: string }; tls?: boolean },
): Promise<PrintResult> {
  const options: PrintOptions = {
    port,
    calledAe: o.called,
    images,
    columns: 1,
    rows: 1,
    processTimeoutMs: 30_000,
  };
  if (o.tls === false) return dcmPrint(options, work);
  return dcmPrint(
    {
      ...options,
      tls: {
        caDirectory: certs.caDir,
        ...(o.client ? { certificate: o.client.cert, privateKey: o.client.key } : {}),
      },
    },
    work,
  );
}

const printed = (r: PrintResult) => r.exchanges.find((e) => e.request === 'N-ACTION')?.status;

describe('client certificates required (--tls-ca, --tls-verify-peer)', () => {
  let lb: TestLightbox;
  let tlsPort: number;
  beforeAll(async () => {
    lb = await startLightbox({
      printersDir: printers,
      tlsCert: certs.server.cert,
      tlsKey: certs.server.key,
      tlsCa: certs.ca.cert,
      tlsVerifyPeer: true,
      tlsPort: 0,
      logLevel: 'debug',
    });
    tlsPort = lb.app.dicomTls!.port;
  });
  afterAll(async () => {
    await lb?.stop();
  });

  it('echoscu with a certificate of the trusted CA: verified both ways, TLS 1.2+ with a BCP 195 suite', async () => {
    const r = await tlsEcho(tlsPort, { client: certs.client, trust: certs.ca.cert });
    expect(r.output).not.toMatch(/E:/);
    expect(r.code).toBe(0);
    const conn = lb.logs.find((l) => l.msg === 'TLS connection');
    expect(String(conn?.protocol)).toMatch(/^TLSv1\.[23]$/);
    expect(String(conn?.cipher)).toMatch(
      /^(TLS_AES_(128|256)_GCM_SHA(256|384)|TLS_CHACHA20|ECDHE-(RSA|ECDSA)-AES(128|256)-GCM)/,
    );
  });

  it('the association record says what TLS negotiated and whose certificate it was', async () => {
    const r = await dcmtk('echoscu', [
      ...['+tls', certs.client.key, certs.client.cert, '+cf', certs.ca.cert],
      ...['-aet', 'TLSRECORD', '-aec', 'OPEN', '127.0.0.1', String(tlsPort)],
    ]);
    expect(r.code).toBe(0);
    const list = (await lb.app.http.inject({ url: '/api/associations?callingAe=TLSRECORD' })).json();
    const one = (await lb.app.http.inject({ url: `/api/associations/${list[0].id}` })).json();
    expect(one.tls).toMatchObject({
      protocol: expect.stringMatching(/^TLSv1\.[23]$/),
      clientCertificate: 'CN=modality-1',
    });
    expect(one.tls.cipher).toMatch(/GCM|CHACHA20/);
    // A plain association has none.
    await dcmtk('echoscu', ['-aet', 'PLAINRECORD', '-aec', 'OPEN', '127.0.0.1', String(lb.dicomPort)]);
    const plain = (await lb.app.http.inject({ url: '/api/associations?callingAe=PLAINRECORD' })).json();
    expect(plain[0].tls).toBeUndefined();
  });

  it('anonymous TLS (no client certificate) is refused', async () => {
    const r = await tlsEcho(tlsPort, { trust: certs.ca.cert });
    expect(r.code).not.toBe(0);
  });

  it('a client certificate of another CA is refused', async () => {
    const r = await tlsEcho(tlsPort, { client: certs.strangerClient, trust: certs.ca.cert });
    expect(r.code).not.toBe(0);
    expect(lb.app.dicomTls!.stats.dropped['tls-handshake']).toBeGreaterThan(0);
  });

  it('the client refuses the server when it trusts another CA', async () => {
    const r = await tlsEcho(tlsPort, { client: certs.client, trust: certs.otherCa.cert });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/certificate verify failed|TLS/i);
  });

  it('a plain DICOM client on the TLS port is refused: no association, the handshake drop counted', async () => {
    const before = lb.app.dicomTls!.stats.dropped['tls-handshake'];
    const r = await plainEcho(tlsPort);
    expect(r.code).not.toBe(0);
    expect(r.output).not.toMatch(/Association Accepted/i);
    expect(lb.app.dicomTls!.stats.dropped['tls-handshake']).toBe(before + 1);
  });

  it('a printer that requires TLS rejects a plain association (permanent, service user, no reason) and takes a TLS one', async () => {
    const plain = await plainEcho(lb.dicomPort, 'SECURE');
    expect(plain.code).not.toBe(0);
    expect(plain.output).toMatch(/Rejected Permanent/);
    expect(plain.output).toMatch(/Service User/);
    expect(plain.output).toMatch(/No Reason/);
    // The same printer over TLS, and a printer without the requirement over plain TCP.
    expect(
      (await tlsEcho(tlsPort, { client: certs.client, trust: certs.ca.cert, called: 'SECURE' })).code,
    ).toBe(0);
    expect((await plainEcho(lb.dicomPort, 'OPEN')).code).toBe(0);
  });

  it('dcmprscu prints a film over TLS with its client certificate; plain, the TLS-only printer refuses it', async () => {
    const r = await tlsPrint(tlsPort, join(tmp, 'p1'), { called: 'SECURE', client: certs.client });
    expect(r.errors).toEqual([]);
    expect(r.accepted).toBe(1);
    expect(printed(r)).toBe(0);
    const plain = await tlsPrint(lb.dicomPort, join(tmp, 'p2'), { called: 'SECURE', tls: false });
    expect(plain.rejected).toBe(true);
    expect(plain.rejection).toMatchObject({ result: 'Rejected Permanent', source: 'Service User' });
    expect(plain.accepted).toBe(0);
  }, 60_000);

  it('/healthz names the TLS port; the conformance statement states the profile and the plain-TCP rejection', async () => {
    const health = (await lb.app.http.inject({ url: '/healthz' })).json();
    expect(health).toMatchObject({ status: 'ok', dicomPort: lb.dicomPort, dicomTlsPort: tlsPort });
    const md = (await lb.app.http.inject({ url: '/api/printers/SECURE/conformance' })).body;
    expect(md).toContain(`on port ${tlsPort}: TLS 1.2 and 1.3`);
    expect(md).toContain('a client certificate signed by a --tls-ca CA is required');
    expect(md).toMatch(
      /the association came over plain TCP \(this printer requires TLS\) \| A-ASSOCIATE-RJ \| 1 /,
    );
  });

  it('dcmprscu without a client certificate is refused', async () => {
    const r = await tlsPrint(tlsPort, join(tmp, 'p3'), { called: 'SECURE' });
    expect(r.accepted).toBe(0);
    expect(printed(r)).toBeUndefined();
  }, 60_000);
});

describe('no client certificates (--tls-cert and --tls-key only), --tls-only', () => {
  let lb: TestLightbox;
  beforeAll(async () => {
    lb = await startLightbox({
      printersDir: printers,
      tlsCert: certs.server.cert,
      tlsKey: certs.server.key,
      tlsPort: 0,
      tlsOnly: true,
      logLevel: 'warn',
    });
  });
  afterAll(async () => {
    await lb?.stop();
  });

  it('the only DICOM listener is the TLS one', () => {
    expect(lb.app.dicom).toBe(lb.app.dicomTls);
  });

  it('echoscu over anonymous TLS, and with a certificate', async () => {
    expect((await tlsEcho(lb.dicomPort, { trust: certs.ca.cert })).code).toBe(0);
    expect((await tlsEcho(lb.dicomPort, { client: certs.client, trust: certs.ca.cert })).code).toBe(0);
  });

  it('dcmprscu prints over TLS without a client certificate', async () => {
    const r = await tlsPrint(lb.dicomPort, join(tmp, 'p4'), { called: 'OPEN' });
    expect(r.errors).toEqual([]);
    expect(printed(r)).toBe(0);
  }, 60_000);
});

describe('client certificates optional (--tls-ca without --tls-verify-peer)', () => {
  let lb: TestLightbox;
  let tlsPort: number;
  beforeAll(async () => {
    lb = await startLightbox({
      printersDir: printers,
      tlsCert: certs.server.cert,
      tlsKey: certs.server.key,
      tlsCa: certs.ca.cert,
      tlsPort: 0,
      logLevel: 'warn',
    });
    tlsPort = lb.app.dicomTls!.port;
  });
  afterAll(async () => {
    await lb?.stop();
  });

  it('takes a client without a certificate and one with a trusted certificate', async () => {
    expect((await tlsEcho(tlsPort, { trust: certs.ca.cert })).code).toBe(0);
    expect((await tlsEcho(tlsPort, { client: certs.client, trust: certs.ca.cert })).code).toBe(0);
  });

  it('refuses a certificate that is presented but does not verify', async () => {
    const r = await tlsEcho(tlsPort, { client: certs.strangerClient, trust: certs.ca.cert });
    expect(r.code).not.toBe(0);
    const drop = lb.logs.find((l) => l.reason === 'tls-handshake');
    expect(String(drop?.detail)).toMatch(/client certificate not trusted/);
  });
});
