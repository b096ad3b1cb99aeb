/**
 * Tee benchmark: what forwarding costs the modality. One Lightbox with two printers, PLAIN and TEE
 * (the same embedded defaults; TEE forwards every film to DCMTK's dcmprscp); DCMTK's print SCU
 * (dcmpsprt + dcmprscu) sends W1 (one film, 14INX17IN STANDARD\4,5, 20 CT images of 512x512,
 * 12-bit) to each in turn, alternating which goes first. The time measured is the modality's
 * association as Lightbox recorded it (A-ASSOCIATE-RQ to its end, so dcmpsprt's rendering is not
 * in it); the forward of a TEE film overlaps the modality's N-DELETE and release, which is where
 * it could cost. Before each send the forward queue is drained, so runs are independent.
 *
 * Goal (issue 21): tee adds at most 5 % to the modality-side W1 time (median of the paired
 * ratios TEE/PLAIN). A measurement, not a test: exit 0 unless something failed.
 *
 *   npm run --silent build && node dist/bench/tee.js [--runs N]   (default 9)
 */

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../src/config/config.js';
import { Lightbox } from '../src/lightbox.js';
import { dcmPrint, freePort, generateImages, writeRefScpConfig } from '../test/support/dcmprint.js';
import { median, pairedRatios } from './stats.js';
import { acceptsTcp } from './support.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 9;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'lightbox-bench-tee-'));
  // dcmprscp quiet (-v): its -d +d dump of every pixel would load the machine, not the tee.
  const scpPort = await freePort();
  mkdirSync(join(work, 'dcmprscp'));
  const cfg = writeRefScpConfig({ dir: join(work, 'dcmprscp'), port: scpPort });
  const child = spawn('dcmprscp', ['-v', '-c', cfg, '-p', 'REFSCP'], {
    stdio: 'ignore',
    env: { ...process.env, TCP_NODELAY: '1' },
  });
  const scp = {
    port: scpPort,
    stop: async () => {
      child.kill('SIGTERM');
    },
  };
  for (let i = 0; i < 200 && !(await acceptsTcp(scpPort)); i++) await new Promise((r) => setTimeout(r, 50));
  const printers = join(work, 'printers');
  mkdirSync(printers);
  writeFileSync(join(printers, 'plain.yaml'), 'aeTitle: PLAIN\nname: Plain\n');
  writeFileSync(
    join(printers, 'tee.yaml'),
    `aeTitle: TEE\nname: Tee\nforward: {mode: tee, host: 127.0.0.1, port: ${scp.port}, aeTitle: PRINTSCP}\n`,
  );
  const { config } = parseConfig(
    ['--dicom-port', '0', '--http-port', '0', '--host', '127.0.0.1', '--no-render'],
    {},
    work,
  );
  const app = new Lightbox(
    { ...config, dataDir: join(work, 'data'), printersDir: printers },
    pino({ level: 'silent' }),
  );
  await app.start();
  const images = await generateImages(join(tmpdir(), 'lightbox-test-images'));
  const times: Record<'PLAIN' | 'TEE', number[]> = { PLAIN: [], TEE: [] };
  let n = 0;
  // The queue drained, then a pause for dcmprscp to finish writing what it received: the next
  // send, to either printer, starts on a quiet machine.
  const drained = async () => {
    while (app.store.forwardQueue.counts().queued > 0) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
  };
  const send = async (ae: 'PLAIN' | 'TEE', record: boolean) => {
    await drained();
    const r = await dcmPrint(
      { port: app.dicom.port, calledAe: ae, columns: 4, rows: 5, images: images.ct, filmSize: '14INX17IN' },
      join(work, `send${++n}`),
    );
    if (r.errors.length > 0 || r.exchanges.some((x) => x.status >= 0xc000))
      throw new Error(`W1 to ${ae} failed: ${r.errors.join('; ')}`);
    const [a] = app.store.associations.list({ printer: ae }, { limit: 1, order: 'desc' }).items;
    if (!a?.endedAt) throw new Error('association not recorded');
    if (record) times[ae].push(Date.parse(a.endedAt) - Date.parse(a.startedAt));
  };
  try {
    await send('PLAIN', false);
    await send('TEE', false);
    for (let i = 0; i < RUNS; i++) {
      const order: ('PLAIN' | 'TEE')[] = i % 2 === 0 ? ['PLAIN', 'TEE'] : ['TEE', 'PLAIN'];
      for (const ae of order) await send(ae, true);
    }
    await drained();
    const c = app.store.forwardQueue.counts();
    if (c.done !== RUNS + 1 || c.failed > 0) throw new Error(`forward queue: ${JSON.stringify(c)}`);
    const ratios = pairedRatios(times.TEE, times.PLAIN);
    const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms (${xs.join(', ')})`;
    process.stdout.write(
      `W1 modality-side association time, ${RUNS} paired runs\n  PLAIN ${ms(times.PLAIN)}\n  TEE   ${ms(times.TEE)}\n` +
        `  TEE/PLAIN median of paired ratios: ${ratios.median.toFixed(3)} (goal <= 1.05; TEE faster in ${ratios.wins} of ${ratios.pairs} pairs); every forward printed at dcmprscp (${c.done} films)\n`,
    );
  } finally {
    await app.stop();
    await scp.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`bench:tee failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
