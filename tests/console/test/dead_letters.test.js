// The dead-letters page: a failed run and the webhooks no run took, in one
// list of the operator's facility; one webhook replayed, then several at
// once, each confirmed first and audited with the operator's key; the bulk
// replay refuses more than 100 ids; another facility sees none of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fill, launchBrowser, newPage, screenshot, startHub } from '../lib/harness.js';

const SECRET_A = `whsec_${Buffer.from('hospital-a webhook secret 32 bytes!').toString('base64')}`;
const SECRET_B = `whsec_${Buffer.from('hospital-b webhook secret 32 bytes!').toString('base64')}`;
const UNTIL = { timeout: 20_000 };

let hub;
let chromium;
let browser;
let admin;
let consultation;
const webhooks = ['dl-evt-1', 'dl-evt-2', 'dl-evt-3'];  // the senders' webhook-ids
const stored = {};  // webhook-id -> the hub's id of the stored event

// Polls the API (bounded) until `check` accepts the dead letters of `key`.
async function deadLettersUntil(key, check) {
  const deadline = Date.now() + 20_000;
  let last;
  while (Date.now() < deadline) {
    last = await hub.api('GET', '/v1/dead-letters', key);
    if (last.status === 200 && check(last.body.items)) return last.body.items;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`dead letters never as expected: ${JSON.stringify(last?.body)}`);
}

before(async () => {
  chromium = launchBrowser();
  hub = await startHub({ webhookSecrets: { 'hospital-a': SECRET_A, 'hospital-b': SECRET_B } });
  admin = await hub.apiKey('hospital-a', 'admin');
  const hospital = await hub.apiKey('hospital-a', 'hospital');
  // Its run fails at once: hospital-a binds no EHR instance.
  const made = await hub.api('POST', '/v1/consultations', hospital, {
    type: 'doctor_patient', appointment_id: 'dl-1',
    scheduled_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: 'p1', name: 'Patient 1', identifiers: [{ kind: 'national_id', value: '1000000001' }] },
    practitioner: { id: '3', name: 'Dr' },
  }, 'dl-1');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  consultation = made.body.id;
  for (const [i, id] of webhooks.entries()) {
    const status = await hub.hospitalEvent('hospital-a', SECRET_A, id,
      { type: 'lab.result', correlation: `Lab/${i}` });
    assert.ok(status >= 200 && status < 300, `webhook ${id}: ${status}`);
  }
  assert.ok((await hub.hospitalEvent('hospital-b', SECRET_B, 'dl-evt-b',
    { type: 'lab.result', correlation: 'Lab/b' })) < 300);
  const items = await deadLettersUntil(admin, (found) =>
    found.filter((d) => d.kind === 'webhook' && d.state === 'unmatched').length === 3 &&
    found.some((d) => d.kind === 'run'));
  for (const d of items) if (d.kind === 'webhook') stored[d.dedupe_key] = d.id;
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
});

async function replayAudits() {
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const trail = await hub.api('GET', '/v1/audit?action=webhook.replayed', auditor);
  assert.equal(trail.status, 200, JSON.stringify(trail.body));
  return trail.body.items;
}

test('failed runs and unmatched webhooks in one page; replay one, then several', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#dead-letters`, { waitUntil: 'load' });
    await fill(page, '#api-key', admin);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('dead-letters').dataset.state === 'loaded');
    const rows = await page.$$eval('#dead-letter-list tbody tr',
      (trs) => trs.map((tr) => [tr.dataset.kind, tr.dataset.dedupe]));
    assert.deepEqual(rows.filter(([kind]) => kind === 'webhook').map(([, id]) => id).sort(),
      [...webhooks].sort(), 'the facility\'s webhooks only');
    assert.equal(rows.filter(([kind]) => kind === 'run').length, 1);
    await screenshot(page, 'dead-letters');

    // Filters: failed runs only.
    await page.select('#dl-kind', 'run');
    await page.click('#dl-search');
    await page.waitForFunction(() => document.getElementById('dead-letters').dataset.state === 'loaded' &&
      [...document.querySelectorAll('#dead-letter-list tbody tr')].every((tr) => tr.dataset.kind === 'run'));
    assert.equal(await page.$$eval('#dead-letter-list tbody tr', (trs) => trs.length), 1);
    await page.select('#dl-kind', '');
    await page.click('#dl-search');
    await page.waitForFunction(
      () => document.querySelectorAll('#dead-letter-list tbody tr[data-kind=webhook]').length === 3);

    // One webhook: confirmed first, naming it; declining changes nothing.
    const one = `#dead-letter-list tbody tr[data-dedupe="${webhooks[0]}"] button.replay`;
    await page.click(one);
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.$eval('#confirm-text', (p) => p.textContent), new RegExp(stored[webhooks[0]]));
    await page.click('#confirm-no');
    await page.waitForSelector('#confirm:not([open])');
    assert.equal((await replayAudits()).length, 0);
    await page.click(one);
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-yes');
    await page.waitForFunction(() => document.getElementById('dl-result').textContent !== '' ||
      document.getElementById('dl-error').textContent !== '', UNTIL);
    assert.equal(await page.$eval('#dl-error', (e) => e.textContent), '');
    assert.equal((await replayAudits()).map((e) => e.entity_id).join(), stored[webhooks[0]]);

    // The rest at once.
    await page.waitForFunction(() => document.getElementById('dead-letters').dataset.state === 'loaded');
    for (const id of webhooks.slice(1)) {
      await page.click(`#dead-letter-list tbody tr[data-dedupe="${id}"] input[type=checkbox]`);
    }
    await page.click('#dl-replay-selected');
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.$eval('#confirm-text', (p) => p.textContent), /^2 webhooks/);
    await page.click('#confirm-yes');
    await page.waitForFunction(() => /^2 webhook/.test(document.getElementById('dl-result').textContent), UNTIL);
    const audits = await replayAudits();
    assert.deepEqual(audits.map((e) => e.entity_id).sort(), webhooks.map((w) => stored[w]).sort());
    assert.ok(audits.every((e) => e.actor === audits[0].actor && e.actor.startsWith('apikey:')));
    await screenshot(page, 'dead-letters-replayed');

    // A run opens on its consultation, where it is retried.
    await page.click('#dead-letter-list tbody tr[data-kind=run] button.open');
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
    assert.equal(await page.$eval('#c-id', (e) => e.textContent), consultation);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('bulk replay takes at most 100 ids; another facility sees and replays nothing of ours', async () => {
  const ids = Array.from({ length: 101 }, (_, i) => `dl-evt-${i}`);
  const tooMany = await hub.api('POST', '/v1/dead-letters/replay', admin, { ids });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.body.errors[0].field, 'ids');

  const theirs = await hub.apiKey('hospital-b', 'admin');
  const items = await deadLettersUntil(theirs, () => true);
  assert.deepEqual(items.map((d) => d.dedupe_key), ['dl-evt-b']);
  const ours = stored[webhooks[0]];
  const foreign = await hub.api('POST', '/v1/dead-letters/replay', theirs, { ids: [ours] });
  assert.equal(foreign.status, 404);
  assert.equal((await hub.api('POST', `/v1/webhooks/unmatched/${ours}/replay`, theirs)).status, 404);
});
