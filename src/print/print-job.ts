/**
 * Print Job SOP class (PS3.4 H.4.6): the job an N-ACTION creates, its films stored durably
 * before the answer, its N-EVENT-REPORTs, and the N-ACTION reply that references it.
 */
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type { StatusName } from '../dicom/dimse/status.js';
import type { DimseReply, DimseRequest } from '../dicom/service/service.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import type { FilmBox, FilmSession, PrintJob } from './model.js';
import type { PrintContext } from './print-context.js';
import { JOB_EVENT, SpoolError } from './printer-runtime.js';
import { fail, type Warning, warningReply } from './replies.js';
import { spoolFilm } from './spool.js';
import { el, num, str } from './values.js';

/** 0x0123 unless the N-ACTION asks to print (Action Type ID 1, the only action of both classes). */
export function notPrintAction(req: DimseRequest): DimseReply | undefined {
  if (req.command.actionTypeId === 1) return undefined;
  return fail('NoSuchActionType', `Action Type ID ${req.command.actionTypeId}; only 1 (print)`);
}

/**
 * N-ACTION print of a film session's or a film box's films: refused while the printer has failed
 * (per its profile) or its queue is full (`queueFull`: the status of the class asked), else a job
 * whose films are stored durably before the answer, which carries `warnings` when there are any.
 */
export async function printAction(
  ctx: PrintContext,
  filmBoxes: FilmBox[],
  queueFull: StatusName,
  warnings: readonly Warning[],
): Promise<DimseReply> {
  const refused = refuseWhileFailed(ctx, queueFull);
  if (refused) return refused;
  if (ctx.printer.queueFull) return fail(queueFull, 'print queue full', { cause: 'print queue full' });
  const job = await printFilms(ctx, ctx.session!, filmBoxes);
  if (job instanceof SpoolError) return notStored(job);
  return warningReply(warnings, actionReply(ctx, job));
}

/**
 * The films could not be stored (disk full, I/O error): 0x0213 Resource Limitation, a failure
 * N-ACTION may return (PS3.7 10.1.4.1.10), with the reason. Nothing was kept and no print job
 * exists, so the SCU knows the film is not printed and may retry.
 */
function notStored(e: SpoolError): DimseReply {
  return fail('ResourceLimitation', e.reason.slice(0, 64), { cause: `films not stored: ${e.reason}` });
}

/** A printer in FAILURE cannot create a print job, unless its profile accepts and fails it. */
function refuseWhileFailed(ctx: PrintContext, queueFull: StatusName): DimseReply | undefined {
  if (ctx.printer.status !== 'FAILURE') return undefined;
  const why = `printer FAILURE (${ctx.printer.statusInfo})`;
  switch (ctx.caps.whenFailed) {
    case 'refuse':
      return fail(queueFull, `${why}: no print job created`, { cause: why });
    case 'processing-failure':
      return fail('ProcessingFailure', why, { cause: why });
    case 'fail-job':
      return undefined;
  }
}

function actionReply(ctx: PrintContext, job: PrintJob): Partial<DimseReply> {
  // PS3.4 H.4.2.2.4: Referenced Print Job Sequence in the reply when Print Job is supported.
  if (!ctx.negotiated(Uid.PrintJob) || !ctx.caps.sopClasses.printJob) return { actionTypeId: 1 };
  return {
    actionTypeId: 1,
    dataset: { [Tag.ReferencedPrintJobSequence]: el.sq([el.ref(Uid.PrintJob, job.uid)]) },
  };
}

/**
 * Snapshot the films into a job and store them durably before answering; their image memory is
 * given back once they are on disk. A SpoolError when they could not be stored.
 */
async function printFilms(
  ctx: PrintContext,
  s: FilmSession,
  filmBoxes: FilmBox[],
): Promise<PrintJob | SpoolError> {
  const snapshot = filmBoxes.map((fb) => ({ ...fb, imageBoxes: fb.imageBoxes.map((b) => ({ ...b })) }));
  const sessionSnapshot: FilmSession = { ...s, attributes: { ...s.attributes } };
  const copies = num(s.attributes, Tag.NumberOfCopies) ?? 1;
  const a = ctx.association;
  const printer = ctx.printer;
  // The Presentation LUT of each film, taken now: the association's LUTs go when it ends.
  const filmLuts = snapshot.map((fb) => {
    const uid = fb.presentationLutUid ?? s.presentationLutUid;
    return uid ? ctx.luts.get(uid) : undefined;
  });
  const jobEvents = ctx.negotiated(Uid.PrintJob) && ctx.caps.sopClasses.printJob;
  const submitted = printer.submit(
    {
      priority: str(s.attributes, Tag.PrintPriority) ?? 'MED',
      originator: a.callingAeTitle,
      label: str(s.attributes, Tag.FilmSessionLabel),
      copies,
      associationId: a.id,
    },
    {
      filmCount: snapshot.length,
      spool: async (job) => {
        const films = [];
        for (const [i, fb] of snapshot.entries()) {
          const lut = filmLuts[i];
          films.push(
            await spoolFilm(printer.store.filmFiles, printer.store.staging, {
              printer: {
                aeTitle: printer.caps.aeTitle,
                name: printer.caps.name,
                density: { min: printer.caps.density.min, max: printer.caps.density.max },
                printerName: printer.caps.identity.printerName,
                stamp: printer.caps.stamp,
                smoothingKernels: printer.caps.smoothingKernels,
                ...(printer.caps.characteristicCurve
                  ? { characteristicCurve: printer.caps.characteristicCurve }
                  : {}),
                annotationPlaces:
                  printer.caps.annotationLayout[str(fb.attributes, Tag.AnnotationDisplayFormatID) ?? ''],
              },
              job,
              callingAeTitle: a.callingAeTitle,
              associationId: a.id,
              session: sessionSnapshot,
              filmBox: fb,
              presentationLut: lut
                ? { shape: lut.shape, descriptor: lut.descriptor, data: lut.data }
                : undefined,
              index: i + 1,
            }),
          );
        }
        return films;
      },
    },
    {
      changed: async (job) => {
        if (!jobEvents) return;
        const ds: DcmDataset = {
          [Tag.ExecutionStatusInfo]: el.cs(job.statusInfo),
          [Tag.PrinterName]: el.lo(job.printerName),
        };
        if (job.filmSessionLabel) ds[Tag.FilmSessionLabel] = el.lo(job.filmSessionLabel);
        await a.notify({
          abstractSyntaxes: [Uid.PrintJob],
          sopClassUid: Uid.PrintJob,
          sopInstanceUid: job.uid,
          eventTypeId: JOB_EVENT[job.status],
          dataset: ds,
        });
      },
    },
  );
  try {
    const job = await submitted;
    // Printed: the images are on disk now, the image memory they held is free.
    for (const fb of filmBoxes) {
      if (!fb.printed) for (const b of fb.imageBoxes) if (b.image) ctx.printer.release(b.image.pixels.length);
      fb.printed = true;
    }
    return job;
  } catch (e) {
    if (e instanceof SpoolError) return e;
    throw e;
  }
}
