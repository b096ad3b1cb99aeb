/** The API token dialog in the header: paste, save in local storage, forget. */
import { token } from './api.js';

const dialog = () => document.getElementById('token-dialog');
const button = () => document.getElementById('token-button');

function showState() {
  button().textContent = token.get() ? 'API token ✓' : 'API token';
}

export function initTokenDialog() {
  button().addEventListener('click', () => openTokenDialog());
  dialog().addEventListener('close', () => {
    const input = dialog().querySelector('input[name=token]');
    if (dialog().returnValue === 'save') token.set(input.value.trim());
    if (dialog().returnValue === 'clear') token.set('');
    showState();
  });
  showState();
}

/** Open it (views do when the control API answers 401/403). */
export function openTokenDialog() {
  dialog().querySelector('input[name=token]').value = token.get();
  dialog().showModal();
}
