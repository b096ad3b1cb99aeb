/**
 * What the console and the API say of a forwarding printer's real printer: where it is, how it is
 * reached, and whether it was reachable the last time it was tried, with the last error. Read
 * from what happened: in proxy mode the printer sides of the newest associations, in tee mode the
 * newest forwards, and the newest "check now" probe when it is newer (docs/proxy.md, README "Tee").
 */
import type { ForwardConfig } from '../scu/forwarder.js';
import type { PrinterProbe } from '../scu/probe-report.js';
import type { AssociationListItem } from '../store/association-log.js';
import type { ForwardItem } from '../store/forward-queue.js';

export type Reachability = 'reachable' | 'unreachable' | 'unknown';

/** Where a fact about the printer comes from: a proxied association, or a forwarded film. */
export interface UpstreamEvidence {
  at: string;
  association?: string;
  film?: string;
  /** A "check now" probe's outbound run. */
  probe?: string;
  detail?: string;
}

export interface ForwardView {
  mode: 'tee' | 'proxy';
  /** HOST:PORT:AE */
  target: string;
  tls?: { verify: boolean; clientCertificate: boolean; servername?: string };
  callingAeTitle?: string;
  timeoutMs?: number;
  upstream: {
    /** As of the last attempt: associated with it (reachable), or not (unreachable); none yet: unknown. */
    state: Reachability;
    last?: UpstreamEvidence;
    /** The newest failure toward the printer, even when a later attempt went well. */
    lastError?: UpstreamEvidence;
  };
  /** Proxy mode: how many associations the state was read from. */
  associations?: number;
  /** The newest "check now" probe. */
  probe?: PrinterProbe;
}

export function forwardView(
  c: ForwardConfig,
  recent: {
    associations?: readonly AssociationListItem[];
    forwards?: readonly ForwardItem[];
    probe?: PrinterProbe;
  },
): ForwardView {
  const traffic =
    c.mode === 'proxy' ? fromAssociations(recent.associations ?? []) : fromForwards(recent.forwards ?? []);
  const view: ForwardView = {
    mode: c.mode,
    target: `${c.host}:${c.port}:${c.aeTitle}`,
    upstream: recent.probe ? withProbe(traffic, recent.probe) : traffic,
  };
  if (recent.probe) view.probe = recent.probe;
  if (c.tls)
    view.tls = {
      verify: c.tls.verify !== false,
      clientCertificate: c.tls.cert !== undefined,
      ...(c.tls.servername ? { servername: c.tls.servername } : {}),
    };
  if (c.callingAeTitle) view.callingAeTitle = c.callingAeTitle;
  if (c.timeoutMs !== undefined) view.timeoutMs = c.timeoutMs;
  if (c.mode === 'proxy') view.associations = (recent.associations ?? []).filter((a) => a.upstream).length;
  return view;
}

/** Newest first. An association the printer took is reachable; one it never took is not. */
function fromAssociations(list: readonly AssociationListItem[]): ForwardView['upstream'] {
  const withPrinter = list.filter((a) => a.upstream);
  const newest = withPrinter[0];
  if (!newest) return { state: 'unknown' };
  const evidence = (a: AssociationListItem): UpstreamEvidence => ({
    at: a.endedAt ?? a.startedAt,
    association: a.id,
    ...(a.upstream?.detail ? { detail: a.upstream.detail } : {}),
  });
  const failed = withPrinter.find((a) => {
    const u = a.upstream!;
    return u.detail !== undefined && u.ending !== 'released' && u.ending !== 'open';
  });
  return {
    state: newest.upstream!.ending === 'not-associated' ? 'unreachable' : 'reachable',
    last: evidence(newest),
    ...(failed ? { lastError: evidence(failed) } : {}),
  };
}

/**
 * Newest first. A film printed, or refused by the printer with a status (a run was recorded),
 * reached it; one still retrying, or given up without any run, did not.
 */
function fromForwards(list: readonly ForwardItem[]): ForwardView['upstream'] {
  const tried = list.filter((f) => f.attempts > 0);
  const newest = tried[0];
  if (!newest) return { state: 'unknown' };
  const evidence = (f: ForwardItem): UpstreamEvidence => ({
    at: f.updatedAt,
    film: f.filmId,
    ...(f.lastError && f.state !== 'done' ? { detail: f.lastError } : {}),
  });
  const reached = newest.state === 'done' || (newest.state === 'failed' && newest.lastOutbound !== undefined);
  const failed = tried.find((f) => f.state !== 'done' && f.lastError);
  return {
    state: reached ? 'reachable' : 'unreachable',
    last: evidence(newest),
    ...(failed ? { lastError: evidence(failed) } : {}),
  };
}

/** A probe newer than the traffic's last attempt decides the state (and is the last error if it failed). */
function withProbe(u: ForwardView['upstream'], p: PrinterProbe): ForwardView['upstream'] {
  const at = p.endedAt;
  const evidence: UpstreamEvidence = {
    at,
    ...(p.id ? { probe: p.id } : {}),
    ...(p.result === 'answered' ? {} : { detail: p.detail ?? p.result }),
  };
  const out = { ...u };
  if (!u.last || Date.parse(at) >= Date.parse(u.last.at)) {
    out.state = p.state;
    out.last = evidence;
  }
  if (p.result !== 'answered' && (!u.lastError || Date.parse(at) >= Date.parse(u.lastError.at)))
    out.lastError = evidence;
  return out;
}
