/**
 * Live updates: one EventSource on /api/events for the whole page. Views subscribe to event types
 * and get an unsubscribe function; the header badge shows whether the stream is connected.
 * EventSource reconnects by itself; after a reconnect every view is told to refetch ('resync'),
 * since events sent while disconnected are lost.
 */

const TYPES = [
  'association.opened',
  'association.closed',
  'dimse',
  'printer.status',
  'job',
  'film.printed',
  'film.preview',
  'film.rendered',
  'film.removed',
  'export',
  'fault.fired',
  'fault.armed',
  'fault.disarmed',
];

const listeners = new Set();
let source;

function dispatch(type, data) {
  for (const l of listeners) if (l.types.includes(type)) l.fn({ ...data, type });
}

function setState(state) {
  const badge = document.getElementById('live');
  if (!badge) return;
  badge.dataset.state = state;
  badge.textContent = state;
}

/** Open the stream (once). */
export function connect() {
  if (source) return;
  let wasOpen = false;
  source = new EventSource('/api/events');
  source.addEventListener('open', () => {
    setState('live');
    if (wasOpen) dispatch('resync', {});
    wasOpen = true;
  });
  // A refused stream (401 under --protect-reads before the login) is closed for good.
  source.addEventListener('error', () =>
    setState(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'),
  );
  for (const type of TYPES) {
    source.addEventListener(type, (e) => {
      try {
        dispatch(type, JSON.parse(e.data));
      } catch {
        // a malformed event is not worth breaking the page for
      }
    });
  }
}

/** Call fn for each event of these types (and on 'resync'); returns the unsubscribe function. */
export function on(types, fn) {
  const l = { types: [...types, 'resync'], fn };
  listeners.add(l);
  return () => listeners.delete(l);
}
