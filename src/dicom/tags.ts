/**
 * The data element tags the code names, keyword -> tag as dcmjs keys a data set (8 upper-case
 * hex digits). Keywords are PS3.6's, checked against the dictionary by test/dicom/tags.test.ts; no
 * other file in src/ writes a tag as a literal (the same test looks), so a search for a keyword
 * finds every use of the attribute.
 */

export const Tag = {
  // File Meta Information (PS3.10 7.1)
  FileMetaInformationGroupLength: '00020000',
  FileMetaInformationVersion: '00020001',
  MediaStorageSOPClassUID: '00020002',
  MediaStorageSOPInstanceUID: '00020003',
  TransferSyntaxUID: '00020010',
  ImplementationClassUID: '00020012',
  ImplementationVersionName: '00020013',
  // Command (PS3.7 E.1)
  RequestedSOPInstanceUID: '00001001',
  // Identification
  SpecificCharacterSet: '00080005',
  ImageType: '00080008',
  InstanceCreationDate: '00080012',
  InstanceCreationTime: '00080013',
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  StudyDate: '00080020',
  SeriesDate: '00080021',
  ContentDate: '00080023',
  StudyTime: '00080030',
  SeriesTime: '00080031',
  ContentTime: '00080033',
  AccessionNumber: '00080050',
  Modality: '00080060',
  ConversionType: '00080064',
  ReferringPhysicianName: '00080090',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  OperatorsName: '00081070',
  /** In a STOW-RS answer: the instances the origin server did not store (PS3.18 10.5.3). */
  FailedSOPSequence: '00081198',
  DerivationDescription: '00082111',
  // Patient
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  // Study, series, instance
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  StudyID: '00200010',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  PatientOrientation: '00200020',
  Laterality: '00200060',
  ImageComments: '00204000',
  Manufacturer: '00080070',
  ManufacturerModelName: '00081090',
  ReferencedSOPClassUID: '00081150',
  ReferencedSOPInstanceUID: '00081155',
  SOPClassesSupported: '0008115A',
  // Equipment
  DeviceSerialNumber: '00181000',
  SoftwareVersions: '00181020',
  DateOfSecondaryCapture: '00181012',
  TimeOfSecondaryCapture: '00181014',
  SecondaryCaptureDeviceManufacturer: '00181016',
  SecondaryCaptureDeviceManufacturerModelName: '00181018',
  SecondaryCaptureDeviceSoftwareVersions: '00181019',
  DateOfLastCalibration: '00181200',
  TimeOfLastCalibration: '00181201',
  // Relationship
  ItemNumber: '00200019',
  // Image Pixel module and LUTs
  SamplesPerPixel: '00280002',
  PhotometricInterpretation: '00280004',
  PlanarConfiguration: '00280006',
  NumberOfFrames: '00280008',
  FrameIncrementPointer: '00280009',
  Rows: '00280010',
  Columns: '00280011',
  PixelSpacing: '00280030',
  PixelAspectRatio: '00280034',
  BitsAllocated: '00280100',
  BitsStored: '00280101',
  HighBit: '00280102',
  PixelRepresentation: '00280103',
  BurnedInAnnotation: '00280301',
  RescaleIntercept: '00281052',
  RescaleSlope: '00281053',
  RescaleType: '00281054',
  ICCProfile: '00282000',
  LUTDescriptor: '00283002',
  LUTData: '00283006',
  // Film Session, printer configuration (C.13.1, C.13.9)
  NumberOfCopies: '20000010',
  PrinterConfigurationSequence: '2000001E',
  PrintPriority: '20000020',
  MediumType: '20000030',
  FilmDestination: '20000040',
  FilmSessionLabel: '20000050',
  MemoryAllocation: '20000060',
  MaximumMemoryAllocation: '20000061',
  MemoryBitDepth: '200000A0',
  PrintingBitDepth: '200000A1',
  MediaInstalledSequence: '200000A2',
  OtherMediaAvailableSequence: '200000A4',
  SupportedImageDisplayFormatsSequence: '200000A8',
  // Film Box (C.13.3)
  ImageDisplayFormat: '20100010',
  AnnotationDisplayFormatID: '20100030',
  FilmOrientation: '20100040',
  FilmSizeID: '20100050',
  PrinterResolutionID: '20100052',
  DefaultPrinterResolutionID: '20100054',
  MagnificationType: '20100060',
  SmoothingType: '20100080',
  DefaultMagnificationType: '201000A6',
  OtherMagnificationTypesAvailable: '201000A7',
  DefaultSmoothingType: '201000A8',
  OtherSmoothingTypesAvailable: '201000A9',
  BorderDensity: '20100100',
  EmptyImageDensity: '20100110',
  MinDensity: '20100120',
  MaxDensity: '20100130',
  Trim: '20100140',
  ConfigurationInformation: '20100150',
  ConfigurationInformationDescription: '20100152',
  MaximumCollatedFilms: '20100154',
  Illumination: '2010015E',
  ReflectedAmbientLight: '20100160',
  PrinterPixelSpacing: '20100376',
  ReferencedFilmSessionSequence: '20100500',
  ReferencedImageBoxSequence: '20100510',
  ReferencedBasicAnnotationBoxSequence: '20100520',
  // Image Box (C.13.5)
  ImageBoxPosition: '20200010',
  Polarity: '20200020',
  RequestedImageSize: '20200030',
  RequestedDecimateCropBehavior: '20200040',
  RequestedResolutionID: '20200050',
  RequestedImageSizeFlag: '202000A0',
  DecimateCropResult: '202000A2',
  BasicGrayscaleImageSequence: '20200110',
  BasicColorImageSequence: '20200111',
  // Annotation Box (C.13.7)
  AnnotationPosition: '20300010',
  TextString: '20300020',
  // Presentation LUT (C.11.4)
  PresentationLUTSequence: '20500010',
  PresentationLUTShape: '20500020',
  ReferencedPresentationLUTSequence: '20500500',
  // Print Job (C.13.8)
  ExecutionStatus: '21000020',
  ExecutionStatusInfo: '21000030',
  CreationDate: '21000040',
  CreationTime: '21000050',
  Originator: '21000070',
  OwnerID: '21000160',
  /** (2100,0500): retired in PS3.6 for Pull Stored Print, still the N-ACTION answer of PS3.4 H.4.2.2.4. */
  ReferencedPrintJobSequence: '21000500',
  // Printer (C.13.9)
  PrinterStatus: '21100010',
  PrinterStatusInfo: '21100020',
  PrinterName: '21100030',
  // Pixel data
  PixelData: '7FE00010',
  // Items and delimiters (PS3.5 7.5)
  Item: 'FFFEE000',
  ItemDelimitationItem: 'FFFEE00D',
  SequenceDelimitationItem: 'FFFEE0DD',
} as const;

export type TagKeyword = keyof typeof Tag;

const KEYWORDS: ReadonlyMap<string, TagKeyword> = new Map(
  Object.entries(Tag).map(([keyword, tag]) => [tag, keyword as TagKeyword]),
);

/** The keyword of a tag the code names ("20100130" -> "MaxDensity"); other tags: undefined. */
export function namedTag(tag: string): TagKeyword | undefined {
  return KEYWORDS.get(tag);
}
