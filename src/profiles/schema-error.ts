/** One line for the first error a JSON schema (Ajv) found in a profile or scenario file. */
import type { ErrorObject } from 'ajv';

/**
 * Ajv's message, with the key it did not expect named (its own message only says "must NOT have
 * additional properties"), or `hint` after a choice among values (enum, anyOf) when given.
 */
export function schemaErrorText(e: ErrorObject, hint = ''): string {
  const extra =
    e.keyword === 'additionalProperties'
      ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"`
      : e.keyword === 'enum' || e.keyword === 'anyOf'
        ? hint
        : '';
  return `${e.message ?? 'invalid'}${extra}`;
}
