/**
 * "Check now" (POST /api/printers/{AE}/forward/probe): one short association with a forwarding
 * printer's real printer over Lightbox's own requestor, C-ECHO, then N-GET of the Printer SOP
 * instance (its status, status info, name, maker...), every wait bounded by `timeoutMs`, then
 * A-RELEASE. Whatever the printer does is a result, not an error (probe-report.ts names them);
 * the conversation is kept as an outbound run of kind `probe` (docs/proxy.md#probe).
 */
import { CommandField } from '../dicom/dimse/command-fields.js';
import { Uid } from '../dicom/uids.js';
import type { MessageRecord } from '../store/association-record.js';
import type { Store } from '../store/store.js';
import { forwardTls } from './forward-tls.js';
import type { ForwardConfig } from './forwarder.js';
import {
  PROBE_METAS,
  type PrinterProbe,
  type ProbeAnswer,
  printerAttributes,
  probeLine,
  probeResult,
  rejectionView,
} from './probe-report.js';
import { type DimseResponse, Requestor } from './requestor.js';
import { messageRecord } from './runner.js';
import { ScuError } from './scu-error.js';
import { targetText } from './target.js';

export const PROBE_TIMEOUT_MS = { default: 5000, min: 100, max: 30_000 };
/** Probes kept per printer (outbound runs of kind `probe`); older ones are removed. */
export const PROBES_KEPT = 100;

/** A probe's conversation is a handful of messages; a printer sending events is cut off here. */
const MAX_MESSAGES = 50;
/** The Printer N-GET response is a few short strings: anything much larger is not kept. */
const MAX_DATASET_BYTES = 64 * 1024;

/** Probe the real printer of `printer` (its AE title here) once; never throws. */
export async function probePrinter(
  c: ForwardConfig,
  o: { printer: string; timeoutMs: number },
): Promise<{ probe: PrinterProbe; messages: MessageRecord[] }> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const messages: MessageRecord[] = [];
  const probe: PrinterProbe = {
    startedAt,
    endedAt: startedAt,
    ms: 0,
    target: targetText({ host: c.host, port: c.port, aeTitle: c.aeTitle }),
    callingAeTitle: c.callingAeTitle ?? o.printer,
    timeoutMs: o.timeoutMs,
    state: 'unreachable',
    result: 'answered',
    accepted: [],
  };
  const done = () => {
    probe.endedAt = new Date().toISOString();
    probe.ms = Math.round(performance.now() - t0);
    return { probe, messages };
  };
  const failed = (e: unknown) => {
    const err = e instanceof ScuError ? e : new ScuError('closed', String(e));
    probe.result = probeResult(err.kind);
    probe.detail = err.message;
    if (err.rejection) probe.rejection = rejectionView(err.rejection);
  };
  const wait = o.timeoutMs;
  let r: Requestor;
  try {
    r = await Requestor.open({
      host: c.host,
      port: c.port,
      calledAeTitle: c.aeTitle,
      callingAeTitle: probe.callingAeTitle,
      contexts: [
        { abstractSyntax: Uid.Verification },
        ...PROBE_METAS.map((abstractSyntax) => ({ abstractSyntax })),
      ],
      timeouts: { connectMs: wait, associateMs: wait, responseMs: wait, releaseMs: wait },
      maxDatasetBytes: MAX_DATASET_BYTES,
      ...(c.tls ? { tls: forwardTls(c.tls, c.host) } : {}),
      onMessage: (m) => {
        if (messages.length < MAX_MESSAGES) messages.push(messageRecord(m));
      },
    });
  } catch (e) {
    failed(e);
    return done();
  }
  probe.state = 'reachable';
  probe.accepted = r.contexts.map((x) => `${x.abstractSyntax}: ${x.transferSyntax}`);
  const ask = async (send: () => Promise<DimseResponse>): Promise<ProbeAnswer> => {
    try {
      const rsp = await send();
      return {
        status: rsp.status,
        ms: Math.round(rsp.ms * 10) / 10,
        ...(rsp.errorComment ? { errorComment: rsp.errorComment } : {}),
      };
    } catch (e) {
      // A request that could not be sent leaves the association as it was; any other failure ends it.
      if (!(e instanceof ScuError && e.kind === 'not-negotiated')) failed(e);
      return { error: (e as Error).message };
    }
  };
  probe.echo = r.accepted(Uid.Verification)
    ? await ask(() => r.echo())
    : { error: 'Verification was not accepted' };
  const meta = PROBE_METAS.find((m) => r.accepted(m));
  if (!meta) probe.nGet = { error: 'no print management meta SOP class was accepted' };
  else if (!r.isOpen) probe.nGet = { error: 'not sent: the association ended' };
  else {
    let dataset: DimseResponse['dataset'];
    probe.nGet = await ask(async () => {
      const rsp = await r.send({
        command: {
          commandField: CommandField.N_GET_RQ,
          requestedSopClassUid: Uid.Printer,
          requestedSopInstanceUid: Uid.PrinterInstance,
        },
        context: meta,
      });
      dataset = rsp.dataset;
      return rsp;
    });
    if (dataset) probe.printer = printerAttributes(dataset);
  }
  if (r.isOpen) await r.release();
  else r.abort('probe over');
  return done();
}

/** Probe, and keep the probe with its conversation as an outbound run (kind `probe`). */
export async function probeAndKeep(
  store: Store,
  c: ForwardConfig,
  o: { printer: string; timeoutMs: number; source: string },
): Promise<PrinterProbe> {
  const { probe, messages } = await probePrinter(c, o);
  probe.id = store.outbound.add({
    kind: 'probe',
    source: o.source,
    target: probe.target,
    startedAt: probe.startedAt,
    endedAt: probe.endedAt,
    ok: probe.result === 'answered' && probe.echo?.status === 0 && probe.nGet?.status === 0,
    outcome: probeLine(probe),
    report: { ...probe, messages },
  });
  // A button anyone may press again and again: the older probes of this printer go.
  store.outbound.prune('probe', o.source, PROBES_KEPT);
  return probe;
}
