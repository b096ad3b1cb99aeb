/** What N-GET returns for the Printer, Printer Configuration Retrieval and Print Job instances (PS3.3 C.13.8, C.13.9, C.13.13). */
import type { DcmDataset } from '../dicom/dimse/dataset.js';
import { Tag } from '../dicom/tags.js';
import { Uid } from '../dicom/uids.js';
import { acceptedLayout, defaultResolution, filmMatrix, filmText } from '../profiles/capabilities.js';
import { boxRects } from '../profiles/display-format.js';
import type { PrintJob } from './model.js';
import type { PrinterRuntime } from './printer-runtime.js';
import { el } from './values.js';

export function printerAttributes(p: PrinterRuntime): DcmDataset {
  const id = p.caps.identity;
  const ds: DcmDataset = {
    [Tag.PrinterStatus]: el.cs(p.status),
    [Tag.PrinterStatusInfo]: el.cs(p.statusInfo),
    [Tag.PrinterName]: el.lo(id.printerName),
    [Tag.Manufacturer]: el.lo(id.manufacturer),
    [Tag.ManufacturerModelName]: el.lo(id.model),
    [Tag.DeviceSerialNumber]: el.lo(id.serialNumber),
    [Tag.SoftwareVersions]: { vr: 'LO', Value: [...id.softwareVersions] },
  };
  if (id.calibrationDate) ds[Tag.DateOfLastCalibration] = el.da(id.calibrationDate);
  if (id.calibrationTime) ds[Tag.TimeOfLastCalibration] = el.tm(id.calibrationTime);
  return ds;
}

export function printJobAttributes(j: PrintJob): DcmDataset {
  const d = j.createdAt.toISOString();
  return {
    [Tag.ExecutionStatus]: el.cs(j.status),
    [Tag.ExecutionStatusInfo]: el.cs(j.statusInfo),
    [Tag.PrintPriority]: el.cs(j.priority),
    [Tag.CreationDate]: el.da(d.slice(0, 10).replace(/-/g, '')),
    [Tag.CreationTime]: el.tm(d.slice(11, 19).replace(/:/g, '')),
    [Tag.PrinterName]: el.lo(j.printerName),
    [Tag.Originator]: el.ae(j.originator),
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
  const annotationFormat = c.sopClasses.annotationBox ? Object.keys(c.annotationFormats)[0] : undefined;
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
        // Box sizes with the default annotation format's band (and the stamp's): images made for
        // them fit whether or not the SCU then uses annotation boxes.
        const area = filmText(c, annotationFormat, m).images;
        const rects = boxRects(layout, area.width, area.height);
        const same = rects.every((r) => r.width === rects[0]!.width && r.height === rects[0]!.height);
        const item: DcmDataset = {
          [Tag.ImageDisplayFormat]: el.st(format),
          [Tag.FilmOrientation]: el.cs(o),
          [Tag.FilmSizeID]: el.cs(f.id),
          [Tag.PrinterResolutionID]: el.cs(resolution),
          [Tag.PrinterPixelSpacing]: { vr: 'DS', Value: [25.4 / m.dpi, 25.4 / m.dpi] },
          [Tag.RequestedImageSizeFlag]: el.cs(c.supportsRequestedImageSize ? 'YES' : 'NO'),
        };
        if (same) {
          item[Tag.Rows] = el.us(rects[0]!.height);
          item[Tag.Columns] = el.us(rects[0]!.width);
        }
        formats.push(item);
      }
    }
  }
  const item = (meta: string): DcmDataset => ({
    [Tag.SOPClassesSupported]: { vr: 'UI', Value: [meta, ...optional] },
    [Tag.MaximumMemoryAllocation]: el.is(0),
    [Tag.MemoryBitDepth]: el.us(16),
    [Tag.PrintingBitDepth]: el.us(c.bitsStored.includes(12) ? 12 : 8),
    [Tag.MediaInstalledSequence]: el.sq(
      media.map((x, i) => ({
        [Tag.ItemNumber]: el.is(i + 1),
        [Tag.MediumType]: el.cs(x.m),
        [Tag.FilmSizeID]: el.cs(x.f),
        [Tag.MinDensity]: el.us(c.density.min),
        [Tag.MaxDensity]: el.us(c.density.max),
      })),
    ),
    [Tag.OtherMediaAvailableSequence]: el.sq([]),
    [Tag.SupportedImageDisplayFormatsSequence]: el.sq(formats),
    [Tag.DefaultPrinterResolutionID]: el.cs(resolution),
    [Tag.DefaultMagnificationType]: el.cs(c.magnificationTypes[0]!),
    [Tag.OtherMagnificationTypesAvailable]: { vr: 'CS', Value: c.magnificationTypes.slice(1) },
    [Tag.DefaultSmoothingType]: el.cs(c.smoothingTypes[0]!),
    [Tag.OtherSmoothingTypesAvailable]: { vr: 'CS', Value: c.smoothingTypes.slice(1) },
    [Tag.ConfigurationInformationDescription]: {
      vr: 'LT',
      Value: ['Configuration Information is accepted and recorded; it does not change rendering.'],
    },
    [Tag.MaximumCollatedFilms]: el.is(c.maxCollatedFilms),
    [Tag.DecimateCropResult]: el.cs(`${c.decimateCrop.honoursRequest ? 'DEF ' : ''}${decimateTerm}`),
    [Tag.Manufacturer]: el.lo(c.identity.manufacturer),
    [Tag.ManufacturerModelName]: el.lo(c.identity.model),
    [Tag.PrinterName]: el.lo(c.identity.printerName),
  });
  return { [Tag.PrinterConfigurationSequence]: el.sq(metas.map(item)) };
}
