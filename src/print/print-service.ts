/**
 * The Print Management service class (PS3.4 Annex H) as routes of the dispatch table: which SOP
 * classes travel on which abstract syntax, and (SOP class x DIMSE) -> the print object's function
 * that answers it (film-session.ts, film-box.ts, ...), given the association's PrintContext. One
 * PrintContext per association, released when the association ends.
 */
import { CommandField } from '../dicom/dimse/command-fields.js';
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import type {
  AssociationInfo,
  DimseReply,
  DimseRequest,
  Service,
  ServiceRoute,
} from '../dicom/service/service.js';
import { Uid } from '../dicom/uids.js';
import type { Capabilities } from '../profiles/capabilities.js';
import { setAnnotationBox } from './annotation-box.js';
import { actionFilmBox, createFilmBox, deleteFilmBox, setFilmBox } from './film-box.js';
import { actionFilmSession, createFilmSession, deleteFilmSession, setFilmSession } from './film-session.js';
import { setImageBox } from './image-box.js';
import { createPresentationLut, deletePresentationLut } from './presentation-lut.js';
import { PrintContext } from './print-context.js';
import { printerAttributes, printerConfiguration, printJobAttributes } from './printer-attributes.js';
import type { PrinterRuntime } from './printer-runtime.js';

/** N-GET: the requested attributes we have; 0x0107 naming the ones we do not (PS3.7 10.1.2). */
function answerGet(all: DcmDataset, req: DimseRequest): DimseReply {
  const wanted = req.command.attributeIdentifierList;
  if (!wanted || wanted.length === 0) return { status: 'Success', dataset: all };
  const dataset: DcmDataset = {};
  const missing: number[] = [];
  for (const tag of wanted) {
    const key = tag.toString(16).toUpperCase().padStart(8, '0');
    if (key in all) dataset[key] = all[key]!;
    else missing.push(tag);
  }
  if (missing.length === 0) return { status: 'Success', dataset };
  return {
    status: 'AttributeListError',
    errorComment: `not available: ${missing.map((t) => t.toString(16).padStart(8, '0')).join(' ')}`,
    attributeIdentifierList: missing,
    dataset,
  };
}

/**
 * The abstract syntaxes a printer accepts, each with the SOP classes usable on it
 * (docs/spec/sop-classes.md#meta, docs/spec/association.md#contexts): a meta class carries Film
 * Session, Film Box, Printer and its own Image Box; every other class travels on a context of its
 * own UID. The conformance verdict reads the same table.
 */
export function printAbstractSyntaxes(caps: Capabilities): Record<string, string[]> {
  const abstractSyntaxes: Record<string, string[]> = {};
  const common = [Uid.BasicFilmSession, Uid.BasicFilmBox, Uid.Printer];
  if (caps.sopClasses.grayscale)
    abstractSyntaxes[Uid.BasicGrayscalePrintManagementMeta] = [...common, Uid.BasicGrayscaleImageBox];
  if (caps.sopClasses.color)
    abstractSyntaxes[Uid.BasicColorPrintManagementMeta] = [...common, Uid.BasicColorImageBox];
  // Printer on its own context: status-only associations (PS3.4 H.2.3).
  abstractSyntaxes[Uid.Printer] = [Uid.Printer];
  if (caps.sopClasses.annotationBox) abstractSyntaxes[Uid.BasicAnnotationBox] = [Uid.BasicAnnotationBox];
  if (caps.sopClasses.presentationLut) abstractSyntaxes[Uid.PresentationLut] = [Uid.PresentationLut];
  if (caps.sopClasses.printJob) abstractSyntaxes[Uid.PrintJob] = [Uid.PrintJob];
  if (caps.sopClasses.printerConfiguration) {
    abstractSyntaxes[Uid.PrinterConfigurationRetrieval] = [Uid.PrinterConfigurationRetrieval];
  }
  return abstractSyntaxes;
}

export function printService(printer: PrinterRuntime): Service {
  const caps = printer.caps;
  const contexts = new Map<string, PrintContext>();
  const contextOf = (a: AssociationInfo): PrintContext => {
    let c = contexts.get(a.id);
    if (!c) {
      c = new PrintContext(printer, a);
      contexts.set(a.id, c);
      a.onEnd(() => {
        contexts.get(a.id)?.release();
        contexts.delete(a.id);
      });
    }
    return c;
  };
  const on = (
    sop: string,
    command: number,
    fn: (c: PrintContext, r: DimseRequest) => DimseReply | Promise<DimseReply>,
  ): ServiceRoute => ({
    sopClasses: [sop],
    command,
    handler: (req) => fn(contextOf(req.association), req),
  });

  const abstractSyntaxes = printAbstractSyntaxes(caps);

  /** N-GET of an instance the printer keeps: its attributes, or 0x0112 when there is no such one. */
  const get = (sop: string, attributes: (uid: string) => DcmDataset | undefined): ServiceRoute => ({
    sopClasses: [sop],
    command: CommandField.N_GET_RQ,
    handler: (req) => {
      const all = attributes(req.sopInstanceUid ?? '');
      if (!all)
        return {
          status: 'NoSuchSopInstance',
          errorComment: `no instance ${req.sopInstanceUid ?? ''} of ${sop}`,
        };
      return answerGet(all, req);
    },
  });

  const F = CommandField;
  const routes: ServiceRoute[] = [
    on(Uid.BasicFilmSession, F.N_CREATE_RQ, createFilmSession),
    on(Uid.BasicFilmSession, F.N_SET_RQ, setFilmSession),
    on(Uid.BasicFilmSession, F.N_DELETE_RQ, deleteFilmSession),
    on(Uid.BasicFilmSession, F.N_ACTION_RQ, actionFilmSession),
    on(Uid.BasicFilmBox, F.N_CREATE_RQ, createFilmBox),
    on(Uid.BasicFilmBox, F.N_SET_RQ, setFilmBox),
    on(Uid.BasicFilmBox, F.N_DELETE_RQ, deleteFilmBox),
    on(Uid.BasicFilmBox, F.N_ACTION_RQ, actionFilmBox),
    on(Uid.BasicGrayscaleImageBox, F.N_SET_RQ, setImageBox),
    on(Uid.BasicColorImageBox, F.N_SET_RQ, setImageBox),
    on(Uid.BasicAnnotationBox, F.N_SET_RQ, setAnnotationBox),
    on(Uid.PresentationLut, F.N_CREATE_RQ, createPresentationLut),
    on(Uid.PresentationLut, F.N_DELETE_RQ, deletePresentationLut),
    get(Uid.Printer, (uid) => (uid === Uid.PrinterInstance ? printerAttributes(printer) : undefined)),
    get(Uid.PrinterConfigurationRetrieval, (uid) =>
      uid === Uid.PrinterConfigurationRetrievalInstance ? printerConfiguration(printer) : undefined,
    ),
    // Finished jobs are deleted once their last event was answered (PS3.4 H.4.6): 0x0112 after.
    get(Uid.PrintJob, (uid) => {
      const job = printer.job(uid);
      return job ? printJobAttributes(job) : undefined;
    }),
  ];
  // The context exists from association start, so printer status events reach an SCU that has not
  // sent anything yet (PS3.4 H.4.7: every association using the printer).
  return { name: 'print-management', abstractSyntaxes, routes, associated: (a) => void contextOf(a) };
}
