/**
 * The server's DICOM words (GET /api/dicom/vocabulary): every DIMSE status with its name,
 * category and scope, the SOP classes with their names, the DIMSE requests. Fetched once per page
 * (again only after a failure); the console keeps no copy of those tables.
 */
import { get } from './api.js';

let loading;

export function vocabulary() {
  loading ??= get('/api/dicom/vocabulary').catch((e) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

const squash = (s) =>
  String(s)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/**
 * A status as a fault writes it (50693, "0xC605", "C605", "InsufficientMemory", "Insufficient
 * memory") -> its vocabulary entry ({hex, name, category, ...}), or undefined.
 */
export function findStatus(words, s) {
  let code;
  if (typeof s === 'number') code = s;
  else if (/^(0x)?[0-9a-f]{4}$/i.test(String(s))) code = Number.parseInt(String(s).replace(/^0x/i, ''), 16);
  if (code !== undefined) return words.statuses.find((x) => x.code === code);
  return words.statuses.find((x) => squash(x.key) === squash(s) || squash(x.name) === squash(s));
}

/** "Basic Film Box" for its UID; anything else (a name as written, an unknown UID) as it is. */
export const sopClassName = (words, s) => words.sopClasses.find((c) => c.uid === s)?.name ?? s;
