/**
 * DICOMweb STOW-RS (PS3.18 10.5): the film's DICOM file POSTed to <url>/studies as
 * multipart/related; type="application/dicom", with a bearer token or basic authentication when
 * configured. Taken: 200 (and no Failed SOP Sequence in the answer). Anything else is a failure
 * carrying the HTTP status and the start of the body, the peer's own words.
 */
import { randomBytes } from 'node:crypto';
import { Tag } from '../dicom/tags.js';
import type { ExportTarget } from '../profiles/export-schema.js';
import { ExportError, type ExportSender, type FilmSource } from './sender.js';

type StowTarget = Extract<ExportTarget, { type: 'stow-rs' }>;

const DEFAULT_TIMEOUT_S = 60;
/** What is kept of an answer's body in the error. */
const ANSWER_CHARS = 300;

export class StowSender implements ExportSender {
  constructor(readonly target: StowTarget) {}

  #headers(boundary: string): Record<string, string> {
    const h: Record<string, string> = {
      'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
      accept: 'application/dicom+json',
    };
    const t = this.target;
    if (t.bearer) h.authorization = `Bearer ${t.bearer}`;
    else if (t.username !== undefined)
      h.authorization = `Basic ${Buffer.from(`${t.username}:${t.password ?? ''}`).toString('base64')}`;
    return h;
  }

  async send(film: FilmSource): Promise<void> {
    const o = await film.dicom();
    const boundary = `lightbox-${randomBytes(12).toString('hex')}`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      ...o.file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const url = `${this.target.url.replace(/\/+$/, '')}/studies`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: this.#headers(boundary),
        body,
        signal: AbortSignal.timeout((this.target.timeoutSeconds ?? DEFAULT_TIMEOUT_S) * 1000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ExportError(`${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
    const text = (await res.text().catch(() => '')).slice(0, 64 * 1024);
    if (res.status !== 200)
      throw new ExportError(
        `${url}: HTTP ${res.status} ${res.statusText}${text ? `: ${text.slice(0, ANSWER_CHARS)}` : ''}`,
      );
    if (text.includes(Tag.FailedSOPSequence)) {
      try {
        const failed = (JSON.parse(text) as Record<string, { Value?: unknown[] }>)[Tag.FailedSOPSequence]
          ?.Value;
        if (failed?.length)
          throw new ExportError(
            `${url}: the film is in the Failed SOP Sequence: ${text.slice(0, ANSWER_CHARS)}`,
          );
      } catch (e) {
        if (e instanceof ExportError) throw e;
      }
    }
  }
}
