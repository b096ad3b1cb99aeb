/**
 * The container files agree with the application: docker-compose.yml and the Dockerfile use the
 * ports, paths, entry point and health endpoint the app really has. Static checks (no Docker engine
 * here), plus the healthcheck command run for real against a local HTTP server.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { OPTIONS, parseConfig } from '../src/config/config.js';
import { startNodeFlags } from './support/node-flags.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const read = (f: string) => readFileSync(join(root, f), 'utf8');

function optionDefault(key: string): string {
  const o = OPTIONS.find((x) => x.key === key);
  if (!o) throw new Error(`no option ${key}`);
  return o.default;
}
const DICOM_PORT = Number(optionDefault('dicomPort'));
const HTTP_PORT = Number(optionDefault('httpPort'));

// ---- a small Dockerfile reader: instructions per stage, continuation lines joined ----

interface Instruction {
  cmd: string;
  args: string;
}

function parseDockerfile(text: string): Instruction[][] {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((pending + line).trim());
    pending = '';
  }
  if (pending) logical.push(pending.trim());
  const stages: Instruction[][] = [];
  for (const l of logical) {
    if (l === '') continue;
    const m = /^(\S+)\s*(.*)$/s.exec(l)!;
    const ins = { cmd: m[1]!.toUpperCase(), args: m[2]! };
    if (ins.cmd === 'FROM') stages.push([]);
    if (stages.length === 0) continue; // ARG before FROM
    stages.at(-1)!.push(ins);
  }
  return stages;
}

/** ENV K=V [K2=V2...] or legacy ENV K V. Unquoted values only (all this file uses). */
function envOf(stage: Instruction[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { cmd, args } of stage) {
    if (cmd !== 'ENV') continue;
    if (args.includes('=')) {
      for (const pair of args.split(/\s+/)) {
        const i = pair.indexOf('=');
        env[pair.slice(0, i)] = pair.slice(i + 1).replace(/^"(.*)"$/, '$1');
      }
    } else {
      const [k, ...v] = args.split(/\s+/);
      env[k!] = v.join(' ');
    }
  }
  return env;
}

function last(stage: Instruction[], cmd: string): Instruction | undefined {
  return stage.filter((i) => i.cmd === cmd).at(-1);
}

/** Exec-form JSON array, as CMD and HEALTHCHECK CMD must use (signals reach node directly). */
function execForm(args: string): string[] {
  const v: unknown = JSON.parse(args);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`not exec form: ${args}`);
  return v as string[];
}

/** Compose duration ("20s", "1m30s", "1500ms") in milliseconds. */
function durationMs(d: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let total = 0;
  let rest = d.trim();
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|us|h|m|s)/.exec(rest);
    if (!m) throw new Error(`bad duration ${d}`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

interface Mount {
  source: string;
  target: string;
  mode: string | undefined;
}

function mountOf(v: unknown): Mount {
  if (typeof v === 'string') {
    const [source, target, mode] = v.split(':');
    return { source: source!, target: target!, mode };
  }
  const o = v as { source: string; target: string; read_only?: boolean };
  return { source: o.source, target: o.target, mode: o.read_only ? 'ro' : undefined };
}

function portOf(v: unknown): { published: number; target: number } {
  if (typeof v === 'object' && v !== null) {
    const o = v as { published: number | string; target: number | string };
    return { published: Number(o.published), target: Number(o.target) };
  }
  const parts = String(v)
    .replace(/\/tcp$/, '')
    .split(':');
  return { published: Number(parts.at(-2)), target: Number(parts.at(-1)) };
}

// ---- the files ----

const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages.at(-1)!;
const dockerEnv = envOf(runtime);
const pkg = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};
/** The V8 flags of npm start, the one place they are set. */
const nodeFlags = startNodeFlags(root);

interface ComposeService {
  build: string | { context: string };
  image?: string;
  profiles?: string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports: unknown[];
  environment: Record<string, string | number> | string[];
  volumes: unknown[];
  healthcheck: { test: string[] | string; interval?: string; timeout?: string };
  restart?: string;
  stop_grace_period?: string;
}
const compose = parseYaml(read('docker-compose.yml')) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const svc = compose.services['lightbox']!;

/** The service's environment as written (before compose interpolates ${...}). */
function composeEnvRaw(service: ComposeService = svc): Record<string, string> {
  const e = service.environment;
  if (Array.isArray(e))
    return Object.fromEntries(e.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)]));
}

/**
 * The environment as compose hands it to the container, from the shell's `shell`: ${VAR},
 * ${VAR:-default} and ${VAR-default} interpolated ($$ is a literal $). Anything else is an error.
 */
function composeEnv(
  shell: Record<string, string> = {},
  service: ComposeService = svc,
): Record<string, string> {
  const expand = (v: string) =>
    v.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$/g, (m, name, op, dflt) => {
      if (m === '$$') return '$';
      if (m === '$') throw new Error(`unsupported interpolation in ${v}`);
      const set = shell[name];
      if (op === ':-') return set ? set : dflt;
      if (op === '-') return set ?? dflt;
      return set ?? '';
    });
  return Object.fromEntries(Object.entries(composeEnvRaw(service)).map(([k, v]) => [k, expand(v)]));
}

describe('Dockerfile', () => {
  it('is multi-stage on node:24-bookworm-slim, the Node major of package.json (engines, packaged runtime)', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages) expect(s[0]!.args).toMatch(/^node:24-bookworm-slim\b/);
    expect(pkg.engines.node).toMatch(/^>=24\./);
    for (const v of Object.values(pkg.optionalDependencies)) expect(v).toMatch(/^\^24\./);
  });

  it('builds nothing natively and leaves the packaged Node binary out of the image', () => {
    const runs = stages.flat().filter((i) => i.cmd === 'RUN');
    for (const r of runs) expect(r.args).not.toMatch(/\b(g\+\+|make|python3|node-gyp)\b/);
    expect(runs.some((r) => r.args.includes('rm -rf node_modules/node-linux-*'))).toBe(true);
  });

  it('EXPOSEs both default ports', () => {
    const exposed = runtime
      .filter((i) => i.cmd === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map((p) => Number(p.replace(/\/tcp$/, '')));
    expect(exposed).toContain(DICOM_PORT);
    expect(exposed).toContain(HTTP_PORT);
  });

  it('runs the package bin with node from WORKDIR /app, with the V8 flags npm start uses', () => {
    const cmd = execForm(last(runtime, 'CMD')!.args);
    expect(cmd).toEqual(['node', ...nodeFlags, 'dist/src/main.js']);
    expect(cmd.at(-1)).toBe(pkg.bin['lightbox']);
    expect(last(runtime, 'WORKDIR')!.args).toBe('/app');
    expect(runtime.some((i) => i.cmd === 'COPY' && /\bdist\b/.test(i.args))).toBe(true);
  });

  it('the lab CI script starts Lightbox with the same V8 flags', () => {
    expect(nodeFlags.length).toBeGreaterThan(0);
    expect(read('scripts/lab-ci-example.sh')).toContain(`exec node ${nodeFlags.join(' ')} "$main"`);
  });

  it('sets LIGHTBOX_DATA_DIR, creates it, and does not run as root', () => {
    const dir = dockerEnv['LIGHTBOX_DATA_DIR'];
    expect(dir).toMatch(/^\//);
    expect(runtime.some((i) => i.cmd === 'RUN' && i.args.includes(`mkdir -p ${dir}`))).toBe(true);
    const user = last(runtime, 'USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user!.split(':')[0]);
  });

  it.each([
    ['printers', 'printersDir'],
    ['scenarios', 'scenariosDir'],
  ])('ships the %s directory where the default --%s looks', (dir, key) => {
    const workdir = last(runtime, 'WORKDIR')!.args;
    const target = posix.resolve(workdir, optionDefault(key));
    const copies = runtime
      .filter((i) => i.cmd === 'COPY')
      .map((i) => i.args.split(/\s+/).filter((a) => !a.startsWith('--')));
    const copy = copies.find((a) => posix.resolve(workdir, a.at(-1)!) === target);
    expect(copy, `no COPY to ${target}`).toBeDefined();
    // From the build stage's checkout of the repository directory of that name.
    expect(posix.basename(copy![0]!)).toBe(dir);
    expect(existsSync(join(root, dir))).toBe(true);
  });

  it('.dockerignore keeps host build output and dependencies out of the context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['node_modules', 'dist', 'var', 'test/artifacts', '.git', '.env'])
      expect(ignored).toContain(p);
  });
});

describe('docker-compose.yml', () => {
  it('builds the lightbox service from the repository', () => {
    const ctx = typeof svc.build === 'string' ? svc.build : svc.build.context;
    expect(ctx).toBe('.');
    expect(svc.restart).toBe('unless-stopped');
  });

  it('publishes the default DICOM and HTTP ports 1:1', () => {
    const ports = svc.ports.map(portOf);
    expect(ports.map((p) => p.target).sort()).toEqual([DICOM_PORT, HTTP_PORT].sort());
    for (const p of ports) expect(p.published).toBe(p.target);
  });

  it('environment parses (with the real config parser) to the same ports', () => {
    const env = composeEnv();
    expect(env['LIGHTBOX_DICOM_PORT']).toBeDefined();
    expect(env['LIGHTBOX_HTTP_PORT']).toBeDefined();
    // The data dir is overridden by a flag (flags beat env) so nothing is created outside a temp dir.
    const tmp = mkdtempSync(join(tmpdir(), 'lightbox-compose-'));
    try {
      const { config } = parseConfig(['--data-dir', join(tmp, 'var')], env, tmp);
      expect(config.dicomPort).toBe(DICOM_PORT);
      expect(config.httpPort).toBe(HTTP_PORT);
      const targets = svc.ports.map((p) => portOf(p).target);
      expect(targets).toContain(config.dicomPort);
      expect(targets).toContain(config.httpPort);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('takes LIGHTBOX_API_TOKEN (and the other access settings) from the environment, with no token of its own', () => {
    const raw = composeEnvRaw();
    // No default token in a file anyone can read: the shell's, or .env's, or none.
    const fromShell = (name: string, dflt = '') => `\${${name}:-${dflt}}`;
    expect(raw['LIGHTBOX_API_TOKEN']).toBe(fromShell('LIGHTBOX_API_TOKEN'));
    expect(raw['LIGHTBOX_ALLOWED_HOSTS']).toBe(fromShell('LIGHTBOX_ALLOWED_HOSTS'));
    expect(raw['LIGHTBOX_PROTECT_READS']).toBe(fromShell('LIGHTBOX_PROTECT_READS', 'false'));
    // Documented where it is set: why the container needs it, where to put it.
    const text = read('docker-compose.yml');
    const comment = text.slice(0, text.indexOf('LIGHTBOX_API_TOKEN: ')).split('\n').slice(-6).join('\n');
    expect(comment).toMatch(/never from its loopback/);
    expect(comment).toMatch(/\.env/);
    // A token's secret file stays out of the image's build context and out of git.
    expect(read('.dockerignore').split('\n')).toContain('.env');
    expect(read('.gitignore').split('\n')).toContain('.env');
    // Parsed by the real config parser: the shell's token, or none (then the lab is read-only).
    const tmp = mkdtempSync(join(tmpdir(), 'lightbox-compose-'));
    try {
      const parse = (shell: Record<string, string>) =>
        parseConfig(['--data-dir', join(tmp, 'var')], composeEnv(shell), tmp).config;
      expect(parse({ LIGHTBOX_API_TOKEN: 's3cret-from-the-shell' }).apiToken).toBe('s3cret-from-the-shell');
      expect(parse({}).apiToken).toBeUndefined();
      expect(parse({}).protectReads).toBe(false);
      expect(parse({}).allowedHosts).toEqual([]);
      expect(parse({ LIGHTBOX_PROTECT_READS: 'true', LIGHTBOX_ALLOWED_HOSTS: 'lightbox.lab' })).toMatchObject(
        {
          protectReads: true,
          allowedHosts: ['lightbox.lab'],
        },
      );
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('mounts the named volume at LIGHTBOX_DATA_DIR, the same path the Dockerfile sets', () => {
    const dataDir = composeEnv()['LIGHTBOX_DATA_DIR'];
    expect(dataDir).toBeDefined();
    const mounts = svc.volumes.map(mountOf);
    const data = mounts.find((m) => m.source === 'lightbox-data');
    expect(data?.target).toBe(dataDir);
    expect(compose.volumes).toHaveProperty('lightbox-data');
    expect(dockerEnv['LIGHTBOX_DATA_DIR']).toBe(dataDir);
  });

  it.each([
    ['./printers', 'printersDir'],
    ['./scenarios', 'scenariosDir'],
  ])('binds %s read-only where the image keeps it', (source, key) => {
    const workdir = last(runtime, 'WORKDIR')!.args;
    const mount = svc.volumes.map(mountOf).find((m) => m.source === source);
    expect(mount).toEqual({ source, target: posix.resolve(workdir, optionDefault(key)), mode: 'ro' });
  });

  it('gives shutdown more time than --shutdown-grace before SIGKILL', () => {
    // The server drains for the grace, then aborts and waits up to 2 s more before destroying.
    const graceMs = Number(optionDefault('shutdownGraceMs')) * 1000 + 2000;
    expect(svc.stop_grace_period).toBeDefined();
    expect(durationMs(svc.stop_grace_period!)).toBeGreaterThan(graceMs);
  });
});

describe('healthcheck (compose and Dockerfile)', () => {
  const composeTest = svc.healthcheck.test;
  const hc = last(runtime, 'HEALTHCHECK')!.args;
  const hcMatch = /^((?:--\S+\s+)*)CMD\s+(.*)$/s.exec(hc);

  it('is the same exec-form node command in both files', () => {
    expect(hcMatch).not.toBeNull();
    const dockerCmd = execForm(hcMatch![2]!);
    expect(composeTest).toEqual(['CMD', ...dockerCmd]);
    expect(dockerCmd[0]).toBe('node');
    expect(dockerCmd[1]).toBe('-e');
  });

  it('targets /healthz on 127.0.0.1 at the HTTP port the app listens on', () => {
    const script = (composeTest as string[])[3]!;
    expect(script).toContain('http://127.0.0.1:');
    expect(script).toContain('/healthz');
    // The port comes from the variable the app reads, defaulting to the app's own default.
    expect(script).toContain('process.env.LIGHTBOX_HTTP_PORT');
    expect(script).toMatch(new RegExp(`\\|\\|\\s*['"]?${HTTP_PORT}\\b`));
    // Compose would interpolate "$": the command must not contain one.
    expect(script).not.toContain('$');
  });

  describe('run against a local server', () => {
    let server: Server;
    let port: number;
    let status = 200;
    const paths: string[] = [];
    beforeAll(async () => {
      server = createServer((req, res) => {
        paths.push(req.url ?? '');
        res.writeHead(req.url === '/healthz' ? status : 404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: status === 200 ? 'ok' : 'starting' }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise((r) => server.close(r));
    });

    const runCheck = (httpPort: number) =>
      new Promise<number>((res) => {
        const [, ...args] = composeTest as string[];
        const env = { ...process.env, ...composeEnv(), LIGHTBOX_HTTP_PORT: String(httpPort) };
        execFile(process.execPath, args.slice(1), { env, timeout: 10_000 }, (err) =>
          res(err ? ((err as { code?: number }).code ?? -1) : 0),
        );
      });

    it('exits 0 on 200 from /healthz', async () => {
      status = 200;
      paths.length = 0;
      expect(await runCheck(port)).toBe(0);
      expect(paths).toEqual(['/healthz']);
    });

    it('exits non-zero on 503', async () => {
      status = 503;
      expect(await runCheck(port)).not.toBe(0);
    });

    it('exits non-zero when nothing listens', async () => {
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const closedPort = (probe.address() as AddressInfo).port;
      await new Promise((r) => probe.close(r));
      expect(await runCheck(closedPort)).not.toBe(0);
    });
  });
});

describe('docker-compose.yml, profile scale: two instances on PostgreSQL behind a TCP load balancer', () => {
  const services = compose.services;
  const pool = ['lightbox-a', 'lightbox-b'];
  const haproxy = read('deploy/haproxy.cfg');

  it('has PostgreSQL (official image, checked ready), two Lightbox instances and a balancer, all in the profile only', () => {
    for (const name of ['postgres', ...pool, 'balancer'])
      expect(services[name]?.profiles, name).toEqual(['scale']);
    // The single instance stays what `docker compose up` starts.
    expect(svc.profiles).toBeUndefined();
    expect(services['postgres']!.image).toMatch(/^postgres:\d+/);
    expect(JSON.stringify(services['postgres']!.healthcheck.test)).toContain('pg_isready');
    expect(services['balancer']!.image).toMatch(/^haproxy:\d/);
    for (const name of pool) {
      const s = services[name]!;
      expect(typeof s.build === 'string' ? s.build : s.build.context).toBe('.');
      expect(s.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
      // Only the balancer publishes ports.
      expect(s.ports).toBeUndefined();
    }
  });

  it("each instance's environment parses (real config parser) to the pool's database, the same for both", () => {
    const pg = composeEnv({}, services['postgres']!);
    const tmp = mkdtempSync(join(tmpdir(), 'lightbox-compose-'));
    try {
      const urls = pool.map((name) => {
        const env = composeEnv({ LIGHTBOX_PG_PASSWORD: 'from-the-shell' }, services[name]!);
        const { config } = parseConfig(['--data-dir', join(tmp, 'var')], env, tmp);
        expect(config.dicomPort).toBe(DICOM_PORT);
        expect(config.httpPort).toBe(HTTP_PORT);
        return config.database!;
      });
      expect(urls[0]).toBe(urls[1]);
      const u = new URL(urls[0]!);
      expect(u.protocol).toBe('postgres:');
      expect(u.hostname).toBe('postgres');
      expect(u.username).toBe(pg['POSTGRES_USER']);
      expect(u.pathname).toBe(`/${pg['POSTGRES_DB']}`);
      expect(u.password).toBe('from-the-shell');
      expect(
        composeEnv({ LIGHTBOX_PG_PASSWORD: 'from-the-shell' }, services['postgres']!)['POSTGRES_PASSWORD'],
      ).toBe('from-the-shell');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('both instances mount one films volume at LIGHTBOX_DATA_DIR', () => {
    const films = pool.map((name) => {
      const dataDir = composeEnv({}, services[name]!)['LIGHTBOX_DATA_DIR'];
      const m = services[name]!.volumes.map(mountOf).find((x) => x.target === dataDir);
      expect(m, name).toBeDefined();
      return m!.source;
    });
    expect(films[0]).toBe(films[1]);
    expect(compose.volumes).toHaveProperty(films[0]!);
    expect(films[0]).not.toBe('lightbox-data');
  });

  it('the balancer publishes DICOM and HTTP (beside the single instance, on other host ports) with its config mounted', () => {
    const b = services['balancer']!;
    const ports = b.ports.map((p) => portOf(String(p).replace(/\$\{[A-Z_]+:-(\d+)\}/, '$1')));
    expect(ports.map((p) => p.target).sort()).toEqual([DICOM_PORT, HTTP_PORT].sort());
    const single = svc.ports.map(portOf).map((p) => p.published);
    for (const p of ports) expect(single).not.toContain(p.published);
    const cfg = b.volumes.map(mountOf).find((m) => m.target === '/usr/local/etc/haproxy/haproxy.cfg');
    expect(cfg).toMatchObject({ source: './deploy/haproxy.cfg', mode: 'ro' });
    expect(existsSync(join(root, 'deploy/haproxy.cfg'))).toBe(true);
    expect(b.depends_on).toEqual(pool);
  });

  it('haproxy.cfg: TCP frontends on the ports the balancer publishes, each backend on every instance, checked by /healthz', () => {
    expect(haproxy).toMatch(/^\s*mode tcp$/m);
    const binds = [...haproxy.matchAll(/^\s*bind :(\d+)$/gm)].map((m) => Number(m[1]));
    expect(binds.sort()).toEqual([DICOM_PORT, HTTP_PORT].sort());
    const backends = haproxy.split(/^backend /m).slice(1);
    expect(backends).toHaveLength(2);
    for (const block of backends) {
      expect(block).toMatch(/option httpchk GET \/healthz/);
      const servers = [...block.matchAll(/^\s*server (\S+) ([\w-]+):(\d+)(?: port (\d+))?/gm)];
      expect(servers.map((m) => m[2]).sort()).toEqual(pool);
      for (const m of servers) {
        expect([DICOM_PORT, HTTP_PORT]).toContain(Number(m[3]));
        // Health is asked of the HTTP port, whatever the backend carries.
        expect(Number(m[4] ?? m[3])).toBe(HTTP_PORT);
      }
    }
  });

  /** `haproxy -c -f FILE` (Debian's haproxy, which scripts/test.sh installs): exit status and output. */
  const haproxyCheck = (file: string) =>
    new Promise<{ code: number; out: string }>((done) => {
      const bin = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
      execFile(bin, ['-c', '-f', file], { timeout: 20_000 }, (err, stdout, stderr) =>
        done({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, out: `${stdout}${stderr}` }),
      );
    });

  it('haproxy.cfg is valid for the real haproxy (-c); its only warnings are the instance names it cannot resolve outside compose', async () => {
    const r = await haproxyCheck(join(root, 'deploy/haproxy.cfg'));
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('Configuration file is valid');
    const warnings = r.out.split('\n').filter((l) => /\[(WARNING|ALERT)\]/.test(l));
    for (const w of warnings) expect(w).toMatch(/could not resolve address 'lightbox-[ab]'/);
    // The check can fail: the same file with one keyword misspelt is refused.
    const tmp = mkdtempSync(join(tmpdir(), 'lightbox-haproxy-'));
    try {
      writeFileSync(join(tmp, 'bad.cfg'), haproxy.replace('balance leastconn', 'balance leastconnections'));
      const bad = await haproxyCheck(join(tmp, 'bad.cfg'));
      expect(bad.code).not.toBe(0);
      expect(bad.out).toMatch(/balance only supports/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 30_000);

  it("each instance's LIGHTBOX_* variables are options Lightbox has (none ignored), their printers and scenarios bound where the flags' defaults look", () => {
    const envs = new Set(OPTIONS.map((o) => o.env));
    const workdir = last(runtime, 'WORKDIR')!.args;
    for (const name of pool) {
      const s = services[name]!;
      for (const k of Object.keys(composeEnvRaw(s)).filter((x) => x.startsWith('LIGHTBOX_')))
        expect(envs.has(k), `${name}: ${k} is no option`).toBe(true);
      for (const [source, key] of [
        ['./printers', 'printersDir'],
        ['./scenarios', 'scenariosDir'],
      ] as const)
        expect(s.volumes.map(mountOf).find((m) => m.source === source)).toEqual({
          source,
          target: posix.resolve(workdir, optionDefault(key)),
          mode: 'ro',
        });
      const graceMs = Number(optionDefault('shutdownGraceMs')) * 1000 + 2000;
      expect(durationMs(s.stop_grace_period!)).toBeGreaterThan(graceMs);
    }
  });
});
