/**
 * Print-to-preview benchmark: how long after a modality's print is answered the console can show
 * the film. DCMTK's print SCU (dcmprscu) sends W1 (one 14INX17IN STANDARD\4,5 film of 20 CT
 * images, prepared once with dcmpsprt) to the built Lightbox, rendering on, as users run it.
 *
 * What is measured, per send: from the N-ACTION response to the film's film.preview event (its
 * thumbnail written and announced), and to film.rendered (the full film), each two ways:
 *   server  the events' own `at` stamps (the dimse N-ACTION-RQ event is published right after the
 *           response is written to the socket), millisecond resolution;
 *   client  when this process received each event on /api/events (the same stream for both, so
 *           it adds what a browser would wait for the event).
 * In two modes, alternating run by run:
 *   quiet   the send starts when the previous film is rendered (nothing else is rendering);
 *   busy    the send starts as soon as the previous send ended, while its film is still rendering
 *           at full size: a preview must not wait for it.
 * Goal (issue 19): N-ACTION response to the preview event <= 300 ms for W1 (median and p90).
 *
 * The printer is the embedded LIGHTBOX with a queue that cannot fill (as bench:soak:print). The
 * machine's load average is reported: on a shared machine the figures move with it.
 * A measurement: exit 0 whether or not the goal is met, 1 when something failed to run.
 *   npm run bench:preview [-- --runs 11]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { type PrintJob, prepareW1, printStored } from './dcmtk-tool.js';
import {
  fmtMs,
  HOST,
  loadLine,
  median,
  numberArg,
  percentile,
  printerProfile,
  progress,
  runBench,
  sleep,
  startPrinter,
  withWorkDir,
} from './support.js';

const GOAL_MS = 300;
const EVENT_TIMEOUT_MS = 60_000;

interface Seen {
  type: string;
  film?: string;
  message?: string;
  /** Server stamp, ms since the epoch. */
  at: number;
  /** Arrival here, performance.now(). */
  got: number;
}

/** Every event of /api/events, as it arrives. */
class EventLog {
  readonly events: Seen[] = [];
  readonly #stop = new AbortController();
  #done: Promise<void> = Promise.resolve();

  async open(httpPort: number): Promise<void> {
    const res = await fetch(`http://${HOST}:${httpPort}/api/events`, { signal: this.#stop.signal });
    if (!res.ok || !res.body) throw new Error(`GET /api/events: HTTP ${res.status}`);
    const reader = res.body.getReader();
    const text = new TextDecoder();
    this.#done = (async () => {
      let buf = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          const got = performance.now();
          buf += text.decode(value, { stream: true });
          for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
            const line = buf
              .slice(0, end)
              .split('\n')
              .find((l) => l.startsWith('data: '));
            buf = buf.slice(end + 2);
            if (!line) continue;
            const e = JSON.parse(line.slice(6)) as Omit<Seen, 'at' | 'got'> & { at: string };
            this.events.push({ ...e, at: Date.parse(e.at), got });
          }
        }
      } catch (e) {
        if (!this.#stop.signal.aborted) throw e;
      }
    })();
  }

  /** The first event after index `from` that `match` accepts, waiting for it. */
  async next(from: number, match: (e: Seen) => boolean): Promise<Seen> {
    const deadline = performance.now() + EVENT_TIMEOUT_MS;
    for (;;) {
      const e = this.events.slice(from).find(match);
      if (e) return e;
      if (performance.now() > deadline) throw new Error(`no such event in ${EVENT_TIMEOUT_MS} ms`);
      await sleep(5);
    }
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#done;
  }
}

interface Sample {
  previewServer: number;
  previewClient: number;
  renderedServer: number;
  renderedClient: number;
}

type Mode = 'quiet' | 'busy';

/** One W1 send, its N-ACTION answered with success. */
async function sendW1(job: PrintJob): Promise<void> {
  await printStored(job, 1, 120_000);
}

/** The timings of the film a send starting at event index `from` printed. */
async function timings(log: EventLog, from: number): Promise<{ sample: Promise<Sample>; printed: Seen }> {
  const printed = await log.next(from, (e) => e.type === 'film.printed');
  const action = await log.next(from, (e) => e.type === 'dimse' && e.message === 'N-ACTION-RQ');
  const sample = (async () => {
    const preview = await log.next(from, (e) => e.type === 'film.preview' && e.film === printed.film);
    const rendered = await log.next(from, (e) => e.type === 'film.rendered' && e.film === printed.film);
    if ((rendered as Seen & { failed?: boolean }).failed)
      throw new Error(`film ${printed.film} failed to render`);
    return {
      previewServer: preview.at - action.at,
      previewClient: preview.got - action.got,
      renderedServer: rendered.at - action.at,
      renderedClient: rendered.got - action.got,
    };
  })();
  return { sample, printed };
}

const stats = (xs: number[]) =>
  `median ${fmtMs(median(xs))}, p90 ${fmtMs(percentile(xs, 90))}, max ${fmtMs(Math.max(...xs))}`;

async function main(): Promise<void> {
  const runs = numberArg(process.argv.slice(2), 'runs', 11);
  const load0 = loadavg();
  await withWorkDir('lightbox-bench-preview-', 20, async (workDir, servers) => {
    const lb = await startPrinter(workDir, servers, printerProfile('preview bench'));
    const job = await prepareW1(join(workDir, 'scu'), lb.dicomPort);
    const log = new EventLog();
    await log.open(lb.httpPort);
    const samples: Record<Mode, Sample[]> = { quiet: [], busy: [] };
    // Warm-up: one send, rendered (the render processes' first film loads sharp and fonts).
    progress(`bench:preview: W1 to Lightbox, warm-up then ${runs} runs per mode (quiet, busy)`);
    let from = log.events.length;
    await sendW1(job);
    await (await timings(log, from)).sample;
    for (let i = 0; i < runs; i++) {
      const modes: Mode[] = i % 2 === 0 ? ['quiet', 'busy'] : ['busy', 'quiet'];
      for (const mode of modes) {
        // busy: one send first whose film is still rendering when the measured send's N-ACTION is answered.
        let previous: Promise<Sample> | undefined;
        if (mode === 'busy') {
          from = log.events.length;
          await sendW1(job);
          previous = (await timings(log, from)).sample;
        }
        from = log.events.length;
        await sendW1(job);
        const s = await (await timings(log, from)).sample;
        await previous;
        samples[mode].push(s);
        progress(
          `  ${mode}: preview ${s.previewServer} ms (client ${fmtMs(s.previewClient)}), rendered ${s.renderedServer} ms`,
        );
      }
    }
    await log.close();
    const load1 = loadavg();
    const out = [
      `## Print to preview, W1 (14INX17IN STANDARD\\4,5, 20 CT 512x512) from dcmprscu, ${runs} runs per mode`,
      '',
      `${loadLine(load0, load1)} (2 cores: ${process.env.HOSTNAME ?? 'this machine'})`,
      '',
      '| mode | N-ACTION -> film.preview (server) | (client) | N-ACTION -> film.rendered (server) |',
      '|---|---|---|---|',
    ];
    for (const mode of ['quiet', 'busy'] as Mode[]) {
      const xs = samples[mode];
      out.push(
        `| ${mode} | ${stats(xs.map((s) => s.previewServer))} | ${stats(xs.map((s) => s.previewClient))} | ${stats(xs.map((s) => s.renderedServer))} |`,
      );
    }
    const worst = Math.max(
      ...(['quiet', 'busy'] as Mode[]).map((m) =>
        percentile(
          samples[m].map((s) => s.previewClient),
          90,
        ),
      ),
    );
    out.push(
      '',
      `goal (preview <= ${GOAL_MS} ms, p90 of either mode, client): ${worst <= GOAL_MS ? 'met' : 'NOT met'} (${fmtMs(worst)} ms)`,
    );
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

runBench(main);
