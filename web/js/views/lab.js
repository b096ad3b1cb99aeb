/**
 * The test lab's place in the console. The lab (scenarios, faults, verdicts under /api/lab/*) is
 * built separately; its nav entry only shows when GET /api/lab/scenarios answers, and this view
 * only lists what that endpoint returns until the lab's own views land here.
 */
import { get } from '../api.js';
import { fill, h, notice } from '../dom.js';

export function mount(container) {
  const body = h('div', {}, notice('Loading scenarios…'));
  container.append(h('section', { class: 'view lab' }, h('h1', {}, 'Test lab'), body));
  get('/api/lab/scenarios').then(
    (list) => {
      const items = Array.isArray(list) ? list : (list?.scenarios ?? []);
      fill(
        body,
        items.length === 0
          ? notice('No scenarios.')
          : h(
              'ul',
              { class: 'scenarios' },
              ...items.map((s) =>
                h(
                  'li',
                  {},
                  h('strong', {}, s.name ?? s.id ?? String(s)),
                  s.description ? ` — ${s.description}` : '',
                ),
              ),
            ),
      );
    },
    (e) => fill(body, notice(`The lab API is not available: ${e.message}`, 'error')),
  );
}
