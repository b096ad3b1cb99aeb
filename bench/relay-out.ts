/**
 * The proxy relay's sending side alone, in CPU time (issue 21): what it costs this process to pass
 * a W1's worth of image bytes (20 data sets of 0.5 MB) to a printer through Requestor.stream, as
 * the cut-through relay does, the bytes arriving as 64 KiB socket-sized views. The printer is
 * DCMTK's storescp with --ignore (reads and drops the data, Maximum Length 32 KiB as dcmprscp's),
 * in its own process, so this process's CPU is the relay's: PDU framing, copies, socket writes.
 * Sends alternate with nothing else in this process; the figure is the median CPU per W1.
 *
 *   npm run bench:relay-out [-- --runs N]   (default 15 W1s)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { CommandField } from '../src/dicom/dimse/command-fields.js';
import { Requestor } from '../src/scu/requestor.js';
import { median } from './stats.js';
import { acceptsTcp, DCMTK_ENV, freePort, parseRuns, runBench, spawnServer, withWorkDir } from './support.js';

const RUNS = parseRuns(process.argv, process.env) ?? 15;
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const IMAGES = 20;
const IMAGE_BYTES = 512 * 1024;
const PART = 64 * 1024;
const PRINTER_MAX_PDU = 32 * 1024;

async function oneW1(r: Requestor, image: Buffer, n: number): Promise<void> {
  for (let i = 0; i < IMAGES; i++) {
    const s = r.stream({
      command: {
        commandField: CommandField.C_STORE_RQ,
        affectedSopClassUid: CT_IMAGE_STORAGE,
        affectedSopInstanceUid: `1.2.826.0.1.3680043.2.1143.${n}.${i + 1}`,
        priority: 0,
      },
    });
    // Fresh views each time, as a socket's reads would be.
    for (let at = 0; at < image.length; at += PART) {
      if (!s.write(image.subarray(at, Math.min(at + PART, image.length)))) await s.whenLow();
      if (at % (4 * PART) === 0) await new Promise<void>((res) => setImmediate(res));
    }
    s.end();
    await s.response;
  }
}

runBench(() =>
  withWorkDir('lightbox-relay-out-', 20, async (dir, servers) => {
    const port = await freePort();
    const scp = spawnServer(
      'storescp',
      ['--ignore', '--max-pdu', String(PRINTER_MAX_PDU), '-aet', 'SINK', String(port)],
      dir,
      DCMTK_ENV,
    );
    servers.push({ name: 'storescp', dicomPort: port, ...scp });
    for (let i = 0; i < 100 && !(await acceptsTcp(port)); i++) await sleep(50);
    // One Pixel Data element, OB, in Explicit VR Little Endian (storescp reads what it drops).
    const image = Buffer.alloc(IMAGE_BYTES, 0x5a);
    image.writeUInt16LE(0x7fe0, 0);
    image.writeUInt16LE(0x0010, 2);
    image.write('OB', 4, 'latin1');
    image.writeUInt16LE(0, 6);
    image.writeUInt32LE(IMAGE_BYTES - 12, 8);
    const r = await Requestor.open({
      host: '127.0.0.1',
      port,
      callingAeTitle: 'RELAY',
      calledAeTitle: 'SINK',
      contexts: [{ abstractSyntax: CT_IMAGE_STORAGE, transferSyntaxes: ['1.2.840.10008.1.2.1'] }],
    });
    await oneW1(r, image, 0); // warm up
    const cpu: number[] = [];
    for (let n = 1; n <= RUNS; n++) {
      const t = process.cpuUsage();
      await oneW1(r, image, n);
      const d = process.cpuUsage(t);
      cpu.push((d.user + d.system) / 1000);
    }
    await r.release();
    const sorted = [...cpu].sort((a, b) => a - b);
    console.log(
      `relay out, CPU per W1 (${IMAGES} x ${IMAGE_BYTES / 1024} KiB to a ${PRINTER_MAX_PDU / 1024} KiB-PDU printer): ` +
        `median ${median(cpu).toFixed(1)} ms, min ${sorted[0]!.toFixed(1)}, max ${sorted.at(-1)!.toFixed(1)} (${RUNS} W1s)`,
    );
  }),
);
