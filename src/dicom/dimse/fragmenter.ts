/**
 * Splits one DIMSE message into P-DATA-TF PDUs that respect the peer's Maximum Length
 * (PS3.8 9.3.5, D.1): command first, then its data set, one PDV per PDU, each PDU's length field
 * <= the peer's limit (0 = no limit, we then use our own cap). Pure.
 */
import { type Bytes, viewOf } from '../chunked-bytes.js';
import type { PDataTf } from '../ul/pdu.js';
import { PDV_HEADER_LENGTH } from '../ul/pdu-codec.js';

/** PDU size we use when the peer says "no limit" (0): large enough to be cheap, small enough to interleave. */
const UNLIMITED_SEND_PDU = 1024 * 1024;

export function maxFragment(peerMaxLength: number): number {
  const limit = peerMaxLength === 0 ? UNLIMITED_SEND_PDU : peerMaxLength;
  return Math.max(1, limit - PDV_HEADER_LENGTH);
}

function pushFragments(
  out: PDataTf[],
  contextId: number,
  bytes: Bytes,
  isCommand: boolean,
  size: number,
): void {
  if (bytes.length <= size) {
    out.push({ type: 'P-DATA-TF', pdvs: [{ contextId, isCommand, isLast: true, data: bytes }] });
    return;
  }
  for (let at = 0; at < bytes.length; at += size) {
    // A data set held in received chunks (a relayed image) is cut into views, never joined.
    const data = viewOf(bytes, at, Math.min(at + size, bytes.length));
    out.push({
      type: 'P-DATA-TF',
      pdvs: [{ contextId, isCommand, isLast: at + size >= bytes.length, data }],
    });
  }
}

export function fragmentMessage(
  contextId: number,
  command: Buffer,
  dataset: Bytes | undefined,
  peerMaxLength: number,
): PDataTf[] {
  const size = maxFragment(peerMaxLength);
  const out: PDataTf[] = [];
  pushFragments(out, contextId, command, true, size);
  if (dataset !== undefined) pushFragments(out, contextId, dataset, false, size);
  return out;
}
