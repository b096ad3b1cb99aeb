/**
 * The printer profile: one file per emulated printer in printers/ (YAML or JSON), checked against
 * this schema at start-up. The schema is the documentation of every key; keep descriptions exact.
 */
import { type Static, Type } from '@sinclair/typebox';

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

export const PrinterProfileSchema = Type.Object(
  {
    aeTitle: Type.Intersect([AeTitle], { description: 'Called AE title that selects this printer' }),
    name: Type.String({ minLength: 1, description: 'Human name shown in logs and the UI' }),
    description: Type.Optional(
      Type.String({ description: 'What real device this profile emulates, and from what facts' }),
    ),
    callingAeTitles: Type.Optional(
      Type.Array(AeTitle, {
        description:
          'Allow-list of calling AE titles; absent or empty: any. Others get A-ASSOCIATE-RJ reason 3',
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
  },
  { additionalProperties: false },
);

export type PrinterProfile = Static<typeof PrinterProfileSchema>;
