/**
 * The memory scenarios of bench:soak (parts C and D), written against any running Lightbox (a
 * spawned one in the bench, an in-process one in the quick test): image box N-SETs sent by the
 * repo's own SCU, their pixels a repeated pattern so that the sender never holds an image whole.
 *
 * C. Large data sets held open: N associations each send a film session, a 1-up film box and an
 *    image box N-SET of one large image (12 x 200 MiB in the bench), all but its last fragment,
 *    and hold it there together; then each sends the last fragment and prints (N-ACTION). Before
 *    streaming, each held its data set whole: 10 such took RSS from 0.85 to 2.98 GB.
 * D. Concurrent prints: N associations at once (64 in the bench) each print one W2-sized image
 *    (4096x5120 12-bit, 40 MiB) from session to release. Each print must be stored (N-ACTION
 *    0x0000 or a warning) or refused with a failure status; a print that ends any other way (an
 *    abort, a timeout) is counted as lost.
 */
import { CommandField } from '../src/dicom/dimse/command-fields.js';
import { statusCategory } from '../src/dicom/dimse/status.js';
import { Uid } from '../src/dicom/uids.js';
import { imageBoxSetPieces, openFilmBox, Scu } from '../test/support/scu.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const META = Uid.BasicGrayscalePrintManagementMeta;
/** The pixel pattern: 1 MiB, not all one value. */
const PATTERN = Buffer.from(new Uint16Array(512 * 1024).map((_, i) => (i * 7) & 0xfff).buffer);

export interface MemoryTarget {
  dicomPort: number;
  /**
   * The Lightbox process's memory (bench/support.ts reads /proc); absent: not measured. Passed in
   * so that this module runs in a test without the bench's process tools.
   */
  memory?: {
    resetPeak(): boolean;
    /** VmHWM or VmRSS in MiB. */
    read(field: 'VmHWM' | 'VmRSS'): number | undefined;
  };
}

export type Outcome =
  | { fate: 'stored'; status: number }
  | { fate: 'refused'; status: number; step: string; comment?: string }
  | { fate: 'lost'; why: string };

export interface MemoryRun {
  outcomes: Outcome[];
  /** VmHWM after the run, reset before it (MiB); undefined when not measurable. */
  peakMiB?: number;
  /** Whether the peak could be reset before the run (else it is since the process started). */
  peakReset: boolean;
  /** RSS when everything was held (C) or at the highest sample (D), MiB. */
  rssMiB?: number;
  ms: number;
}

/**
 * Each print comes from one of this many loopback addresses (127.0.0.2...), as modalities do from
 * their own hosts: 64 connections from one address at the same instant would meet the per-peer
 * bound on unassociated connections (--max-unassociated-per-peer, 32), which closes the oldest.
 */
const MODALITY_ADDRESSES = 41;

const failed = (status: number) => statusCategory(status) === 'failure';

/** One print over its own association, the N-SET sent in pieces and held before its last fragment. */
class Print {
  #s: Scu | undefined;
  #films: { session: string; filmBox: string; imageBox: string } | undefined;
  outcome: Outcome | undefined;

  constructor(
    readonly port: number,
    readonly columns: number,
    readonly rows: number,
    readonly index: number,
  ) {}

  #refuse(step: string, status: number, comment?: string): void {
    this.outcome = { fate: 'refused', status, step, comment };
  }

  /** Associate, create the film box, send the image but its last fragment; then finish(). */
  async start(): Promise<{ finish(): Promise<void> } | undefined> {
    try {
      this.#s = await Scu.open(this.port, {
        abstractSyntaxes: [META],
        transferSyntaxes: [Uid.ExplicitVrLittleEndian],
        localAddress: `127.0.0.${2 + (this.index % MODALITY_ADDRESSES)}`,
        // 64 modalities at once on a loaded machine: as long as DCMTK's print tools wait (ACSE timeout).
        associateTimeoutMs: 30_000,
      });
      // Dozens of 40 MiB films made durable at once take the disk a while: wait as a modality would.
      this.#s.responseTimeoutMs = 180_000;
      const fb = await openFilmBox(this.#s);
      if (failed(fb.status)) {
        this.#refuse('film box N-CREATE', fb.status);
        return undefined;
      }
      this.#films = fb;
      const image = imageBoxSetPieces(1, this.columns, this.rows, PATTERN);
      const held = await this.#s.stream(
        META,
        {
          commandField: CommandField.N_SET_RQ,
          requestedSopClassUid: Uid.BasicGrayscaleImageBox,
          requestedSopInstanceUid: fb.imageBox,
        },
        image.pieces(),
      );
      return { finish: () => this.#finish(held) };
    } catch (e) {
      this.#lost(e);
      return undefined;
    }
  }

  async #finish(held: { finish(): Promise<{ command: { status?: number; errorComment?: string } }> }) {
    const s = this.#s!;
    try {
      const set = await held.finish();
      const status = set.command.status ?? -1;
      if (failed(status)) return this.#refuse('image box N-SET', status, set.command.errorComment);
      const p = await s.nAction(META, Uid.BasicFilmBox, this.#films!.filmBox);
      const ps = p.command.status ?? -1;
      if (failed(ps)) this.#refuse('film box N-ACTION', ps, p.command.errorComment);
      else this.outcome = { fate: 'stored', status: ps };
      await s.nDelete(META, Uid.BasicFilmSession, this.#films!.session);
      await s.release();
    } catch (e) {
      if (!this.outcome) this.#lost(e);
    } finally {
      s.destroy();
    }
  }

  #lost(e: unknown): void {
    this.outcome ??= { fate: 'lost', why: (e as Error).message };
    this.#s?.destroy();
  }
}

/** C: `associations` large image box N-SETs held open together, then completed and printed. */
export async function heldLargeDatasets(
  t: MemoryTarget,
  o: { associations: number; columns: number; rows: number },
  onHeld?: () => Promise<void>,
): Promise<MemoryRun> {
  const peakReset = t.memory?.resetPeak() ?? false;
  const t0 = performance.now();
  const prints = Array.from(
    { length: o.associations },
    (_, i) => new Print(t.dicomPort, o.columns, o.rows, i),
  );
  const held = await Promise.all(prints.map((p) => p.start()));
  // The sockets drained into the server; give it a moment to write what it read.
  await sleep(1000);
  const rssMiB = t.memory?.read('VmRSS');
  await onHeld?.();
  await Promise.all(held.map((h) => h?.finish()));
  return {
    outcomes: prints.map((p) => p.outcome ?? { fate: 'lost', why: 'never finished' }),
    peakMiB: t.memory?.read('VmHWM'),
    peakReset,
    rssMiB,
    ms: performance.now() - t0,
  };
}

/**
 * C': the issue's own case, data sets that are not images (nothing to stream): `associations`
 * film session N-CREATEs each carrying a private OB attribute of `bytes`, held open together. The
 * in-flight budget takes the first ones whole and drops the rest as they arrive (0x0213).
 */
export async function heldOpaqueDatasets(
  t: MemoryTarget,
  o: { associations: number; bytes: number },
): Promise<MemoryRun> {
  const peakReset = t.memory?.resetPeak() ?? false;
  const t0 = performance.now();
  const header = Buffer.from([0x09, 0x00, 0x10, 0x10, 0x4f, 0x42, 0, 0, 0, 0, 0, 0]);
  header.writeUInt32LE(o.bytes, 8);
  function* pieces() {
    yield header;
    for (let left = o.bytes; left > 0; left -= PATTERN.length)
      yield PATTERN.subarray(0, Math.min(PATTERN.length, left));
  }
  const outcomes: Outcome[] = [];
  const scus: Scu[] = [];
  const held = await Promise.all(
    Array.from({ length: o.associations }, async (_, i) => {
      try {
        const s = await Scu.open(t.dicomPort, {
          abstractSyntaxes: [META],
          transferSyntaxes: [Uid.ExplicitVrLittleEndian],
          localAddress: `127.0.0.${2 + (i % MODALITY_ADDRESSES)}`,
        });
        scus.push(s);
        return await s.stream(
          META,
          { commandField: CommandField.N_CREATE_RQ, affectedSopClassUid: Uid.BasicFilmSession },
          pieces(),
        );
      } catch (e) {
        outcomes.push({ fate: 'lost', why: (e as Error).message });
        return undefined;
      }
    }),
  );
  await sleep(1000);
  const rssMiB = t.memory?.read('VmRSS');
  await Promise.all(
    held.map(async (h) => {
      if (!h) return;
      try {
        const r = await h.finish();
        const status = r.command.status ?? -1;
        outcomes.push(
          failed(status)
            ? { fate: 'refused', status, step: 'film session N-CREATE', comment: r.command.errorComment }
            : { fate: 'stored', status },
        );
      } catch (e) {
        outcomes.push({ fate: 'lost', why: (e as Error).message });
      }
    }),
  );
  for (const s of scus) {
    await s.release().catch(() => undefined);
    s.destroy();
  }
  return { outcomes, peakMiB: t.memory?.read('VmHWM'), peakReset, rssMiB, ms: performance.now() - t0 };
}

/** D: `prints` whole prints at once, each image streamed and sent straight through. */
export async function concurrentPrints(
  t: MemoryTarget,
  o: { prints: number; columns: number; rows: number },
): Promise<MemoryRun> {
  const peakReset = t.memory?.resetPeak() ?? false;
  let rssMiB = 0;
  const sampler = setInterval(() => {
    rssMiB = Math.max(rssMiB, t.memory?.read('VmRSS') ?? 0);
  }, 100);
  const t0 = performance.now();
  try {
    const prints = Array.from({ length: o.prints }, (_, i) => new Print(t.dicomPort, o.columns, o.rows, i));
    await Promise.all(
      prints.map(async (p) => {
        const h = await p.start();
        await h?.finish();
      }),
    );
    return {
      outcomes: prints.map((p) => p.outcome ?? { fate: 'lost', why: 'never finished' }),
      peakMiB: t.memory?.read('VmHWM'),
      peakReset,
      rssMiB: rssMiB || undefined,
      ms: performance.now() - t0,
    };
  } finally {
    clearInterval(sampler);
  }
}

/** "12 stored, 0 refused, 0 lost" and the refusals' statuses. */
export function outcomeLine(outcomes: readonly Outcome[]): string {
  const n = (f: Outcome['fate']) => outcomes.filter((x) => x.fate === f).length;
  const refusals = new Map<string, number>();
  for (const x of outcomes)
    if (x.fate === 'refused') {
      const k = `${x.step} 0x${x.status.toString(16).padStart(4, '0')}`;
      refusals.set(k, (refusals.get(k) ?? 0) + 1);
    }
  const lost = outcomes.find((x) => x.fate === 'lost');
  return (
    `${n('stored')} stored, ${n('refused')} refused with a status, ${n('lost')} lost` +
    (refusals.size
      ? ` (${[...refusals]
          .sort()
          .map(([k, v]) => `${v}x ${k}`)
          .join(', ')})`
      : '') +
    (lost && lost.fate === 'lost' ? `; first lost: ${lost.why}` : '')
  );
}
