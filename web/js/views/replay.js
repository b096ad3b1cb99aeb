/**
 * The replay panel of a conversation: send this association's requests again to another printer
 * (POST /api/associations/{id}/replay, a control request) and show, message by message, the
 * original answer, the new one and what differs; earlier replays of it are listed with their
 * JSON and JUnit.
 */
import { ApiError, get, post } from '../api.js';
import { fill, h, time } from '../dom.js';

const hex = (s) => (s === undefined ? '' : `0x${s.toString(16).toUpperCase().padStart(4, '0')}`);

function diffText(d) {
  const what =
    d.what === 'attribute' ? `(${d.tag.slice(0, 4)},${d.tag.slice(4)}) ${d.keyword ?? ''}` : d.what;
  return `${what}: ${d.original ?? ''} → ${d.replayed ?? ''}`;
}

export function diffTable(report) {
  return h(
    'table',
    { class: 'table replay-diff', dataset: { same: report.same } },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['#', 'Message', 'SOP class', 'Original', 'Replayed', 'Differences'].map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      ...report.rows.map((r) =>
        h(
          'tr',
          {
            class: r.differences.length ? 'failure' : '',
            dataset: {
              index: r.index,
              differs: r.differences.length > 0,
              original: hex(r.original.status),
              replayed: hex(r.replayed.status),
            },
          },
          h('td', { class: 'num muted' }, r.index),
          h('td', { class: 'mono' }, r.operation),
          h('td', {}, r.sopClassName),
          h(
            'td',
            { class: 'mono' },
            hex(r.original.status),
            r.original.errorComment ? h('div', { class: 'comment' }, r.original.errorComment) : null,
          ),
          h(
            'td',
            { class: 'mono' },
            r.replayed.status === undefined
              ? h('span', { class: 'muted' }, r.replayed.skipped ?? r.replayed.error ?? '')
              : hex(r.replayed.status),
            r.replayed.errorComment ? h('div', { class: 'comment' }, r.replayed.errorComment) : null,
          ),
          h(
            'td',
            {},
            h(
              'ul',
              { class: 'differences' },
              ...r.differences.map((d) => h('li', { dataset: { what: d.what } }, diffText(d))),
              ...r.notes.map((n) => h('li', { class: 'muted' }, `note: ${n}`)),
            ),
          ),
        ),
      ),
    ),
  );
}

export function replayPanel(a) {
  const result = h('div', { class: 'replay-result' });
  const earlier = h('ul', { class: 'replay-runs' });
  const input = h('input', {
    name: 'to',
    placeholder: 'host:104:PRINTER_AE',
    size: 28,
    required: true,
    pattern: '.+:\\d{1,5}:.{1,16}',
  });
  const button = h(
    'button',
    { type: 'submit', class: 'button', dataset: { control: '', action: 'replay' } },
    'Replay',
  );
  const showRuns = async () => {
    const { runs } = await get(`/api/outbound?association=${a.id}&kind=replay`);
    fill(
      earlier,
      ...runs.map((r) =>
        h(
          'li',
          { dataset: { run: r.id, ok: r.ok } },
          `${time(r.startedAt)} → ${r.target}: ${r.outcome} `,
          h('a', { href: `/api/outbound/${r.id}`, download: '' }, 'JSON'),
          ' · ',
          h('a', { href: `/api/outbound/${r.id}/junit.xml`, download: '' }, 'JUnit'),
        ),
      ),
    );
  };
  const form = h(
    'form',
    {
      class: 'replay-form',
      onsubmit: async (e) => {
        e.preventDefault();
        button.disabled = true;
        fill(result, h('p', { class: 'muted' }, `replaying to ${input.value}…`));
        try {
          const report = await post(`/api/associations/${a.id}/replay`, { to: input.value.trim() });
          fill(
            result,
            h(
              'p',
              {
                class: report.same ? 'ok' : 'failure',
                dataset: { outcome: report.same ? 'same' : 'differs' },
              },
              report.error ? `stopped: ${report.error}. ` : '',
              `${report.counts.differing} of ${report.counts.messages} messages answered differently (${report.counts.statusDiffers} in status).`,
            ),
            diffTable(report),
          );
          await showRuns();
        } catch (err) {
          fill(result, h('p', { class: 'failure' }, err instanceof ApiError ? err.message : String(err)));
        } finally {
          button.disabled = false;
        }
      },
    },
    h('label', {}, 'Replay this session to ', input),
    ' ',
    button,
  );
  if (a.endedAt !== undefined) void showRuns().catch(() => undefined);
  return h(
    'section',
    { class: 'replay', dataset: { replay: a.id } },
    h('h2', {}, 'Replay'),
    form,
    result,
    earlier,
  );
}
