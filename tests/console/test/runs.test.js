// The runs page: the facility's workflow runs across consultations, filtered
// by status, workflow, version and time; the workflows page counts each
// version's runs and opens them; a run opens its consultation. Another
// facility's runs never appear.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fill, launchBrowser, newPage, screenshot, startHub } from '../lib/harness.js';

let hub;
let chromium;
let browser;
let integrator;
const ours = [];
let theirs;

function booking(i) {
  return {
    type: 'doctor_patient', appointment_id: `runs-${i}`,
    scheduled_at: new Date(Date.now() + (i + 2) * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: `p${i}`, name: `Patient ${i}`,
      identifiers: [{ kind: 'national_id', value: String(1000000000 + i * 7919) }] },
    practitioner: { id: '3', name: 'Dr' },
  };
}

async function runsOf(key, check) {
  const deadline = Date.now() + 20_000;
  let last;
  while (Date.now() < deadline) {
    last = await hub.api('GET', '/v1/runs', key);
    if (last.status === 200 && check(last.body.items)) return last.body.items;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`runs never as expected: ${JSON.stringify(last?.body)}`);
}

before(async () => {
  chromium = launchBrowser();
  hub = await startHub();
  const hospital = await hub.apiKey('hospital-a', 'hospital');
  for (let i = 0; i < 3; i++) {
    const made = await hub.api('POST', '/v1/consultations', hospital, booking(i), `runs-${i}`);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    ours.push(made.body.id);
  }
  const other = await hub.apiKey('hospital-b', 'hospital');
  const made = await hub.api('POST', '/v1/consultations', other, booking(9), 'runs-b');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  theirs = made.body.id;
  integrator = await hub.apiKey('hospital-a', 'integrator');
  // Each run fails at its first step: hospital-a binds no EHR instance.
  await runsOf(integrator, (items) => items.length === 3 && items.every((r) => r.status === 'failed'));
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
});

const rowConsultations = (page) => page.$$eval('#run-list tbody tr', (trs) => trs.map((tr) => tr.dataset.consultation));

async function search(page) {
  await page.evaluate(() => { document.getElementById('runs').dataset.state = 'stale'; });
  await page.click('#runs-search');
  await page.waitForFunction(() => document.getElementById('runs').dataset.state === 'loaded');
}

test('runs across consultations, newest first, filtered', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#runs`, { waitUntil: 'load' });
    await fill(page, '#api-key', integrator);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('runs').dataset.state === 'loaded');
    assert.deepEqual(await rowConsultations(page), [...ours].reverse(), 'newest first, ours only');
    assert.ok(!(await rowConsultations(page)).includes(theirs));
    const cells = await page.$$eval('#run-list tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[1], 'consultation v1');
    assert.equal(cells[2], 'failed');
    assert.equal(cells[3], 'appointment');
    assert.match(cells[4], /binds no plugin instance to role 'ehr'/);
    await screenshot(page, 'runs');

    await page.select('#runs-status', 'running');
    await search(page);
    assert.deepEqual(await rowConsultations(page), []);
    assert.ok(await page.$eval('#runs-empty', (p) => !p.hidden));
    await page.select('#runs-status', 'failed');
    await fill(page, '#runs-workflow', 'consultation');
    await fill(page, '#runs-version', '2');
    await search(page);
    assert.deepEqual(await rowConsultations(page), []);
    await page.$eval('#runs-version', (i) => { i.value = '1'; });
    await search(page);
    assert.equal((await rowConsultations(page)).length, 3);
    await page.$eval('#runs-from', (input, ms) => {
      const local = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
      input.value = local.toISOString().slice(0, 16);
    }, Date.now() + 3600_000);
    await search(page);
    assert.deepEqual(await rowConsultations(page), []);

    // A run opens its consultation.
    await page.$eval('#runs-from', (i) => { i.value = ''; });
    await search(page);
    await page.click(`#run-list tbody tr[data-consultation="${ours[1]}"] a`);
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
    assert.equal(await page.$eval('#c-id', (e) => e.textContent), ours[1]);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the workflows page counts the runs on each version and opens them', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#workflows`, { waitUntil: 'load' });
    await fill(page, '#api-key', integrator);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('workflows').dataset.state === 'loaded');
    const counts = await page.$$eval('#workflow-list tbody tr', (trs) =>
      Object.fromEntries(trs.map((tr) => [`${tr.cells[0].textContent}@${tr.cells[1].textContent}`,
        tr.querySelector('td.runs').textContent])));
    assert.equal(counts['consultation@1'], '3 (failed 3)');
    assert.equal(counts['emergency@1'], '0');
    await screenshot(page, 'workflows-runs');
    await page.click('#workflow-list tbody tr[data-name="consultation"] button.open-runs');
    await page.waitForFunction(() => document.getElementById('runs').dataset.state === 'loaded');
    assert.equal(await page.$eval('#runs-workflow', (i) => i.value), 'consultation');
    assert.equal(await page.$eval('#runs-version', (i) => i.value), '1');
    assert.equal((await rowConsultations(page)).length, 3);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("another facility's key lists only its own runs, and counts only them", async () => {
  const admin = await hub.apiKey('hospital-b', 'admin');
  const items = await runsOf(admin, (found) => found.length === 1);
  assert.equal(items[0].consultation_id, theirs);
  const workflows = await hub.api('GET', '/v1/workflows', admin);
  const consultation = workflows.body.items.find((w) => w.name === 'consultation' && w.version === 1);
  assert.equal(consultation.runs.total, 1);
  const bad = await hub.api('GET', '/v1/runs?status=done', admin);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errors[0].field, 'status');
});

test('Arabic: the runs page in Arabic', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#runs`, { waitUntil: 'load' });
    await fill(page, '#api-key', integrator);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('runs').dataset.state === 'loaded');
    await page.click('#language');
    assert.equal(await page.$eval('html', (h) => h.dir), 'rtl');
    assert.equal(await page.$eval('#nav-runs', (a) => a.textContent), 'التشغيلات');
    assert.equal(await page.$eval('#runs-empty', (p) => p.textContent), 'لا توجد تشغيلات مطابقة.');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
