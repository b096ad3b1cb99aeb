/**
 * UIDs Lightbox names in code (PS3.6 Annex A; print classes from PS3.4 Annex H).
 * One table: anything that needs a UID imports it from here.
 */
export const Uid = {
  ApplicationContext: '1.2.840.10008.3.1.1.1',

  ImplicitVrLittleEndian: '1.2.840.10008.1.2',
  ExplicitVrLittleEndian: '1.2.840.10008.1.2.1',
  ExplicitVrBigEndian: '1.2.840.10008.1.2.2',

  Verification: '1.2.840.10008.1.1',

  BasicGrayscalePrintManagementMeta: '1.2.840.10008.5.1.1.9',
  BasicColorPrintManagementMeta: '1.2.840.10008.5.1.1.18',
  BasicFilmSession: '1.2.840.10008.5.1.1.1',
  BasicFilmBox: '1.2.840.10008.5.1.1.2',
  BasicGrayscaleImageBox: '1.2.840.10008.5.1.1.4',
  BasicColorImageBox: '1.2.840.10008.5.1.1.4.1',
  BasicAnnotationBox: '1.2.840.10008.5.1.1.15',
  PrintJob: '1.2.840.10008.5.1.1.14',
  Printer: '1.2.840.10008.5.1.1.16',
  PrinterInstance: '1.2.840.10008.5.1.1.17',
  PrinterConfigurationRetrieval: '1.2.840.10008.5.1.1.16.376',
  PrinterConfigurationRetrievalInstance: '1.2.840.10008.5.1.1.17.376',
  PresentationLut: '1.2.840.10008.5.1.1.23',

  // Storage (PS3.4 B.5): the films Lightbox writes and exports
  MultiFrameGrayscaleByteSecondaryCaptureImageStorage: '1.2.840.10008.5.1.4.1.1.7.2',
  MultiFrameGrayscaleWordSecondaryCaptureImageStorage: '1.2.840.10008.5.1.4.1.1.7.3',
  MultiFrameTrueColorSecondaryCaptureImageStorage: '1.2.840.10008.5.1.4.1.1.7.4',
} as const;

/** Lightbox's own implementation identity, advertised in every A-ASSOCIATE-AC (PS3.7 D.3.3.2). */
export const Implementation = {
  /** Under the UUID-derived root 2.25 (PS3.5 B.2): no registered org root needed. */
  classUid: '2.25.208593190434126338104950327013548245710',
  versionName: 'LIGHTBOX_010',
} as const;

/** SOP class names as people read them (PS3.4), for details, JUnit and the console. */
export const SOP_CLASS_NAMES: Readonly<Record<string, string>> = {
  [Uid.Verification]: 'Verification',
  [Uid.BasicGrayscalePrintManagementMeta]: 'Basic Grayscale Print Management Meta',
  [Uid.BasicColorPrintManagementMeta]: 'Basic Color Print Management Meta',
  [Uid.BasicFilmSession]: 'Basic Film Session',
  [Uid.BasicFilmBox]: 'Basic Film Box',
  [Uid.BasicGrayscaleImageBox]: 'Basic Grayscale Image Box',
  [Uid.BasicColorImageBox]: 'Basic Color Image Box',
  [Uid.BasicAnnotationBox]: 'Basic Annotation Box',
  [Uid.PresentationLut]: 'Presentation LUT',
  [Uid.PrintJob]: 'Print Job',
  [Uid.Printer]: 'Printer',
  [Uid.PrinterConfigurationRetrieval]: 'Printer Configuration Retrieval',
  [Uid.MultiFrameGrayscaleByteSecondaryCaptureImageStorage]:
    'Multi-frame Grayscale Byte Secondary Capture Image Storage',
  [Uid.MultiFrameGrayscaleWordSecondaryCaptureImageStorage]:
    'Multi-frame Grayscale Word Secondary Capture Image Storage',
  [Uid.MultiFrameTrueColorSecondaryCaptureImageStorage]:
    'Multi-frame True Color Secondary Capture Image Storage',
};

/** "Basic Film Box"; a SOP class we have no name for is shown by its UID. */
export function sopClassName(uid: string | undefined): string {
  return uid === undefined ? '(no SOP class)' : (SOP_CLASS_NAMES[uid] ?? uid);
}

const names = new Map<string, string>(Object.entries(Uid).map(([k, v]) => [v, k]));

/** A short name for logs ("Verification"), or the UID itself when we have none. */
export function uidName(uid: string): string {
  return names.get(uid) ?? uid;
}
