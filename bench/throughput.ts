/**
 * Throughput with rendering on: W1 films (14INX17IN STANDARD\4,5, 20 CT images) printed back to
 * back by DCMTK's dcmprscu (one association per film, one process for all), until every film is
 * rendered, on the built Lightbox as users run it.
 *
 * Reported:
 *   wall      films per hour from the first send to the last film rendered, and that divided by
 *             the machine's cores (what a dedicated machine of this size would do, per core);
 *   CPU       the CPU time (user + system, /proc/PID/stat) Lightbox used per film, split by its
 *             processes (the DICOM process, the preview process, the film renderer), and the
 *             films per hour one core would carry at that cost (3,600,000 / CPU ms per film):
 *             the per-core figure that holds on a shared machine, where wall time moves with the
 *             other work on it.
 * The printer is the embedded LIGHTBOX with a queue that cannot fill. The load average is printed.
 * A measurement: exit 0 always when it ran, 1 when something failed.
 *   npm run bench:throughput [-- --films 20]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { prepareW1, printStored } from './dcmtk-tool.js';
import {
  listFilms,
  loadLine,
  numberArg,
  printerProfile,
  procCpuMs,
  progress,
  runBench,
  sleep,
  startPrinter,
  withWorkDir,
} from './support.js';

/** Lightbox's processes: itself, its film renderer (--idle) and its preview process. */
function processes(pid: number): { dicom: number; render?: number; preview?: number } {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((t) =>
    readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number),
  );
  const cmd = (p: number) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
  const render = children.find((p) => cmd(p).includes('--idle'));
  const preview = children.find((p) => p !== render && cmd(p).some((a) => a.endsWith('render-process.js')));
  return { dicom: pid, render, preview };
}

type Cpu = Record<'dicom' | 'render' | 'preview', number>;
function cpuOf(p: ReturnType<typeof processes>): Cpu {
  return {
    dicom: procCpuMs(p.dicom) ?? 0,
    render: procCpuMs(p.render) ?? 0,
    preview: procCpuMs(p.preview) ?? 0,
  };
}

async function main(): Promise<void> {
  const films = numberArg(process.argv.slice(2), 'films', 20);
  const load0 = loadavg();
  await withWorkDir('lightbox-bench-throughput-', 20, async (workDir, servers) => {
    const lb = await startPrinter(workDir, servers, printerProfile('throughput bench'), {
      args: ['--retention-max-bytes', '4G'],
    });
    const w1 = await prepareW1(join(workDir, 'scu'), lb.dicomPort);
    const send = async (n: number) => (await printStored(w1, n, 600_000)).ms;
    const rendered = async () => {
      while ((await listFilms(lb.httpPort, 'pending')).length > 0) await sleep(100);
    };
    progress(`bench:throughput: warm-up film, then ${films} W1 films back to back`);
    await send(1);
    await rendered();
    const procs = processes(lb.child.pid!);
    const cpu0 = cpuOf(procs);
    const t0 = performance.now();
    const sendMs = await send(films);
    await rendered();
    const wallMs = performance.now() - t0;
    const cpu1 = cpuOf(procs);
    const used: Cpu = {
      dicom: cpu1.dicom - cpu0.dicom,
      render: cpu1.render - cpu0.render,
      preview: cpu1.preview - cpu0.preview,
    };
    const perFilm = (used.dicom + used.render + used.preview) / films;
    const cores = availableParallelism();
    const perHour = (films * 3_600_000) / wallMs;
    const load1 = loadavg();
    const out = [
      `## Throughput, W1 with rendering on: ${films} films back to back from dcmprscu`,
      '',
      `${loadLine(load0, load1)}; ${cores} cores`,
      '',
      `wall: sent in ${(sendMs / 1000).toFixed(1)} s, all rendered ${(wallMs / 1000).toFixed(1)} s after the first send: ` +
        `${perHour.toFixed(0)} films/hour, ${(perHour / cores).toFixed(0)} films/hour per core`,
      `CPU per film: ${perFilm.toFixed(0)} ms (DICOM process ${(used.dicom / films).toFixed(0)}, ` +
        `preview ${(used.preview / films).toFixed(0)}, film renderer ${(used.render / films).toFixed(0)})`,
      `films per hour per core (CPU): ${(3_600_000 / perFilm).toFixed(0)}`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

runBench(main);
