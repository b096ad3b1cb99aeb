/**
 * May this browser change things? The console asks the server (GET /api/control) before any
 * click, and every control it draws carries `data-control`: while the answer is no (or not in
 * yet), those buttons are disabled, with the server's reason as their title, and a banner under
 * the header says why (with "Log in" when the server has an API token). The banner also says when
 * reads are refused (--protect-reads without a login).
 *
 * A MutationObserver applies the state to controls as views add them, so views only mark them.
 */
import { get } from './api.js';
import { h } from './dom.js';

/** Until the server has answered: disabled, with this reason. */
const ASKING = {
  allowed: false,
  reason: 'Asking the server whether this browser may change things…',
  pending: true,
};

let state = ASKING;
const listeners = new Set();
/** What the banner's "Log in" button does (the token dialog). */
let openLogin = () => {};

export const controlState = () => state;

/** Call fn with the state now and on every change; returns the unsubscribe function. */
export function onControl(fn) {
  listeners.add(fn);
  fn(state);
  return () => listeners.delete(fn);
}

/** One control element: enabled when allowed, else disabled with the reason as its tooltip. */
function applyTo(el) {
  if (state.allowed) {
    if ('controlDisabled' in el.dataset) {
      el.disabled = false;
      delete el.dataset.controlDisabled;
      if (el.dataset.ownTitle !== undefined) el.title = el.dataset.ownTitle;
      else el.removeAttribute('title');
      delete el.dataset.ownTitle;
    }
    return;
  }
  if (!('controlDisabled' in el.dataset) && el.hasAttribute('title')) el.dataset.ownTitle = el.title;
  el.disabled = true;
  el.dataset.controlDisabled = '';
  el.title = state.reason;
}

function applyAll(root = document) {
  for (const el of root.querySelectorAll('[data-control]')) applyTo(el);
}

function showBanner() {
  const banner = document.getElementById('control-banner');
  if (!banner) return;
  // Reads refused says it all (control goes by the same rule); else whether control is.
  let line = null;
  if (state.reads && !state.reads.allowed)
    line = h('p', { dataset: { readsReason: '' } }, `Nothing to show: ${state.reads.reason}.`);
  else if (!state.pending && !state.allowed)
    line = h('p', { dataset: { controlReason: '' } }, `Read-only: ${state.reason}.`);
  const login =
    line && state.tokenSet
      ? h(
          'button',
          { type: 'button', class: 'small-button', dataset: { action: 'login' }, onclick: () => openLogin() },
          'Log in with the API token',
        )
      : null;
  banner.replaceChildren(...[line, login].filter(Boolean));
  banner.hidden = line === null;
  banner.dataset.allowed = String(Boolean(state.allowed));
}

/** Ask the server again (at start, after logging in or out). */
export async function refreshControl() {
  try {
    state = await get('/api/control');
  } catch (e) {
    state = {
      allowed: false,
      reason: `the server did not say whether this browser may change things (${e.message})`,
    };
  }
  document.body.dataset.control = state.allowed ? 'allowed' : 'refused';
  applyAll();
  showBanner();
  for (const fn of listeners) fn(state);
  return state;
}

/** Watch the page for controls views add, and ask the server; onLogin opens the login. */
export function initControl({ onLogin } = {}) {
  if (onLogin) openLogin = onLogin;
  new MutationObserver((records) => {
    for (const r of records)
      for (const n of r.addedNodes) {
        if (n.nodeType !== 1) continue;
        if (n.matches('[data-control]')) applyTo(n);
        applyAll(n);
      }
  }).observe(document.body, { childList: true, subtree: true });
  applyAll();
  return refreshControl();
}
