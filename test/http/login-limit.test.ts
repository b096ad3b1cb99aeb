/** The console login's rate limit: a token bucket per client address, bounded in memory; 429 with Retry-After. */
import { describe, expect, it } from 'vitest';
import { clientKey, LoginLimiter } from '../../src/http/login-limit.js';
import { bareApp } from '../support/app.js';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('LoginLimiter', () => {
  it('allows a burst, then one attempt per interval, with the wait in whole seconds', () => {
    const c = clock();
    const l = new LoginLimiter({ burst: 3, refillMs: 10_000, maxClients: 100, now: c.now });
    for (let i = 0; i < 3; i++) expect(l.attempt('192.0.2.1')).toEqual({ allowed: true });
    expect(l.attempt('192.0.2.1')).toEqual({ allowed: false, retryAfterS: 10 });
    c.advance(4_000);
    expect(l.attempt('192.0.2.1')).toEqual({ allowed: false, retryAfterS: 6 });
    c.advance(6_000);
    expect(l.attempt('192.0.2.1')).toEqual({ allowed: true });
    expect(l.attempt('192.0.2.1').allowed).toBe(false);
    // Another client has its own bucket.
    expect(l.attempt('192.0.2.2')).toEqual({ allowed: true });
  });

  it('refused attempts neither cost nor earn: the next one comes when the interval is over', () => {
    const c = clock();
    const l = new LoginLimiter({ burst: 1, refillMs: 10_000, maxClients: 100, now: c.now });
    expect(l.attempt('a').allowed).toBe(true);
    for (let i = 0; i < 9; i++) {
      c.advance(1_000);
      expect(l.attempt('a').allowed).toBe(false);
    }
    c.advance(1_000);
    expect(l.attempt('a').allowed).toBe(true);
  });

  it('remembers at most maxClients, forgetting refilled buckets first, then the least recently used', () => {
    const c = clock();
    const l = new LoginLimiter({ burst: 2, refillMs: 1_000, maxClients: 50, now: c.now });
    for (let i = 0; i < 10_000; i++) l.attempt(`10.0.${i >> 8}.${i & 255}`);
    expect(l.size).toBeLessThanOrEqual(50);
    // A client blocked just now is still remembered after the flood has moved on by a few.
    l.attempt('198.51.100.7');
    l.attempt('198.51.100.7');
    expect(l.attempt('198.51.100.7').allowed).toBe(false);
    for (let i = 0; i < 10; i++) l.attempt(`203.0.113.${i}`);
    expect(l.attempt('198.51.100.7').allowed).toBe(false);
    // Refilled buckets are forgotten before anyone else's.
    c.advance(10_000);
    l.attempt('192.0.2.200');
    expect(l.size).toBeLessThanOrEqual(50);
  });

  it('counts an IPv6 client by its /64, an IPv4-mapped one as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::5')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
    expect(clientKey('::ffff:192.0.2.9')).toBe('192.0.2.9');
    expect(clientKey('192.0.2.9')).toBe('192.0.2.9');
  });
});

describe('POST /api/session', () => {
  const TOKEN = 'correct-horse-battery-staple';
  const login = (a: ReturnType<typeof bareApp>, token: string, remoteAddress: string) =>
    a.inject({
      method: 'POST',
      url: '/api/session',
      payload: { token },
      headers: { host: 'localhost:8080' },
      remoteAddress,
    });

  it('answers 429 with Retry-After after five attempts from one address, even with the right token; others unaffected', async () => {
    const a = bareApp({ control: { token: TOKEN } });
    for (let i = 0; i < 5; i++) expect((await login(a, `guess-${i}`, '192.0.2.10')).statusCode).toBe(401);
    const limited = await login(a, TOKEN, '192.0.2.10');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(12);
    expect(limited.json().error).toMatch(/too many login attempts/);
    expect(limited.headers['set-cookie']).toBeUndefined();
    // Another machine logs in; the same /64 of an IPv6 attacker shares one bucket.
    expect((await login(a, TOKEN, '192.0.2.11')).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) await login(a, 'x', `2001:db8:0:1::${i + 1}`);
    expect((await login(a, 'x', '2001:db8:0:1::99')).statusCode).toBe(429);
    expect((await login(a, 'x', '2001:db8:0:2::1')).statusCode).toBe(401);
  });

  it('documents 429 in the OpenAPI description', async () => {
    const a = bareApp({ control: { token: TOKEN } });
    const doc = (await a.inject({ url: '/openapi.json' })).json();
    const responses = doc.paths['/api/session'].post.responses;
    expect(Object.keys(responses).some((k) => k === '429' || k === '4XX' || k === '4xx')).toBe(true);
  });
});
