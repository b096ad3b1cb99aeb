/**
 * The console's entry point: hash routing to the views, the live event stream, what this browser
 * may change (control.js) and the login dialog, and the Lab entry (shown only when the server has
 * the test-lab API).
 *
 * A view is a module with mount(container, params) returning a cleanup function (unsubscribe from
 * live events, stop timers); the router calls it before mounting the next view.
 */
import { initControl } from './control.js';
import { notice, setTitle } from './dom.js';
import { connect } from './live.js';
import { initTokenDialog, openTokenDialog } from './token-dialog.js';
import * as associations from './views/associations.js';
import * as conversation from './views/conversation.js';
import * as film from './views/film.js';
import * as jobs from './views/jobs.js';
import * as lab from './views/lab.js';
import * as printers from './views/printers.js';
import * as qa from './views/qa.js';

/** [pattern, view, nav entry]; the first match wins. */
const ROUTES = [
  [/^#\/printers$/, printers, 'printers'],
  [/^#\/jobs$/, jobs, 'jobs'],
  [/^#\/jobs\/([0-9][0-9.]{0,63})$/, jobs, 'jobs'],
  [/^#\/films\/([A-Za-z0-9._-]+)$/, film, 'jobs'],
  [/^#\/associations$/, associations, 'associations'],
  [/^#\/associations\/(a\d+)$/, conversation, 'associations'],
  [/^#\/qa$/, qa, 'qa'],
  [/^#\/lab$/, lab, 'lab'],
];

const TITLES = {
  printers: 'Printers',
  jobs: 'Jobs & films',
  associations: 'Associations',
  qa: 'Film QA',
  lab: 'Lab',
};

const container = document.getElementById('view');
let cleanup = () => {};

function route() {
  const hash = location.hash || '#/printers';
  const match = ROUTES.map(([re, view, nav]) => ({ m: re.exec(hash), view, nav })).find((r) => r.m);
  cleanup();
  cleanup = () => {};
  container.replaceChildren();
  for (const a of document.querySelectorAll('[data-nav]'))
    a.classList.toggle('current', a.dataset.nav === match?.nav);
  if (!match) {
    setTitle('Not found');
    container.append(notice(`Nothing at ${hash}.`, 'error'));
    return;
  }
  // The view's own name; a view that shows one thing (a film, an association) names it instead.
  setTitle(TITLES[match.nav]);
  cleanup = match.view.mount(container, match.m.slice(1).map(decodeURIComponent)) ?? (() => {});
}

/** The Lab entry stays hidden unless the server has the lab API (an app built without `lab` has none). */
async function revealLab() {
  try {
    const res = await fetch('/api/lab/scenarios', { headers: { accept: 'application/json' } });
    document.querySelector('[data-nav=lab]').hidden = !res.ok;
  } catch {
    // no lab
  }
}

initTokenDialog();
void initControl({ onLogin: openTokenDialog });
connect();
void revealLab();
window.addEventListener('hashchange', route);
route();
