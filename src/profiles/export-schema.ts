/**
 * Where a printer's films go once rendered (profile key `export`): a directory (a hot folder), a
 * DICOMweb STOW-RS service, a DICOM Storage SCP (C-STORE). Each film becomes one durable export
 * job per target (src/export/), retried until the target takes it.
 */
import { type Static, Type } from '@sinclair/typebox';

const Name = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  description: 'The target as the API and console name it (unique per printer)',
});
const AeTitle = Type.String({ minLength: 1, maxLength: 16, pattern: '^(?! *$)[\\x20-\\x5b\\x5d-\\x7e]+$' });

export const DirectoryTarget = Type.Object(
  {
    name: Name,
    type: Type.Literal('directory'),
    path: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'Directory the files appear in (made if missing)',
    }),
    formats: Type.Array(Type.Union([Type.Literal('pdf'), Type.Literal('dicom')]), {
      minItems: 1,
      maxItems: 2,
      uniqueItems: true,
      description:
        'pdf: <film>.pdf at true size; dicom: <film>.dcm. Each appears whole (written aside, then renamed)',
    }),
  },
  { additionalProperties: false },
);

export const StowTarget = Type.Object(
  {
    name: Name,
    type: Type.Literal('stow-rs'),
    url: Type.String({
      pattern: '^https?://',
      maxLength: 4096,
      description:
        'The DICOMweb service root (e.g. http://pacs:8042/dicom-web); films are POSTed to <url>/studies',
    }),
    bearer: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: 'Authorization: Bearer token' }),
    ),
    username: Type.Optional(Type.String({ maxLength: 256, description: 'HTTP basic authentication user' })),
    password: Type.Optional(
      Type.String({ maxLength: 256, description: 'HTTP basic authentication password' }),
    ),
    timeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 600, description: 'Per request (default 60)' }),
    ),
  },
  { additionalProperties: false },
);

export const CStoreTarget = Type.Object(
  {
    name: Name,
    type: Type.Literal('c-store'),
    aeTitle: AeTitle,
    host: Type.String({ minLength: 1, maxLength: 255 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    callingAeTitle: Type.Optional(AeTitle),
    transferSyntax: Type.Optional(
      Type.Union([Type.Literal('explicit-vr-little-endian'), Type.Literal('implicit-vr-little-endian')], {
        description: 'The one transfer syntax proposed for the film (default explicit-vr-little-endian)',
      }),
    ),
    timeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 600, description: 'Per step (default 60)' }),
    ),
  },
  { additionalProperties: false },
);

export const ExportTargetSchema = Type.Union([DirectoryTarget, StowTarget, CStoreTarget]);
export type ExportTarget = Static<typeof ExportTargetSchema>;

export const ExportListSchema = Type.Array(ExportTargetSchema, {
  maxItems: 16,
  description: 'Where every rendered film of this printer is exported (durable jobs, retried until taken)',
});
