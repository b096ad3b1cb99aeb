/**
 * One association's conversation: every DIMSE message in order with direction, SOP class, message
 * ID, status (hex and meaning), timing, Error Comment and the data set. Warning responses are
 * amber, failures red. While the association is open, new messages arrive live.
 */
import { get } from '../api.js';
import { bytes, debounce, fill, h, notice, statusBadge, time } from '../dom.js';
import { on } from '../live.js';

export function mount(container, [id]) {
  const root = h('section', { class: 'view conversation' });
  container.append(root);

  async function load() {
    try {
      const a = await get(`/api/associations/${id}`);
      fill(root, header(a), messages(a));
    } catch (e) {
      fill(
        root,
        notice(
          e.status === 404 ? `No association ${id}: Lightbox keeps the recent ones only.` : e.message,
          'error',
        ),
      );
    }
  }
  const refresh = debounce(load, 150);
  void load();
  return on(
    ['dimse', 'association.closed'],
    (e) => (e.type === 'resync' || e.association === id || e.id === id) && refresh(),
  );
}

function header(a) {
  const open = a.endedAt === undefined;
  return h(
    'header',
    { class: 'conversation-head' },
    h('h1', {}, `Association ${a.id}`, open ? h('span', { class: 'badge live' }, 'open') : null),
    h(
      'dl',
      { class: 'facts wide' },
      h('dt', {}, 'Calling → called'),
      h('dd', {}, h('code', {}, a.callingAeTitle ?? '?'), ' → ', h('code', {}, a.calledAeTitle ?? '?')),
      h('dt', {}, 'Peer'),
      h('dd', { class: 'mono' }, a.peer),
      h('dt', {}, 'Started'),
      h('dd', {}, time(a.startedAt)),
      h('dt', {}, 'Ended'),
      h(
        'dd',
        {},
        open
          ? `still open (${a.state})`
          : `${time(a.endedAt)}: ${a.ending}${a.detail && a.detail !== a.ending ? ` (${a.detail})` : ''}`,
      ),
      h('dt', {}, 'Contexts'),
      h('dd', {}, h('ul', { class: 'contexts' }, ...a.contexts.map((c) => h('li', { class: 'mono' }, c)))),
    ),
    h(
      'p',
      {},
      h(
        'a',
        { class: 'button ghost', href: `/api/associations/${a.id}/conversation.json`, download: '' },
        'conversation.json',
      ),
    ),
  );
}

function messages(a) {
  if (a.messages.length === 0) return notice('No DIMSE messages.');
  const t0 = Date.parse(a.startedAt);
  const rows = [];
  a.messages.forEach((m, i) => {
    const s = m.statusInfo;
    const detailsRow = h(
      'tr',
      { class: 'attrs', hidden: true },
      h('td', { colspan: 9 }, attributes(m.attributes)),
    );
    const hasData = m.attributes !== undefined;
    rows.push(
      h(
        'tr',
        {
          class: `msg ${m.direction} ${s?.category ?? ''}`,
          dataset: {
            index: i,
            type: m.type,
            status: s?.hex ?? '',
            category: s?.category ?? '',
            messageId: m.messageId ?? '',
          },
        },
        h('td', { class: 'num muted' }, i + 1),
        h('td', { class: 'num mono' }, `+${m.at - t0} ms`),
        h(
          'td',
          { class: 'dir', title: m.direction === 'in' ? 'from the SCU' : 'from Lightbox' },
          m.direction === 'in' ? 'SCU →' : '← SCP',
        ),
        h('td', { class: 'mono' }, m.type),
        h(
          'td',
          { title: [m.sopClass, m.sopInstance].filter(Boolean).join('\n') },
          m.sopClassName ?? m.sopClass ?? '',
          m.sopInstance ? h('div', { class: 'muted mono small' }, `…${m.sopInstance.slice(-14)}`) : null,
        ),
        h('td', { class: 'num' }, m.messageId ?? ''),
        h('td', {}, s ? statusBadge(s) : ''),
        h('td', { class: 'num mono' }, m.ms === undefined ? '' : `${m.ms.toFixed(1)} ms`),
        h(
          'td',
          {},
          m.errorComment ? h('div', { class: 'comment' }, m.errorComment) : null,
          hasData || m.datasetBytes
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  disabled: !hasData,
                  title: hasData ? 'show the data set' : 'data set not recorded',
                  onclick: () => {
                    detailsRow.hidden = !detailsRow.hidden;
                  },
                },
                `data set ${bytes(m.datasetBytes ?? 0)}`,
              )
            : null,
        ),
      ),
      detailsRow,
    );
  });
  return h(
    'table',
    { class: 'table messages' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['#', 'Time', 'Dir', 'Message', 'SOP class', 'ID', 'Status', 'Took', 'Error Comment · data'].map(
          (t) => h('th', {}, t),
        ),
      ),
    ),
    h('tbody', {}, ...rows),
  );
}

/**
 * A recorded data set. Two shapes are understood: a list of {tag, keyword, vr, value, items}
 * (what the connection records) and a plain {keyword: value} object.
 */
function attributes(attrs) {
  if (attrs === undefined) return notice('Data set not recorded.');
  if (Array.isArray(attrs)) return attributeTable(attrs);
  return h(
    'table',
    { class: 'table attributes' },
    h(
      'tbody',
      {},
      ...Object.entries(attrs).map(([k, v]) =>
        h('tr', {}, h('th', {}, k), h('td', { class: 'mono' }, show(v))),
      ),
    ),
  );
}

function attributeTable(list) {
  return h(
    'table',
    { class: 'table attributes' },
    h(
      'tbody',
      {},
      ...list.map((a) =>
        h(
          'tr',
          {},
          h('td', { class: 'mono muted' }, `(${a.tag.slice(0, 4)},${a.tag.slice(4)})`),
          h('th', {}, a.keyword ?? ''),
          h('td', { class: 'mono muted' }, a.vr),
          h(
            'td',
            { class: 'mono' },
            a.items
              ? a.items.map((item, i) =>
                  h(
                    'div',
                    { class: 'item' },
                    h('span', { class: 'muted' }, `item ${i + 1}`),
                    attributeTable(item),
                  ),
                )
              : show(a.value ?? []),
            a.more ? h('span', { class: 'muted' }, ` … ${a.more} more`) : null,
          ),
        ),
      ),
    ),
  );
}

/** Values as text; binary values arrive as {bytes: n} (or already as "<n bytes>"). */
function show(v) {
  if (Array.isArray(v)) return v.map(show).join('\\');
  if (v && typeof v === 'object') return 'bytes' in v ? `<${v.bytes} bytes>` : JSON.stringify(v);
  return String(v);
}
