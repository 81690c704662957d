// The console's entry point: sign-in (the hospital's identity provider, or
// an API key exchanged for a session), then the consultation list with the
// API's filters and cursors (newest first, as the API pages them).
import {
  ApiError, adoptSession, currentSession, forgetSession, getBlob, getJson, lastRequestAt, postJson,
  signInProviders, signInWithKey, signOut,
} from './api.js';
import { clearClinical, initClinical, showClinical } from './clinical.js';
import {
  clearFeedback, initFeedback, loadFeedbackPage, readFeedback, showFeedback,
} from './feedback.js';
import { apply, formatTime, language, setLanguage, statusText, t } from './i18n.js';

const $ = (id) => document.getElementById(id);
let nextCursor = null;
let shown = null;  // the consultation on screen: { id, step, attempt }
let pagesShown = 0;  // pages of the list on screen (the live refresh keeps only the first)
let refreshing = false;
const REFRESH_MS = 5000;

// Asks before an action, naming what it will do; resolves true on Confirm.
// With `reason`, the dialog also offers the reasons the exchange takes for a
// cancellation (the first picked) and resolves to the one picked, or null.
// With `why`, it asks for a reason in words (required) and resolves to it,
// or null.
function confirmAction(text, { reason = false, why = false } = {}) {
  const dialog = $('confirm');
  $('confirm-text').textContent = text;
  $('confirm-reason-field').hidden = !reason;
  $('confirm-reason').selectedIndex = 0;
  $('confirm-why-field').hidden = !why;
  $('confirm-why').required = why;
  $('confirm-why').value = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const yes = dialog.returnValue === 'yes';
      if (why) resolve(yes ? $('confirm-why').value.trim() || null : null);
      else resolve(reason ? (yes ? $('confirm-reason').value : null) : yes);
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

// After an action, the page follows the run until it changes (bounded).
async function follow(id, changed) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && currentId() === id) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (currentId() !== id) return;
    const run = await getJson(`/v1/consultations/${encodeURIComponent(id)}/timeline`);
    if (changed(run)) break;
  }
  if (currentId() === id) await loadConsultation(id);
}

async function act(kind) {
  if (!shown) return;
  const { id, step, attempt } = shown;
  const text = kind === 'retry' ? t('confirm_retry', { step, attempt }) : t('confirm_cancel', { id });
  if (!(await confirmAction(text))) return;
  $('action-result').textContent = '';
  try {
    const before = await getJson(`/v1/consultations/${encodeURIComponent(id)}/timeline`);
    const attempts = (before.attempts ?? []).length;
    await postJson(`/v1/consultations/${encodeURIComponent(id)}/${kind}`);
    $('action-result').textContent = t(kind === 'retry' ? 'retried' : 'cancelled');
    await loadConsultation(id);
    if (kind === 'retry') {
      await follow(id, (run) => (run.attempts ?? []).length > attempts && run.status !== 'running');
    }
  } catch (error) {
    $('c-error').textContent = error.message;
  }
}

// Ends the consultation's video session at its provider (POST
// /v1/consultations/{id}/end-session), confirmed first. The run moves on
// when the provider reports the room's end, not with the answer; the page
// is read again.
async function endSession() {
  if (!shown) return;
  const { id } = shown;
  if (!(await confirmAction(t('confirm_end_session', { id })))) return;
  $('action-result').textContent = '';
  try {
    await postJson(`/v1/consultations/${encodeURIComponent(id)}/end-session`);
    $('action-result').textContent = t('video_session_ended');
    await loadConsultation(id);
  } catch (error) {
    $('c-error').textContent = error.message;
  }
}

// The view follows the address: #consultation/<id> is one consultation,
// anything else the list.
function currentId() {
  const m = /^#consultation\/([^/]+)$/.exec(location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

const PAGES = {
  '#workflows': 'workflows', '#runs': 'runs', '#plugins': 'plugins', '#dead-letters': 'dead-letters',
  '#information-requests': 'information-requests', '#feedback': 'feedback',
  '#audit': 'audit',
};

function currentPage() {
  if (currentId() !== null) return 'consultation';
  return PAGES[location.hash] ?? 'consultations';
}

// GET /v1/me: the key's facility, role and the routes its role may use; the
// console offers only those (no request the role would be refused).
let me = null;
let session = null;  // GET /v1/session: facility, role, person or key, idle timeout

function may(method, template) {
  return me?.routes?.includes(`${method} ${template}`) ?? false;
}

// Each page and the route that reads it.
const PAGE_ROUTES = {
  consultations: '/v1/consultations', workflows: '/v1/workflows', runs: '/v1/runs',
  plugins: '/v1/plugins/instances',
  'dead-letters': '/v1/dead-letters', 'information-requests': '/v1/information-requests',
  feedback: '/v1/feedback/summary', audit: '/v1/audit',
};

function showSignedIn(signedIn) {
  const page = currentPage();
  $('sign-in').hidden = signedIn;
  for (const view of ['consultations', 'consultation', 'workflows', 'runs', 'plugins', 'dead-letters',
    'information-requests', 'feedback', 'audit']) {
    $(view).hidden = !signedIn || page !== view;
  }
  for (const [view, path] of Object.entries(PAGE_ROUTES)) {
    $(`nav-${view}`).hidden = !may('GET', path);
  }
  $('pages').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
}

// A session the hub ended (401: signed out elsewhere, idle, expired, its
// key revoked) returns to the sign-in screen, saying so; true then.
function signedOutBy(error) {
  if (!(error instanceof ApiError) || error.status !== 401) return false;
  leave(t('session_ended'));
  return true;
}

// Clears everything the session showed and returns to the sign-in screen
// with `notice` (may be empty).
// Empties the consultation page: its facts (the patient's name among them),
// the run's timeline and every list, so nothing of the last consultation
// stays in the page for whoever signs in next.
function clearConsultation() {
  for (const id of ['c-id', 'c-patient', 'c-status', 'c-scheduled', 'c-workflow', 'c-run', 'c-error',
    'next-attempt', 'attendance-total']) {
    $(id).textContent = '';
  }
  for (const id of ['events', 'participants', 'attendance', 'recordings', 'claims']) $(id).replaceChildren();
  for (const id of ['timeline', 'notifications']) $(id).tBodies[0].replaceChildren();
  shown = null;
}

function leave(notice) {
  session = null;
  me = null;
  forgetSession();
  $('consultation-list').tBodies[0].replaceChildren();
  clearConsultation();
  clearClinical();
  clearFeedback();
  $('action-result').textContent = '';  // may name a file, a medication, a participant
  pagesShown = 0;
  clearAlerts();
  showWho();
  showSignedIn(false);
  $('sign-in-error').textContent = '';
  $('sign-in-notice').textContent = notice;
}

// The header names who is signed in: the person, or the API key, with the
// facility and the role of the session.
function showWho() {
  const who = $('who');
  who.hidden = !session;
  if (!session) {
    who.textContent = '';
    return;
  }
  const role = t(`user_role_${session.role}`);
  who.textContent = session.person
    ? t('who_person', { name: session.person.name, facility: session.facility_id, role })
    : t('who_key', { key: session.key_id ?? '', facility: session.facility_id, role });
  who.dataset.facility = session.facility_id;
  who.dataset.role = session.role;
}

// Deployed workflow versions, newest deployment first.
async function loadWorkflows() {
  const view = $('workflows');
  view.dataset.state = 'loading';
  $('workflows-error').textContent = '';
  try {
    const { items } = await getJson('/v1/workflows');
    items.sort((a, b) => (b.deployed_at ?? '').localeCompare(a.deployed_at ?? ''));
    const body = $('workflow-list').tBodies[0];
    body.replaceChildren();
    for (const w of items) {
      const tr = document.createElement('tr');
      tr.dataset.name = w.name;
      cell(tr, w.name);
      cell(tr, String(w.version));
      cell(tr, formatTime(w.deployed_at));
      cell(tr, w.deployed_by);
      cell(tr, (w.checksum ?? '').slice(0, 16), 'checksum');
      const runs = document.createElement('td');
      runs.className = 'runs';
      const total = w.runs?.total ?? 0;
      const detail = Object.entries(w.runs?.by_status ?? {}).map(([s, n]) => `${s} ${n}`).join(', ');
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'open-runs';
      open.textContent = total ? t('runs_count', { total, detail }) : '0';
      open.disabled = total === 0 || !may('GET', '/v1/runs');
      open.addEventListener('click', () => {
        $('runs-workflow').value = w.name;
        $('runs-version').value = String(w.version);
        $('runs-status').value = '';
        $('runs-from').value = '';
        $('runs-to').value = '';
        location.hash = '#runs';
      });
      runs.append(open);
      tr.append(runs);
      body.append(tr);
    }
    const names = [...new Set(items.map((w) => w.name))].sort();
    const select = $('diff-name');
    const chosen = select.value;
    select.replaceChildren(...names.map((name) => {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = name;
      return option;
    }));
    if (names.includes(chosen)) select.value = chosen;
    view.dataset.state = 'loaded';
  } catch (error) {
    if (signedOutBy(error)) return;
    $('workflows-error').textContent = error.message;
    view.dataset.state = 'error';
  }
}

// The line diff of two deployed versions of a workflow.
async function loadDiff() {
  const table = $('diff');
  table.dataset.state = 'loading';
  $('diff-error').textContent = '';
  $('diff-summary').textContent = '';
  const name = $('diff-name').value;
  try {
    const d = await getJson(`/v1/workflows/${encodeURIComponent(name)}/diff`,
      { from: $('diff-from').value, to: $('diff-to').value });
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const line of d.lines) {
      const tr = document.createElement('tr');
      tr.className = line.op === '+' ? 'added' : line.op === '-' ? 'removed' : 'kept';
      cell(tr, line.from_line ? String(line.from_line) : '', 'number');
      cell(tr, line.to_line ? String(line.to_line) : '', 'number');
      cell(tr, line.op.trim(), 'op');
      cell(tr, line.text, 'text');
      body.append(tr);
    }
    $('diff-summary').textContent = d.identical
      ? t('diff_identical', { from: d.from, to: d.to })
      : t('diff_summary', { from: d.from, to: d.to, added: d.added, removed: d.removed });
    table.hidden = false;
    table.dataset.state = 'loaded';
  } catch (error) {
    if (signedOutBy(error)) return;
    const fields = error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    $('diff-error').textContent = [error.message, fields].filter(Boolean).join(' ');
    table.hidden = true;
    table.dataset.state = 'error';
  }
}

// Runs: the facility's workflow runs across consultations, newest first,
// by status, workflow, version and start time, paged with the API's cursor.
let runsCursor = null;

function runFilters() {
  return {
    status: $('runs-status').value,
    workflow: $('runs-workflow').value.trim(),
    version: $('runs-version').value.trim(),
    from: toRfc3339($('runs-from').value),
    to: toRfc3339($('runs-to').value),
  };
}

async function loadRuns(append) {
  const view = $('runs');
  view.dataset.state = 'loading';
  $('runs-error').textContent = '';
  const params = { ...runFilters(), limit: 50 };
  if (append && runsCursor) params.cursor = runsCursor;
  try {
    const page = await getJson('/v1/runs', params);
    const body = $('run-list').tBodies[0];
    if (!append) body.replaceChildren();
    for (const r of page.items) {
      const tr = document.createElement('tr');
      tr.dataset.id = r.id;
      tr.dataset.status = r.status;
      if (r.consultation_id) tr.dataset.consultation = r.consultation_id;
      tr.className = r.status;
      cell(tr, formatTime(r.created_at));
      cell(tr, `${r.workflow} v${r.version}`);
      cell(tr, statusText(r.status), 'status');
      cell(tr, r.failed_step ?? r.current_step ?? '');
      cell(tr, r.error ?? '', 'error');
      const where = document.createElement('td');
      if (r.consultation_id) {
        const open = document.createElement('a');
        open.href = `#consultation/${encodeURIComponent(r.consultation_id)}`;
        open.textContent = r.consultation_id;
        open.className = 'id';
        where.append(open);
      }
      tr.append(where);
      body.append(tr);
    }
    runsCursor = page.next_cursor;
    $('runs-more').hidden = !runsCursor;
    $('runs-empty').hidden = body.rows.length > 0;
    view.dataset.state = 'loaded';
  } catch (error) {
    if (signedOutBy(error)) return;
    const fields = error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    $('runs-error').textContent = fields || error.message;
    view.dataset.state = 'error';
  }
}

function percent(rate) {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)}%`;
}

function describeCall(call) {
  if (!call) return '';
  // The hub never passes a provider's error text on: the method and the code.
  const text = call.outcome === 'ok' ? call.outcome : `${call.method}: ${call.outcome}`;
  return `${text} (${formatTime(call.at)})`;
}

// The facility's plugin instances with their live health.
async function loadPlugins() {
  const view = $('plugins');
  if (view.dataset.state !== 'loaded') view.dataset.state = 'loading';
  $('plugins-error').textContent = '';
  try {
    const { items } = await getJson('/v1/plugins/instances');
    const body = $('instance-list').tBodies[0];
    body.replaceChildren();
    for (const i of items) {
      const h = i.health;
      const tr = document.createElement('tr');
      tr.dataset.name = i.name;
      tr.dataset.state = h.state;
      cell(tr, i.name, 'id');
      cell(tr, i.plugin);
      cell(tr, i.version ?? '');
      cell(tr, i.sdk_version ?? '');
      cell(tr, (i.capabilities ?? []).join(', '));
      cell(tr, i.loaded ? t(`state_${h.state}`) : i.problem, `state state-${i.loaded ? h.state : 'failing'}`);
      cell(tr, i.probe_method ? (h.probe ? describeCall(h.probe) : i.probe_method) : t('no_probe'), 'probe');
      cell(tr, describeCall(h.last_error), 'last-error');
      cell(tr, String(h.calls_per_minute), 'rate');
      cell(tr, percent(h.error_rate), 'error-rate');
      cell(tr, h.p95_ms === null ? '' : milliseconds(Math.round(h.p95_ms)), 'p95');
      body.append(tr);
    }
    $('plugins-empty').hidden = items.length > 0;
    await loadResidency();
    view.dataset.state = 'loaded';
  } catch (error) {
    if (signedOutBy(error)) return;
    $('plugins-error').textContent = error.message;
    view.dataset.state = 'error';
  }
}

// Where each kind of the facility's data is processed, and its approved
// residency exceptions (GET /v1/residency), for the roles that may read it.
async function loadResidency() {
  const section = $('residency');
  section.hidden = !may('GET', '/v1/residency');
  if (section.hidden) return;
  $('residency-error').textContent = '';
  try {
    const residency = await getJson('/v1/residency');
    $('residency-required').textContent =
      residency.required.length > 0 ? residency.required.join(', ') : t('residency_none');
    const body = $('residency-list').tBodies[0];
    body.replaceChildren();
    for (const d of residency.data) {
      const tr = document.createElement('tr');
      tr.dataset.kind = d.kind;
      const e = d.exception;
      tr.dataset.state = d.meets_requirement ? 'inside' : e ? 'excepted' : 'outside';
      cell(tr, t(`data_kind_${d.kind}`));
      cell(tr, d.instance ?? d.store ?? '', 'id');
      cell(tr, d.residency ?? '', 'country');
      cell(tr, d.basis, 'basis');
      let exception = '';
      if (e) {
        exception = e.in_force_since
          ? t('residency_exception_text', {
            reference: e.reference, approved: e.approved, since: formatTime(e.in_force_since),
          })
          : t('residency_exception_pending', { reference: e.reference, approved: e.approved });
      } else if (!d.meets_requirement) {
        exception = t('residency_outside');
      }
      cell(tr, exception, 'exception');
      body.append(tr);
    }
  } catch (error) {
    if (signedOutBy(error)) return;
    $('residency-error').textContent = error.message;
  }
}

// Dead letters: failed runs and webhooks no run took, newest first. A run
// opens on its consultation (retry is there); a webhook is replayed alone or
// with others (at most MAX_REPLAY at once, as the API allows).
const MAX_REPLAY = 100;

function deadLetterFilters() {
  return {
    kind: $('dl-kind').value,
    workflow: $('dl-workflow').value.trim(),
    since: toRfc3339($('dl-since').value),
  };
}

function selectedWebhooks() {
  return [...document.querySelectorAll('#dead-letter-list tbody input[type=checkbox]:checked')]
    .map((box) => box.closest('tr').dataset.id);
}

function updateSelection() {
  $('dl-replay-selected').disabled = selectedWebhooks().length === 0;
}

async function loadDeadLetters() {
  const view = $('dead-letters');
  view.dataset.state = 'loading';
  $('dl-error').textContent = '';
  try {
    const { items } = await getJson('/v1/dead-letters', deadLetterFilters());
    const body = $('dead-letter-list').tBodies[0];
    body.replaceChildren();
    for (const d of items) {
      const tr = document.createElement('tr');
      tr.dataset.id = d.id;
      tr.dataset.kind = d.kind;
      if (d.dedupe_key) tr.dataset.dedupe = d.dedupe_key;
      const pick = document.createElement('td');
      if (d.kind === 'webhook') {
        const box = document.createElement('input');
        box.type = 'checkbox';
        box.setAttribute('aria-label', d.id);
        box.addEventListener('change', updateSelection);
        pick.append(box);
      }
      tr.append(pick);
      cell(tr, formatTime(d.at));
      cell(tr, t(`kind_${d.kind}`));
      if (d.kind === 'run') cell(tr, `${d.workflow} v${d.workflow_version} · ${d.failed_step ?? ''}`);
      else if (d.kind === 'billing') cell(tr, `${d.event} · ${statusText(d.state)}`);
      else cell(tr, `${d.instance} · ${d.event_type ?? ''} · ${statusText(d.state)}`);
      cell(tr, d.kind === 'webhook' ? d.last_error : d.error, 'error');
      if (d.kind === 'run') cell(tr, d.consultation_id ?? d.id, 'id');
      else if (d.kind === 'billing') cell(tr, d.claim_id ?? d.id, 'id');
      else cell(tr, d.id, 'id');
      const act = document.createElement('td');
      const button = document.createElement('button');
      button.type = 'button';
      if (d.kind === 'run') {
        button.textContent = t('open_run');
        button.className = 'open';
        button.disabled = !d.consultation_id;
        button.addEventListener('click', () => {
          location.hash = `#consultation/${encodeURIComponent(d.consultation_id)}`;
        });
      } else if (d.kind === 'billing') {
        button.textContent = t('replay');
        button.className = 'replay';
        button.addEventListener('click', () => replayBillingMessage(d));
      } else {
        button.textContent = t('replay');
        button.className = 'replay';
        button.addEventListener('click', () => replayWebhooks([d.id], d.instance));
      }
      act.append(button);
      tr.append(act);
      body.append(tr);
    }
    $('dl-select-all').checked = false;
    updateSelection();
    $('dl-empty').hidden = items.length > 0;
    view.dataset.state = 'loaded';
  } catch (error) {
    if (signedOutBy(error)) return;
    const fields = error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    $('dl-error').textContent = fields || error.message;
    view.dataset.state = 'error';
  }
}

async function replayWebhooks(ids, instance) {
  $('dl-result').textContent = '';
  $('dl-error').textContent = '';
  if (ids.length > MAX_REPLAY) {
    $('dl-error').textContent = t('too_many_selected', { max: MAX_REPLAY, count: ids.length });
    return;
  }
  const text = ids.length === 1 && instance
    ? t('confirm_replay', { id: ids[0], instance }) : t('confirm_replay_many', { count: ids.length });
  if (!(await confirmAction(text))) return;
  try {
    if (ids.length === 1) {
      await postJson(`/v1/webhooks/unmatched/${encodeURIComponent(ids[0])}/replay`);
    } else {
      await postJson('/v1/dead-letters/replay', { ids });
    }
    $('dl-result').textContent = t('replayed', { count: ids.length });
  } catch (error) {
    $('dl-error').textContent = error.message;
  }
  await loadDeadLetters();
}

// A billing dead letter routed again through its replay route
// (POST /v1/billing/messages/{id}/replay), confirmed first.
async function replayBillingMessage(d) {
  $('dl-result').textContent = '';
  $('dl-error').textContent = '';
  if (!(await confirmAction(t('confirm_replay_billing', { id: d.id, event: d.event })))) return;
  try {
    await postJson(d.replay);
    $('dl-result').textContent = t('replayed', { count: 1 });
  } catch (error) {
    $('dl-error').textContent = error.message;
  }
  await loadDeadLetters();
}

// Information requests: what the payer asks about the facility's claims,
// oldest first; one opens with what is asked and a form to answer it (text,
// PDF or JPEG documents, or that it cannot be supplied), confirmed first.
const MAX_ANSWER_BYTES = 10 * 1000 * 1000;
let openRequest = null;  // the request whose form is shown

async function loadInformationRequests() {
  const view = $('information-requests');
  view.dataset.state = 'loading';
  $('ir-error').textContent = '';
  try {
    const { items } = await getJson('/v1/information-requests', { state: $('ir-state').value });
    const body = $('ir-list').tBodies[0];
    body.replaceChildren();
    for (const r of items) {
      const tr = document.createElement('tr');
      tr.dataset.id = r.id;
      tr.dataset.state = r.state;
      cell(tr, formatTime(r.received_at));
      cell(tr, r.claim_id, 'id');
      cell(tr, r.reason ? t(`ir_reason_${r.reason}`) : '');
      cell(tr, r.due_at ? formatTime(r.due_at) : '');
      cell(tr, t(`ir_${r.state}`));
      const act = document.createElement('td');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'open-request';
      button.textContent = t(r.state === 'open' || r.state === 'sending' ? 'ir_answer' : 'open_run');
      button.addEventListener('click', () => openInformationRequest(r.id));
      act.append(button);
      tr.append(act);
      body.append(tr);
    }
    $('ir-empty').hidden = items.length > 0;
    view.dataset.state = 'loaded';
  } catch (error) {
    if (signedOutBy(error)) return;
    $('ir-error').textContent = error.message;
    view.dataset.state = 'error';
  }
}

// Opens request `id`; `keepResult`: after an answer, whose outcome stays shown.
async function openInformationRequest(id, keepResult = false) {
  const detail = $('ir-detail');
  detail.dataset.state = 'loading';
  if (!keepResult) $('ir-result').textContent = '';
  try {
    const r = await getJson(`/v1/information-requests/${encodeURIComponent(id)}`);
    openRequest = r;
    const questions = $('ir-questions');
    questions.replaceChildren(...r.questions.map((q) => {
      const li = document.createElement('li');
      li.textContent = q;
      return li;
    }));
    const documents = $('ir-documents');
    documents.replaceChildren(...r.documents.map((d) => {
      const li = document.createElement('li');
      li.textContent = t('ir_document_wanted', { title: d.title, type: d.content_type });
      return li;
    }));
    $('ir-last-error').textContent = r.last_error ? t('ir_refused', { error: r.last_error }) : '';
    $('ir-answer').hidden = !(r.state === 'open' || r.state === 'sending') ||
      !may('POST', '/v1/information-requests/{id}/answer');
    detail.hidden = false;
    detail.dataset.id = r.id;
    detail.dataset.state = 'loaded';
  } catch (error) {
    $('ir-error').textContent = error.message;
    detail.dataset.state = 'error';
  }
}

// A file's bytes as base64 (without the data: URL's prefix).
function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function sendAnswer() {
  if (!openRequest) return;
  $('ir-result').textContent = '';
  $('ir-error').textContent = '';
  const files = [...$('ir-files').files];
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total > MAX_ANSWER_BYTES) {
    $('ir-error').textContent = t('ir_too_large', { max: '10 MB' });
    return;
  }
  const cannot = $('ir-cannot').checked;
  const text = $('ir-text').value.trim();
  // The hub's own one-page summaries of the claim's consultation.
  const pages = [['ir-page-visit', 'visit_summary'], ['ir-page-recording', 'recording_summary']]
    .filter(([box]) => $(box).checked).map(([, page]) => page);
  const body = cannot
    ? { cannot_supply: true, reason: $('ir-reason').value.trim(), texts: text ? [text] : [] }
    : { texts: text ? [text] : [], attachments: [], pages };
  if (!cannot) {
    for (const f of files) {
      body.attachments.push({ content_type: f.type, title: f.name, data: await base64Of(f) });
    }
  }
  const what = cannot ? t('ir_confirm_cannot', { claim: openRequest.claim_id })
    : t('ir_confirm', { claim: openRequest.claim_id, count: files.length + pages.length });
  if (!(await confirmAction(what))) return;
  try {
    const done = await postJson(`/v1/information-requests/${encodeURIComponent(openRequest.id)}/answer`, body);
    $('ir-result').textContent = t('ir_sent', { state: t(`ir_${done.state}`) });
    $('ir-answer').reset();
    await openInformationRequest(openRequest.id, true);
  } catch (error) {
    const fields = error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    $('ir-error').textContent = fields || error.message;
  }
  await loadInformationRequests();
}

// Audit: the facility's audit trail by entity, actor, session, action and
// time (oldest first, as the API pages it), and the chain's verification
// status, which is the whole deployment's (one chain links every facility's
// events).
let auditCursor = null;

// Who an actor is, beside it: a person's name (as the API resolves it when
// serving the page) or an API key's id; nothing for the hub's own actors.
function auditWho(e) {
  if (e.actor.startsWith('person:')) return e.actor_name ?? '';
  if (e.actor.startsWith('apikey:')) return e.actor.slice('apikey:'.length);
  return '';
}

function auditFilters() {
  return {
    entity_type: $('audit-entity-type').value.trim(),
    entity_id: $('audit-entity-id').value.trim(),
    actor: $('audit-actor').value.trim(),
    session: $('audit-session').value.trim(),
    action: $('audit-action').value.trim(),
    from: toRfc3339($('audit-from').value),
    to: toRfc3339($('audit-to').value),
  };
}

async function loadChainStatus() {
  const box = $('chain');
  box.dataset.status = '';
  $('chain-status').textContent = '';
  try {
    const v = await getJson('/v1/audit/verification');
    box.dataset.status = v.status;
    $('chain-status').textContent = v.status === 'intact'
      ? t('chain_intact', { events: v.events_checked, checkpoints: v.checkpoints_checked, at: formatTime(v.verified_at) })
      : t('chain_broken', { seq: v.first_broken_seq ?? '', reason: v.reason ?? '', at: formatTime(v.verified_at) });
  } catch (error) {
    box.dataset.status = 'error';
    $('chain-status').textContent = error.message;
  }
}

async function loadAudit(append) {
  const view = $('audit');
  view.dataset.state = 'loading';
  $('audit-error').textContent = '';
  const params = { ...auditFilters(), limit: 50 };
  if (append && auditCursor) params.cursor = auditCursor;
  try {
    const page = await getJson('/v1/audit', params);
    const body = $('audit-list').tBodies[0];
    if (!append) body.replaceChildren();
    for (const e of page.items) {
      const tr = document.createElement('tr');
      tr.dataset.seq = String(e.seq);
      tr.dataset.action = e.action;
      cell(tr, String(e.seq));
      cell(tr, formatTime(e.occurred_at));
      cell(tr, e.actor, 'actor');
      cell(tr, auditWho(e), 'who');
      cell(tr, e.session ?? '', 'id');
      cell(tr, e.action, 'action');
      cell(tr, e.entity_type ?? '');
      cell(tr, e.entity_id ?? '', 'id');
      cell(tr, e.outcome, 'outcome');
      cell(tr, e.request_id ?? '', 'id');
      body.append(tr);
    }
    auditCursor = page.next_cursor;
    $('audit-more').hidden = !auditCursor;
    $('audit-empty').hidden = body.rows.length > 0;
    view.dataset.state = 'loaded';
  } catch (error) {
    if (signedOutBy(error)) return;
    const fields = error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    $('audit-error').textContent = fields || error.message;
    view.dataset.state = 'error';
  }
}

async function loadAuditPage() {
  await Promise.all([loadChainStatus(), loadAudit(false)]);
}

// Alerts: a plugin instance that started failing or recovered. At sign-in
// the banner shows the instances whose latest alert says failing; after
// that every new alert replaces its instance's line. Other alerts (a
// certificate about to expire, a claim unanswered, …) raised after sign-in
// get a line of their own per kind and instance, with the hub's message.
let lastAlertId = null;
const bannerLines = new Map();  // instance (or "kind instance") -> its newest alert

const isStateAlert = (a) => a.kind === 'instance.failing' || a.kind === 'instance.recovered';

function bannerText(a) {
  const values = { instance: a.instance, at: formatTime(a.at), message: a.message };
  if (a.kind === 'instance.failing') return t('alert_failing', values);
  if (a.kind === 'instance.recovered') return t('alert_recovered', values);
  return t('alert_notice', values);
}

function showBanner() {
  const list = $('alert-list');
  list.replaceChildren();
  for (const a of bannerLines.values()) {
    const li = document.createElement('li');
    li.className = a.kind === 'instance.failing' ? 'failing'
      : a.kind === 'instance.recovered' ? 'recovered' : 'notice';
    li.dataset.instance = a.instance;
    li.dataset.kind = a.kind;
    li.textContent = bannerText(a);
    list.append(li);
  }
  $('alert-banner').hidden = bannerLines.size === 0;
}

async function pollAlerts() {
  try {
    const first = lastAlertId === null;
    const { items } = await getJson('/v1/alerts', first ? {} : { after: lastAlertId });
    if (first) lastAlertId = 0;
    for (const a of [...items].reverse()) {  // oldest first, so the newest wins
      lastAlertId = Math.max(lastAlertId, a.id);
      if (!isStateAlert(a)) {
        if (!first) bannerLines.set(`${a.kind} ${a.instance}`, a);
      } else if (first && a.kind !== 'instance.failing') {
        bannerLines.delete(a.instance);
      } else {
        bannerLines.set(a.instance, a);
      }
    }
    showBanner();
    document.body.dataset.alertsState = 'loaded';
  } catch {
    document.body.dataset.alertsState = 'error';
  }
}

function clearAlerts() {
  lastAlertId = null;
  bannerLines.clear();
  showBanner();
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
    workflow: $('filter-workflow').value.trim(),
    patient_identifier: $('filter-patient').value.trim(),
  };
}

function row(consultation) {
  const tr = document.createElement('tr');
  tr.dataset.id = consultation.id;
  tr.addEventListener('click', () => {
    location.hash = `#consultation/${encodeURIComponent(consultation.id)}`;
  });
  const cells = [
    formatTime(consultation.scheduled_at),
    consultation.patient?.summary?.name ?? consultation.patient?.reference ?? '',
    statusText(consultation.status),
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

// Each read of the list has a number; an answer that a later read has
// overtaken (a refresh racing a click on More) is dropped.
let generation = 0;
let loadsInFlight = 0;

async function loadPage(append) {
  const mine = ++generation;
  loadsInFlight++;
  try {
    return await readPage(append, mine);
  } finally {
    loadsInFlight--;
  }
}

async function readPage(append, mine) {
  $('list-error').textContent = '';
  const params = { ...filters(), limit: 25 };
  if (append && nextCursor) params.cursor = nextCursor;
  try {
    const page = await getJson('/v1/consultations', params);
    if (mine !== generation) return false;
    const body = $('consultation-list').tBodies[0];
    if (!append) body.replaceChildren();
    for (const c of page.items) body.append(row(c));
    nextCursor = page.next_cursor;
    pagesShown = append ? pagesShown + 1 : 1;
    $('more').hidden = !nextCursor;
    $('list-empty').hidden = body.rows.length > 0;
    document.body.dataset.listState = 'loaded';
    return true;
  } catch (error) {
    if (signedOutBy(error)) return false;
    const fields = error.problem?.errors?.map((e) => `${e.field}: ${e.message}`).join('; ');
    $('list-error').textContent = fields || error.message;
    document.body.dataset.listState = 'error';
    return false;
  }
}

function cell(tr, text, className) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  if (className) td.className = className;
  tr.append(td);
}

function fillList(id, items, describe) {
  const list = $(id);
  list.replaceChildren();
  for (const item of items) {
    const li = document.createElement('li');
    li.textContent = describe(item);
    list.append(li);
  }
  if (!items.length) {
    const li = document.createElement('li');
    li.textContent = t('nothing');
    list.append(li);
  }
}

// A step's input or output as compact JSON (PHI arrives masked as
// "[redacted:…]" for roles that may not see it).
function payload(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function milliseconds(ms) {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

// The participants, each with its state; a waiting one gets an Admit button
// when the role may admit.
function showParticipants(id, items) {
  const list = $('participants');
  list.replaceChildren();
  const mayAdmit = may('POST', '/v1/consultations/{id}/participants/{pid}/admit');
  for (const p of items) {
    const li = document.createElement('li');
    li.dataset.id = p.id;
    li.dataset.state = p.state;
    const text = document.createElement('span');
    text.textContent = [p.role, p.display_name ?? '', statusText(p.state)].filter(Boolean).join(' · ');
    li.append(text);
    if (p.state === 'waiting' && mayAdmit) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'admit';
      button.textContent = t('admit');
      button.addEventListener('click', () => admit(id, p));
      li.append(button);
    }
    list.append(li);
  }
  if (!items.length) {
    const li = document.createElement('li');
    li.textContent = t('nothing');
    list.append(li);
  }
}

async function admit(id, participant) {
  const name = participant.display_name ?? participant.id;
  if (!(await confirmAction(t('confirm_admit', { name, role: participant.role })))) return;
  $('action-result').textContent = '';
  $('c-error').textContent = '';
  try {
    await postJson(`/v1/consultations/${encodeURIComponent(id)}/participants/` +
      `${encodeURIComponent(participant.id)}/admit`);
    $('action-result').textContent = t('admitted', { name });
  } catch (error) {
    $('c-error').textContent = error.message;
  }
  if (currentId() === id) await loadConsultation(id);
}

// The recordings, each with its state; an archived one gets a Download
// button when the role may read recordings' content (hospital, clinician).
function showRecordings(items) {
  fillList('recordings', items, (r) => [r.id, statusText(r.state), r.size_bytes ? `${r.size_bytes} B` : '']
    .filter(Boolean).join(' · '));
  if (!items.length) return;
  const mayDownload = may('GET', '/v1/recordings/{id}/content');
  const rows = $('recordings').children;
  items.forEach((r, i) => {
    const li = rows[i];
    li.dataset.id = r.id;
    li.dataset.state = r.state;
    if (r.state !== 'archived' || !mayDownload) return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'download';
    button.textContent = t('download');
    button.addEventListener('click', () => download(r));
    li.append(' ', button);
  });
}

// Each participant's periods in the room (GET …/attendance): role, the
// periods (an open one "still in the room") and its seconds; above them the
// consultation's attendee-minutes.
function showAttendance(attendance) {
  $('attendance-total').textContent = t('attendance_total', {
    minutes: attendance.attendee_minutes.toFixed(2),
    patient: t(attendance.patient_joined ? 'yes' : 'no'),
    clinician: t(attendance.clinician_joined ? 'yes' : 'no'),
  });
  const when = (ms) => formatTime(new Date(ms).toISOString(), { seconds: true });
  fillList('attendance', attendance.participants, (p) => [
    t(`role_${p.role}`),
    p.participant_id ?? p.provider_participant_id,
    p.periods.map((period) => `${when(period.start_ms)} – ${period.end_ms ? when(period.end_ms) : t('still_in_room')}`)
      .join(', '),
    `${p.seconds} s`,
  ].filter(Boolean).join(' · '));
  const rows = $('attendance').children;
  attendance.participants.forEach((p, i) => {
    rows[i].dataset.role = p.role;
    rows[i].dataset.seconds = String(p.seconds);
    rows[i].dataset.periods = String(p.periods.length);
  });
}

// The consultation's messages to its patient (GET …/notifications): kind,
// channel, state (with why it was skipped, cancelled or failed), when it is
// or was due and when it went, its attempts and the last error's code. The
// API answers neither the recipient nor the text, so neither is shown. A
// message held by quiet hours stays "scheduled", due at their end.
function showNotifications(items) {
  const body = $('notifications').tBodies[0];
  body.replaceChildren();
  const when = (iso) => (iso ? formatTime(iso, { seconds: true }) : '');
  // A value the catalogue has no label for is shown as the API wrote it.
  const label = (prefix, value) => {
    const text = t(`${prefix}${value}`);
    return text === `${prefix}${value}` ? value : text;
  };
  for (const n of items) {
    const tr = document.createElement('tr');
    tr.dataset.id = n.id;
    tr.dataset.kind = n.kind;
    tr.dataset.channel = n.channel;
    tr.dataset.state = n.state;
    tr.dataset.attempts = String(n.attempts);
    tr.className = n.state;
    cell(tr, label('ntf_kind_', n.kind), 'kind');
    cell(tr, label('ntf_channel_', n.channel), 'channel');
    cell(tr, [statusText(n.state), n.reason ? label('ntf_reason_', n.reason) : ''].filter(Boolean)
      .join(' · '), 'status');
    cell(tr, when(n.due_at), 'due');
    cell(tr, when(n.sent_at), 'sent');
    cell(tr, n.attempts ? String(n.attempts) : '', 'attempts');
    cell(tr, n.error ?? '', 'error');
    body.append(tr);
  }
  if (!items.length) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 7;
    td.textContent = t('nothing');
    tr.append(td);
    body.append(tr);
  }
}

// Downloads a recording's decrypted content with the bearer key (a plain
// link cannot carry it): read whole into the tab, then saved as a file.
async function download(recording) {
  $('c-error').textContent = '';
  try {
    const blob = await getBlob(`/v1/recordings/${encodeURIComponent(recording.id)}/content`);
    const url = URL.createObjectURL(blob);
    const a = document.createElement('a');
    a.href = url;
    a.download = `${recording.id}${extension(blob.type)}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (error) {
    if (signedOutBy(error)) return;
    $('c-error').textContent = error.message;
  }
}

function extension(contentType) {
  return { 'video/mp4': '.mp4', 'video/webm': '.webm', 'audio/mp4': '.m4a' }[contentType] ?? '';
}

// What may be done to a claim in each state, when the role may: Resume
// (its submission failed), Cancel (sent, not adjudicated yet), Nullify
// (adjudicated, not paid) and Resubmit (rejected, and not resubmitted
// already by a claim that did not fail).
const CLAIM_ACTIONS = [
  { kind: 'resume', route: '/v1/claims/{id}/retry', states: ['error'] },
  { kind: 'cancel', route: '/v1/claims/{id}/cancel', states: ['submitted', 'queued', 'in_doubt'] },
  { kind: 'nullify', route: '/v1/claims/{id}/nullify', states: ['approved', 'partial', 'rejected'] },
  { kind: 'resubmit', route: '/v1/claims/{id}/resubmit', states: ['rejected'] },
];

// The claims, each with its state, the claim it replaces or is replaced by,
// and a button for each action its state allows.
function showClaims(id, items) {
  const byId = new Map(items.map((k) => [k.id, k]));
  fillList('claims', items, (k) => [k.id, statusText(k.state),
    k.replaces ? t('claim_replaces', { id: k.replaces }) : '',
    k.replaced_by ? t('claim_replaced_by', { id: k.replaced_by }) : '']
    .filter(Boolean).join(' · '));
  const rows = $('claims').children;
  items.forEach((k, i) => {
    const li = rows[i];
    li.dataset.id = k.id;
    li.dataset.state = k.state;
    for (const action of CLAIM_ACTIONS) {
      if (!action.states.includes(k.state) || !may('POST', action.route)) continue;
      if (action.kind === 'resubmit' && k.replaced_by &&
          byId.get(k.replaced_by)?.state !== 'error') continue;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `${action.kind}-claim`;
      button.textContent = t(`${action.kind}_claim`);
      button.addEventListener('click', () => (action.kind === 'resume'
        ? resumeClaim(id, k) : changeClaim(id, k, action.kind)));
      li.append(' ', button);
    }
  });
}

// Cancels, nullifies or resubmits a claim (POST /v1/claims/{id}/<kind>)
// once the operator confirmed it, with the reason picked for a
// cancellation; shows what the hub answered, or the problem's detail.
async function changeClaim(id, claim, kind) {
  const text = t(`confirm_${kind}_claim`, { id: claim.id });
  const reason = kind === 'resubmit' ? await confirmAction(text)
    : await confirmAction(text, { reason: true });
  if (!reason) return;
  $('action-result').textContent = '';
  $('c-error').textContent = '';
  try {
    const path = `/v1/claims/${encodeURIComponent(claim.id)}/${kind}`;
    const answer = await postJson(path, kind === 'resubmit' ? {} : { reason });
    $('action-result').textContent = kind === 'resubmit'
      ? t('claim_resubmitted', { id: claim.id, new: answer.id })
      : t(kind === 'cancel' ? 'claim_cancelled' : 'claim_nullified', { id: claim.id });
  } catch (error) {
    if (signedOutBy(error)) return;
    $('c-error').textContent = error.message;
    return;
  }
  if (currentId() === id) await loadConsultation(id);
}

// Resubmits a claim whose submission failed (POST /v1/claims/{id}/retry)
// and follows it until its state is no longer `error` (bounded).
async function resumeClaim(id, claim) {
  if (!(await confirmAction(t('confirm_resume_claim', { id: claim.id })))) return;
  $('action-result').textContent = '';
  $('c-error').textContent = '';
  try {
    await postJson(`/v1/claims/${encodeURIComponent(claim.id)}/retry`);
    $('action-result').textContent = t('claim_resumed', { id: claim.id });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && currentId() === id) {
      const now = await getJson(`/v1/claims/${encodeURIComponent(claim.id)}`);
      if (now.state !== 'error') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } catch (error) {
    if (signedOutBy(error)) return;
    $('c-error').textContent = error.message;
  }
  if (currentId() === id) await loadConsultation(id);
}

// One consultation: its state, its run's timeline (every attempt of every
// step, with duration and error), the events its run received, and its
// participants, attendance, messages to the patient, recordings, claims, its
// clinical record (notes, prescriptions, vital signs, shared documents) and
// the patient's feedback.
async function loadConsultation(id) {
  const view = $('consultation');
  view.dataset.state = 'loading';
  $('c-error').textContent = '';
  try {
    const path = `/v1/consultations/${encodeURIComponent(id)}`;
    // The parts the role may read; the others are left out of the page.
    const part = (suffix) => (may('GET', `/v1/consultations/{id}${suffix}`)
      ? getJson(`${path}${suffix}`) : Promise.resolve(null));
    // The consultation is read once its run is: a step that moved the
    // consultation (hub.set_status) committed before the run showed it done,
    // so the status shown is never older than the run. The other parts are
    // asked for at once.
    const timelineRead = part('/timeline');
    const consultationRead = timelineRead.then(() => getJson(path), () => getJson(path));
    const [timeline, c, participants, recordings, claims, attendance, notifications, notes,
      prescriptions, observations, documents, feedback] = await Promise.all([
      timelineRead, consultationRead, part('/participants'), part('/recordings'),
      part('/claims'), part('/attendance'), part('/notifications'), part('/notes'),
      part('/prescriptions'), part('/observations'), part('/documents'),
      // Unanswered (404) is what most consultations' feedback is, not an error.
      may('GET', '/v1/consultations/{id}/feedback') ? readFeedback(path) : Promise.resolve(null),
    ]);
    const run = timeline ?? {};
    $('timeline-part').hidden = timeline === null;
    $('c-run').hidden = timeline === null;
    $('c-run').previousElementSibling.hidden = timeline === null;
    $('participants-part').hidden = participants === null;
    $('recordings-part').hidden = recordings === null;
    $('attendance-part').hidden = attendance === null;
    $('notifications-part').hidden = notifications === null;
    $('claims-part').hidden = claims === null;
    $('c-id').textContent = c.id;
    $('c-patient').textContent = c.patient?.summary?.name ?? c.patient?.reference ?? '';
    $('c-status').textContent = statusText(c.status);
    $('c-scheduled').textContent = formatTime(c.scheduled_at);
    $('c-workflow').textContent = c.workflow_name
      ? `${c.workflow_name} v${c.workflow_version ?? ''}` : '';
    $('c-run').textContent = [statusText(run.status), run.current_step].filter(Boolean).join(' · ');
    $('c-error').textContent = run.error ?? '';
    const body = $('timeline').tBodies[0];
    body.replaceChildren();
    for (const a of run.attempts ?? []) {
      const tr = document.createElement('tr');
      tr.className = a.status;
      cell(tr, a.step_id);
      cell(tr, String(a.attempt));
      cell(tr, statusText(a.status));
      cell(tr, a.started_at_ms ? formatTime(new Date(a.started_at_ms).toISOString()) : '');
      cell(tr, a.finished_at_ms && a.started_at_ms
        ? milliseconds(a.finished_at_ms - a.started_at_ms) : '');
      cell(tr, a.error ? `${a.error.code}: ${a.error.message}` : '', 'error');
      cell(tr, a.input !== undefined ? payload(a.input)
        : a.input_template !== undefined ? t('input_template', { template: payload(a.input_template) }) : '',
      'payload input');
      cell(tr, a.output !== undefined ? payload(a.output) : '', 'payload output');
      body.append(tr);
    }
    const next = run.next_attempt;
    $('next-attempt').hidden = !next;
    $('next-attempt').textContent = next
      ? t(next.retry ? 'next_retry' : 'next_attempt',
        { step: next.step_id, attempt: next.attempt, at: formatTime(new Date(next.at_ms).toISOString(), { seconds: true }) })
      : '';
    if (next) $('next-attempt').dataset.at = String(next.at_ms);
    const failed = (run.attempts ?? []).filter((a) => a.step_id === run.failed_step);
    shown = { id: c.id, step: run.failed_step, attempt: failed.length + 1 };
    $('retry').hidden = run.status !== 'failed' || !may('POST', '/v1/consultations/{id}/retry');
    $('cancel').hidden = ['completed', 'cancelled', 'failed', 'billed', 'archived', 'ended']
      .includes(c.status) || !may('POST', '/v1/consultations/{id}/cancel');
    // Ending the session: while its room is open (the hub recorded one and
    // the session has not ended).
    $('end-session').hidden = !c.video_room_id || !['waiting_room', 'in_session'].includes(c.status) ||
      !may('POST', '/v1/consultations/{id}/end-session');
    // The events the run received, then who joined and left the room, in
    // time order.
    fillList('events', [
      ...(run.events ?? []).map((e) => [e.name ?? e.type, e.received_at ?? ''].join(' ')),
      ...(run.attendance ?? []).map((e) => [formatTime(new Date(e.at_ms).toISOString(), { seconds: true }),
        e.role ? t(`role_${e.role}`) : '', e.provider_participant_id ?? '', t(`mark_${e.mark}`)]
        .filter(Boolean).join(' · ')),
    ], (text) => text);
    if (attendance) showAttendance(attendance);
    if (notifications) showNotifications(notifications.items);
    showParticipants(c.id, participants?.items ?? []);
    showRecordings(recordings?.items ?? []);
    showClaims(c.id, claims?.items ?? []);
    showClinical(c.id, { notes, prescriptions, observations, documents });
    showFeedback(feedback);
    view.dataset.state = 'loaded';
  } catch (error) {
    if (signedOutBy(error)) return;
    $('c-error').textContent = error.message;
    view.dataset.state = 'error';
  }
}

async function route() {
  if (!session) return;
  const page = currentPage();
  // A consultation's page is read by GET /v1/consultations/{id}; a role
  // that may not (an auditor's) is taken to a page of its own.
  const reads = page === 'consultation' ? '/v1/consultations/{id}' : PAGE_ROUTES[page];
  if (reads && !may('GET', reads)) {
    const allowed = Object.keys(PAGE_ROUTES).find((p) => may('GET', PAGE_ROUTES[p]));
    if (allowed && allowed !== page) {
      location.hash = allowed === 'consultations' ? '' : `#${allowed}`;
      return;  // hashchange routes again
    }
  }
  showSignedIn(true);
  const id = currentId();
  if (id !== null) await loadConsultation(id);
  else if (currentPage() === 'workflows') await loadWorkflows();
  else if (currentPage() === 'runs') await loadRuns(false);
  else if (currentPage() === 'plugins') await loadPlugins();
  else if (currentPage() === 'dead-letters') await loadDeadLetters();
  else if (currentPage() === 'information-requests') await loadInformationRequests();
  else if (currentPage() === 'feedback') await loadFeedbackPage();
  else if (currentPage() === 'audit') await loadAuditPage();
  else if (may('GET', PAGE_ROUTES.consultations) && pagesShown === 0 && loadsInFlight === 0) {
    await loadPage(false);
  }
}

// Each page reads what it shows (route), so a role that may not list
// consultations, such as an auditor's, signs in straight to its own page.
// `session` is set: GET /v1/me names the routes the role may use.
async function enter() {
  $('sign-in-notice').textContent = '';
  $('sign-out-error').textContent = '';
  try {
    me = await getJson('/v1/me');
  } catch (error) {
    if (!signedOutBy(error)) {
      leave('');
      $('sign-in-error').textContent = error.message;
    }
    return;
  }
  lastActivity = Date.now();
  showWho();
  await route();
  if (session) await pollAlerts();
}

// The API key is sent once, to be exchanged for a session; the hub refuses
// it (403, with its reason) when the facility signs people in through its
// identity provider only.
async function signInByKey(key) {
  signInAttempt++;
  $('sign-in-error').textContent = '';
  $('sign-in-notice').textContent = '';
  try {
    session = await signInWithKey(key);
  } catch (error) {
    session = null;
    $('sign-in-error').textContent = error instanceof ApiError && error.status === 401
      ? t('bad_key') : error.message;
    return;
  }
  $('api-key').value = '';
  await enter();
}

// On load: the browser may hold a session already (a reload, or the return
// from the identity provider); without one the hub answers 401 and the
// sign-in screen stays.
let signInAttempt = 0;  // a sign-in by key overtakes the read of resume()

async function resume() {
  const attempt = signInAttempt;
  let found;
  try {
    found = await currentSession();
  } catch (error) {
    if (attempt !== signInAttempt) return;
    showSignedIn(false);
    if (!(error instanceof ApiError && error.status === 401)) {
      $('sign-in-error').textContent = error.message;
    }
    return;
  }
  if (attempt !== signInAttempt) return;
  session = adoptSession(found);
  await enter();
}

// One button per identity provider of the hub; each starts the sign-in
// there and comes back to the console.
let providers = [];

function showProviders() {
  const box = $('providers');
  box.replaceChildren(...providers.map((p) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'provider';
    button.dataset.provider = p.name;
    const label = p.label?.[language()] ?? p.label?.en ?? p.name;
    button.textContent = t('sign_in_with', { provider: label });
    button.addEventListener('click', () => {
      location.assign(`/signin/${encodeURIComponent(p.name)}/start?return_to=${
        encodeURIComponent('/console/')}`);
    });
    return button;
  }));
  box.hidden = providers.length === 0;
  $('or-key').hidden = providers.length === 0;
}

async function loadProviders() {
  try {
    providers = await signInProviders();
  } catch (error) {
    providers = [];
    $('sign-in-error').textContent = error.message;
  }
  showProviders();
}

// Sign-out ends the session at the hub, then, when the session came from an
// identity provider that offers it, at the provider too.
async function signOutNow() {
  $('sign-out-error').textContent = '';
  let logoutUrl = null;
  try {
    logoutUrl = await signOut();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      $('sign-out-error').textContent = error.message;
      return;  // the session is still open: say so rather than pretend
    }
  }
  leave('');
  if (logoutUrl) location.assign(logoutUrl);
}

// The session's idle timeout counts the operator's own activity only: the
// background reads (the list's refresh, the alerts, plugin health) stop when
// the operator did nothing for the idle timeout, so an unattended console
// does not keep its session open. Once the hub has had no request for the
// idle timeout, one read of the session finds it ended (401) and the
// sign-in screen replaces the page.
let lastActivity = Date.now();

function idleMs() {
  return (session?.idle_timeout_s ?? 0) * 1000;
}

function attended() {
  return !idleMs() || Date.now() - lastActivity < idleMs();
}

async function checkIdle() {
  if (!session || attended() || Date.now() - lastRequestAt() < idleMs() + 1000) return;
  try {
    session = adoptSession(await currentSession());
  } catch (error) {
    signedOutBy(error);
  }
}

function start() {
  apply();
  $('language').addEventListener('click', async () => {
    setLanguage(language() === 'ar' ? 'en' : 'ar');
    // Times the page wrote follow the language too: draw the page again.
    showProviders();
    if (session && me) {
      showWho();
      pagesShown = 0;
      await route();
    }
  });
  $('sign-in-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signInByKey($('api-key').value.trim());
  });
  $('sign-out').addEventListener('click', signOutNow);
  for (const type of ['pointerdown', 'keydown', 'wheel', 'touchstart']) {
    window.addEventListener(type, () => { lastActivity = Date.now(); }, { capture: true, passive: true });
  }
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadPage(false);
  });
  $('more').addEventListener('click', () => loadPage(true));
  $('dl-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadDeadLetters();
  });
  $('ir-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadInformationRequests();
  });
  $('ir-answer').addEventListener('submit', (event) => {
    event.preventDefault();
    sendAnswer();
  });
  $('dl-select-all').addEventListener('change', () => {
    for (const box of document.querySelectorAll('#dead-letter-list tbody input[type=checkbox]')) {
      box.checked = $('dl-select-all').checked;
    }
    updateSelection();
  });
  $('dl-replay-selected').addEventListener('click', () => replayWebhooks(selectedWebhooks()));
  $('audit-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadAudit(false);
  });
  $('audit-more').addEventListener('click', () => loadAudit(true));
  $('runs-filters').addEventListener('submit', (event) => {
    event.preventDefault();
    loadRuns(false);
  });
  $('runs-more').addEventListener('click', () => loadRuns(true));
  $('diff-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadDiff();
  });
  for (const link of ['back', 'nav-consultations']) {
    $(link).addEventListener('click', (event) => {
      event.preventDefault();
      location.hash = '';
    });
  }
  window.addEventListener('hashchange', route);
  $('retry').addEventListener('click', () => act('retry'));
  $('cancel').addEventListener('click', () => act('cancel'));
  $('end-session').addEventListener('click', endSession);
  initClinical({
    may, actor: () => me?.actor ?? null, confirm: confirmAction, signedOutBy,
    reload: async (id) => { if (currentId() === id) await loadConsultation(id); },
  });
  initFeedback({ signedOutBy });
  // Live refresh: while the first page of the list is on screen, it is read
  // again every few seconds, so new consultations and status changes appear.
  setInterval(async () => {
    if (refreshing || loadsInFlight > 0 || !session || !attended() || currentPage() !== 'consultations' ||
        pagesShown !== 1) return;
    refreshing = true;
    try { await loadPage(false); } finally { refreshing = false; }
  }, REFRESH_MS);
  // The plugins page and the alert banner follow the hub the same way.
  setInterval(async () => {
    if (!session || !attended()) return;
    if (currentPage() === 'plugins' && !$('plugins').hidden) await loadPlugins();
    await pollAlerts();
  }, REFRESH_MS);
  setInterval(checkIdle, 1000);
  showSignedIn(false);
  loadProviders();
  resume();
}

start();
