// The consultation's clinical record on its page: notes (every version; a
// clinician writes a draft, changes it, signs it, amends a signed one by a
// new version), prescriptions (written, signed, cancelled with a reason,
// never deleted), vital signs (values with their UCUM units, reported by
// the clinician or for the patient) and shared documents (a PDF, JPEG or
// PNG a participant shared, each with a short-lived download link). What a
// role may do is the hub's role matrix (GET /v1/me); what it may read is
// what the API answers: admin and integrator keys get a note's or a
// prescription's existence and state without its text, and a document's
// type, size and time without its name, and are shown just that. Every
// refusal of the hub (a blocked medication, a value no patient can have, a
// file of another type, one ClamAV refuses or cannot scan) is shown as the
// problem's detail and its fields, the form kept as typed.
import { ApiError, postFile, postJson, putJson } from './api.js';
import { formatTime, statusText, t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// The UCUM units the hub takes for each kind of vital sign (the first is
// the one offered first).
const UNITS = {
  blood_pressure: ['mm[Hg]'],
  heart_rate: ['/min'],
  body_temperature: ['Cel', '[degF]'],
  oxygen_saturation: ['%'],
  respiratory_rate: ['/min'],
  body_weight: ['kg', '[lb_av]'],
  blood_glucose: ['mg/dL', 'mmol/L'],
};

const SECTIONS = ['subjective', 'objective', 'assessment', 'plan', 'text'];

// Set by initClinical: { may(method, template), actor(), reload(id),
// confirm(text, options), signedOutBy(error) } of the page.
let page = null;
let shownId = null;  // the consultation whose record is on screen
let noteForm = null;  // { mode: 'create' | 'edit' | 'amend', note }
let documentsShown = [];  // the documents listed, to draw them again with a new link
const documentLinks = new Map();  // document id -> { url, expiresAt } made on this page

const base = () => `/v1/consultations/${encodeURIComponent(shownId)}`;

// A label the catalogue has, or the value as the API wrote it.
function label(prefix, value) {
  const text = t(`${prefix}${value}`);
  return text === `${prefix}${value}` ? value : text;
}

// The hub's refusal under a form: the problem's detail, then each field's
// message; a session the hub ended goes back to sign-in instead.
function showProblem(prefix, error) {
  if (page.signedOutBy(error)) return;
  $(`${prefix}-error`).textContent = error.message;
  const list = $(`${prefix}-field-errors`);
  list.replaceChildren();
  for (const e of (error instanceof ApiError ? error.problem?.errors : null) ?? []) {
    const li = document.createElement('li');
    li.dataset.field = e.field;
    li.textContent = `${e.field}: ${e.message}`;
    list.append(li);
  }
}

function clearProblem(prefix) {
  $(`${prefix}-error`).textContent = '';
  $(`${prefix}-field-errors`).replaceChildren();
}

function button(className, text, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

// A line of text a person wrote, in its own direction (Arabic in an English
// page and the other way round).
export function written(text) {
  const span = document.createElement('bdi');
  span.dir = 'auto';
  span.textContent = text;
  return span;
}

// After a write: the record is read again, the result said.
async function done(text) {
  $('action-result').textContent = text;
  await page.reload(shownId);
}

function mine(item) {
  return item.author === page.actor();
}

// ----- notes -----

function showNotes(items) {
  const list = $('notes');
  list.replaceChildren();
  const amendedBy = new Map(items.filter((n) => n.amends).map((n) => [n.amends, n]));
  const byId = new Map(items.map((n) => [n.id, n]));
  const sorted = [...items].sort((a, b) => a.version - b.version ||
    (a.created_at ?? '').localeCompare(b.created_at ?? ''));
  const withText = items.some((n) => 'text' in n);
  $('notes-hint').hidden = !items.length || withText;
  for (const n of sorted) {
    const li = document.createElement('li');
    li.dataset.id = n.id;
    li.dataset.version = String(n.version);
    li.dataset.status = n.status;
    if (amendedBy.has(n.id)) li.dataset.amendedBy = amendedBy.get(n.id).id;
    const head = document.createElement('p');
    head.className = 'head';
    head.textContent = [
      t('note_version', { version: n.version }), statusText(n.status), label('language_', n.language),
      n.author_practitioner ?? n.author,
      n.signed_at ? t('signed_at', { at: formatTime(n.signed_at) })
        : t('updated_at', { at: formatTime(n.updated_at) }),
      n.amends ? t('note_amends', { version: byId.get(n.amends)?.version ?? n.amends }) : '',
      amendedBy.has(n.id) ? t('note_amended_by', { version: amendedBy.get(n.id).version }) : '',
    ].filter(Boolean).join(' · ');
    li.append(head);
    if ('text' in n) {
      const dl = document.createElement('dl');
      dl.className = 'sections';
      for (const s of SECTIONS) {
        if (!n[s]) continue;
        const dt = document.createElement('dt');
        dt.textContent = t(`note_${s}`);
        const dd = document.createElement('dd');
        dd.className = s;
        dd.append(written(n[s]));
        dl.append(dt, dd);
      }
      li.append(dl);
    }
    const actions = document.createElement('p');
    actions.className = 'actions';
    if (n.status === 'draft' && mine(n)) {
      if (page.may('PUT', '/v1/consultations/{id}/notes/{nid}') && 'text' in n) {
        actions.append(button('edit-note', t('edit_note'), () => openNoteForm('edit', n)));
      }
      if (page.may('POST', '/v1/consultations/{id}/notes/{nid}/sign')) {
        actions.append(button('sign-note', t('sign_note'), () => signNote(n)));
      }
    }
    if (n.status === 'signed' && !amendedBy.has(n.id) && 'text' in n &&
        page.may('POST', '/v1/consultations/{id}/notes/{nid}/amend')) {
      actions.append(button('amend-note', t('amend_note'), () => openNoteForm('amend', n)));
    }
    if (actions.childElementCount) li.append(actions);
    list.append(li);
  }
  if (!items.length) {
    const li = document.createElement('li');
    li.textContent = t('nothing');
    list.append(li);
  }
  $('new-note').hidden = !page.may('POST', '/v1/consultations/{id}/notes');
}

// The note form: empty for a new note, the draft's text to change it, the
// signed note's text to amend it (a new version).
function openNoteForm(mode, note = null) {
  noteForm = { mode, note };
  clearProblem('note');
  $('note-form-title').textContent = mode === 'create' ? t('new_note')
    : t(mode === 'edit' ? 'editing_note' : 'amending_note', { version: note.version });
  $('note-language').value = note?.language ?? 'ar';
  for (const s of SECTIONS) $(`note-${s}`).value = note?.[s] ?? '';
  $('note-form').dataset.mode = mode;
  $('note-form').hidden = false;
  $('note-subjective').focus();
}

function closeNoteForm() {
  noteForm = null;
  $('note-form').hidden = true;
  clearProblem('note');
}

async function saveNote() {
  if (!noteForm) return;
  const body = { language: $('note-language').value };
  for (const s of SECTIONS) {
    const value = $(`note-${s}`).value.trim();
    if (value) body[s] = value;
  }
  clearProblem('note');
  $('action-result').textContent = '';
  const { mode, note } = noteForm;
  try {
    let saved;
    if (mode === 'create') saved = await postJson(`${base()}/notes`, body);
    else if (mode === 'edit') saved = await putJson(`${base()}/notes/${encodeURIComponent(note.id)}`, body);
    else saved = await postJson(`${base()}/notes/${encodeURIComponent(note.id)}/amend`, body);
    closeNoteForm();
    await done(t(mode === 'amend' ? 'note_amended' : 'note_saved', { version: saved.version }));
  } catch (error) {
    showProblem('note', error);
  }
}

async function signNote(note) {
  if (!(await page.confirm(t('confirm_sign_note', { version: note.version })))) return;
  $('action-result').textContent = '';
  clearProblem('note');
  try {
    await postJson(`${base()}/notes/${encodeURIComponent(note.id)}/sign`);
    if (noteForm?.note?.id === note.id) closeNoteForm();
    await done(t('note_signed', { version: note.version }));
  } catch (error) {
    showProblem('note', error);
  }
}

// ----- prescriptions -----

function describePrescription(p) {
  if (!p.medication) return '';
  return [
    `${p.medication.text} (${p.medication.code})`, p.dose, p.route, p.frequency, p.duration,
    `${p.quantity.value} ${p.quantity.unit}`, t('rx_refills_count', { count: p.refills }),
  ].join(' · ');
}

function showPrescriptions(items) {
  const list = $('prescriptions');
  list.replaceChildren();
  const sorted = [...items].sort((a, b) => (a.created_at ?? '').localeCompare(b.created_at ?? ''));
  for (const p of sorted) {
    const li = document.createElement('li');
    li.dataset.id = p.id;
    li.dataset.status = p.status;
    const head = document.createElement('p');
    head.className = 'head';
    head.textContent = [
      statusText(p.status), label('language_', p.language), p.author_practitioner ?? p.author,
      p.cancelled_at ? t('cancelled_at', { at: formatTime(p.cancelled_at) })
        : p.signed_at ? t('signed_at', { at: formatTime(p.signed_at) })
          : t('updated_at', { at: formatTime(p.updated_at) }),
    ].filter(Boolean).join(' · ');
    li.append(head);
    if (p.medication) {
      const what = document.createElement('p');
      what.className = 'medication';
      what.append(written(describePrescription(p)));
      li.append(what);
      const how = document.createElement('p');
      how.className = 'instructions';
      how.append(written(p.instructions));
      li.append(how);
      if (p.cancel_reason) {
        const why = document.createElement('p');
        why.className = 'cancel-reason';
        why.append(t('rx_cancelled_because'), ' ', written(p.cancel_reason));
        li.append(why);
      }
    }
    const actions = document.createElement('p');
    actions.className = 'actions';
    if (p.status === 'draft' && mine(p) &&
        page.may('POST', '/v1/consultations/{id}/prescriptions/{rid}/sign')) {
      actions.append(button('sign-prescription', t('sign_prescription'), () => signPrescription(p)));
    }
    if (p.status !== 'cancelled' &&
        page.may('POST', '/v1/consultations/{id}/prescriptions/{rid}/cancel')) {
      actions.append(button('cancel-prescription', t('cancel_prescription'),
        () => cancelPrescription(p)));
    }
    if (actions.childElementCount) li.append(actions);
    list.append(li);
  }
  if (!items.length) {
    const li = document.createElement('li');
    li.textContent = t('nothing');
    list.append(li);
  }
  $('new-prescription').hidden = !page.may('POST', '/v1/consultations/{id}/prescriptions');
}

function openPrescriptionForm() {
  clearProblem('rx');
  $('prescription-form').reset();
  $('prescription-form').hidden = false;
  $('rx-code').focus();
}

function closePrescriptionForm() {
  $('prescription-form').hidden = true;
  clearProblem('rx');
}

async function savePrescription() {
  const body = {
    language: $('rx-language').value,
    medication: { code: $('rx-code').value.trim(), text: $('rx-text').value.trim() },
    dose: $('rx-dose').value.trim(),
    route: $('rx-route').value.trim(),
    frequency: $('rx-frequency').value.trim(),
    duration: $('rx-duration').value.trim(),
    quantity: { value: Number($('rx-quantity').value), unit: $('rx-quantity-unit').value.trim() },
    refills: Number($('rx-refills').value || 0),
    instructions: $('rx-instructions').value.trim(),
  };
  clearProblem('rx');
  $('action-result').textContent = '';
  try {
    await postJson(`${base()}/prescriptions`, body);
    closePrescriptionForm();
    await done(t('prescription_saved', { medication: body.medication.text }));
  } catch (error) {
    showProblem('rx', error);
  }
}

async function signPrescription(p) {
  const medication = p.medication?.text ?? p.id;
  if (!(await page.confirm(t('confirm_sign_prescription', { medication })))) return;
  $('action-result').textContent = '';
  clearProblem('rx');
  try {
    await postJson(`${base()}/prescriptions/${encodeURIComponent(p.id)}/sign`);
    await done(t('prescription_signed', { medication }));
  } catch (error) {
    showProblem('rx', error);
  }
}

async function cancelPrescription(p) {
  const medication = p.medication?.text ?? p.id;
  const reason = await page.confirm(t('confirm_cancel_prescription', { medication }), { why: true });
  if (!reason) return;
  $('action-result').textContent = '';
  clearProblem('rx');
  try {
    await postJson(`${base()}/prescriptions/${encodeURIComponent(p.id)}/cancel`, { reason });
    await done(t('prescription_cancelled', { medication }));
  } catch (error) {
    showProblem('rx', error);
  }
}

// ----- vital signs -----

function vitalValue(o) {
  if (!('unit' in o)) return t('value_not_shown');
  return o.kind === 'blood_pressure' ? `${o.systolic}/${o.diastolic} ${o.unit}` : `${o.value} ${o.unit}`;
}

function showVitals(items) {
  const body = $('vitals').tBodies[0];
  body.replaceChildren();
  const sorted = [...items].sort((a, b) => (a.effective_at ?? '').localeCompare(b.effective_at ?? ''));
  for (const o of sorted) {
    const tr = document.createElement('tr');
    tr.dataset.id = o.id;
    tr.dataset.kind = o.kind;
    tr.dataset.code = o.code;
    tr.dataset.reportedBy = o.reported_by;
    const kind = document.createElement('td');
    kind.className = 'kind';
    kind.textContent = `${label('vital_', o.kind)} (LOINC ${o.code})`;
    const value = document.createElement('td');
    value.className = 'value';
    const bdi = document.createElement('bdi');
    bdi.dir = 'ltr';
    bdi.textContent = vitalValue(o);
    value.append(bdi);
    const who = document.createElement('td');
    who.className = 'reported-by';
    who.textContent = label('reporter_', o.reported_by);
    const when = document.createElement('td');
    when.className = 'taken';
    when.textContent = formatTime(o.effective_at);
    tr.append(kind, value, who, when);
    body.append(tr);
  }
  if (!items.length) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = 4;
    td.textContent = t('nothing');
    tr.append(td);
    body.append(tr);
  }
  const mayWrite = page.may('POST', '/v1/consultations/{id}/observations');
  $('vital-form').hidden = !mayWrite;
  // Only a clinician reports a measurement of her own; a hospital's
  // system relays the patient's.
  const clinician = page.may('POST', '/v1/consultations/{id}/notes');
  $('vital-reporter').querySelector('option[value=clinician]').disabled = !clinician;
  if (!clinician) $('vital-reporter').value = 'patient';
}

// The form asks for systolic and diastolic for blood pressure, one value
// otherwise, in the units the kind takes.
function fitVitalForm() {
  const kind = $('vital-kind').value;
  const pressure = kind === 'blood_pressure';
  $('vital-value-field').hidden = pressure;
  $('vital-systolic-field').hidden = !pressure;
  $('vital-diastolic-field').hidden = !pressure;
  const unit = $('vital-unit');
  unit.replaceChildren(...UNITS[kind].map((u) => {
    const option = document.createElement('option');
    option.value = u;
    option.textContent = u;
    return option;
  }));
}

async function saveVital() {
  const kind = $('vital-kind').value;
  const body = { kind, unit: $('vital-unit').value, reported_by: $('vital-reporter').value };
  const number = (id) => ($(id).value === '' ? undefined : Number($(id).value));
  if (kind === 'blood_pressure') {
    body.systolic = number('vital-systolic');
    body.diastolic = number('vital-diastolic');
  } else {
    body.value = number('vital-value');
  }
  clearProblem('vital');
  $('action-result').textContent = '';
  try {
    await postJson(`${base()}/observations`, body);
    for (const id of ['vital-value', 'vital-systolic', 'vital-diastolic']) $(id).value = '';
    await done(t('vital_recorded', { kind: label('vital_', kind) }));
  } catch (error) {
    showProblem('vital', error);
  }
}

// ----- shared documents -----

// The largest file the hub takes (10 MiB); a larger one is not sent.
const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

function sizeText(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

// The API's times in milliseconds since the epoch, as the page writes times.
function timeOf(ms) {
  return formatTime(new Date(ms).toISOString());
}

// A download link made on this page, while it works: the address (on the
// page's origin), a Download action and when it stops working.
function linkLine(d, link) {
  const p = document.createElement('p');
  p.className = 'link';
  const a = document.createElement('a');
  a.className = 'download-document';
  a.href = link.url;
  a.download = d.name ?? '';
  a.textContent = t('download');
  const url = document.createElement('bdi');
  url.className = 'url';
  url.dir = 'ltr';
  url.textContent = link.url;
  const until = document.createElement('span');
  until.className = 'expires';
  until.dataset.expiresAt = String(link.expiresAt);
  until.textContent = t('document_link_until', { at: formatTime(new Date(link.expiresAt).toISOString(),
    { seconds: true }) });
  p.append(a, ' ', url, ' ', until);
  return p;
}

function showDocuments(items) {
  documentsShown = items;
  const list = $('documents');
  list.replaceChildren();
  const named = items.some((d) => 'name' in d);
  $('documents-hint').hidden = !items.length || named;
  const mayLink = page.may('POST', '/v1/consultations/{id}/documents/{doc}/link');
  const sorted = [...items].sort((a, b) => a.created_at - b.created_at);
  for (const d of sorted) {
    const li = document.createElement('li');
    li.dataset.id = d.id;
    li.dataset.type = d.type;
    li.dataset.attached = String(d.attached_to_record);
    if ('name' in d) {
      const name = document.createElement('p');
      name.className = 'name';
      name.append(written(d.name));
      li.append(name);
    }
    const head = document.createElement('p');
    head.className = 'head';
    head.textContent = [
      label('document_type_', d.type), sizeText(d.size_bytes), t('shared_at', { at: timeOf(d.created_at) }),
      d.uploaded_by, t(d.attached_to_record ? 'document_attached' : 'document_not_attached'),
    ].filter(Boolean).join(' · ');
    li.append(head);
    if (d.sha256_hex) {
      const digest = document.createElement('p');
      digest.className = 'sha256';
      const hex = document.createElement('bdi');
      hex.dir = 'ltr';
      hex.textContent = d.sha256_hex;
      digest.append('SHA-256 ', hex);
      li.append(digest);
    }
    const link = documentLinks.get(d.id);
    if (link && link.expiresAt > Date.now()) li.append(linkLine(d, link));
    if (mayLink) {
      const actions = document.createElement('p');
      actions.className = 'actions';
      actions.append(button('link-document', t('document_link'), () => makeDocumentLink(d)));
      li.append(actions);
    }
    list.append(li);
  }
  if (!items.length) {
    const li = document.createElement('li');
    li.textContent = t('nothing');
    list.append(li);
  }
  $('document-form').hidden = !page.may('POST', '/v1/consultations/{id}/documents');
}

// Sends the chosen file as it is; the hub says what it is and whether it
// takes it.
async function uploadDocument() {
  const file = $('document-file').files[0];
  clearProblem('document');
  $('action-result').textContent = '';
  if (!file) return;
  if (file.size > MAX_DOCUMENT_BYTES) {
    $('document-error').textContent = t('document_too_large');
    return;
  }
  $('document-upload').disabled = true;
  try {
    const shared = await postFile(`${base()}/documents`, { name: file.name }, file);
    $('document-form').reset();
    await done(t('document_shared', { name: shared.name ?? file.name }));
  } catch (error) {
    showProblem('document', error);
  } finally {
    $('document-upload').disabled = false;
  }
}

// A short-lived link to the document (POST …/documents/{doc}/link),
// shown on its line with when it stops working.
async function makeDocumentLink(d) {
  clearProblem('document');
  $('action-result').textContent = '';
  const id = shownId;
  try {
    const link = await postJson(`${base()}/documents/${encodeURIComponent(d.id)}/link`);
    if (shownId !== id) return;
    documentLinks.set(d.id, { url: new URL(link.url, location.origin).href, expiresAt: link.expires_at });
    showDocuments(documentsShown);
  } catch (error) {
    showProblem('document', error);
  }
}

// ----- the page -----

// Wires the forms once; `host` is the page's: see `page` above.
export function initClinical(host) {
  page = host;
  $('new-note').addEventListener('click', () => openNoteForm('create'));
  $('note-close').addEventListener('click', closeNoteForm);
  $('note-form').addEventListener('submit', (event) => {
    event.preventDefault();
    saveNote();
  });
  $('new-prescription').addEventListener('click', openPrescriptionForm);
  $('rx-close').addEventListener('click', closePrescriptionForm);
  $('prescription-form').addEventListener('submit', (event) => {
    event.preventDefault();
    savePrescription();
  });
  $('vital-kind').addEventListener('change', fitVitalForm);
  $('vital-form').addEventListener('submit', (event) => {
    event.preventDefault();
    saveVital();
  });
  $('document-form').addEventListener('submit', (event) => {
    event.preventDefault();
    uploadDocument();
  });
  fitVitalForm();
}

// Forgets every record shown (signing out): lists and forms emptied, parts
// hidden, so nothing of it stays in the page for whoever signs in next.
export function clearClinical() {
  shownId = null;
  closeNoteForm();
  closePrescriptionForm();
  clearProblem('vital');
  clearProblem('document');
  for (const f of ['note-form', 'prescription-form', 'vital-form', 'document-form']) $(f).reset();
  $('notes').replaceChildren();
  $('prescriptions').replaceChildren();
  $('vitals').tBodies[0].replaceChildren();
  $('documents').replaceChildren();
  documentsShown = [];
  documentLinks.clear();
  for (const part of ['notes-part', 'prescriptions-part', 'vitals-part', 'documents-part']) {
    $(part).hidden = true;
  }
  fitVitalForm();
}

// Shows consultation `id`'s record: each of notes, prescriptions,
// observations and documents is the API's list answer, or null when the
// role may not read it (its part is left out of the page).
export function showClinical(id, { notes, prescriptions, observations, documents }) {
  if (shownId !== id) {
    closeNoteForm();
    closePrescriptionForm();
    clearProblem('vital');
    clearProblem('document');
    $('document-form').reset();
    documentLinks.clear();
  }
  shownId = id;
  $('notes-part').hidden = notes === null;
  $('prescriptions-part').hidden = prescriptions === null;
  $('vitals-part').hidden = observations === null;
  $('documents-part').hidden = documents === null;
  if (notes) showNotes(notes.items);
  if (prescriptions) showPrescriptions(prescriptions.items);
  if (observations) showVitals(observations.items);
  if (documents) showDocuments(documents.items);
}
