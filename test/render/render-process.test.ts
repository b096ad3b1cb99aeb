/**
 * The compiled server renders in a child process that yields the CPU to printing (SCHED_IDLE where
 * util-linux's chrt exists, nice 19 anyway), and that goes away with the server, even a killed one.
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
    const [render] = childrenOf(server.child.pid!);
    expect(render).toBeDefined();
    const sched = readFileSync(`/proc/${render}/sched`, 'utf8');
    const policy = Number(/^policy\s*:\s*(\d+)/m.exec(sched)?.[1]);
    // SCHED_IDLE is policy 5; without chrt the process is SCHED_OTHER (0) at nice 19.
    const nice = Number(readFileSync(`/proc/${render}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    if (existsSync('/usr/bin/chrt')) expect(policy).toBe(5);
    else expect(nice).toBe(19);
    await server.kill();
    await expect.poll(() => existsSync(`/proc/${render}`), { timeout: 5000 }).toBe(false);
  },
  120_000,
);
