/** OutboundLog.newest and prune (a printer's "check now" probes) on both engines. */
import { describe, expect, it } from 'vitest';
import type { OutboundInput } from '../../src/store/outbound-log.js';
import { ENGINES, useEngine } from './engines.js';

const run = (kind: OutboundInput['kind'], source: string, outcome: string): OutboundInput => ({
  kind,
  source,
  target: '127.0.0.1:104:DRYPIX',
  startedAt: '2026-12-03T10:00:00.000Z',
  endedAt: '2026-12-03T10:00:01.000Z',
  ok: true,
  outcome,
  report: { outcome },
});

describe.each(ENGINES)('outbound runs on %s', (kind) => {
  const e = useEngine(kind);

  it('newest: the last run of that kind from that source, whole; prune keeps the newest N', () => {
    const store = e.store();
    try {
      expect(store.outbound.newest('probe', 'printer PROXY')).toBeUndefined();
      store.outbound.add(run('probe', 'printer PROXY', 'first'));
      const second = store.outbound.add(run('probe', 'printer PROXY', 'second'));
      store.outbound.add(run('probe', 'printer OTHER', 'other printer'));
      store.outbound.add(run('print', 'printer PROXY', 'another kind'));
      const n = store.outbound.newest('probe', 'printer PROXY');
      expect(n?.summary).toMatchObject({ id: second, kind: 'probe', outcome: 'second' });
      expect(n?.report).toEqual({ outcome: 'second' });
      expect(store.outbound.list({ kind: 'probe' }).map((r) => r.outcome)).toEqual([
        'other printer',
        'second',
        'first',
      ]);
      // prune: the newest N of that kind and source stay, nothing else is touched.
      store.outbound.add(run('probe', 'printer PROXY', 'third'));
      store.outbound.prune('probe', 'printer PROXY', 2);
      expect(store.outbound.list().map((r) => r.outcome)).toEqual([
        'third',
        'another kind',
        'other printer',
        'second',
      ]);
      store.outbound.prune('probe', 'printer NONE', 2);
      store.outbound.prune('probe', 'printer PROXY', 5);
      expect(store.outbound.list()).toHaveLength(4);
    } finally {
      store.close();
    }
  });
});
