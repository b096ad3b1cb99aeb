/**
 * What GET /api/printers/{ae}/forward says of a forwarding printer's real printer, from what
 * happened: the printer sides of proxied associations, or tee forwards (src/http/upstream-state.ts).
 */
import { describe, expect, it } from 'vitest';
import { forwardView } from '../../src/http/upstream-state.js';
import type { ForwardConfig } from '../../src/scu/forwarder.js';
import type { AssociationListItem } from '../../src/store/association-log.js';
import type { UpstreamRecord } from '../../src/store/association-record.js';
import type { ForwardItem } from '../../src/store/forward-queue.js';

const proxy: ForwardConfig = { mode: 'proxy', host: 'printer.lan', port: 104, aeTitle: 'DRYPIX' };
const tee: ForwardConfig = { ...proxy, mode: 'tee', tls: { ca: 'ca.pem', cert: 'c.pem', key: 'k.pem' } };

function assoc(id: string, at: string, upstream?: Partial<UpstreamRecord>): AssociationListItem {
  return {
    id,
    peer: '127.0.0.1:1',
    startedAt: at,
    endedAt: at,
    state: 'Sta1',
    ending: 'released',
    detail: '',
    contexts: [],
    acceptedContexts: [],
    faults: [],
    messageCount: 0,
    warnings: 0,
    failures: 0,
    ...(upstream
      ? {
          upstream: {
            target: 'printer.lan:104:DRYPIX',
            tls: false,
            accepted: [],
            ending: 'released',
            ...upstream,
          },
        }
      : {}),
  } as AssociationListItem;
}

function item(filmId: string, f: Partial<ForwardItem>): ForwardItem {
  return {
    filmId,
    printer: 'TEE',
    target: 'printer.lan:104:DRYPIX',
    state: 'queued',
    attempts: 0,
    nextAt: 0,
    createdAt: '2026-12-03T10:00:00.000Z',
    updatedAt: '2026-12-03T10:00:00.000Z',
    ...f,
  };
}

describe('forwardView', () => {
  it('states the target, mode and transport', () => {
    expect(forwardView(proxy, {})).toEqual({
      mode: 'proxy',
      target: 'printer.lan:104:DRYPIX',
      upstream: { state: 'unknown' },
      associations: 0,
    });
    expect(forwardView(tee, {}).tls).toEqual({ verify: true, clientCertificate: true });
  });

  it('proxy: the newest association with a printer side decides; the newest failure is kept', () => {
    const list = [
      assoc('a9', '2026-12-03T10:09:00.000Z'), // a printer that does not forward, or a C-ECHO only
      assoc('a8', '2026-12-03T10:08:00.000Z', { accepted: ['x: y'], ending: 'released' }),
      assoc('a7', '2026-12-03T10:07:00.000Z', {
        ending: 'aborted-by-peer',
        accepted: ['x: y'],
        detail: 'printer connection lost',
      }),
      assoc('a6', '2026-12-03T10:06:00.000Z', { ending: 'not-associated', detail: 'ECONNREFUSED' }),
    ];
    const v = forwardView(proxy, { associations: list });
    expect(v.upstream).toEqual({
      state: 'reachable',
      last: { at: '2026-12-03T10:08:00.000Z', association: 'a8' },
      lastError: { at: '2026-12-03T10:07:00.000Z', association: 'a7', detail: 'printer connection lost' },
    });
    expect(v.associations).toBe(3);
    const down = forwardView(proxy, { associations: list.slice(3) });
    expect(down.upstream.state).toBe('unreachable');
    expect(down.upstream.lastError?.detail).toBe('ECONNREFUSED');
  });

  it('tee: printed or refused with a status reached it; retrying did not', () => {
    const at = (m: number) => `2026-12-03T10:0${m}:00.000Z`;
    const retrying = item('f3', { attempts: 2, lastError: 'cannot connect: ECONNREFUSED', updatedAt: at(3) });
    const refused = item('f2', {
      state: 'failed',
      attempts: 1,
      lastError: 'N-SET Basic Grayscale Image Box: 0xC605 (FILM JAM)',
      lastOutbound: 'o2',
      updatedAt: at(2),
    });
    const done = item('f1', { state: 'done', attempts: 1, lastOutbound: 'o1', updatedAt: at(1) });
    expect(forwardView(tee, { forwards: [item('f4', {}), retrying, refused, done] }).upstream).toEqual({
      state: 'unreachable',
      last: { at: at(3), film: 'f3', detail: 'cannot connect: ECONNREFUSED' },
      lastError: { at: at(3), film: 'f3', detail: 'cannot connect: ECONNREFUSED' },
    });
    expect(forwardView(tee, { forwards: [refused, done] }).upstream.state).toBe('reachable');
    expect(forwardView(tee, { forwards: [done] }).upstream).toEqual({
      state: 'reachable',
      last: { at: at(1), film: 'f1' },
    });
  });
});
