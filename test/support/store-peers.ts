/**
 * Real storage peers for the export tests, each started by the test on free ports in a temporary
 * directory and stopped by it (never a system service): DCMTK's storescp, and a private Orthanc
 * (Debian orthanc + orthanc-dicomweb) with its DICOMweb plugin, basic authentication, and a Lua
 * filter that refuses every POST (STOW-RS: 403) while a flag file exists. Orthanc 1.10's Lua
 * cannot make a C-STORE fail (a filtered instance is answered Success), so the C-STORE refusal
 * comes from storescp: it answers 0xA700 Out of Resources when it cannot write what it received.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { freePort } from './dcmprint.js';

async function waitFor(ok: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms`);
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

async function stopChild(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once('exit', () => r()));
  c.kill('SIGTERM');
  const t = setTimeout(() => c.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(t);
}

/** storescp writing what it receives to `dir`; stop() and start() again on the same port. */
export class StoreScp {
  #child: ChildProcess | undefined;
  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly aeTitle: string,
  ) {}

  static async start(dir: string, aeTitle = 'STORESCP'): Promise<StoreScp> {
    mkdirSync(dir, { recursive: true });
    const s = new StoreScp(dir, await freePort(), aeTitle);
    await s.start();
    return s;
  }

  async start(): Promise<void> {
    this.#child = spawn('storescp', ['-od', this.dir, '-aet', this.aeTitle, '--fork', String(this.port)], {
      stdio: 'ignore',
    });
    await waitFor(() => accepts(this.port), 'storescp');
  }

  async stop(): Promise<void> {
    await stopChild(this.#child);
    this.#child = undefined;
  }

  /** Make its output directory unwritable (a file where it was), or give it back. */
  refuse(on: boolean): void {
    rmSync(this.dir, { recursive: true, force: true });
    if (on) writeFileSync(this.dir, 'not a directory');
    else mkdirSync(this.dir, { recursive: true });
  }
}

export const ORTHANC_USER = 'lightbox';
export const ORTHANC_PASSWORD = 'film-out-secret';

export class Orthanc {
  #child: ChildProcess | undefined;
  output = '';
  private constructor(
    readonly dir: string,
    readonly httpPort: number,
    readonly dicomPort: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }
  get refuseFlag(): string {
    return join(this.dir, 'refuse');
  }

  static async start(dir: string): Promise<Orthanc> {
    mkdirSync(dir, { recursive: true });
    const o = new Orthanc(dir, await freePort(), await freePort());
    writeFileSync(
      join(dir, 'filter.lua'),
      `local function refusing()
  local f = io.open('${o.refuseFlag}', 'r')
  if f ~= nil then
    io.close(f)
    return true
  end
  return false
end

function IncomingHttpRequestFilter(method, uri, ip, username, headers)
  return not (method == 'POST' and refusing())
end
`,
    );
    writeFileSync(
      join(dir, 'orthanc.json'),
      JSON.stringify({
        Name: 'lightbox-test',
        StorageDirectory: join(dir, 'storage'),
        IndexDirectory: join(dir, 'storage'),
        HttpPort: o.httpPort,
        DicomPort: o.dicomPort,
        DicomAet: 'ORTHANC',
        DicomCheckCalledAet: false,
        DicomAlwaysAllowStore: true,
        RemoteAccessAllowed: false,
        AuthenticationEnabled: true,
        RegisteredUsers: { [ORTHANC_USER]: ORTHANC_PASSWORD },
        Plugins: ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so'],
        DicomWeb: { Enable: true, Root: '/dicom-web/' },
        LuaScripts: [join(dir, 'filter.lua')],
        StableAge: 1,
        HttpTimeout: 60,
      }),
    );
    await o.start();
    return o;
  }

  async start(): Promise<void> {
    this.#child = spawn('Orthanc', [join(this.dir, 'orthanc.json')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000);
    };
    this.#child.stdout?.on('data', keep);
    this.#child.stderr?.on('data', keep);
    await waitFor(async () => (await this.get('/system').catch(() => undefined)) !== undefined, 'Orthanc');
  }

  async stop(): Promise<void> {
    await stopChild(this.#child);
    this.#child = undefined;
  }

  refuse(on: boolean): void {
    if (on) writeFileSync(this.refuseFlag, '');
    else if (existsSync(this.refuseFlag)) rmSync(this.refuseFlag);
  }

  /** A GET on its REST API, as JSON. */
  async get(path: string): Promise<unknown> {
    const r = await fetch(`${this.url}${path}`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${ORTHANC_USER}:${ORTHANC_PASSWORD}`).toString('base64')}`,
      },
    });
    if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status}`);
    return r.json();
  }
}
