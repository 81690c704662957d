// The consultation's clinical record in the console, against the real hub
// (its SQLite store, its audit): a clinician writes a note as a draft,
// changes it, signs it and amends it (both versions kept); writes and signs
// a prescription, is refused one of the facility's blocked medications
// (the problem's detail shown, nothing stored) and cancels one with a
// reason; records vital signs with their units, her own and the patient's,
// and is refused one no patient can have. Other roles see what the role
// matrix allows: a hospital system reads the text and relays the patient's
// vitals but writes no note; an integrator sees that a note exists and its
// state, never its text; another clinician reads the notes but is offered
// nothing on a colleague's draft; an auditor is not shown the consultation
// at all; another facility's clinician gets 404.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, newPage, screenshot, startHub } from '../lib/harness.js';

const ATC = 'http://www.whocc.no/atc';
const BLOCKED = 'N02AA01';  // morphine: never prescribed by telehealth here
const WORKFLOW = `name: console_clinical
version: 1
trigger:
  kind: api
  consultation_type: standard
steps:
  - id: session
    call: hub.set_status
    with:
      status: in_session
  - id: session_ended
    wait_for: room.ended
    correlation: \${consultation.id}
    timeout: 12h
`;

let hub;
let chromium;
let browser;
let id;
const keys = {};

before(async () => {
  chromium = launchBrowser();
  hub = await startHub({
    facilityLines: {
      'hospital-a': ['    clinical:', `      medication_system: ${ATC}`,
        `      blocked_medications: [${BLOCKED}]`],
    },
  });
  const admin = await hub.apiKey('hospital-a', 'admin');
  const deployed = await fetch(`${hub.base}/v1/workflows/console_clinical`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' },
    body: WORKFLOW,
  });
  assert.equal(deployed.status, 201, await deployed.text());
  [keys.hospital, keys.clinician, keys.integrator, keys.auditor, keys.foreign] = await Promise.all([
    hub.apiKey('hospital-a', 'hospital'), hub.apiKey('hospital-a', 'clinician'),
    hub.apiKey('hospital-a', 'integrator'), hub.apiKey('hospital-a', 'auditor'),
    hub.apiKey('hospital-b', 'clinician'),
  ]);
  const made = await hub.api('POST', '/v1/consultations', keys.hospital, {
    type: 'doctor_patient', workflow: 'console_clinical', appointment_id: 'cl-1',
    scheduled_at: new Date(Date.now() + 600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: 'p1', name: 'Patient 1', identifiers: [{ kind: 'national_id', value: '1000000001' }] },
    practitioner: { id: '3', name: 'Dr' },
  }, 'cl-1');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  id = made.body.id;
  const deadline = Date.now() + 10_000;
  let status;
  do {
    status = (await hub.api('GET', `/v1/consultations/${id}`, keys.hospital)).body?.status;
    if (status === 'in_session') break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  } while (Date.now() < deadline);
  assert.equal(status, 'in_session', 'the session never started');
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
});

// The clinician's tests share one signed-in page (each starts with no
// problems recorded); closed with the browser.
let clinicianSession = null;
async function asClinician() {
  clinicianSession ??= await openAs(keys.clinician);
  clinicianSession.problems.length = 0;
  return clinicianSession;
}

// A fresh browser context signed in with `key` on the consultation's page.
async function openAs(key, hash = `#consultation/${id}`) {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  const requests = [];
  page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  await page.goto(`${hub.base}/console/${hash}`, { waitUntil: 'load' });
  await setField(page, '#api-key', key);
  await page.click('#sign-in-form button[type=submit]');
  return { context, page, problems, requests };
}

async function loaded(page) {
  await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
}

async function confirmYes(page) {
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-yes');
  await page.waitForSelector('#confirm:not([open])');
}

// Types `value` into a field at once (as a paste would), replacing what it held.
async function setField(page, selector, value) {
  await page.$eval(selector, (e, text) => {
    e.value = text;
    e.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

// What the page recorded but the one 422 of `route` a test provoked (the
// response and chromium's console line about it); fails if there was none.
function refusalsOnly(problems, route) {
  const refusal = new RegExp(`(^HTTP 422: |status of 422 .*)http://[^ ]+/v1/consultations/[^/]+/${route}\\)?$`);
  assert.ok(problems.some((p) => p.startsWith('HTTP 422: ')), `no 422 recorded: ${problems}`);
  return problems.filter((p) => !refusal.test(p));
}

const notes = async () => (await hub.api('GET', `/v1/consultations/${id}/notes`, keys.clinician)).body.items;
const audited = async (action) =>
  (await hub.api('GET', `/v1/audit?action=${action}`, keys.auditor)).body.items;

test('a clinician writes a draft note, changes it, signs it and amends it; both versions are kept', async () => {
  const { page, problems } = await asClinician();
  await loaded(page);
  assert.equal(await page.$eval('#notes', (e) => e.textContent), 'None');
  await page.click('#new-note');
  await page.select('#note-language', 'ar');
  await setField(page, '#note-subjective', 'صداع منذ يومين');
  await setField(page, '#note-assessment', 'صداع توتري');
  await setField(page, '#note-plan', 'راحة وسوائل');
  await page.click('#note-save');
  await page.waitForSelector('#notes li[data-status=draft] dd.plan');
  assert.ok(await page.$eval('#note-form', (f) => f.hidden), 'the form closes once saved');
  let stored = await notes();
  assert.equal(stored.length, 1);
  assert.equal(stored[0].status, 'draft');
  assert.equal(stored[0].subjective, 'صداع منذ يومين');

  // Changed while a draft: the same note, the same version.
  await page.click('#notes li[data-status=draft] button.edit-note');
  assert.equal(await page.$eval('#note-plan', (e) => e.value), 'راحة وسوائل');
  await setField(page, '#note-plan', 'راحة وسوائل وباراسيتامول عند الحاجة');
  await page.click('#note-save');
  await page.waitForFunction(() => document.querySelector('#notes li dd.plan')?.textContent ===
    'راحة وسوائل وباراسيتامول عند الحاجة');
  stored = await notes();
  assert.deepEqual(stored.map((n) => [n.version, n.status, n.plan]),
    [[1, 'draft', 'راحة وسوائل وباراسيتامول عند الحاجة']]);

  // Signed (asked first): no change nor sign any more; Amend instead.
  await page.click('#notes li button.sign-note');
  await page.waitForSelector('#confirm[open]');
  assert.match(await page.$eval('#confirm-text', (e) => e.textContent), /^Sign version 1 of the note\?/);
  await page.click('#confirm-yes');
  await page.waitForSelector('#notes li[data-status=signed]');
  assert.equal(await page.$('#notes button.edit-note, #notes button.sign-note'), null);
  assert.equal(await page.$eval('#action-result', (e) => e.textContent), 'Version 1 is signed.');

  // Amended: a new draft version linked to the signed one, then signed.
  await page.click('#notes li[data-status=signed] button.amend-note');
  assert.equal(await page.$eval('#note-assessment', (e) => e.value), 'صداع توتري');
  await setField(page, '#note-assessment', 'صداع توتري، لا علامات إنذار');
  await page.click('#note-save');
  await page.waitForSelector('#notes li[data-version="2"][data-status=draft]');
  await page.click('#notes li[data-version="2"] button.sign-note');
  await confirmYes(page);
  await page.waitForSelector('#notes li[data-version="2"][data-status=signed]');
  const rows = await page.$$eval('#notes li', (lis) => lis.map((li) => ({
    version: li.dataset.version, status: li.dataset.status, amendedBy: li.dataset.amendedBy ?? null,
    head: li.querySelector('.head').textContent, amend: !!li.querySelector('button.amend-note'),
  })));
  stored = await notes();
  const [v1, v2] = [...stored].sort((a, b) => a.version - b.version);
  assert.equal(v2.amends, v1.id);
  assert.equal(v2.assessment, 'صداع توتري، لا علامات إنذار');
  assert.equal(v1.assessment, 'صداع توتري', 'the signed version is kept as it was');
  assert.deepEqual(rows.map(({ version, status, amendedBy, amend }) => ({ version, status, amendedBy, amend })), [
    { version: '1', status: 'signed', amendedBy: v2.id, amend: false },
    { version: '2', status: 'signed', amendedBy: null, amend: true },
  ]);
  assert.match(rows[0].head, /amended by version 2/);
  assert.match(rows[1].head, /amends version 1/);
  await page.$eval('#notes-part', (e) => e.scrollIntoView());
  await screenshot(page, 'clinical-notes');
  assert.deepEqual(problems, []);
  assert.equal((await audited('clinical_note.sign')).length, 2);
  assert.equal((await audited('clinical_note.amend')).length, 1);
  assert.equal((await audited('clinical_note.update')).length, 1);
});

test("a clinician writes and signs a prescription, is refused the facility's blocked medication, cancels one", async () => {
  const { page, problems } = await asClinician();
  const fill = async (code, text) => {
    await page.click('#new-prescription');
    await page.select('#rx-language', 'ar');
    await setField(page, '#rx-code', code);
    await setField(page, '#rx-text', text);
    await setField(page, '#rx-dose', '500 mg');
    await setField(page, '#rx-route', 'oral');
    await setField(page, '#rx-frequency', 'every 8 hours');
    await setField(page, '#rx-duration', '5 days');
    await setField(page, '#rx-quantity', '15');
    await setField(page, '#rx-quantity-unit', 'tablet');
    await setField(page, '#rx-instructions', 'قرص واحد بعد الأكل عند الحاجة');
    await page.click('#rx-save');
  };
  await loaded(page);
  await fill('N02BE01', 'Paracetamol 500 mg');
  await page.waitForSelector('#prescriptions li[data-status=draft] .medication');
  assert.equal(await page.$eval('#prescriptions li .medication', (e) => e.textContent),
    'Paracetamol 500 mg (N02BE01) · 500 mg · oral · every 8 hours · 5 days · 15 tablet · 0 refill(s)');
  assert.equal(await page.$eval('#prescriptions li .instructions', (e) => e.textContent),
    'قرص واحد بعد الأكل عند الحاجة');
  await page.click('#prescriptions li[data-status=draft] button.sign-prescription');
  await page.waitForSelector('#confirm[open]');
  assert.match(await page.$eval('#confirm-text', (e) => e.textContent), /Paracetamol 500 mg/);
  await confirmYes(page);
  await page.waitForSelector('#prescriptions li[data-status=signed]');
  assert.equal(await page.$('#prescriptions button.sign-prescription'), null);

  // The blocked medication: the hub's 422, its detail under the form,
  // which keeps what was typed; nothing is stored.
  await fill(BLOCKED, 'Morphine');
  await page.waitForFunction(() => document.getElementById('rx-error').textContent !== '');
  const refused = await hub.api('POST', `/v1/consultations/${id}/prescriptions`, keys.clinician, {
    language: 'ar', medication: { code: BLOCKED, text: 'Morphine' }, dose: '500 mg', route: 'oral',
    frequency: 'every 8 hours', duration: '5 days', quantity: { value: 15, unit: 'tablet' },
    instructions: 'x',
  }, 'cl-blocked');
  assert.equal(refused.status, 422);
  assert.equal(await page.$eval('#rx-error', (e) => e.textContent), refused.body.detail);
  assert.match(refused.body.detail, /never prescribed by telehealth.*clinical\.blocked_medications/);
  assert.deepEqual(await page.$$eval('#rx-field-errors li', (lis) => lis.map((li) => li.dataset.field)),
    ['medication.code']);
  assert.equal(await page.$eval('#rx-code', (e) => e.value), BLOCKED);
  assert.equal(await page.$eval('#prescription-form', (f) => f.hidden), false);
  await page.$eval('#prescriptions-part', (e) => e.scrollIntoView());
  await screenshot(page, 'clinical-prescription-blocked');
  await page.click('#rx-close');

  // Cancelled with a reason: kept, marked cancelled, the reason shown.
  await page.click('#prescriptions li[data-status=signed] button.cancel-prescription');
  await page.waitForSelector('#confirm[open]');
  assert.equal(await page.$eval('#confirm-why-field', (e) => e.hidden), false);
  await setField(page, '#confirm-why', 'وُصف دواء آخر بعد مراجعة الحساسية');
  await page.click('#confirm-yes');
  await page.waitForSelector('#prescriptions li[data-status=cancelled] .cancel-reason');
  assert.equal(await page.$eval('#prescriptions li .cancel-reason', (e) => e.textContent),
    'Cancelled because: وُصف دواء آخر بعد مراجعة الحساسية');
  assert.equal(await page.$('#prescriptions button.cancel-prescription'), null);
  // The only failed request of the page is the refusal it showed.
  assert.deepEqual(refusalsOnly(problems, 'prescriptions'), []);
  const stored = (await hub.api('GET', `/v1/consultations/${id}/prescriptions`, keys.clinician)).body.items;
  assert.deepEqual(stored.map((p) => [p.medication.code, p.status, p.cancel_reason]),
    [['N02BE01', 'cancelled', 'وُصف دواء آخر بعد مراجعة الحساسية']]);
});

test('a clinician records vital signs with their units and is refused an impossible one; in Arabic too', async () => {
  const { page, problems } = await asClinician();
  await loaded(page);
  assert.equal(await page.$eval('#vital-form', (f) => f.hidden), false);
  // Blood pressure as the patient reports it.
  await page.select('#vital-kind', 'blood_pressure');
  assert.ok(await page.$eval('#vital-value-field', (e) => e.hidden));
  await setField(page, '#vital-systolic', '128');
  await setField(page, '#vital-diastolic', '84');
  await page.select('#vital-reporter', 'patient');
  await page.click('#vital-save');
  await page.waitForSelector('#vitals tr[data-kind=blood_pressure]');
  // Her own temperature reading, in Celsius.
  await page.select('#vital-kind', 'body_temperature');
  assert.deepEqual(await page.$$eval('#vital-unit option', (os) => os.map((o) => o.value)), ['Cel', '[degF]']);
  await setField(page, '#vital-value', '37.4');
  await page.select('#vital-reporter', 'clinician');
  await page.click('#vital-save');
  await page.waitForSelector('#vitals tr[data-kind=body_temperature]');
  const rows = () => page.$$eval('#vitals tbody tr', (trs) => trs.map((tr) =>
    [...tr.cells].map((td) => td.textContent).slice(0, 3)));
  assert.deepEqual(await rows(), [
    ['Blood pressure (LOINC 85354-9)', '128/84 mm[Hg]', 'the patient'],
    ['Body temperature (LOINC 8310-5)', '37.4 Cel', 'the clinician'],
  ]);

  // 390 Cel: the hub's 422 with the field's message; nothing stored.
  await setField(page, '#vital-value', '390');
  await page.click('#vital-save');
  await page.waitForSelector('#vital-field-errors li[data-field=value]');
  assert.equal(await page.$eval('#vital-error', (e) => e.textContent),
    'The request has 1 invalid field(s); see errors.');
  assert.match(await page.$eval('#vital-field-errors li', (e) => e.textContent),
    /^value: is not a possible body_temperature value: must be from 15 to 46 Cel$/);
  const stored = (await hub.api('GET', `/v1/consultations/${id}/observations`, keys.clinician)).body.items;
  assert.equal(stored.length, 2);

  // In Arabic: the labels follow, the values keep their units.
  await page.click('#language');
  await page.waitForFunction(() => document.documentElement.dir === 'rtl' &&
    document.querySelector('#vitals-part h3').textContent === 'العلامات الحيوية');
  await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded' &&
    document.querySelector('#vitals tbody tr')?.cells[0].textContent === 'ضغط الدم (LOINC 85354-9)');
  assert.deepEqual(await rows(), [
    ['ضغط الدم (LOINC 85354-9)', '128/84 mm[Hg]', 'المريض'],
    ['حرارة الجسم (LOINC 8310-5)', '37.4 Cel', 'الطبيب'],
  ]);
  assert.equal(await page.$eval('#notes-part h3', (e) => e.textContent), 'الملاحظات السريرية');
  assert.match(await page.$eval('#notes li[data-version="1"] .head', (e) => e.textContent), /^الإصدار 1 · موقّعة/);
  await page.$eval('#notes-part', (e) => e.scrollIntoView());
  await screenshot(page, 'clinical-ar');
  assert.deepEqual(refusalsOnly(problems, 'observations'), []);
});

test('a hospital system reads the record and relays the patient\'s vitals but writes no note or prescription', async () => {
  const { context, page, problems } = await openAs(keys.hospital);
  try {
    await loaded(page);
    assert.ok(await page.$eval('#new-note', (b) => b.hidden));
    assert.ok(await page.$eval('#new-prescription', (b) => b.hidden));
    assert.equal(await page.$('#notes button, #prescriptions button'), null);
    assert.match(await page.$eval('#notes li[data-version="2"] dd.assessment', (e) => e.textContent),
      /لا علامات إنذار/);
    assert.ok(await page.$eval('#vital-reporter option[value=clinician]', (o) => o.disabled));
    await page.select('#vital-kind', 'heart_rate');
    await setField(page, '#vital-value', '72');
    await page.click('#vital-save');
    await page.waitForSelector('#vitals tr[data-kind=heart_rate][data-reported-by=patient]');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an integrator sees that notes and prescriptions exist and their state, never their text', async () => {
  const { context, page, problems } = await openAs(keys.integrator);
  try {
    await loaded(page);
    assert.deepEqual(await page.$$eval('#notes li', (lis) => lis.map((li) => [li.dataset.version, li.dataset.status])),
      [['1', 'signed'], ['2', 'signed']]);
    assert.equal(await page.$eval('#notes-hint', (e) => e.hidden), false);
    assert.equal(await page.$('#notes dl, #prescriptions .medication, #prescriptions .cancel-reason'), null);
    assert.deepEqual(await page.$$eval('#prescriptions li', (lis) => lis.map((li) => li.dataset.status)),
      ['cancelled']);
    assert.ok(await page.$eval('#new-note', (b) => b.hidden));
    assert.ok(await page.$eval('#vital-form', (f) => f.hidden));
    assert.equal(await page.$('#notes button, #prescriptions button'), null);
    assert.deepEqual(await page.$$eval('#vitals td.value', (tds) => [...new Set(tds.map((td) => td.textContent))]),
      ['not shown to your role']);
    const text = await page.$eval('#consultation', (e) => e.innerText);
    for (const phi of ['صداع', 'Paracetamol', 'N02BE01', 'قرص', '128/84', '37.4', 'mm[Hg]']) {
      assert.ok(!text.includes(phi), `the integrator's page shows ${phi}`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("another clinician of the facility reads the notes but is offered nothing on a colleague's draft", async () => {
  const draft = await hub.api('POST', `/v1/consultations/${id}/notes`, keys.clinician,
    { language: 'en', text: 'Follow up in one week.' }, 'cl-draft');
  assert.equal(draft.status, 201, JSON.stringify(draft.body));
  const other = await hub.apiKey('hospital-a', 'clinician', 'Practitioner/7');
  const { context, page, problems } = await openAs(other);
  try {
    await loaded(page);
    const row = `#notes li[data-id="${draft.body.id}"]`;
    assert.equal(await page.$eval(`${row} dd.text`, (e) => e.textContent), 'Follow up in one week.');
    assert.equal(await page.$(`${row} button`), null, 'no Change nor Sign on a colleague\'s draft');
    assert.equal(await page.$eval('#new-note', (b) => b.hidden), false, 'she writes notes of her own');
    // Signing out leaves nothing of the record in the page.
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    const left = await page.$eval('body', (b) => b.innerHTML);
    for (const phi of ['Follow up in one week.', 'صداع', 'Paracetamol', '128/84', 'mm[Hg]</bdi>',
      'Patient 1', id]) {
      assert.ok(!left.includes(phi), `the signed-out page still holds ${phi}`);
    }
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  // The hub agrees: only its author signs a draft.
  const refused = await hub.api('POST', `/v1/consultations/${id}/notes/${draft.body.id}/sign`, other,
    undefined, 'cl-other-sign');
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
});

test("an auditor is not shown the consultation; another facility's clinician gets 404", async () => {
  const { context, page, problems, requests } = await openAs(keys.auditor);
  try {
    await page.waitForFunction(() => location.hash === '#audit' && !document.getElementById('audit').hidden);
    assert.ok(await page.$eval('#consultation', (e) => e.hidden));
    assert.deepEqual(requests.filter((r) => r.includes('/v1/consultations')), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  for (const part of ['notes', 'prescriptions', 'observations']) {
    const mine = await hub.api('GET', `/v1/consultations/${id}/${part}`, keys.auditor);
    assert.equal(mine.status, 403, `auditor ${part}`);
    const theirs = await hub.api('GET', `/v1/consultations/${id}/${part}`, keys.foreign);
    assert.equal(theirs.status, 404, `another facility's ${part}`);
  }
});
