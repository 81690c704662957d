// Workflow version diff on the workflows page: two versions deployed by the
// test compared line by line (removed and added lines marked, line numbers
// on each side), in English and Arabic; another facility cannot compare
// them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fill, launchBrowser, newPage, screenshot, startHub } from '../lib/harness.js';

const V1 = `name: follow_up_call
version: 1
trigger:
  kind: api
  consultation_type: follow_up
steps:
  - id: done
    call: hub.set_status
    with:
      status: completed
`;
const V2 = V1.replace('id: done', 'id: finish').replace('status: completed', 'status: ended') +
  '  - id: note\n    call: hub.set_status\n    with:\n      status: completed\n';

let hub;
let chromium;
let browser;
let admin;

async function deploy(key, yaml) {
  const response = await fetch(`${hub.base}/v1/workflows/follow_up_call`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/yaml' },
    body: yaml,
  });
  assert.equal(response.status, 201, await response.text());
}

before(async () => {
  chromium = launchBrowser();
  hub = await startHub();
  admin = await hub.apiKey('hospital-a', 'admin');
  await deploy(admin, V1);
  await deploy(admin, V2);
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
});

async function compare(page, from, to) {
  await page.select('#diff-name', 'follow_up_call');
  await page.$eval('#diff-from', (i, v) => { i.value = v; }, String(from));
  await page.$eval('#diff-to', (i, v) => { i.value = v; }, String(to));
  await page.evaluate(() => { document.getElementById('diff').dataset.state = 'stale'; });
  await page.click('#diff-compare');
  await page.waitForFunction(() => document.getElementById('diff').dataset.state === 'loaded');
}

test('two versions compared line by line on the workflows page', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#workflows`, { waitUntil: 'load' });
    await fill(page, '#api-key', admin);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('workflows').dataset.state === 'loaded');
    await compare(page, 1, 2);
    const changed = await page.$$eval('#diff tbody tr:not(.kept)', (trs) =>
      trs.map((tr) => `${tr.className}:${tr.querySelector('td.text').textContent}`));
    assert.deepEqual(changed, [
      'removed:  - id: done', 'added:  - id: finish', 'added:    call: hub.set_status',
      'added:    with:', 'added:      status: ended', 'added:  - id: note',
    ]);
    const first = await page.$$eval('#diff tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(first, ['1', '1', '', 'name: follow_up_call']);
    assert.equal(await page.$eval('#diff-summary', (p) => p.textContent),
      'Version 1 → 2: 5 line(s) added, 1 removed.');
    await screenshot(page, 'workflow-diff');

    await compare(page, 2, 2);
    assert.equal(await page.$eval('#diff-summary', (p) => p.textContent), 'Versions 2 and 2 are identical.');
    assert.equal((await page.$$('#diff tbody tr:not(.kept)')).length, 0);

    await page.click('#language');
    assert.equal(await page.$eval('#diff-compare', (b) => b.textContent), 'قارن');
    await compare(page, 1, 2);
    assert.match(await page.$eval('#diff-summary', (p) => p.textContent), /^النسخة 1/);
    // Source stays left-to-right inside the right-to-left page.
    assert.equal(await page.$eval('#diff tbody td.text', (td) => getComputedStyle(td).direction), 'ltr');
    await screenshot(page, 'workflow-diff-ar');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("another facility's key cannot compare this facility's versions", async () => {
  const theirs = await hub.apiKey('hospital-b', 'admin');
  const answer = await hub.api('GET', '/v1/workflows/follow_up_call/diff?from=1&to=2', theirs);
  assert.equal(answer.status, 404);
  assert.ok(!JSON.stringify(answer.body).includes('status: ended'));
  const bad = await hub.api('GET', '/v1/workflows/follow_up_call/diff?from=1', admin);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.errors[0].field, 'to');
});
