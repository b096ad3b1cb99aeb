/**
 * /api/events under a client that never reads: it is disconnected once its unread bytes pass the
 * bound, and counted; a client that reads gets every event. /metrics has the event loop delay.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SSE_MAX_BUFFERED } from '../../src/http/routes/events.js';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

let lb: TestLightbox;
beforeAll(async () => {
  lb = await startLightbox({ logLevel: 'warn' });
});
afterAll(async () => {
  await lb?.stop();
});

const metric = async (name: string): Promise<number | undefined> => {
  const body = (await lb.app.http.inject({ url: '/metrics' })).body;
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

/** An HTTP client that asks for the event stream and then never reads a byte. */
function stalledClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: '127.0.0.1' }, () => {
      s.pause();
      s.write('GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
      resolve(s);
    });
    s.on('error', () => {});
    s.once('error', reject);
  });
}

it('a client that never reads is disconnected and counted; one that reads gets every event', async () => {
  const stalled = await stalledClient(lb.httpPort);
  const ac = new AbortController();
  const res = await fetch(`http://127.0.0.1:${lb.httpPort}/api/events`, { signal: ac.signal });
  const reader = res.body!.getReader();
  let received = 0;
  const decoder = new TextDecoder();
  const reading = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        received += decoder.decode(value).split('event: fault.fired\n').length - 1;
      }
    } catch {
      // aborted at the end
    }
  })();
  await expect.poll(() => metric('lightbox_sse_clients')).toBe(2);

  // 1 KiB events, 100 at a time, until the stalled client is gone (kernel buffers first take
  // several MiB); at most 200 MiB.
  const description = 'x'.repeat(1024);
  let published = 0;
  while ((await metric('lightbox_sse_clients_dropped_total')) === 0 && published < 200_000) {
    for (let i = 0; i < 100; i++, published++)
      lb.app.events.publish({
        type: 'fault.fired',
        printer: 'LIGHTBOX',
        fault: 'f1',
        kind: 'delay',
        description,
      });
    await new Promise((r) => setTimeout(r, 2));
    // Keep the reading client within the bound: on a loaded machine it runs behind, and a reader
    // behind by more than the bound is (rightly) dropped too.
    for (let t = 0; published - received > 256 && t < 10_000; t++) await new Promise((r) => setTimeout(r, 1));
  }
  expect(await metric('lightbox_sse_clients_dropped_total')).toBe(1);
  expect(await metric('lightbox_sse_clients')).toBe(1);
  // Dropped with at most the bound (plus one event) waiting in Lightbox, not everything sent.
  const warning = lb.logs.find((l) => l['msg'] === 'event stream client does not read: disconnected');
  expect(Number(warning?.['buffered'])).toBeLessThanOrEqual(SSE_MAX_BUFFERED + 2048);
  expect(published * 1024).toBeGreaterThan(SSE_MAX_BUFFERED);

  await expect.poll(() => received, { timeout: 10_000 }).toBe(published);
  ac.abort();
  await reading;
  stalled.destroy();
  await expect.poll(() => metric('lightbox_sse_clients')).toBe(0);
});

it('20 clients that never read are all dropped without stalling the event loop', async () => {
  const before = (await metric('lightbox_sse_clients_dropped_total')) ?? 0;
  const stalled = await Promise.all(Array.from({ length: 20 }, () => stalledClient(lb.httpPort)));
  await expect.poll(() => metric('lightbox_sse_clients')).toBe(20);
  const description = 'y'.repeat(300);
  // The longest the loop was away between two batches: dropping clients happens in there.
  let longest = 0;
  for (let n = 0; n < 200_000 && (await metric('lightbox_sse_clients')) !== 0; ) {
    for (let i = 0; i < 200; i++, n++)
      lb.app.events.publish({
        type: 'fault.fired',
        printer: 'LIGHTBOX',
        fault: 'f2',
        kind: 'delay',
        description,
      });
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 1));
    longest = Math.max(longest, performance.now() - t0);
  }
  expect(await metric('lightbox_sse_clients_dropped_total')).toBe(before + 20);
  // Dropping a client frees one list of strings, not thousands of buffered socket writes.
  // (The socket's own buffer: over a second here, 22 s for 100 clients.)
  expect(longest).toBeLessThan(500);
  for (const s of stalled) s.destroy();
});

it('/metrics reports the event loop delay since the previous scrape', async () => {
  await lb.app.http.inject({ url: '/metrics' });
  // Block the loop for 150 ms: the next scrape sees it, the one after no longer does.
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  while (performance.now() - t0 < 150) {
    // busy
  }
  await new Promise((r) => setTimeout(r, 50));
  expect(await metric('lightbox_event_loop_lag_max_seconds')).toBeGreaterThan(0.1);
  await new Promise((r) => setTimeout(r, 100));
  expect(await metric('lightbox_event_loop_lag_max_seconds')).toBeLessThan(0.1);
  expect(await metric('lightbox_event_loop_lag_p50_seconds')).toBeGreaterThanOrEqual(0);
  expect(await metric('lightbox_event_loop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
});
