// The console's entry point: sign-in, then the consultation list with the
// API's filters and cursors (newest first, as the API pages them).
import { ApiError, apiKey, getJson, setApiKey } from './api.js';
import { apply, formatTime, language, setLanguage, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
let nextCursor = null;

function showSignedIn(signedIn) {
  $('sign-in').hidden = signedIn;
  $('consultations').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
}

// datetime-local (the operator's local time) to RFC 3339 in UTC.
function toRfc3339(value) {
  if (!value) return '';
  return new Date(value).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function filters() {
  return {
    status: $('filter-status').value,
    from: toRfc3339($('filter-from').value),
    to: toRfc3339($('filter-to').value),
    patient_identifier: $('filter-patient').value.trim(),
  };
}

function row(consultation) {
  const tr = document.createElement('tr');
  tr.dataset.id = consultation.id;
  const cells = [
    formatTime(consultation.scheduled_at),
    consultation.patient?.summary?.name ?? consultation.patient?.reference ?? '',
    consultation.status,
    consultation.workflow_name
      ? `${consultation.workflow_name} v${consultation.workflow_version ?? ''}` : '',
    consultation.id,
  ];
  cells.forEach((text, i) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (i === 1) td.className = 'patient';
    if (i === 4) td.className = 'id';
    tr.append(td);
  });
  return tr;
}

async function loadPage(append) {
  $('list-error').textContent = '';
  const params = { ...filters(), limit: 25 };
  if (append && nextCursor) params.cursor = nextCursor;
  try {
    const page = await getJson('/v1/consultations', params);
    const body = $('consultation-list').tBodies[0];
    if (!append) body.replaceChildren();
    for (const c of page.items) body.append(row(c));
    nextCursor = page.next_cursor;
    $('more').hidden = !nextCursor;
    $('list-empty').hidden = body.rows.length > 0;
    document.body.dataset.listState = 'loaded';
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      setApiKey(null);
      showSignedIn(false);
      $('sign-in-error').textContent = t('bad_key');
      return false;
    }
    const fields = error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    $('list-error').textContent = fields || error.message;
    document.body.dataset.listState = 'error';
    return false;
  }
}

async function signIn(key) {
  setApiKey(key);
  $('sign-in-error').textContent = '';
  showSignedIn(true);
  if (await loadPage(false)) $('api-key').value = '';
}

function start() {
  apply();
  $('language').addEventListener('click', () => setLanguage(language() === 'ar' ? 'en' : 'ar'));
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn($('api-key').value.trim());
  });
  $('sign-out').addEventListener('click', () => {
    setApiKey(null);
    $('consultation-list').tBodies[0].replaceChildren();
    showSignedIn(false);
  });
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadPage(false);
  });
  $('more').addEventListener('click', () => loadPage(true));
  if (apiKey()) signIn(apiKey());
  else showSignedIn(false);
}

start();
