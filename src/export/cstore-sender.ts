/**
 * C-STORE to a Storage SCP: one association per film over the SCU requestor (src/scu/requestor.ts),
 * proposing the film's SOP class in the one transfer syntax configured. Taken: Success or a
 * Warning status. A refusal (0xA7xx out of resources, 0xA9xx, 0xCxxx), a rejected association, a
 * peer that is not there or does not answer in time is a failure with what the peer said.
 */
import { statusCategory } from '../dicom/dimse/status.js';
import { Uid } from '../dicom/uids.js';
import type { ExportTarget } from '../profiles/export-schema.js';
import { Requestor } from '../scu/requestor.js';
import { ExportError, type ExportSender, type FilmSource } from './sender.js';

type CStoreTarget = Extract<ExportTarget, { type: 'c-store' }>;

const DEFAULT_TIMEOUT_S = 60;
export const DEFAULT_CALLING_AE = 'LIGHTBOX';

const hex = (s: number) => `0x${s.toString(16).toUpperCase().padStart(4, '0')}`;

export class CStoreSender implements ExportSender {
  constructor(readonly target: CStoreTarget) {}

  async send(film: FilmSource): Promise<void> {
    const t = this.target;
    const o = await film.dicom();
    const implicit = t.transferSyntax === 'implicit-vr-little-endian';
    const ts = implicit ? Uid.ImplicitVrLittleEndian : Uid.ExplicitVrLittleEndian;
    // The file's data set is Explicit VR Little Endian; for Implicit it is written again that way.
    const parts = implicit ? o.implicitDataset() : o.dataset;
    const ms = (t.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000;
    const where = `${t.aeTitle}@${t.host}:${t.port}`;
    let r: Requestor;
    try {
      r = await Requestor.open({
        host: t.host,
        port: t.port,
        callingAeTitle: t.callingAeTitle ?? DEFAULT_CALLING_AE,
        calledAeTitle: t.aeTitle,
        contexts: [{ abstractSyntax: o.sopClassUid, transferSyntaxes: [ts] }],
        timeouts: { connectMs: ms, associateMs: ms, responseMs: ms, releaseMs: ms },
      });
    } catch (e) {
      throw new ExportError(`${where}: ${(e as Error).message}`);
    }
    let status: number;
    let comment: string | undefined;
    try {
      const res = await r.store(o.sopClassUid, o.sopInstanceUid, Buffer.concat(parts));
      status = res.status;
      comment = res.errorComment;
    } catch (e) {
      r.abort('C-STORE failed');
      throw new ExportError(`${where}: ${(e as Error).message}`);
    }
    await r.release().catch(() => undefined);
    const category = statusCategory(status);
    if (category !== 'success' && category !== 'warning')
      throw new ExportError(`${where}: C-STORE status ${hex(status)}${comment ? ` (${comment})` : ''}`);
  }
}
