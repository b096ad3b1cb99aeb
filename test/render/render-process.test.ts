/**
 * The compiled server renders in a child process that yields the CPU to printing (SCHED_IDLE where
 * util-linux's chrt exists, nice 19 anyway) and makes previews in another at nice 10; both
 * go away with the server, even a killed one.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { api, ensureBuild, killAllServers, startServer } from '../store/support.js';
import { printFilm } from '../support/print-session.js';

const data = mkdtempSync(join(tmpdir(), 'lightbox-render-process-'));
afterAll(() => {
  killAllServers();
  rmSync(data, { recursive: true, force: true });
});

/** The pids of a process's children (every thread's list). */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
    readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
  );
}

it.skipIf(process.platform !== 'linux')(
  'renders at idle priority in a child process, which ends when the server is killed',
  async () => {
    const { main } = await ensureBuild('store-build-crash');
    const server = await startServer(main, { dataDir: data });
    expect((await printFilm(server.dicomPort)).status).toBe(0);
    await expect
      .poll(async () => ((await api(`${server.url}/api/films`)).body as { render: string }[])[0]?.render, {
        timeout: 20_000,
      })
      .toBe('rendered');
    // Two children: the film renderer (--idle) and the preview process.
    const children = childrenOf(server.child.pid!);
    const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const render = children.find((pid) => cmdline(pid).includes('--idle'));
    const preview = children.find(
      (pid) => pid !== render && cmdline(pid).some((a) => a.endsWith('render-process.js')),
    );
    expect(render).toBeDefined();
    expect(preview).toBeDefined();
    const policyOf = (pid: number) =>
      Number(/^policy\s*:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/sched`, 'utf8'))?.[1]);
    const niceOf = (pid: number) =>
      Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    // SCHED_IDLE is policy 5; without chrt the process is SCHED_OTHER (0) at nice 19.
    if (existsSync('/usr/bin/chrt')) expect(policyOf(render!)).toBe(5);
    else expect(niceOf(render!)).toBe(19);
    // Previews run at nice 10 (below printing, above other idle work): a user waits on them.
    expect([policyOf(preview!), niceOf(preview!)]).toEqual([0, Math.max(10, niceOf(server.child.pid!))]);
    await server.kill();
    await expect.poll(() => existsSync(`/proc/${render}`), { timeout: 5000 }).toBe(false);
    await expect.poll(() => existsSync(`/proc/${preview}`), { timeout: 5000 }).toBe(false);
  },
  120_000,
);
