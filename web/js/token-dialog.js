/**
 * The login dialog: the API token (--api-token) exchanged for a session cookie (POST
 * /api/session: HttpOnly, SameSite=Strict, 12 hours). The console never keeps the token itself;
 * the page reloads so the event stream, images and views start over with the cookie.
 * The header button says "Log in" or "Logged in", and is hidden when the server has no token
 * (then nothing to log in with: control is for clients on the server's machine).
 */
import { del, post } from './api.js';
import { onControl } from './control.js';

/** Where an older console kept a pasted token; moved into a session once, then removed. */
const LEGACY_KEY = 'lightbox.apiToken';

const dialog = () => document.getElementById('token-dialog');
const button = () => document.getElementById('token-button');

async function logIn(token) {
  await post('/api/session', { token });
  location.reload();
}

export function initTokenDialog() {
  const form = dialog().querySelector('form');
  const input = form.querySelector('input[name=token]');
  const message = form.querySelector('[data-login-message]');
  button().addEventListener('click', () => openTokenDialog());
  form.addEventListener('submit', async (e) => {
    const action = e.submitter?.value;
    if (action !== 'login' && action !== 'logout') return; // cancel: the dialog closes
    e.preventDefault();
    message.className = 'form-message';
    message.textContent = action === 'login' ? 'Logging in…' : 'Logging out…';
    try {
      if (action === 'login') await logIn(input.value.trim());
      else {
        await del('/api/session');
        location.reload();
      }
    } catch (err) {
      message.className = 'form-message error';
      message.textContent = err.message;
    }
  });
  onControl((s) => {
    if (s.pending) return;
    button().hidden = !s.tokenSet;
    button().textContent = s.session ? 'Logged in ✓' : 'Log in';
    button().dataset.session = String(Boolean(s.session));
    form.querySelector('[value=logout]').hidden = !s.session;
    const legacy = localStorage.getItem(LEGACY_KEY);
    if (legacy !== null) {
      localStorage.removeItem(LEGACY_KEY);
      if (s.tokenSet && !s.session) logIn(legacy).catch(() => {});
    }
  });
}

/** Open it (the banner's "Log in", and views when the server answers 401). */
export function openTokenDialog() {
  const form = dialog().querySelector('form');
  form.querySelector('input[name=token]').value = '';
  form.querySelector('[data-login-message]').textContent = '';
  dialog().showModal();
}

/** A control request refused or failed: its message in `message`, and the login dialog on a 401. */
export function showControlError(message, err) {
  message.className = 'form-message error';
  message.textContent = err.needsToken ? `${err.message}: log in with the API token.` : err.message;
  if (err.needsToken) openTokenDialog();
}
