/**
 * The printer profile: one file per emulated printer in printers/ (YAML or JSON), checked against
 * this schema at start-up. The schema is the documentation of every key; keep descriptions exact.
 * Everything a real printer decides (what it accepts, its defaults, its limits, its quirks) is
 * here, so the print service reads data instead of branching on printer models.
 */
import { type Static, Type } from '@sinclair/typebox';
import { ExportListSchema } from './export-schema.js';

/**
 * Every string, list, map and number below has an upper bound: a profile is read at start-up, and a
 * value no printer has (a 60 MB name, memoryBytes: 1e400, a job PENDING for 300 years) would stop
 * nothing until it misbehaved. Timers stay within setTimeout's 2^31-1 ms.
 */
/** Longest list a profile may give of anything (AE titles, media, display formats...). */
const MAX_ITEMS = 256;
/** Longest time a profile may give a print job step, ms (one hour, as the test-lab faults allow). */
const MAX_STEP_MS = 3_600_000;
/** A map's keys: at most MAX_ITEMS of them, each at most 64 characters. */
const mapBounds = { maxProperties: MAX_ITEMS, propertyNames: { maxLength: 64 } };

/** Data set transfer syntaxes a profile may allow, by short name. */
export const TRANSFER_SYNTAX_NAMES = {
  'explicit-vr-little-endian': '1.2.840.10008.1.2.1',
  'implicit-vr-little-endian': '1.2.840.10008.1.2',
} as const;

const AeTitle = Type.String({
  minLength: 1,
  maxLength: 16,
  // PS3.5 6.2 AE: default character repertoire, no backslash or control characters; not all spaces.
  pattern: '^(?! *$)[\\x20-\\x5b\\x5d-\\x7e]+$',
  description: 'A DICOM AE title: 1-16 characters, no backslash',
});

/** A CS value: upper case, digits, space and underscore, at most 16 characters (PS3.5 6.2). */
const Cs = Type.String({ pattern: '^[A-Z0-9 _]{1,16}$', description: 'A DICOM code string (CS)' });
const CsList = (description: string) =>
  Type.Array(Cs, { minItems: 1, maxItems: MAX_ITEMS, uniqueItems: true, description });
/** Density in hundredths of optical density (250 = 2.50 OD). */
const Density = Type.Integer({ minimum: 0, maximum: 500, description: 'hundredths of OD' });
/** Border/Empty Image Density: BLACK, WHITE or hundredths of OD as text (PS3.3 C.13.3). */
const DensityTerm = Type.String({
  pattern: '^(BLACK|WHITE|[0-9]{1,3})$',
  description: 'BLACK, WHITE or hundredths of OD',
});

const FilmSize = Type.Object(
  {
    id: Type.String({
      pattern:
        '^(8INX10IN|8_5INX11IN|10INX12IN|10INX14IN|11INX14IN|11INX17IN|14INX14IN|14INX17IN|24CMX24CM|24CMX30CM|A4|A3)$',
      description: 'Film Size ID (PS3.3 C.13.3 defined terms)',
    }),
    printableMarginMm: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 30,
        description: 'Unprintable margin on each edge, mm (default 0)',
      }),
    ),
  },
  { additionalProperties: false },
);

const Identity = Type.Object(
  {
    printerName: Type.String({ maxLength: 64, description: 'Printer Name (2110,0030)' }),
    manufacturer: Type.String({ maxLength: 64, description: 'Manufacturer (0008,0070)' }),
    model: Type.String({ maxLength: 64, description: 'Manufacturer Model Name (0008,1090)' }),
    serialNumber: Type.String({ maxLength: 64, description: 'Device Serial Number (0018,1000)' }),
    softwareVersions: Type.Array(Type.String({ maxLength: 64 }), {
      maxItems: 32,
      description: 'Software Versions (0018,1020)',
    }),
    calibrationDate: Type.Optional(
      Type.String({
        pattern: '^[0-9]{8}$',
        description: 'Date of Last Calibration, YYYYMMDD; absent: not reported',
      }),
    ),
    calibrationTime: Type.Optional(
      Type.String({ pattern: '^[0-9]{6}$', description: 'Time of Last Calibration, HHMMSS' }),
    ),
  },
  { additionalProperties: false },
);

const DecimateCrop = Type.Union(
  [Type.Literal('DECIMATE'), Type.Literal('CROP'), Type.Literal('FAIL'), Type.Literal('DEMAGNIFY')],
  {
    description:
      'What the printer does with an image larger than its box: DECIMATE (0xB60A), CROP (0xB609), FAIL (0xC603), or DEMAGNIFY (legacy, 0xB604)',
  },
);

/**
 * Magnification Types the renderer implements (src/render/film.ts maps each to its kernel): the
 * standard's four defined terms (PS3.3 C.13.5). A profile may list no other: a term the film
 * would silently print with another kernel (a vendor's SHARPEN as CUBIC) stops start-up instead.
 * Sharpness is Smoothing Type's job, mapped to a kernel by smoothingKernels.
 */
export const MAGNIFICATION_TYPES = ['REPLICATE', 'BILINEAR', 'CUBIC', 'NONE'] as const;
export type MagnificationType = (typeof MAGNIFICATION_TYPES)[number];

/** A place in the text strips along the film's top and bottom edges. */
export const FilmPlace = Type.Union([
  Type.Literal('top-left'),
  Type.Literal('top-center'),
  Type.Literal('top-right'),
  Type.Literal('bottom-left'),
  Type.Literal('bottom-center'),
  Type.Literal('bottom-right'),
]);
export type FilmPlace = Static<typeof FilmPlace>;

export const PrinterProfileSchema = Type.Object(
  {
    aeTitle: Type.Intersect([AeTitle], { description: 'Called AE title that selects this printer' }),
    name: Type.String({ minLength: 1, maxLength: 128, description: 'Human name shown in logs and the UI' }),
    description: Type.Optional(
      Type.String({
        maxLength: 8192,
        description: 'What real device this profile emulates, and from what facts',
      }),
    ),
    callingAeTitles: Type.Optional(
      Type.Array(AeTitle, {
        description:
          'Allow-list of calling AE titles; absent or empty: any. Others get A-ASSOCIATE-RJ reason 3',
        maxItems: 4096,
        uniqueItems: true,
      }),
    ),
    transferSyntaxes: Type.Optional(
      Type.Array(Type.Union(Object.keys(TRANSFER_SYNTAX_NAMES).map((k) => Type.Literal(k))), {
        minItems: 1,
        uniqueItems: true,
        description:
          'Data set transfer syntaxes accepted, in order of preference (default: explicit, then implicit)',
      }),
    ),
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description:
          'Also serve this printer alone on its own TCP port (it stays reachable on --dicom-port by AE title)',
      }),
    ),
    tls: Type.Optional(
      Type.Union([Type.Literal('allowed'), Type.Literal('required')], {
        description:
          'DICOM over TLS (--tls-cert): allowed (default: plain TCP and the TLS port alike) or required (a plain association gets A-ASSOCIATE-RJ permanent, service user, reason 1 no-reason-given)',
      }),
    ),
    identity: Type.Optional(Identity),
    sopClasses: Type.Optional(
      Type.Object(
        {
          grayscale: Type.Boolean({ description: 'Basic Grayscale Print Management Meta' }),
          color: Type.Boolean({ description: 'Basic Color Print Management Meta' }),
          annotationBox: Type.Boolean({ description: 'Basic Annotation Box' }),
          presentationLut: Type.Boolean({ description: 'Presentation LUT' }),
          printJob: Type.Boolean({ description: 'Print Job (N-GET and N-EVENT-REPORT)' }),
          printerConfiguration: Type.Boolean({ description: 'Printer Configuration Retrieval' }),
        },
        { additionalProperties: false, description: 'Which SOP classes the printer accepts (default: all)' },
      ),
    ),
    presentationLutLevel: Type.Optional(
      Type.Union([Type.Literal('film-box'), Type.Literal('film-session')], {
        description:
          'Where Referenced Presentation LUT Sequence is accepted besides the image box (film-session: DCMTK-compatible, non-standard)',
      }),
    ),
    resolutions: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^(STANDARD|HIGH)$' }),
        Type.Number({ minimum: 50, maximum: 1200 }),
        {
          ...mapBounds,
          description: 'Requested Resolution ID -> printer dots per inch; the first is the default',
        },
      ),
    ),
    filmSizes: Type.Optional(
      Type.Array(FilmSize, {
        minItems: 1,
        maxItems: MAX_ITEMS,
        description: 'Film sizes; the first is the default',
      }),
    ),
    displayFormats: Type.Optional(
      Type.Array(
        Type.String({
          pattern:
            '^(STANDARD\\\\[1-9][0-9]?,[1-9][0-9]?|STANDARD\\\\\\*|ROW\\\\\\*|COL\\\\\\*|SLIDE|SUPERSLIDE|CUSTOM\\\\[1-9][0-9]*)$',
          maxLength: 64,
          description:
            'STANDARD\\C,R exactly; STANDARD\\*, ROW\\* or COL\\* for any split up to maxBoxesPerFilm; SLIDE, SUPERSLIDE or CUSTOM\\n',
        }),
        {
          minItems: 1,
          maxItems: MAX_ITEMS,
          uniqueItems: true,
          description: 'Image Display Formats accepted (others: 0x0106)',
        },
      ),
    ),
    maxBoxesPerFilm: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 400, description: 'Most image boxes one film may hold' }),
    ),
    customFormats: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[1-9][0-9]*$' }),
        Type.String({ pattern: '^(STANDARD|ROW|COL)\\\\[0-9,]+$', maxLength: 256 }),
        {
          ...mapBounds,
          description: 'CUSTOM\\n -> the STANDARD/ROW/COL layout it stands for',
        },
      ),
    ),
    slideLayout: Type.Optional(
      Type.String({
        pattern: '^[1-9],[1-9]$',
        description: 'Columns,rows of SLIDE (35 mm) on the default film',
      }),
    ),
    superslideLayout: Type.Optional(
      Type.String({ pattern: '^[1-9],[1-9]$', description: 'Columns,rows of SUPERSLIDE (40 mm)' }),
    ),
    orientations: Type.Optional(CsList('Film Orientation values accepted; the first is the default')),
    mediumTypes: Type.Optional(CsList('Medium Type values accepted; the first is the default')),
    filmDestinations: Type.Optional(
      CsList('Film Destination values accepted (BIN_i allowed when listed); the first is the default'),
    ),
    magnificationTypes: Type.Optional(
      Type.Array(Type.Unsafe<MagnificationType>(Type.String({ enum: [...MAGNIFICATION_TYPES] })), {
        minItems: 1,
        maxItems: MAGNIFICATION_TYPES.length,
        uniqueItems: true,
        description: `Magnification Type values accepted, of ${MAGNIFICATION_TYPES.join(', ')} (the ones the renderer implements); the first is the default`,
      }),
    ),
    smoothingTypes: Type.Optional(CsList('Smoothing Type values accepted; the first is the default')),
    borderDensities: Type.Optional(
      Type.Array(DensityTerm, {
        minItems: 1,
        maxItems: MAX_ITEMS,
        description: 'Border Density values; the first is the default',
      }),
    ),
    emptyImageDensities: Type.Optional(
      Type.Array(DensityTerm, {
        minItems: 1,
        maxItems: MAX_ITEMS,
        description: 'Empty Image Density values; the first is the default',
      }),
    ),
    density: Type.Optional(
      Type.Object(
        {
          min: Density,
          max: Density,
          defaultMin: Type.Optional(Density),
          defaultMax: Type.Optional(Density),
        },
        {
          additionalProperties: false,
          description: "The printer's density range; requests outside it are clamped with 0xB605",
        },
      ),
    ),
    characteristicCurve: Type.Optional(
      Type.Object(
        {
          illumination: Type.Optional(
            Type.Number({
              minimum: 1,
              maximum: 10000,
              description: 'light box luminance the readings were taken for, cd/m2 (default 2000)',
            }),
          ),
          reflectedAmbient: Type.Optional(
            Type.Number({
              minimum: 0,
              maximum: 1000,
              description: 'reflected ambient light of the readings, cd/m2 (default 10)',
            }),
          ),
          points: Type.Array(
            Type.Object(
              {
                p: Type.Number({
                  minimum: 0,
                  maximum: 1,
                  description: 'input, as a fraction of the P-value range',
                }),
                od: Type.Number({ minimum: 0, maximum: 5, description: 'optical density measured' }),
              },
              { additionalProperties: false },
            ),
            { minItems: 2, maxItems: 4096 },
          ),
        },
        {
          additionalProperties: false,
          description:
            "The printer's measured characteristic curve (POST /api/qa/curves makes it from densitometer readings): Lightbox then prints as that printer does, its deviation from the GSDF carried to every film's densities and light box",
        },
      ),
    ),
    supportsMinDensity: Type.Optional(
      Type.Boolean({ description: 'Min Density is U/U: false answers 0x0105 when sent' }),
    ),
    supportsTrim: Type.Optional(Type.Boolean({ description: 'Trim accepted (else 0x0105)' })),
    supportsRequestedImageSize: Type.Optional(
      Type.Boolean({ description: 'Requested Image Size accepted (else 0x0105)' }),
    ),
    bitsStored: Type.Optional(
      Type.Array(Type.Union([Type.Literal(8), Type.Literal(12)]), {
        minItems: 1,
        uniqueItems: true,
        description: 'Grayscale Bits Stored accepted',
      }),
    ),
    annotationFormats: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Z0-9 _]{1,16}$' }), Type.Integer({ minimum: 1, maximum: 20 }), {
        ...mapBounds,
        description: 'Annotation Display Format ID -> number of annotation boxes; the first is the default',
      }),
    ),
    maxAnnotationLength: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 64, description: 'Characters of Text String printed' }),
    ),
    smoothingKernels: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[A-Z0-9 _]{1,16}$' }),
        Type.Union([
          Type.Literal('cubic'),
          Type.Literal('mitchell'),
          Type.Literal('lanczos2'),
          Type.Literal('lanczos3'),
        ]),
        {
          ...mapBounds,
          description:
            'Smoothing Type -> the resampling kernel it selects when Magnification Type is CUBIC (default cubic)',
        },
      ),
    ),
    annotationLayout: Type.Optional(
      Type.Record(Type.String(), Type.Array(FilmPlace, { minItems: 1, maxItems: 64 }), {
        ...mapBounds,
        description:
          "Where the printer prints each Annotation Position of an Annotation Display Format ID, in position order (the conformance statement's annotation layout). Positions a format does not place share one more bottom line, left to right. See annotationArea for whether the text has its own band.",
      }),
    ),
    annotationArea: Type.Optional(
      Type.Union([Type.Literal('band'), Type.Literal('overlay')], {
        description:
          "Where annotation boxes and the stamp print. band (default): in bands of their own along the film's top and bottom edges, on the border density with a margin, the image boxes sharing the rest of the film (a real printer's annotation strip). overlay: over the image area, the image boxes keeping the whole film, each letter outlined in the contrasting density so it reads on any image",
      }),
    ),
    stamp: Type.Optional(
      Type.Object(
        {
          filmSessionLabel: Type.Boolean({
            description: 'Print the Film Session Label on every film',
          }),
          printer: Type.Boolean({
            description: 'Print the printer name and date on every film',
          }),
          labelAt: Type.Optional({ ...FilmPlace, description: 'Where the label goes (default top-left)' }),
          printerAt: Type.Optional({
            ...FilmPlace,
            description: 'Where the printer stamp goes (default top-right)',
          }),
        },
        {
          additionalProperties: false,
          description: 'What the printer stamps on every film besides the images',
        },
      ),
    ),
    maxCopies: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 999, description: 'Largest Number of Copies (else 0x0106)' }),
    ),
    maxImageSize: Type.Optional(
      Type.Object(
        {
          rows: Type.Integer({ minimum: 1, maximum: 65535 }),
          columns: Type.Integer({ minimum: 1, maximum: 65535 }),
        },
        {
          additionalProperties: false,
          description: 'Largest image matrix accepted in one image box (else 0x0106)',
        },
      ),
    ),
    memoryBytes: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2 ** 40,
        description:
          'Image memory of the printer: pixel bytes held by unprinted film boxes (else 0xC605), at most 1 TiB',
      }),
    ),
    maxCollatedFilms: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_000,
        description: 'Film Session N-ACTION collates up to this many films; 0: unsupported (0xC616 / 0x0211)',
      }),
    ),
    decimateCrop: Type.Optional(
      Type.Object(
        {
          default: DecimateCrop,
          honoursRequest: Type.Boolean({
            description: 'Requested Decimate/Crop Behavior is obeyed (false: the default always applies)',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    printJob: Type.Optional(
      Type.Object(
        {
          pendingMs: Type.Integer({
            minimum: 0,
            maximum: MAX_STEP_MS,
            description: 'Time a job stays PENDING, ms (at most one hour)',
          }),
          msPerFilm: Type.Integer({
            minimum: 0,
            maximum: MAX_STEP_MS,
            description: 'PRINTING time per film copy, ms (at most one hour)',
          }),
          queueLimit: Type.Integer({
            minimum: 1,
            maximum: 10_000,
            description: 'Jobs queued at once (beyond: 0xC601/0xC602)',
          }),
        },
        { additionalProperties: false },
      ),
    ),
    whenFailed: Type.Optional(
      Type.Union([Type.Literal('refuse'), Type.Literal('processing-failure'), Type.Literal('fail-job')], {
        description:
          "A print (N-ACTION) while the printer status is FAILURE: refuse it as a full queue (0xC601/0xC602), answer 0x0110, or accept it and end the job in FAILURE with the printer's status info. Jobs already queued or printing fail when the printer goes to FAILURE.",
      }),
    ),
    forward: Type.Optional(
      Type.Object(
        {
          mode: Type.Union([Type.Literal('tee'), Type.Literal('proxy')], {
            description:
              "tee: Lightbox answers the modality itself, then prints each stored film to this printer from a durable queue; proxy: the modality's session is relayed live to this printer and the modality gets its answers (docs/proxy.md)",
          }),
          host: Type.String({
            minLength: 1,
            maxLength: 253,
            description: 'The real printer: host name or IP address',
          }),
          port: Type.Integer({ minimum: 1, maximum: 65535, description: "The real printer's DICOM port" }),
          aeTitle: Type.Intersect([AeTitle], { description: "The real printer's (called) AE title" }),
          callingAeTitle: Type.Optional(
            Type.Intersect([AeTitle], {
              description:
                "Our calling AE title towards it (default: tee, this profile's aeTitle; proxy, the modality's own)",
            }),
          ),
          tls: Type.Optional(
            Type.Object(
              {
                ca: Type.Optional(
                  Type.String({
                    minLength: 1,
                    maxLength: 4096,
                    description: 'CA certificate file (PEM) to verify the printer with',
                  }),
                ),
                cert: Type.Optional(
                  Type.String({
                    minLength: 1,
                    maxLength: 4096,
                    description: 'Our client certificate file (PEM)',
                  }),
                ),
                key: Type.Optional(
                  Type.String({ minLength: 1, maxLength: 4096, description: 'Our client key file (PEM)' }),
                ),
                servername: Type.Optional(
                  Type.String({
                    minLength: 1,
                    maxLength: 253,
                    description: "The name the printer's certificate must carry (default: host, when a name)",
                  }),
                ),
                verify: Type.Optional(
                  Type.Boolean({
                    description: 'false: accept any certificate of the printer (default true)',
                  }),
                ),
              },
              {
                additionalProperties: false,
                description: 'DICOM TLS toward the printer (PS3.15 B.12); absent: plain TCP',
              },
            ),
          ),
          retryMs: Type.Optional(
            Type.Integer({
              minimum: 100,
              maximum: 3_600_000,
              description:
                'First wait before a retry after a network failure; doubled each time up to maxRetryMs (default 5000)',
            }),
          ),
          maxRetryMs: Type.Optional(
            Type.Integer({
              minimum: 100,
              maximum: 3_600_000,
              description: 'Longest wait between retries (default 60000)',
            }),
          ),
          maxAttempts: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 100_000,
              description:
                'Network failures (down, busy, timeout) retried this many times before the film is marked failed (default 1000); a failure status from the printer is not retried by itself',
            }),
          ),
          timeoutMs: Type.Optional(
            Type.Integer({
              minimum: 1000,
              maximum: 600_000,
              description:
                'Longest wait for each answer (default: tee 60000; proxy 30000, also bounding the connect and the A-ASSOCIATE-AC)',
            }),
          ),
        },
        {
          additionalProperties: false,
          description:
            'Print on to a real printer as well (Lightbox as SCU): after each film (tee) or live (proxy)',
        },
      ),
    ),
    export: Type.Optional(ExportListSchema),
    quirks: Type.Optional(
      Type.Object(
        {
          omitSopClassUidInCreateResponse: Type.Optional(
            Type.Boolean({
              description: 'N-CREATE-RSP without Affected SOP Class UID (IHE Restricted / old printers)',
            }),
          ),
          unknownAttributes: Type.Optional(
            Type.Union([Type.Literal('reject'), Type.Literal('ignore')], {
              description:
                'An attribute the SOP class does not define: reject with 0x0105, or ignore it with 0x0001',
            }),
          ),
          lenientFilmBoxOrder: Type.Optional(
            Type.Boolean({
              description: 'Allow N-SET/N-ACTION on film boxes other than the last (DCMTK behaviour)',
            }),
          ),
          unsupportedValues: Type.Optional(
            Type.Union([Type.Literal('reject'), Type.Literal('default')], {
              description:
                'An unsupported value of an optional (U) attribute: reject with 0x0106, or use the default with warning 0x0116',
            }),
          ),
          oversizeStatus: Type.Optional(
            Type.Union([Type.Literal('C603'), Type.Literal('C613')], {
              description:
                'The failure an image too large for its box gets when it is neither cropped nor decimated',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type PrinterProfile = Static<typeof PrinterProfileSchema>;
