/**
 * A film's forward (tee) state in the film view: whether it went on to the real printer, how many
 * attempts, the last failure, each attempt's answers (outbound runs, JSON), and Re-send (a control
 * request) once it failed. Nothing is shown for films of printers that do not forward.
 */
import { ApiError, get, post } from '../api.js';
import { fill, h, time } from '../dom.js';

export function forwardPanel(filmId) {
  const root = h('div', { class: 'forward', dataset: { forward: '' } });
  const load = async () => {
    const { films } = await get(`/api/forwards?film=${encodeURIComponent(filmId)}`);
    const item = films[0];
    if (!item) return fill(root);
    const { runs } = await get(`/api/outbound?film=${encodeURIComponent(filmId)}&kind=forward`);
    const message = h('p', { class: 'form-message' });
    const resend = h(
      'button',
      {
        type: 'button',
        class: 'ghost',
        dataset: { control: '', action: 'resend' },
        hidden: item.state === 'queued',
        onclick: async () => {
          resend.disabled = true;
          try {
            await post(`/api/forwards/${encodeURIComponent(filmId)}/retry`, {});
            await load();
          } catch (err) {
            message.className = 'form-message error';
            message.textContent = err instanceof ApiError ? err.message : String(err);
            resend.disabled = false;
          }
        },
      },
      'Re-send',
    );
    fill(
      root,
      h('h2', {}, 'Forwarded to'),
      h(
        'p',
        { dataset: { forwardState: item.state } },
        h('code', {}, item.target),
        ' ',
        h(
          'span',
          {
            class: `badge ${item.state === 'failed' ? 'failure' : item.state === 'done' ? 'success' : 'warning'}`,
          },
          item.state,
        ),
        ` after ${item.attempts} attempt${item.attempts === 1 ? '' : 's'}`,
        item.state === 'queued' && item.attempts > 0
          ? ` · next ${time(new Date(item.nextAt).toISOString())}`
          : '',
      ),
      item.lastError && item.state !== 'done'
        ? h('p', { class: 'comment', dataset: { forwardError: '' } }, item.lastError)
        : null,
      h(
        'ul',
        { class: 'forward-runs' },
        ...runs.map((r) =>
          h(
            'li',
            { dataset: { run: r.id, ok: r.ok } },
            `${time(r.startedAt)}: ${r.outcome} `,
            h('a', { href: `/api/outbound/${r.id}`, download: '' }, 'answers'),
          ),
        ),
      ),
      resend,
      message,
    );
  };
  void load().catch(() => fill(root));
  return root;
}
