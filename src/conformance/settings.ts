/** What of Lightbox's configuration a conformance statement states: the network limits and timers. */
import {
  type Config,
  DEFAULT_ASSOCIATE_TIMEOUT_MS,
  DEFAULT_MAX_UNASSOCIATED,
  DEFAULT_MAX_UNASSOCIATED_PER_PEER,
  DEFAULT_TLS_PORT,
  defaultConfig,
} from '../config/config.js';

/** DICOM over TLS as configured (--tls-*): its port, whether plain TCP is served too, client certificates. */
export interface TlsSettings {
  port: number;
  only: boolean;
  clientCertificates: 'none' | 'optional' | 'required';
}

export type NetworkSettings = Required<
  Pick<Config, 'maxUnassociated' | 'maxUnassociatedPerPeer' | 'associateTimeoutMs'>
> &
  Pick<
    Config,
    | 'dicomPort'
    | 'host'
    | 'maxPduLength'
    | 'maxAssociations'
    | 'maxDatasetBytes'
    | 'artimTimeoutMs'
    | 'idleTimeoutMs'
    | 'shutdownGraceMs'
    | 'minFreeSpace'
  > & {
    /** Absent: no TLS configured. */
    tls?: TlsSettings;
  };

export function networkSettings(
  c: Omit<NetworkSettings, 'maxUnassociated' | 'maxUnassociatedPerPeer' | 'associateTimeoutMs' | 'tls'> &
    Partial<NetworkSettings> &
    Partial<Pick<Config, 'tlsCert' | 'tlsCa' | 'tlsVerifyPeer' | 'tlsPort' | 'tlsOnly'>>,
): NetworkSettings {
  const tls: TlsSettings | undefined =
    c.tls ??
    (c.tlsCert === undefined
      ? undefined
      : {
          port: c.tlsPort ?? DEFAULT_TLS_PORT,
          only: c.tlsOnly === true,
          clientCertificates: c.tlsCa === undefined ? 'none' : c.tlsVerifyPeer ? 'required' : 'optional',
        });
  return {
    maxUnassociated: c.maxUnassociated ?? DEFAULT_MAX_UNASSOCIATED,
    maxUnassociatedPerPeer: c.maxUnassociatedPerPeer ?? DEFAULT_MAX_UNASSOCIATED_PER_PEER,
    associateTimeoutMs: c.associateTimeoutMs ?? DEFAULT_ASSOCIATE_TIMEOUT_MS,
    dicomPort: c.dicomPort,
    host: c.host,
    maxPduLength: c.maxPduLength,
    maxAssociations: c.maxAssociations,
    maxDatasetBytes: c.maxDatasetBytes,
    artimTimeoutMs: c.artimTimeoutMs,
    idleTimeoutMs: c.idleTimeoutMs,
    shutdownGraceMs: c.shutdownGraceMs,
    ...(c.minFreeSpace === undefined ? {} : { minFreeSpace: c.minFreeSpace }),
    ...(tls ? { tls } : {}),
  };
}

/** The settings of a Lightbox started without options. */
export function defaultNetworkSettings(): NetworkSettings {
  return networkSettings(defaultConfig());
}

/** 268435456 -> "268435456 bytes (256 MiB)". */
export function bytesText(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let unit = '';
  for (const u of units) {
    if (v < 1024 || v % 1024 !== 0) break;
    v /= 1024;
    unit = u;
  }
  return unit ? `${n} bytes (${v} ${unit})` : `${n} bytes`;
}

export function secondsText(ms: number): string {
  const s = ms / 1000;
  return `${s} s`;
}
