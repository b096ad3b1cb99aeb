/** Live and recent associations, newest first; each opens its conversation. Updated live. */
import { get, query } from '../api.js';
import { debounce, fill, h, notice, time } from '../dom.js';
import { on } from '../live.js';

export function mount(container) {
  const body = h('div');
  const active = h('input', { type: 'checkbox', name: 'active' });
  const callingAe = h('input', { name: 'callingAe', size: 16, maxlength: 16, placeholder: 'any' });
  const filters = h(
    'form',
    { class: 'filters', onsubmit: (e) => e.preventDefault(), oninput: () => refresh() },
    h('label', {}, 'Calling AE ', callingAe),
    h('label', {}, active, ' open only'),
  );
  container.append(
    h(
      'section',
      { class: 'view associations' },
      h('h1', {}, 'Associations'),
      filters,
      h('section', { class: 'panel' }, body),
    ),
  );

  async function load() {
    try {
      const list = await get(
        `/api/associations${query({ callingAe: callingAe.value.trim(), active: active.checked ? 'true' : '', order: 'desc', limit: '200' })}`,
      );
      fill(body, list.length === 0 ? notice('No associations yet.') : table(list));
    } catch (e) {
      fill(body, notice(e.message, 'error'));
    }
  }
  const refresh = debounce(load, 150);
  void load();
  return on(['association.opened', 'association.closed', 'dimse'], refresh);
}

function table(list) {
  return h(
    'table',
    { class: 'table associations-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['', 'Started', 'Calling → called', 'Peer', 'Duration', 'Messages', 'Ended'].map((t) =>
          h('th', {}, t),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      ...list.map((a) => {
        const open = a.endedAt === undefined;
        const ms = (open ? Date.now() : Date.parse(a.endedAt)) - Date.parse(a.startedAt);
        const kind = a.failures ? 'failure' : a.warnings ? 'warning' : '';
        return h(
          'tr',
          { class: kind, dataset: { association: a.id } },
          h('td', {}, h('a', { href: `#/associations/${a.id}` }, a.id)),
          h('td', {}, time(a.startedAt)),
          h('td', {}, h('code', {}, a.callingAeTitle ?? '?'), ' → ', h('code', {}, a.calledAeTitle ?? '?')),
          // Several instances on one database: the one the association is with.
          h(
            'td',
            { class: 'mono' },
            a.peer,
            a.instance ? h('span', { class: 'muted' }, ` via ${a.instance}`) : null,
          ),
          h('td', { class: 'num' }, `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 0)} s`),
          h(
            'td',
            {},
            `${a.messageCount}`,
            a.warnings
              ? h('span', { class: 'badge warning' }, `${a.warnings} warning${a.warnings > 1 ? 's' : ''}`)
              : null,
            a.failures
              ? h('span', { class: 'badge failure' }, `${a.failures} failure${a.failures > 1 ? 's' : ''}`)
              : null,
          ),
          h('td', {}, open ? h('span', { class: 'badge live' }, 'open') : a.ending),
        );
      }),
    ),
  );
}
