// The dead-letters page lists the exchange's error notices: the real NPHIES
// peer queues one for the facility, the operator's poll (POST
// /v1/claims/poll) stores it, and the page shows it as a billing dead
// letter (kind filter included); replaying it from the page, confirmed
// first, goes through the billing-message replay route and is audited with
// the operator's key. Another facility's key sees none of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import {
  fill, launchBrowser, newPage, screenshot, startHub, startPeer, testPki,
} from '../lib/harness.js';

const INSTANCE = 'billing.nphies-console';
const UNTIL = { timeout: 20_000 };

let pki;
let peer;
let hub;
let chromium;
let browser;
let admin;
let notice;  // the exchange's message id of the error notice

before(async () => {
  chromium = launchBrowser();
  pki = await testPki();
  peer = await startPeer('nphies', { args: ['--pki-dir', pki, '--control-port', '0'] });
  const file = (name) => `\${file:${path.join(pki, name)}}`;
  hub = await startHub({
    bindings: { 'hospital-a': { billing: INSTANCE } },
    facilityLines: {
      'hospital-a': ['    billing: {provider_license: N-F-00001, payer_license: N-I-00001, ' +
        'service_code: "83600-00-10", price: 150, tax: 22.50, diagnosis_code: Z71.9}'],
    },
    extra: [
      'plugins:', '  files:', '    - name: nphies', '      file: libwasl_nphies.so',
      'instances:', `  ${INSTANCE}:`, '    plugin: nphies', '    settings:',
      `      base_url: https://127.0.0.1:${peer.port}`,
      '      provider_base_url: http://hospital-a.test',
      '      request_timeout_seconds: 10',
      '      tls:',
      `        client_certificate: ${file('client.crt')}`,
      `        client_key: ${file('client.key')}`,
      `        ca_bundle: ${file('ca.crt')}`,
    ],
  });
  admin = await hub.apiKey('hospital-a', 'admin');
  const queued = await peer.control('/_peer/error-notices',
    { issues: [{ code: 'GE-00013', text: 'Invalid signature' }] });
  notice = queued.messageHeaderId;
  assert.ok(notice, JSON.stringify(queued));
  const polled = await hub.api('POST', '/v1/claims/poll', admin, {});
  assert.equal(polled.status, 200, JSON.stringify(polled.body));
  assert.equal(polled.body.fetched, 1, JSON.stringify(polled.body));
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
  await peer?.stop();
  if (pki) await rm(pki, { recursive: true, force: true });
});

test('an error notice is a billing dead letter, replayed from the page', async () => {
  const listed = await hub.api('GET', '/v1/dead-letters?kind=billing', admin);
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal(listed.body.items.length, 1, JSON.stringify(listed.body));
  const letter = listed.body.items[0];
  assert.equal(letter.message_id, notice);
  assert.equal(letter.event, 'error-notice');
  assert.equal(letter.replay, `/v1/billing/messages/${letter.id}/replay`);

  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#dead-letters`, { waitUntil: 'load' });
    await fill(page, '#api-key', admin);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('dead-letters').dataset.state === 'loaded');
    await page.select('#dl-kind', 'billing');
    await page.click('#dl-search');
    await page.waitForFunction(() => document.getElementById('dead-letters').dataset.state === 'loaded' &&
      document.querySelectorAll('#dead-letter-list tbody tr').length === 1, UNTIL);
    const row = await page.$eval('#dead-letter-list tbody tr', (tr) =>
      ({ kind: tr.dataset.kind, id: tr.dataset.id, text: tr.textContent }));
    assert.equal(row.kind, 'billing');
    assert.equal(row.id, letter.id);
    assert.match(row.text, /Billing error/);
    assert.match(row.text, /error-notice/);
    assert.match(row.text, /GE-00013/);
    await screenshot(page, 'dead-letters-billing');

    await page.click('#dead-letter-list tbody tr[data-kind=billing] button.replay');
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.$eval('#confirm-text', (p) => p.textContent), new RegExp(letter.id));
    await page.click('#confirm-yes');
    await page.waitForFunction(() => document.getElementById('dl-result').textContent !== '', UNTIL);
    assert.equal(await page.$eval('#dl-error', (p) => p.textContent), '');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  const messages = await hub.api('GET', '/v1/billing/messages?state=error', admin);
  assert.equal(messages.body.items[0].replays, 1, JSON.stringify(messages.body));
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const trail = await hub.api('GET', '/v1/audit?action=billing.message_replayed', auditor);
  assert.equal(trail.body.items.length, 1, JSON.stringify(trail.body));
  assert.ok(trail.body.items[0].actor.startsWith('apikey:'), JSON.stringify(trail.body));

  const theirs = await hub.api('GET', '/v1/dead-letters', await hub.apiKey('hospital-b', 'admin'));
  assert.equal(theirs.status, 200);
  assert.deepEqual(theirs.body.items, []);
});
