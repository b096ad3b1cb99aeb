/**
 * A forwarding printer as its user needs to see it (docs/proxy.md): on the printer card, where
 * the real printer is (mode, HOST:PORT:AE, TLS) and whether it was reachable the last time, with
 * the last error (GET /api/printers/{ae}/forward); on a proxied association and on its films,
 * the real printer's answers (what the modality was told) next to Lightbox's own answers to the
 * same requests, the differences marked.
 */
import { get, post } from '../api.js';
import { fill, h, statusBadge, time } from '../dom.js';
import { showControlError } from '../token-dialog.js';

const STATE_BADGE = { reachable: 'success', unreachable: 'failure', unknown: 'unknown' };

function tlsText(tls) {
  if (!tls) return 'plain TCP';
  return [
    'DICOM TLS',
    tls.verify ? 'printer certificate verified' : 'any printer certificate (verify: false)',
    tls.clientCertificate ? 'client certificate' : null,
    tls.servername ? `name ${tls.servername}` : null,
  ]
    .filter(Boolean)
    .join(', ');
}

/** Where a fact about the printer was seen: an association's conversation, a film, or a probe. */
function evidenceLink(e) {
  if (e.probe)
    return h('a', { href: `/api/outbound/${e.probe}`, dataset: { probeLink: e.probe } }, `check ${e.probe}`);
  if (e.association)
    return h(
      'a',
      { href: `#/associations/${e.association}`, dataset: { association: e.association } },
      e.association,
    );
  if (e.film) return h('a', { href: `#/films/${e.film}`, dataset: { filmLink: e.film } }, `film ${e.film}`);
  return null;
}

const PROBE_BADGE = {
  answered: 'success',
  unreachable: 'failure',
  rejected: 'failure',
  timeout: 'failure',
  aborted: 'failure',
  error: 'failure',
};
const PRINTER_BADGE = { NORMAL: 'success', WARNING: 'warning', FAILURE: 'failure' };

/** One answer of a probe (C-ECHO, N-GET): its status and comment, or why there is none. */
function probeAnswer(label, a) {
  if (!a) return null;
  const hex = a.status === undefined ? undefined : a.status.toString(16).toUpperCase().padStart(4, '0');
  return h(
    'span',
    { class: 'probe-answer', dataset: { probeAnswer: label, status: hex ?? '' } },
    `${label} `,
    hex === undefined
      ? h('span', { class: 'comment' }, a.error ?? 'not sent')
      : [
          h('code', {}, `0x${hex}`),
          a.errorComment ? h('span', { class: 'comment' }, ` ${a.errorComment}`) : null,
        ],
  );
}

/** What the newest "check now" probe found (GET .../forward `probe`, or the POST's answer). */
function probeView(p) {
  if (!p) return h('span', { class: 'muted' }, 'not checked yet');
  const pr = p.printer ?? {};
  const who = [pr.printerName, pr.manufacturer, pr.manufacturerModelName].filter(Boolean).join(', ');
  return [
    h(
      'span',
      { class: `badge ${PROBE_BADGE[p.result] ?? ''}`, dataset: { probeResult: p.result } },
      p.result,
    ),
    pr.printerStatus
      ? [
          ' printer ',
          h(
            'span',
            {
              class: `badge ${PRINTER_BADGE[pr.printerStatus] ?? ''}`,
              dataset: { probePrinterStatus: pr.printerStatus },
            },
            pr.printerStatus,
          ),
          pr.printerStatusInfo && pr.printerStatusInfo !== pr.printerStatus
            ? h('span', { dataset: { probeStatusInfo: '' } }, ` ${pr.printerStatusInfo}`)
            : null,
        ]
      : null,
    h(
      'span',
      { class: 'muted' },
      ' at ',
      time(p.endedAt),
      ` in ${p.ms} ms`,
      p.id ? [' (', evidenceLink({ probe: p.id }), ')'] : null,
    ),
    p.detail ? h('div', { class: 'comment', dataset: { probeDetail: '' } }, p.detail) : null,
    p.rejection
      ? h(
          'div',
          { class: 'muted small' },
          `A-ASSOCIATE-RJ ${p.rejection.result}, ${p.rejection.source}: ${p.rejection.reason}`,
        )
      : null,
    p.echo || p.nGet
      ? h('div', { class: 'small' }, probeAnswer('C-ECHO', p.echo), ' · ', probeAnswer('N-GET', p.nGet))
      : null,
    who ? h('div', { class: 'muted small', dataset: { probePrinterName: '' } }, who) : null,
  ];
}

/** "Check now": probe the real printer (a control request), then show the card again. */
function checkButton(ae, refresh) {
  const message = h('span', { class: 'form-message' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'button small',
      dataset: { action: 'probe' },
      title: 'Associate with the real printer now: C-ECHO, then N-GET of its Printer status',
    },
    'Check now',
  );
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = 'Checking…';
    message.className = 'form-message';
    message.textContent = '';
    try {
      await post(`/api/printers/${encodeURIComponent(ae)}/forward/probe`, {});
      await refresh();
    } catch (err) {
      showControlError(message, err);
    } finally {
      button.disabled = false;
      button.textContent = 'Check now';
    }
  });
  return { button, message };
}

/** The printer card's section for a printer that forwards; `refresh()` reads it again. */
export function forwardSection(ae) {
  const el = h('section', { class: 'forward-config', dataset: { forwardConfig: ae } });
  let check;
  const refresh = async () => {
    let v;
    try {
      v = await get(`/api/printers/${encodeURIComponent(ae)}/forward`);
    } catch (e) {
      fill(el, h('h3', {}, 'Forwards to'), h('p', { class: 'muted' }, `Not available: ${e.message}`));
      return;
    }
    const u = v.upstream;
    fill(
      el,
      h('h3', {}, v.mode === 'proxy' ? 'Proxy to a real printer' : 'Tee to a real printer'),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Mode'),
        h(
          'dd',
          { dataset: { forwardMode: v.mode } },
          h('span', { class: 'badge info' }, v.mode),
          v.mode === 'proxy'
            ? ' the modality is answered by the real printer, live'
            : ' Lightbox answers, then prints each film there',
        ),
        h('dt', {}, 'Real printer'),
        h('dd', {}, h('code', { dataset: { forwardTarget: v.target } }, v.target)),
        h('dt', {}, 'Transport'),
        h('dd', { dataset: { forwardTls: v.tls ? 'tls' : 'tcp' } }, tlsText(v.tls)),
        v.callingAeTitle ? [h('dt', {}, 'Calling AE'), h('dd', {}, h('code', {}, v.callingAeTitle))] : null,
        v.timeoutMs !== undefined ? [h('dt', {}, 'Timeout'), h('dd', {}, `${v.timeoutMs} ms`)] : null,
        h('dt', {}, 'State'),
        h(
          'dd',
          { dataset: { upstreamState: u.state } },
          h('span', { class: `badge ${STATE_BADGE[u.state] ?? ''}` }, u.state),
          u.last
            ? [' as of ', time(u.last.at), ' (', evidenceLink(u.last), ')']
            : h('span', { class: 'muted' }, ' nothing sent to it yet'),
        ),
        u.lastError
          ? [
              h('dt', {}, 'Last error'),
              h(
                'dd',
                { dataset: { upstreamError: '' } },
                h('span', { class: 'comment' }, u.lastError.detail),
                h('span', { class: 'muted' }, ' ', time(u.lastError.at), ' · '),
                evidenceLink(u.lastError),
              ),
            ]
          : null,
        h('dt', {}, 'Checked'),
        h(
          'dd',
          { dataset: { probe: v.probe?.result ?? 'none' } },
          probeView(v.probe),
          h('div', {}, check.button, ' ', check.message),
        ),
      ),
    );
  };
  check = checkButton(ae, refresh);
  void refresh();
  return { el, refresh };
}

/** The relayed answers of a proxied association: the printer's, and Lightbox's to the same request. */
export function answerPairs(a) {
  const pairs = [];
  a.messages.forEach((m, index) => {
    if (m.direction !== 'out' || m.upstreamMs === undefined) return;
    const ours = m.lightbox;
    const differs =
      ours === undefined || ours.status !== m.status || (ours.errorComment ?? '') !== (m.errorComment ?? '');
    pairs.push({ index, m, ours, differs });
  });
  return pairs;
}

function answer(statusInfo, comment) {
  return [statusBadge(statusInfo, { short: true }), comment ? h('div', { class: 'comment' }, comment) : null];
}

/** A table of the printer's answers beside Lightbox's (the differing rows marked); compact: no SOP class. */
function pairsTable(pairs, a, compact = false) {
  const heads = compact
    ? ['#', 'Answer', 'Printer', 'Lightbox']
    : ['#', 'Answer', 'SOP class', 'Real printer (the modality was told)', 'Lightbox'];
  return h(
    'table',
    { class: 'table answer-pairs' },
    h('thead', {}, h('tr', {}, ...heads.map((t) => h('th', {}, t)))),
    h(
      'tbody',
      {},
      ...pairs.map((p) =>
        h(
          'tr',
          {
            class: p.differs ? 'differs' : '',
            dataset: {
              pair: p.index,
              differs: String(p.differs),
              printerStatus: p.m.statusInfo?.hex ?? '',
              lightboxStatus: p.ours?.statusInfo?.hex ?? '',
            },
          },
          h(
            'td',
            { class: 'num' },
            h('a', { href: `#/associations/${a.id}`, title: 'the conversation' }, p.index + 1),
          ),
          h('td', { class: 'mono' }, p.m.type),
          compact ? null : h('td', {}, p.m.sopClassName ?? p.m.sopClass ?? ''),
          h(
            'td',
            { dataset: { printerAnswer: '' } },
            answer(p.m.statusInfo, p.m.errorComment),
            h('div', { class: 'muted small' }, `${p.m.upstreamMs} ms`),
          ),
          h(
            'td',
            { dataset: { lightboxAnswer: '' } },
            p.ours
              ? answer(p.ours.statusInfo, p.ours.errorComment)
              : h('span', { class: 'muted' }, 'not performed (the printer refused it)'),
          ),
        ),
      ),
    ),
  );
}

function pairsSummary(pairs) {
  const differing = pairs.filter((p) => p.differs).length;
  return h(
    'p',
    { dataset: { differences: differing } },
    `${pairs.length} answer${pairs.length === 1 ? '' : 's'} relayed from the real printer; `,
    differing === 0
      ? h('span', { class: 'badge success' }, 'Lightbox answered all the same')
      : h(
          'span',
          {
            class: 'badge warning',
            title:
              "Lightbox's own answer differs: its printer profile does not match the real printer, or the printer is in a state Lightbox is not",
          },
          `${differing} answered differently by Lightbox`,
        ),
  );
}

/** The conversation view's panel for a proxied association: the printer's side and the answers side by side. */
export function upstreamPanel(a) {
  const u = a.upstream;
  if (!u) return null;
  const pairs = answerPairs(a);
  return h(
    'section',
    { class: 'panel upstream', dataset: { upstream: u.ending } },
    h('h2', {}, 'Real printer (proxy)'),
    h(
      'dl',
      { class: 'facts wide' },
      h('dt', {}, 'Printer'),
      h('dd', {}, h('code', {}, u.target), ' · ', u.tls ? 'DICOM TLS' : 'plain TCP'),
      u.callingAeTitle ? [h('dt', {}, 'Calling AE'), h('dd', {}, h('code', {}, u.callingAeTitle))] : null,
      h('dt', {}, 'Its association'),
      h(
        'dd',
        { dataset: { upstreamEnding: u.ending } },
        u.ending,
        u.detail && u.detail !== u.ending
          ? h('span', { class: 'comment', dataset: { upstreamDetail: '' } }, ` ${u.detail}`)
          : null,
      ),
      u.accepted.length
        ? [
            h('dt', {}, 'Accepted'),
            h(
              'dd',
              {},
              h('ul', { class: 'contexts' }, ...u.accepted.map((c) => h('li', { class: 'mono' }, c))),
            ),
          ]
        : null,
      u.pausedForPrinter
        ? [
            h('dt', {}, 'Printer behind'),
            h(
              'dd',
              { dataset: { pausedForPrinter: u.pausedForPrinter } },
              `the modality was paused ${u.pausedForPrinter} time${u.pausedForPrinter === 1 ? '' : 's'} while the printer caught up`,
              u.paused ? h('span', { class: 'badge live' }, 'paused now') : null,
            ),
          ]
        : null,
    ),
    pairs.length
      ? [pairsSummary(pairs), pairsTable(pairs, a)]
      : h('p', { class: 'muted' }, 'No answer relayed yet.'),
  );
}

/** In the film view, for a film printed through a proxy: its association's answers, printer and Lightbox. */
export function proxyFilmPanel(film) {
  const root = h('div', { class: 'proxy-film', dataset: { proxyFilm: '' } });
  if (!film.associationId) return root;
  void get(`/api/associations/${film.associationId}`)
    .then((a) => {
      if (!a.upstream) return;
      const pairs = answerPairs(a);
      fill(
        root,
        h('h2', {}, 'Relayed to'),
        h('p', {}, h('code', {}, a.upstream.target), ` · its association ${a.upstream.ending}`),
        pairsSummary(pairs),
        // The side panel is narrow: the print's answer, and any that differ.
        pairsTable(
          pairs.filter((p) => p.differs || p.m.type === 'N-ACTION-RSP'),
          a,
          true,
        ),
      );
    })
    .catch(() => fill(root));
  return root;
}
