/**
 * The control API over a real network, from a client that is not on loopback: the test makes a
 * network namespace joined to this one by a veth pair (unique names, a random /30 in 10.200-249),
 * starts Lightbox bound to 0.0.0.0, and runs curl inside the namespace against the host end's
 * address. Everything it made is removed in afterAll, whatever happened. Needs root and `ip netns`;
 * without them the tests are skipped, saying why.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLightbox, type TestLightbox } from '../support/lightbox.js';

const TOKEN = 'netns-token-7f3a9c';

/** Why these tests cannot run here, or undefined when they can. */
function unavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'not root: creating a network namespace and a veth pair needs root';
  for (const [tool, args] of [
    ['ip', ['netns', 'list']],
    ['curl', ['--version']],
  ] as const) {
    try {
      execFileSync(tool, args, { stdio: 'ignore' });
    } catch (e) {
      return `\`${tool} ${args.join(' ')}\` is not available: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  return undefined;
}
const why = unavailable();
if (why) console.warn(`remote control tests skipped: ${why}`);

const suffix = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`.slice(-8);
const ns = `lightbox-test-${suffix}`;
/** Interface names: at most 15 characters. */
const hostVeth = `lbh${suffix}`;
const nsVeth = `lbn${suffix}`;
let hostIp = '';
let nsIp = '';
const made = { ns: false, veth: false };

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** A /30 no interface here is in: 10.x.y.(4k) */
function freeSubnet(): [string, string] {
  const used = ip('-o', '-4', 'addr', 'show');
  for (let i = 0; i < 50; i++) {
    const prefix = `10.${randomInt(200, 250)}.${randomInt(0, 256)}.`;
    if (used.includes(` ${prefix}`)) continue;
    const base = randomInt(0, 63) * 4;
    return [`${prefix}${base + 1}`, `${prefix}${base + 2}`];
  }
  throw new Error('no free 10.200-249 subnet found');
}

function setUpNetwork(): void {
  [hostIp, nsIp] = freeSubnet();
  ip('netns', 'add', ns);
  made.ns = true;
  ip('link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', nsVeth);
  made.veth = true;
  ip('link', 'set', nsVeth, 'netns', ns);
  ip('addr', 'add', `${hostIp}/30`, 'dev', hostVeth);
  ip('link', 'set', hostVeth, 'up');
  ip('-n', ns, 'addr', 'add', `${nsIp}/30`, 'dev', nsVeth);
  ip('-n', ns, 'link', 'set', nsVeth, 'up');
  ip('-n', ns, 'link', 'set', 'lo', 'up');
}

function tearDownNetwork(): void {
  // Deleting one end of a veth pair deletes both; the namespace last. Each step on its own.
  if (made.veth)
    try {
      ip('link', 'del', hostVeth);
      made.veth = false;
    } catch {
      // moved into the namespace and gone with it, or never fully made
    }
  if (made.ns)
    try {
      ip('netns', 'del', ns);
      made.ns = false;
    } catch (e) {
      console.warn(`could not remove network namespace ${ns}: ${(e as Error).message}`);
    }
}

interface Answer {
  status: number;
  body: string;
}

/**
 * curl from inside the namespace (asynchronous: the server answering is in this process).
 * `maxTime` bounds an endless answer (the event stream); curl's exit code 28 is then expected.
 */
function curl(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; maxTime?: number } = {},
) {
  const args = ['netns', 'exec', ns, 'curl', '-sS', '-N', '-o', '-', '-w', '\n%{http_code}'];
  args.push('--max-time', String(opts.maxTime ?? 10), '-X', opts.method ?? 'GET');
  for (const [k, v] of Object.entries(opts.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(url);
  return new Promise<Answer>((done, fail) => {
    execFile('ip', args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = (err as { code?: number } | null)?.code;
      if (err && !(opts.maxTime && code === 28))
        return fail(new Error(`curl ${url}: ${stderr || err.message}`));
      const i = stdout.lastIndexOf('\n');
      done({ status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) });
    });
  });
}

let open: TestLightbox | undefined;
let locked: TestLightbox | undefined;

beforeAll(async () => {
  if (why) return;
  try {
    setUpNetwork();
  } catch (e) {
    tearDownNetwork();
    throw e;
  }
  const common = { logLevel: 'silent', noRender: true, host: '0.0.0.0', scenariosDir: resolve('scenarios') };
  [open, locked] = await Promise.all([
    startLightbox(common),
    startLightbox({ ...common, apiToken: TOKEN, protectReads: true }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([open?.stop(), locked?.stop()]);
  tearDownNetwork();
  if (!why) {
    // Nothing left behind.
    expect(ip('netns', 'list')).not.toContain(ns);
    expect(ip('-o', 'link', 'show')).not.toContain(hostVeth);
  }
});

const at = (lb: TestLightbox | undefined, path: string) => `http://${hostIp}:${lb!.httpPort}${path}`;
const json = { 'content-type': 'application/json' };

describe('from another network namespace (not loopback), Lightbox bound to 0.0.0.0', () => {
  it('without --api-token: control refused (403) from there, allowed from loopback; reads open', async (ctx) => {
    if (why) return ctx.skip(why);
    const control = await curl(at(open, '/api/control'));
    expect(JSON.parse(control.body)).toMatchObject({ allowed: false, client: nsIp, rule: 'loopback' });
    const put = await curl(at(open, '/api/printers/LIGHTBOX/status'), {
      method: 'PUT',
      headers: json,
    });
    expect(put.status).toBe(403);
    expect(JSON.parse(put.body)).toEqual({
      error: `control requests are accepted only from this machine (loopback) while no --api-token is set; this client is ${nsIp}`,
      rule: 'loopback',
    });
    const armed = await curl(at(open, '/api/lab/scenarios/queue-full'), { method: 'POST', headers: json });
    expect(armed.status).toBe(403);
    expect(open!.app.lab.faults().flatMap((p) => p.faults)).toEqual([]);
    expect((await curl(at(open, '/api/printers'))).status).toBe(200);
    // The same server from this machine's loopback: allowed, whatever it is bound to.
    const local = await fetch(`http://127.0.0.1:${open!.httpPort}/api/printers/LIGHTBOX/status`, {
      method: 'PUT',
      headers: json,
      body: JSON.stringify({ status: 'NORMAL' }),
    });
    expect(local.status).toBe(200);
  });

  it('with --api-token: 401 without it, 200 with it', async (ctx) => {
    if (why) return ctx.skip(why);
    const url = at(locked, '/api/lab/scenarios/queue-full');
    const bare = await curl(url, { method: 'POST', headers: json });
    expect(bare.status).toBe(401);
    expect(JSON.parse(bare.body).rule).toBe('token');
    const wrong = await curl(url, { method: 'POST', headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    const ok = await curl(url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).armed).toHaveLength(2);
    locked!.app.lab.clear();
  });

  it('--protect-reads: films and the event stream need the token from there too', async (ctx) => {
    if (why) return ctx.skip(why);
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const path of ['/api/films', '/api/associations', '/api/verdicts', '/api/events']) {
      const r = await curl(at(locked, path), { maxTime: 5 });
      expect(r.status, path).toBe(401);
    }
    expect((await curl(at(locked, '/api/films'), { headers: auth })).status).toBe(200);
    const events = await curl(at(locked, '/api/events'), { headers: auth, maxTime: 2 });
    expect(events.status).toBe(200);
    expect(events.body).toContain(': lightbox events');
    // What stays open, for probes.
    expect((await curl(at(locked, '/healthz'))).status).toBe(200);
  });
});
