/**
 * One association's conversation: every DIMSE message in order with direction, SOP class, message
 * ID, status (hex and meaning), timing, Error Comment and the data set. Warning responses are
 * amber, failures red. Test-lab faults that fired are a banner (the association's `faults`) and a
 * "⚡ fault" marker on the messages they fired on. The conformance verdict sits above the messages:
 * pass/fail, counts, findings (a click shows the message), JSON and JUnit downloads. While the
 * association is open, new messages arrive live.
 */
import { get } from '../api.js';
import { bytes, debounce, fill, h, notice, setTitle, statusBadge, time } from '../dom.js';
import { on } from '../live.js';
import { upstreamPanel } from './proxy.js';
import { replayPanel } from './replay.js';

export function mount(container, [id]) {
  const root = h('section', { class: 'view conversation' });
  container.append(root);
  setTitle(`Association ${id}`);
  /** Print jobs of this association: their later events (a jam after the release) refresh the verdict. */
  let jobUids = new Set();
  /** One replay panel per view: reloads (a job event after the release) keep its input and result. */
  let replay;

  async function load() {
    try {
      const [a, v] = await Promise.all([
        get(`/api/associations/${id}`),
        get(`/api/associations/${id}/verdict`).catch((e) => ({ error: e })),
      ]);
      const rows = messages(a);
      setTitle(`Association ${id}`, `${a.callingAeTitle ?? '?'} → ${a.calledAeTitle ?? '?'}`);
      jobUids = new Set((v.jobs ?? []).map((j) => j.uid));
      if (a.endedAt !== undefined) replay ??= replayPanel(a);
      fill(
        root,
        header(a),
        faultBanner(a),
        upstreamPanel(a),
        verdictPanel(a, v, (i) => highlight(root, a, i)),
        replay ?? null,
        rows,
      );
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
    ['dimse', 'association.closed', 'fault.fired', 'job'],
    (e) =>
      (e.type === 'resync' ||
        e.association === id ||
        e.id === id ||
        (e.type === 'job' && jobUids.has(e.job))) &&
      refresh(),
  );
}

/** Mark message i (and its response, for a request) and bring it into view. */
function highlight(root, a, i) {
  for (const r of root.querySelectorAll('tr.msg.hot')) r.classList.remove('hot');
  const m = a.messages[i];
  if (!m) return;
  const idx = [i];
  if (m.type.endsWith('-RQ')) {
    const j = a.messages.findIndex(
      (x, k) => k > i && x.messageId === m.messageId && x.type === m.type.replace(/-RQ$/, '-RSP'),
    );
    if (j >= 0) idx.push(j);
  }
  const rows = idx.map((k) => root.querySelector(`tr.msg[data-index="${k}"]`)).filter(Boolean);
  for (const r of rows) {
    r.classList.remove('hot');
    void r.offsetWidth; // restart the flash
    r.classList.add('hot');
  }
  rows[0]?.scrollIntoView({ block: 'center', behavior: 'smooth' });
}

/** The association's fired faults: what was injected, so its failures are not the SCU's doing. */
function faultBanner(a) {
  const faults = a.faults ?? [];
  if (faults.length === 0) return null;
  return h(
    'aside',
    { class: 'fault-banner', role: 'note', dataset: { faults: faults.length } },
    h(
      'p',
      {},
      h('span', { class: 'badge fault' }, '⚡ fault'),
      ` Test-lab fault${faults.length > 1 ? 's' : ''} fired on this association: what ${
        faults.length > 1 ? 'they' : 'it'
      } caused was injected, not chosen by the printer.`,
    ),
    h('ul', {}, ...faults.map((f) => h('li', { class: 'mono' }, f))),
  );
}

const SEVERITY_BADGE = { error: 'failure', warning: 'warning', info: 'info' };

function verdictPanel(a, v, show) {
  const panel = (...children) =>
    h('section', { class: 'panel verdict', dataset: { verdict: v.verdict ?? 'none' } }, ...children);
  if (v.error) return panel(h('h2', {}, 'Verdict'), notice(`No verdict: ${v.error.message}`, 'error'));
  const c = v.counts;
  const plural = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const base = `/api/associations/${a.id}/verdict`;
  return panel(
    h(
      'div',
      { class: 'verdict-head' },
      h('h2', {}, 'Verdict'),
      h('span', { class: `verdict-pill ${v.verdict}` }, v.verdict === 'pass' ? 'PASS' : 'FAIL'),
      h(
        'span',
        { class: 'verdict-counts' },
        h('span', { class: c.error ? 'n-error' : 'muted' }, plural(c.error, 'error')),
        ' · ',
        h('span', { class: c.warning ? 'n-warning' : 'muted' }, plural(c.warning, 'warning')),
        ' · ',
        h('span', { class: 'muted' }, `${c.info} info`),
        h(
          'span',
          { class: 'muted' },
          ` — ${plural(c.messages, 'message')}, ${c.rules} rules, against the ${
            v.capabilities === 'printer' ? "printer's" : 'default'
          } capabilities`,
        ),
        v.complete ? null : h('span', { class: 'badge live' }, 'provisional: still open'),
      ),
      h(
        'span',
        { class: 'downloads' },
        h(
          'a',
          {
            class: 'button ghost',
            href: base,
            download: `lightbox-${a.id}-verdict.json`,
            dataset: { download: 'json' },
          },
          'verdict.json',
        ),
        h(
          'a',
          {
            class: 'button ghost',
            href: `${base}?format=junit`,
            download: `lightbox-${a.id}-junit.xml`,
            dataset: { download: 'junit' },
          },
          'JUnit XML',
        ),
      ),
    ),
    v.findings.length === 0
      ? h('p', { class: 'muted' }, 'No findings: the SCU did nothing the rules object to.')
      : findingsTable(v.findings, show),
    expectationsList(v.expectations ?? []),
    jobsList(v.jobs ?? []),
  );
}

const RESULT_BADGE = { met: 'success', unmet: 'failure', 'not-applicable': 'unknown' };

/** The scenarios' expectations over this association's run: which were met. */
function expectationsList(results) {
  if (results.length === 0) return null;
  return h(
    'div',
    { class: 'verdict-expectations' },
    h('h3', {}, 'Expectations of the scenario, over the run'),
    h(
      'ul',
      {},
      ...results.map((x) =>
        h(
          'li',
          { dataset: { expectation: x.id, result: x.result } },
          h('span', { class: `badge ${RESULT_BADGE[x.result] ?? ''}` }, x.result),
          ' ',
          h('span', { class: 'mono' }, x.id),
          ' ',
          x.description,
          h('span', { class: 'muted' }, ` — ${x.detail}`),
          ...x.findings.map((f) =>
            h('div', { class: 'muted expectation-breach' }, `association ${f.association}: ${f.detail}`),
          ),
        ),
      ),
    ),
  );
}

/** The association's print jobs as they ended, also after it was released (a jam, a failure). */
function jobsList(jobs) {
  if (jobs.length === 0) return null;
  return h(
    'div',
    { class: 'verdict-jobs' },
    h('h3', {}, 'Print jobs'),
    h(
      'ul',
      {},
      ...jobs.map((j) =>
        h(
          'li',
          { dataset: { job: j.uid, status: j.status, afterRelease: j.endedAfterRelease ? 'true' : null } },
          h(
            'span',
            { class: `badge ${j.status === 'FAILURE' ? 'failure' : j.status === 'DONE' ? 'success' : ''}` },
            j.status,
          ),
          ' ',
          h('a', { class: 'mono', href: `#/jobs/${j.uid}`, title: 'the print job and its films' }, j.uid),
          j.statusInfo && j.statusInfo !== 'NORMAL' ? ` (${j.statusInfo})` : '',
          j.status === 'FAILURE'
            ? h('strong', {}, ` — ${j.films.length === 1 ? 'film' : 'films'} not delivered`)
            : null,
          j.endedAfterRelease
            ? h(
                'span',
                { class: 'muted' },
                ' — ended after the association was released, so the SCU was never told',
              )
            : null,
          j.films.length > 0
            ? h(
                'span',
                { class: 'job-films' },
                ' · ',
                ...j.films.map((f, i) => [
                  i ? ' ' : '',
                  h('a', { href: `#/films/${f}`, dataset: { filmLink: f } }, `film ${i + 1}`),
                ]),
              )
            : null,
        ),
      ),
    ),
  );
}

/** The project's note a rule rests on ("lifecycle#film-box"), as a link to its section. */
function specLink(note) {
  const [file, anchor] = note.split('#');
  return h(
    'a',
    { href: `/spec/${file}#${anchor}`, target: '_blank', rel: 'noopener', class: 'spec-link' },
    `docs/spec/${file}.md#${anchor}`,
  );
}

function findingsTable(findings, show) {
  return h(
    'div',
    { class: 'findings-wrap' },
    h(
      'table',
      { class: 'table findings' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...['Severity', 'Rule', 'Message', 'Attribute', 'Detail', 'Spec'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        ...findings.map((f) => {
          const m = f.message;
          const go = () => m && show(m.index);
          return h(
            'tr',
            {
              class: `finding ${f.severity}${m ? ' linked' : ''}`,
              dataset: { rule: f.rule, severity: f.severity, message: m?.index ?? '' },
              onclick: (e) => {
                if (!e.target.closest('details, a')) go();
              },
            },
            h('td', {}, h('span', { class: `badge ${SEVERITY_BADGE[f.severity] ?? ''}` }, f.severity)),
            h('td', { class: 'mono' }, f.rule),
            h(
              'td',
              { class: 'nowrap' },
              m
                ? h(
                    'button',
                    {
                      type: 'button',
                      class: 'link',
                      title: [m.sopClass, m.messageId !== undefined ? `Message ID ${m.messageId}` : null]
                        .filter(Boolean)
                        .join(', '),
                      onclick: (e) => {
                        e.stopPropagation();
                        go();
                      },
                    },
                    `#${m.index + 1} ${m.type}`,
                  )
                : h('span', { class: 'muted' }, 'association'),
            ),
            h(
              'td',
              { class: 'nowrap' },
              f.tag ? h('code', {}, f.tag) : null,
              f.keyword ? h('div', { class: 'muted small' }, f.keyword) : null,
            ),
            h(
              'td',
              {},
              f.detail,
              f.fault ? h('div', { class: 'fault-note', title: f.fault }, '⚡ injected: ', f.fault) : null,
            ),
            h(
              'td',
              { class: 'spec' },
              h(
                'details',
                { title: f.spec.quote },
                h('summary', {}, f.spec.section),
                h('blockquote', {}, f.spec.quote),
                f.spec.note ? specLink(f.spec.note) : null,
              ),
            ),
          );
        }),
      ),
    ),
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
          class: `msg ${m.direction} ${s?.category ?? ''}${m.fault ? ' faulted' : ''}`,
          dataset: {
            index: i,
            type: m.type,
            fault: m.fault ? m.fault.split(' ')[0] : null,
            status: s?.hex ?? '',
            category: s?.category ?? '',
            messageId: m.messageId ?? '',
          },
        },
        h('td', { class: 'num muted' }, i + 1),
        h('td', { class: 'num mono' }, `+${m.at - t0} ms`),
        h(
          'td',
          {
            class: 'dir',
            title:
              m.direction === 'in'
                ? 'from the SCU'
                : m.upstreamMs !== undefined
                  ? "the real printer's answer, relayed by Lightbox"
                  : 'from Lightbox',
          },
          m.direction === 'in' ? 'SCU →' : m.upstreamMs !== undefined ? '← printer' : '← SCP',
        ),
        h('td', { class: 'mono' }, m.type),
        h(
          'td',
          { title: [m.sopClass, m.sopInstance].filter(Boolean).join('\n') },
          m.sopClassName ?? m.sopClass ?? '',
          m.sopInstance ? h('div', { class: 'muted mono small' }, `…${m.sopInstance.slice(-14)}`) : null,
        ),
        h('td', { class: 'num' }, m.messageId ?? ''),
        h(
          'td',
          {},
          s ? statusBadge(s) : '',
          // Proxy mode: what Lightbox itself answered to the same request.
          m.lightbox
            ? h(
                'div',
                {
                  class: 'lightbox-answer muted small',
                  dataset: { lightboxStatus: m.lightbox.statusInfo.hex },
                  title: m.lightbox.errorComment ?? '',
                },
                'Lightbox ',
                statusBadge(m.lightbox.statusInfo, { short: true }),
              )
            : null,
        ),
        h('td', { class: 'num mono' }, m.ms === undefined ? '' : `${m.ms.toFixed(1)} ms`),
        h(
          'td',
          {},
          m.fault ? faultMarker(m, a.messages[i + 1]) : null,
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
 * "⚡ fault f1" on a message a lab fault fired on; its words too, unless the next message is this
 * request's response with the same fault (they are said there, where the effect is).
 */
function faultMarker(m, next) {
  const [id, ...rest] = m.fault.split(' ');
  const answered = next && next.fault === m.fault && next.messageId === m.messageId && m.type.endsWith('-RQ');
  return h(
    'div',
    { class: 'fault-marker', title: m.fault },
    h('span', { class: 'badge fault' }, `⚡ fault ${id}`),
    answered ? null : h('span', { class: 'fault-text' }, ` ${rest.join(' ')}`),
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
