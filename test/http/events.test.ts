/** Server-Sent Events and Prometheus metrics over real HTTP, driven by real DICOM traffic. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';
import { associateRq } from '../support/pdus.js';
import { Peer } from '../support/peer.js';

let lb: TestLightbox;
beforeAll(async () => {
  lb = await startLightbox({ logLevel: 'warn' });
});
afterAll(async () => {
  await lb?.stop();
});

it('streams association, DIMSE and printer events as they happen; counts them in /metrics', async () => {
  const ac = new AbortController();
  const res = await fetch(`http://127.0.0.1:${lb.httpPort}/api/events`, { signal: ac.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const seen: { type: string; [k: string]: unknown }[] = [];
  const pump = (async () => {
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += new TextDecoder().decode(value);
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) seen.push(JSON.parse(data.slice(6)));
        }
      }
    } catch {
      // aborted at the end of the test
    }
  })();

  const p = await Peer.connect(lb.dicomPort);
  await p.associate({ calling: 'SSESCU' });
  expect((await p.echo(1)).status).toBe(0);
  await p.release();
  lb.app.printers[0]!.runtime.setStatus('WARNING', 'SUPPLY LOW');
  lb.app.printers[0]!.runtime.setStatus('NORMAL', 'NORMAL');

  await expect
    .poll(() => seen.map((e) => e.type))
    .toEqual(expect.arrayContaining(['association.opened', 'dimse', 'association.closed', 'printer.status']));
  expect(seen.find((e) => e.type === 'association.opened')).toMatchObject({
    callingAeTitle: 'SSESCU',
    calledAeTitle: 'LIGHTBOX',
  });
  expect(seen.find((e) => e.type === 'dimse')).toMatchObject({ message: 'C-ECHO-RQ', status: 0 });
  expect(seen.filter((e) => e.type === 'printer.status').map((e) => e.status)).toEqual(['WARNING', 'NORMAL']);
  ac.abort();
  await pump;

  const metrics = await lb.app.http.inject({ url: '/metrics' });
  expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
  expect(metrics.body).toMatch(/lightbox_dimse_messages_total\{message="C-ECHO-RQ",status="0x0000"\} 1/);
  expect(metrics.body).toMatch(/lightbox_associations_total\{printer="LIGHTBOX",ending="released"\} 1/);
  expect(metrics.body).toMatch(
    /lightbox_printer_status_changes_total\{printer="LIGHTBOX",status="WARNING"\} 1/,
  );
});

it('shutdown is not held up by an open event stream', async () => {
  const other = await startLightbox({ logLevel: 'silent' });
  const res = await fetch(`http://127.0.0.1:${other.httpPort}/api/events`);
  const reader = res.body!.getReader();
  await reader.read(); // the opening comment
  const t0 = Date.now();
  await other.stop();
  expect(Date.now() - t0).toBeLessThan(3000);
  await reader.cancel().catch(() => undefined);
});

it('counts fired lab faults in /metrics by kind and printer', async () => {
  const arm = (payload: object) =>
    lb.app.http.inject({ method: 'POST', url: '/api/lab/faults', payload }).then((r) => {
      expect(r.statusCode, r.body).toBe(201);
    });
  const fired = () => lb.app.http.inject({ url: '/metrics' }).then((r) => r.body);
  expect(await fired()).toContain('# TYPE lightbox_faults_fired_total counter');
  expect(await fired()).not.toMatch(/^lightbox_faults_fired_total\{/m);

  // Two refusals: each association the printer would accept gets A-ASSOCIATE-RJ.
  await arm({ kind: 'refuse', reason: 'temporary-congestion', count: 2 });
  for (let i = 0; i < 2; i++) {
    const p = await Peer.connect(lb.dicomPort);
    p.send(associateRq({ calling: 'FAULTSCU' }));
    expect((await p.next()).type).toBe('A-ASSOCIATE-RJ');
    p.destroy();
  }
  // A printer script fired at once: FAILURE now.
  await arm({ kind: 'printer-status', when: 'now', status: 'FAILURE', info: 'FILM JAM', count: 1 });
  lb.app.printers[0]!.runtime.setStatus('NORMAL', 'NORMAL');

  const body = await fired();
  expect(body).toMatch(/^lightbox_faults_fired_total\{kind="refuse",printer="LIGHTBOX"\} 2$/m);
  expect(body).toMatch(/^lightbox_faults_fired_total\{kind="printer-status",printer="LIGHTBOX"\} 1$/m);
  await lb.app.http.inject({ method: 'DELETE', url: '/api/lab/faults' });
});
