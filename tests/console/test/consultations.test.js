// The console in chromium against the real hub: served under a strict CSP,
// sign-in with an API key exchanged for a session cookie, the consultation list
// newest first with the API's cursor, filters by status, time, workflow, and
// search by patient identifier through the blind index.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fill, launchBrowser, newPage, screenshot, sourceDir, startHub } from '../lib/harness.js';

const ARABIC_NAME = 'فاطمة عبدالله الزهراني';
const NATIONAL_ID = '1098765432';
const CONSULTATIONS = 27;  // more than one page of 25

let hub;
let chromium;
let browser;
let key;
const created = [];  // ids in creation order

function booking(i) {
  const when = new Date(Date.now() + (i + 2) * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const patient = i === 3
    ? { id: 'p3', name: ARABIC_NAME, identifiers: [{ kind: 'national_id', value: NATIONAL_ID }] }
    : { id: `p${i}`, name: `Patient ${i}`,
        identifiers: [{ kind: 'national_id', value: String(1000000000 + i * 7919) }] };
  return {
    type: 'doctor_patient', appointment_id: `console-${i}`, scheduled_at: when, patient,
    practitioner: { id: '3', name: 'د. أحمد' },
  };
}

before(async () => {
  chromium = launchBrowser();
  hub = await startHub();
  key = await hub.apiKey('hospital-a', 'hospital');
  for (let i = 0; i < CONSULTATIONS; i++) {
    const made = await hub.api('POST', '/v1/consultations', key, booking(i), `console-${i}`);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    created.push(made.body.id);
  }
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
});

async function rowIds(page) {
  return page.$$eval('#consultation-list tbody tr', (rows) => rows.map((r) => r.dataset.id));
}

test('the console is served under a strict CSP with no inline script or style', async () => {
  const response = await fetch(`${hub.base}/console/`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/html/);
  const csp = response.headers.get('content-security-policy');
  assert.match(csp, /(^|; )default-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  const redirect = await fetch(`${hub.base}/console`, { redirect: 'manual' });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/console/');
  assert.equal((await fetch(`${hub.base}/console/nothing.js`)).status, 404);

  // Every file the hub serves is the one in hub/console/static/, and none
  // carries inline script, inline style or an event-handler attribute.
  const dir = path.join(sourceDir, 'hub/console/static');
  for (const name of await readdir(dir)) {
    const served = await fetch(`${hub.base}/console/${name}`);
    assert.equal(served.status, 200, name);
    assert.equal(served.headers.get('content-security-policy'), csp, name);
    const text = await served.text();
    assert.equal(text, await readFile(path.join(dir, name), 'utf8'), name);
    if (name.endsWith('.html')) {
      assert.doesNotMatch(text, /<script(?![^>]*\bsrc=)[^>]*>/i, `${name}: inline script`);
      assert.doesNotMatch(text, /<style|\sstyle=|\son[a-z]+=/i, `${name}: inline style or handler`);
    }
  }
});

test('sign in, list newest first across pages, find by patient identifier', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/`, { waitUntil: 'load' });
    await page.waitForSelector('#api-key', { visible: true });
    await screenshot(page, 'sign-in');
    // Typed key by key here, as a person would; the other tests paste it.
    await page.type('#api-key', key);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');

    // The key was exchanged for a session: it is kept nowhere in the browser
    // (no storage, no URL), and the session cookie is out of the page's reach
    // (HttpOnly), sent to this origin only (SameSite=Strict).
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
    assert.ok(!stored.includes(key), stored);
    assert.ok(!page.url().includes(key));
    assert.equal(await page.evaluate(() => document.cookie), '');
    const cookies = await context.cookies();
    assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path]),
      [['wasl_session', true, 'Strict', '/']]);
    assert.ok(!cookies[0].value.includes(key));
    assert.match(await page.$eval('#who', (e) => e.textContent), /^API key \S+ · hospital-a · hospital system$/);

    const newestFirst = [...created].reverse();
    assert.deepEqual(await rowIds(page), newestFirst.slice(0, 25));
    assert.ok(await page.$eval('#more', (b) => !b.hidden), 'a second page is offered');
    await page.click('#more');
    await page.waitForFunction(
      (n) => document.querySelectorAll('#consultation-list tbody tr').length === n, {}, CONSULTATIONS);
    assert.deepEqual(await rowIds(page), newestFirst);
    assert.ok(await page.$eval('#more', (b) => b.hidden), 'no third page');
    await screenshot(page, 'consultations');

    await fill(page, '#filter-patient', NATIONAL_ID);
    await page.click('#search');
    await page.waitForFunction(
      () => document.querySelectorAll('#consultation-list tbody tr').length === 1);
    assert.deepEqual(await rowIds(page), [created[3]]);
    assert.equal(await page.$eval('#consultation-list tbody td.patient', (td) => td.textContent),
      ARABIC_NAME);

    // Status filter: nothing is cancelled.
    await page.$eval('#filter-patient', (input) => { input.value = ''; });
    await page.select('#filter-status', 'cancelled');
    await page.click('#search');
    await page.waitForSelector('#list-empty', { visible: true });
    assert.deepEqual(await rowIds(page), []);

    // Time range: only the last booking is scheduled after now + 27.5 h.
    await page.select('#filter-status', '');
    await page.$eval('#filter-from', (input, ms) => {
      const local = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
      input.value = local.toISOString().slice(0, 16);
    }, Date.now() + 27.5 * 3600_000);
    await page.click('#search');
    await page.waitForFunction(
      () => document.querySelectorAll('#consultation-list tbody tr').length === 1);
    assert.deepEqual(await rowIds(page), [created[CONSULTATIONS - 1]]);
    await screenshot(page, 'search');

    // Workflow: every booking runs `consultation`, none `emergency`.
    await page.$eval('#filter-from', (input) => { input.value = ''; });
    await fill(page, '#filter-workflow', 'emergency');
    await page.click('#search');
    await page.waitForSelector('#list-empty', { visible: true });
    assert.deepEqual(await rowIds(page), []);
    await page.$eval('#filter-workflow', (input) => { input.value = 'consultation'; });
    await page.click('#search');
    await page.waitForFunction(
      () => document.querySelectorAll('#consultation-list tbody tr').length === 25);
    assert.deepEqual(await rowIds(page), newestFirst.slice(0, 25));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('a consultation opens on its timeline: the failed step, its attempt and error', async () => {
  // The run's first step fails for real: hospital-a binds no EHR instance.
  const id = created[3];
  const run = await waitForFailedRun(id);

  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/`, { waitUntil: 'load' });
    await fill(page, '#api-key', key);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    await fill(page, '#filter-patient', NATIONAL_ID);
    await page.click('#search');
    await page.waitForFunction(
      () => document.querySelectorAll('#consultation-list tbody tr').length === 1);
    await page.click('#consultation-list tbody tr');
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
    assert.ok(page.url().endsWith(`#consultation/${id}`));
    assert.equal(await page.$eval('#c-id', (e) => e.textContent), id);
    assert.equal(await page.$eval('#c-patient', (e) => e.textContent), ARABIC_NAME);
    assert.match(await page.$eval('#c-run', (e) => e.textContent), /^failed/);
    const steps = await page.$$eval('#timeline tbody tr', (rows) =>
      rows.map((r) => [...r.cells].map((c) => c.textContent)));
    assert.equal(steps.length, run.attempts.length);
    assert.equal(steps[0][0], run.attempts[0].step_id);
    assert.equal(steps[0][1], '1');
    assert.equal(steps[0][2], 'failed');
    assert.match(steps[0][5], /binds no plugin instance to role 'ehr'/);
    await screenshot(page, 'timeline');
    // Back to the list with the browser's own history.
    await page.goBack();
    await page.waitForSelector('#consultations', { visible: true });
    assert.ok(await page.$eval('#consultation', (e) => e.hidden));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

async function waitForFailedRun(id) {
  const deadline = Date.now() + 15_000;
  let run;
  do {
    run = (await hub.api('GET', `/v1/consultations/${id}/timeline`, key)).body;
    if (run?.status === 'failed') return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.fail(`the run never failed: ${JSON.stringify(run)}`);
}

async function openConsultation(page, apiKey, id) {
  await page.goto(`${hub.base}/console/#consultation/${id}`, { waitUntil: 'load' });
  await fill(page, '#api-key', apiKey);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
}

test('retry a failed run from the console: confirmed, run again, audited', async () => {
  const id = created[5];
  await waitForFailedRun(id);
  const admin = await hub.apiKey('hospital-a', 'admin');
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await openConsultation(page, admin, id);
    assert.equal((await page.$$('#timeline tbody tr')).length, 1);
    await page.click('#retry');
    await page.waitForSelector('#confirm[open]');
    const text = await page.$eval('#confirm-text', (p) => p.textContent);
    assert.match(text, /“appointment”/);
    assert.match(text, /attempt 2/);
    await screenshot(page, 'retry-confirm');
    await page.click('#confirm-yes');
    // The page follows the run until the second attempt has finished.
    await page.waitForFunction(() => {
      const rows = document.querySelectorAll('#timeline tbody tr');
      return rows.length === 2 && rows[1].cells[2].textContent !== 'running';
    }, { timeout: 30_000 });
    const second = await page.$$eval('#timeline tbody tr:nth-child(2) td', (tds) => tds.map((td) => td.textContent));
    assert.equal(second[0], 'appointment');
    assert.equal(second[1], '2');
    await screenshot(page, 'retry-done');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const trail = await hub.api('GET', `/v1/audit?action=consultation.retry&entity_id=${id}`, auditor);
  assert.equal(trail.status, 200, JSON.stringify(trail.body));
  assert.equal(trail.body.items.length, 1, JSON.stringify(trail.body));
  assert.notEqual(trail.body.items[0].actor, 'anonymous');
});

test('cancel from the console asks first; declining changes nothing', async () => {
  const id = created[7];
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await openConsultation(page, key, id);
    await page.click('#cancel');
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.$eval('#confirm-text', (p) => p.textContent), new RegExp(id));
    await page.click('#confirm-no');
    await page.waitForSelector('#confirm:not([open])');
    assert.equal((await hub.api('GET', `/v1/consultations/${id}`, key)).body.status, 'scheduled');

    await page.click('#cancel');
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-yes');
    await page.waitForFunction(() => document.getElementById('c-status').textContent === 'cancelled');
    assert.ok(await page.$eval('#cancel', (b) => b.hidden));
    assert.equal((await hub.api('GET', `/v1/consultations/${id}`, key)).body.status, 'cancelled');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the workflows page lists every deployed workflow version', async () => {
  const admin = await hub.apiKey('hospital-a', 'admin');
  const deployed = (await hub.api('GET', '/v1/workflows', admin)).body.items;
  assert.ok(deployed.length >= 2, JSON.stringify(deployed));
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/`, { waitUntil: 'load' });
    await fill(page, '#api-key', admin);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    await page.click('#nav-workflows');
    await page.waitForFunction(() => document.getElementById('workflows').dataset.state === 'loaded');
    assert.ok(await page.$eval('#consultations', (e) => e.hidden));
    const rows = await page.$$eval('#workflow-list tbody tr', (trs) =>
      trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.deepEqual(rows.map((r) => `${r[0]}@${r[1]}`).sort(),
      deployed.map((w) => `${w.name}@${w.version}`).sort());
    await screenshot(page, 'workflows');
    await page.click('#nav-consultations');
    await page.waitForSelector('#consultations', { visible: true });
    assert.ok(await page.$eval('#workflows', (e) => e.hidden));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the list refreshes itself: a new booking appears at the top', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/`, { waitUntil: 'load' });
    await fill(page, '#api-key', key);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    const made = await hub.api('POST', '/v1/consultations', key, booking(90), 'console-live');
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await page.waitForFunction(
      (id) => document.querySelector('#consultation-list tbody tr')?.dataset.id === id,
      { timeout: 15_000 }, made.body.id);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("another facility's key sees none of these consultations", async () => {
  const other = await hub.apiKey('hospital-b', 'hospital');
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/`, { waitUntil: 'load' });
    await fill(page, '#api-key', other);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    assert.deepEqual(await rowIds(page), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('Arabic: the operator switches language, the page turns right-to-left', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/`, { waitUntil: 'load' });
    await fill(page, '#api-key', key);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    assert.equal(await page.$eval('html', (h) => h.dir), 'ltr');
    await page.click('#language');
    assert.equal(await page.$eval('html', (h) => h.dir), 'rtl');
    assert.equal(await page.$eval('html', (h) => h.lang), 'ar');
    assert.equal(await page.$eval('#search', (b) => b.textContent), 'بحث');
    await fill(page, '#filter-patient', NATIONAL_ID);
    await page.click('#search');
    await page.waitForFunction(
      () => document.querySelectorAll('#consultation-list tbody tr').length === 1);
    // Logical properties mirror the table: its first column is on the right.
    const [first, last] = await page.$$eval('#consultation-list thead th', (ths) =>
      [ths[0], ths[ths.length - 1]].map((th) => th.getBoundingClientRect().x));
    assert.ok(first > last, `first column at ${first}, last at ${last}`);
    assert.equal(await page.$eval('#consultation-list tbody td.patient', (td) => td.textContent),
      ARABIC_NAME);
    // Statuses are in Arabic too, in the list and in the status filter.
    assert.equal(await page.$eval('#consultation-list tbody td:nth-child(3)', (td) => td.textContent),
      'مجدولة');
    assert.equal(await page.$eval('#filter-status option[value=cancelled]', (o) => o.textContent),
      'ملغاة');
    // The name is drawn with an installed font that has Arabic glyphs (the
    // fonts chromium actually used for the cell, as DevTools reports them).
    const cdp = await page.createCDPSession();
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector',
      { nodeId: root.nodeId, selector: '#consultation-list tbody td.patient' });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    assert.ok(fonts.some((f) => /arabic/i.test(f.familyName) && f.glyphCount > 0),
      JSON.stringify(fonts));
    await cdp.detach();
    await screenshot(page, 'consultations-ar');
    // The choice is kept for the tab.
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.listState === 'loaded');
    assert.equal(await page.$eval('html', (h) => h.dir), 'rtl');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
