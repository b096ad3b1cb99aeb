/** What N-GET returns for the Printer, Printer Configuration Retrieval and Print Job instances (PS3.3 C.13.8, C.13.9, C.13.13). */
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import { Uid } from '../dicom/uids.js';
import { acceptedLayout, defaultResolution, filmMatrix } from '../profiles/capabilities.js';
import { boxRects } from '../profiles/display-format.js';
import type { PrintJob } from './model.js';
import type { PrinterRuntime } from './printer-runtime.js';
import { el } from './values.js';

export function printerAttributes(p: PrinterRuntime): DcmDataset {
  const id = p.caps.identity;
  const ds: DcmDataset = {
    '21100010': el.cs(p.status),
    '21100020': el.cs(p.statusInfo),
    '21100030': el.lo(id.printerName),
    '00080070': el.lo(id.manufacturer),
    '00081090': el.lo(id.model),
    '00181000': el.lo(id.serialNumber),
    '00181020': { vr: 'LO', Value: [...id.softwareVersions] },
  };
  if (id.calibrationDate) ds['00181200'] = el.da(id.calibrationDate);
  if (id.calibrationTime) ds['00181201'] = el.tm(id.calibrationTime);
  return ds;
}

export function printJobAttributes(j: PrintJob): DcmDataset {
  const d = j.createdAt.toISOString();
  return {
    '21000020': el.cs(j.status),
    '21000030': el.cs(j.statusInfo),
    '20000020': el.cs(j.priority),
    '21000040': el.da(d.slice(0, 10).replace(/-/g, '')),
    '21000050': el.tm(d.slice(11, 19).replace(/:/g, '')),
    '21100030': el.lo(j.printerName),
    '21000070': el.ae(j.originator),
  };
}

/** Formats listed in the configuration: the concrete ones, and a few of each wildcard kind. */
function listedFormats(formats: readonly string[]): string[] {
  const out = new Set<string>();
  for (const f of formats) {
    if (f === 'STANDARD\\*')
      for (const x of ['1,1', '1,2', '2,2', '3,3', '3,4', '4,5']) out.add(`STANDARD\\${x}`);
    else if (f === 'ROW\\*') out.add('ROW\\1,2');
    else if (f === 'COL\\*') out.add('COL\\1,2');
    else out.add(f);
  }
  return [...out];
}

export function printerConfiguration(p: PrinterRuntime): DcmDataset {
  const c = p.caps;
  const pick = (pairs: [boolean, string][]) => pairs.filter(([on]) => on).map(([, uid]) => uid);
  const optional = pick([
    [c.sopClasses.annotationBox, Uid.BasicAnnotationBox],
    [c.sopClasses.presentationLut, Uid.PresentationLut],
    [c.sopClasses.printJob, Uid.PrintJob],
    [c.sopClasses.printerConfiguration, Uid.PrinterConfigurationRetrieval],
  ]);
  const metas = pick([
    [c.sopClasses.grayscale, Uid.BasicGrayscalePrintManagementMeta],
    [c.sopClasses.color, Uid.BasicColorPrintManagementMeta],
  ]);
  const resolution = defaultResolution(c);
  // Decimate/Crop Result has no DEMAGNIFY term: legacy demagnification is a kind of decimation.
  const decimateTerm = c.decimateCrop.default === 'DEMAGNIFY' ? 'DECIMATE' : c.decimateCrop.default;
  const media = c.mediumTypes.flatMap((m) => c.filmSizes.map((f) => ({ m, f: f.id })));
  const formats: DcmDataset[] = [];
  for (const f of c.filmSizes) {
    for (const o of c.orientations) {
      for (const format of listedFormats(c.displayFormats)) {
        let layout: ReturnType<typeof acceptedLayout>;
        try {
          layout = acceptedLayout(c, format);
        } catch {
          continue;
        }
        const m = filmMatrix(c, f.id, o, resolution);
        const rects = boxRects(layout, m.width, m.height);
        const same = rects.every((r) => r.width === rects[0]!.width && r.height === rects[0]!.height);
        const item: DcmDataset = {
          '20100010': el.st(format),
          '20100040': el.cs(o),
          '20100050': el.cs(f.id),
          '20100052': el.cs(resolution),
          '20100376': { vr: 'DS', Value: [25.4 / m.dpi, 25.4 / m.dpi] },
          '202000A0': el.cs(c.supportsRequestedImageSize ? 'YES' : 'NO'),
        };
        if (same) {
          item['00280010'] = el.us(rects[0]!.height);
          item['00280011'] = el.us(rects[0]!.width);
        }
        formats.push(item);
      }
    }
  }
  const item = (meta: string): DcmDataset => ({
    '0008115A': { vr: 'UI', Value: [meta, ...optional] },
    '20000061': el.is(0),
    '200000A0': el.us(16),
    '200000A1': el.us(c.bitsStored.includes(12) ? 12 : 8),
    '200000A2': el.sq(
      media.map((x, i) => ({
        '00200019': el.is(i + 1),
        '20000030': el.cs(x.m),
        '20100050': el.cs(x.f),
        '20100120': el.us(c.density.min),
        '20100130': el.us(c.density.max),
      })),
    ),
    '200000A4': el.sq([]),
    '200000A8': el.sq(formats),
    '20100054': el.cs(resolution),
    '201000A6': el.cs(c.magnificationTypes[0]!),
    '201000A7': { vr: 'CS', Value: c.magnificationTypes.slice(1) },
    '201000A8': el.cs(c.smoothingTypes[0]!),
    '201000A9': { vr: 'CS', Value: c.smoothingTypes.slice(1) },
    '20100152': {
      vr: 'LT',
      Value: ['Configuration Information is accepted and recorded; it does not change rendering.'],
    },
    '20100154': el.is(c.maxCollatedFilms),
    '202000A2': el.cs(`${c.decimateCrop.honoursRequest ? 'DEF ' : ''}${decimateTerm}`),
    '00080070': el.lo(c.identity.manufacturer),
    '00081090': el.lo(c.identity.model),
    '21100030': el.lo(c.identity.printerName),
  });
  return { '2000001E': el.sq(metas.map(item)) };
}
