// The plugins page and the alert banner against a real Chime peer: the
// instance is healthy while the peer answers its probe, failing once the
// peer is stopped, healthy again when it is back; each change is one alert
// (not one per failed probe), shown in the banner. Another facility's key
// sees nothing of the instance. Hospital A requires residency SA and has an
// approved exception for the instance (Chime's default region, us-east-1):
// the page shows where each kind of its data goes and the exception, in
// force since the hub's start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fill, launchBrowser, newPage, screenshot, startHub, startPeer } from '../lib/harness.js';

const INSTANCE = 'video.chime-console';
const UNTIL = { timeout: 30_000 };

let peer;
let hub;
let chromium;
let browser;

function instanceConfig(port) {
  const endpoint = `http://127.0.0.1:${port}`;
  return [
    'plugins:',
    '  probe_interval: 200ms',
    '  files:',
    '    - name: chime',
    '      file: libwasl_chime.so',
    'instances:',
    `  ${INSTANCE}:`,
    '    plugin: chime',
    '    settings:',
    '      endpoints:',
    `        meetings: ${endpoint}`,
    `        media_pipelines: ${endpoint}`,
    `        s3: ${endpoint}`,
    '      credentials:',
    '        access_key_id: AKIDEXAMPLE',
    '        secret_access_key: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  ];
}

before(async () => {
  chromium = launchBrowser();
  peer = await startPeer('chime');
  hub = await startHub({
    bindings: { 'hospital-a': { video: INSTANCE } },
    facilityLines: {
      'hospital-a': ['    residency: [SA]', '    residency_exceptions:',
        `      - instance: ${INSTANCE}`, '        reference: DPO-2026-014',
        '        approved: 2026-11-20'],
    },
    extra: [...instanceConfig(peer.port), 'archive:', '  residency: SA'],
  });
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
  await peer?.stop();
});

const row = `#instance-list tbody tr[data-name="${INSTANCE}"]`;

function stateIs(state) {
  return [(selector, want) => document.querySelector(selector)?.dataset.state === want,
    UNTIL, row, state];
}

test('a plugin instance goes failing when its peer stops and healthy when it is back', async () => {
  const key = await hub.apiKey('hospital-a', 'admin');
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#plugins`, { waitUntil: 'load' });
    await fill(page, '#api-key', key);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(...stateIs('healthy'));
    const cells = await page.$eval(row, (tr) => Object.fromEntries(
      [...tr.cells].map((td, i) => [i, td.textContent])));
    assert.equal(cells[1], 'chime');
    assert.match(cells[2], /^\d+\.\d+/, 'plugin version');
    assert.match(cells[3], /^\d+\.\d+$/, 'SDK version');
    assert.match(cells[4], /video/);
    assert.equal(cells[5], 'healthy');
    assert.match(cells[6], /not_found|ok|invalid_argument/, 'the probe reached the peer');
    assert.equal(cells[7], '', 'no error yet');
    assert.ok(Number(cells[8]) > 0, 'calls per minute');
    assert.equal(cells[9], '0%');
    assert.match(cells[10], /\d+ ms|\d+\.\d s/, 'p95');
    assert.ok(await page.$eval('#alert-banner', (b) => b.hidden), 'no alert yet');
    await screenshot(page, 'plugins-healthy');

    await peer.stop();
    await page.waitForFunction(...stateIs('failing'));
    assert.match(await page.$eval(`${row} td.last-error`, (td) => td.textContent), /unavailable|deadline_exceeded/);
    await page.waitForSelector(
      `#alert-list li[data-instance="${INSTANCE}"][data-kind="instance.failing"]`, { visible: true, ...UNTIL });
    assert.match(await page.$eval('#alert-list li', (li) => li.textContent),
      new RegExp(`${INSTANCE} started failing`));
    await screenshot(page, 'plugins-failing');

    peer = await startPeer('chime', { port: peer.port });
    await page.waitForFunction(...stateIs('healthy'));
    await page.waitForSelector(
      `#alert-list li[data-instance="${INSTANCE}"][data-kind="instance.recovered"]`, { visible: true, ...UNTIL });
    await screenshot(page, 'plugins-recovered');

    // Many probes failed while the peer was down; the alerts are the two
    // changes of state only, newest first.
    const alerts = await hub.api('GET', '/v1/alerts', key);
    assert.equal(alerts.status, 200);
    assert.deepEqual(alerts.body.items.map((a) => [a.instance, a.kind]),
      [[INSTANCE, 'instance.recovered'], [INSTANCE, 'instance.failing']]);
    const health = await hub.api('GET', `/v1/plugins/instances/${INSTANCE}`, key);
    assert.equal(health.status, 200);
    assert.ok(health.body.health.calls > 2, JSON.stringify(health.body.health));
    assert.ok(health.body.health.error_rate > 0 && health.body.health.error_rate < 1);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the residency of each kind of data and the approved exception', async () => {
  const key = await hub.apiKey('hospital-a', 'admin');
  const residency = await hub.api('GET', '/v1/residency', key);
  assert.equal(residency.status, 200);
  assert.deepEqual(residency.body.required, ['SA']);
  assert.equal(residency.body.compliant, true);
  assert.match(residency.body.exceptions[0].in_force_since ?? '', /^\d{4}-\d{2}-\d{2}T/,
    'the hub started with it, so it is in force (and audited)');
  const audit = await hub.api('GET', '/v1/audit?action=residency_exception.in_force',
    await hub.apiKey('hospital-a', 'auditor'));
  assert.equal(audit.status, 200);
  assert.equal(audit.body.items.length, 1, JSON.stringify(audit.body));

  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#plugins`, { waitUntil: 'load' });
    await fill(page, '#api-key', key);
    await page.click('#sign-in-form button[type=submit]');
    const video = '#residency-list tbody tr[data-kind="video"]';
    await page.waitForSelector(video, { visible: true, ...UNTIL });
    assert.equal(await page.$eval('#residency-required', (s) => s.textContent), 'SA');
    const cells = await page.$eval(video, (tr) => [...tr.cells].map((td) => td.textContent));
    assert.equal(cells[1], INSTANCE);
    assert.equal(cells[2], 'US');
    assert.equal(cells[3], 'settings.region us-east-1');
    assert.match(cells[4], /^DPO-2026-014, approved 2026-11-20, in force since /);
    assert.equal(await page.$eval(video, (tr) => tr.dataset.state), 'excepted');
    assert.equal(await page.$eval('#residency-list tbody tr[data-kind="billing"]',
      (tr) => tr.dataset.state), 'inside', 'nothing bound: nothing leaves');
    await screenshot(page, 'plugins-residency');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("another facility's key sees nothing of the instance", async () => {
  const theirs = await hub.apiKey('hospital-b', 'admin');
  const list = await hub.api('GET', '/v1/plugins/instances', theirs);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items, []);
  assert.equal((await hub.api('GET', `/v1/plugins/instances/${INSTANCE}`, theirs)).status, 404);
  const alerts = await hub.api('GET', '/v1/alerts', theirs);
  assert.equal(alerts.status, 200);
  assert.deepEqual(alerts.body.items, []);
  const residency = await hub.api('GET', '/v1/residency', theirs);
  assert.equal(residency.status, 200);
  assert.deepEqual(residency.body.required, []);
  assert.deepEqual(residency.body.exceptions, []);
  assert.ok(!JSON.stringify(residency.body).includes(INSTANCE), JSON.stringify(residency.body));

  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#plugins`, { waitUntil: 'load' });
    await fill(page, '#api-key', theirs);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('plugins').dataset.state === 'loaded');
    await page.waitForFunction(() => document.body.dataset.alertsState === 'loaded');
    assert.equal(await page.$$eval('#instance-list tbody tr', (rows) => rows.length), 0);
    assert.ok(await page.$eval('#plugins-empty', (p) => !p.hidden));
    assert.ok(await page.$eval('#alert-banner', (b) => b.hidden));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
