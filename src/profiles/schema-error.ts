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

/**
 * A YAML or JSON syntax error as one line. The yaml library's message is a line that ends in a colon
 * followed by an excerpt of the file; only the line is kept, without its colon.
 */
export function syntaxErrorText(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.trim();
  return first.replace(/\s*:$/, '') || 'unreadable';
}
