/**
 * A-ABORT reasons a service provider may give (PS3.8 9.3.8, Table 9-26). The numeric values are
 * the wire values; 3 is reserved.
 */
export const ABORT_REASONS = {
  'reason-not-specified': 0,
  'unrecognized-pdu': 1,
  'unexpected-pdu': 2,
  'unrecognized-pdu-parameter': 4,
  'unexpected-pdu-parameter': 5,
  'invalid-pdu-parameter-value': 6,
} as const;

export type AbortReason = keyof typeof ABORT_REASONS;

export function abortReasonName(code: number): string {
  for (const [name, value] of Object.entries(ABORT_REASONS)) if (value === code) return name;
  return `reserved(${code})`;
}

/** A protocol violation found while decoding; carries the A-ABORT reason to send for it. */
export class PduError extends Error {
  constructor(
    readonly reason: AbortReason,
    message: string,
  ) {
    super(message);
    this.name = 'PduError';
  }
}
