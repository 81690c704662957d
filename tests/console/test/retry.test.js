// Retry a failed run from the console and see it complete, against the real
// hub and a real Chime peer: a workflow deployed by the test opens a room
// with a single attempt while the peer is stopped, so the run fails; the
// peer comes back on the same port, the operator retries from the console
// (confirmed, audited) and the page follows the run until it has succeeded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fill, launchBrowser, newPage, screenshot, startHub, startPeer } from '../lib/harness.js';

const INSTANCE = 'video.chime-retry';
const WORKFLOW = `name: console_retry_room
version: 1
trigger:
  kind: api
  consultation_type: standard
steps:
  - id: room
    call: video.create_room
    with:
      name: consultation-\${consultation.id}
      participant_limit: 3
      recording: false
      max_duration_seconds: 3600
    retry:
      max_attempts: 1
  - id: waiting
    call: hub.set_status
    with:
      status: waiting_room
      room_id: \${steps.room.output.provider_room_id}
`;

let peer;
let port;
let hub;
let chromium;
let browser;
let integrator;
let id;

before(async () => {
  chromium = launchBrowser();
  peer = await startPeer('chime');
  port = peer.port;
  const endpoint = `http://127.0.0.1:${port}`;
  hub = await startHub({
    bindings: { 'hospital-a': { video: INSTANCE } },
    extra: [
      'plugins:', '  files:', '    - name: chime', '      file: libwasl_chime.so',
      'instances:', `  ${INSTANCE}:`, '    plugin: chime', '    settings:', '      endpoints:',
      `        meetings: ${endpoint}`, `        media_pipelines: ${endpoint}`, `        s3: ${endpoint}`,
      '      credentials:', '        access_key_id: AKIDEXAMPLE',
      '        secret_access_key: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    ],
  });
  const admin = await hub.apiKey('hospital-a', 'admin');
  const deployed = await fetch(`${hub.base}/v1/workflows/console_retry_room`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' },
    body: WORKFLOW,
  });
  assert.equal(deployed.status, 201, await deployed.text());
  integrator = await hub.apiKey('hospital-a', 'integrator');
  // The peer is down when the run tries its only attempt.
  await peer.stop();
  const hospital = await hub.apiKey('hospital-a', 'hospital');
  const made = await hub.api('POST', '/v1/consultations', hospital, {
    type: 'doctor_patient', workflow: 'console_retry_room', appointment_id: 'retry-1',
    scheduled_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: 'p1', name: 'Patient 1', identifiers: [{ kind: 'national_id', value: '1000000001' }] },
    practitioner: { id: '3', name: 'Dr' },
  }, 'retry-1');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  id = made.body.id;
  const deadline = Date.now() + 20_000;
  let run;
  do {
    run = (await hub.api('GET', `/v1/consultations/${id}/timeline`, integrator)).body;
    if (run?.status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.equal(run?.status, 'failed', JSON.stringify(run));
  assert.equal(run.failed_step, 'room');
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
  await peer?.stop();
});

test('retry a failed run and see it complete', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#consultation/${id}`, { waitUntil: 'load' });
    await fill(page, '#api-key', integrator);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
    assert.match(await page.$eval('#c-run', (e) => e.textContent), /^failed · room/);
    assert.match(await page.$eval('#timeline tbody tr td.error', (td) => td.textContent), /^unavailable/);
    assert.ok(await page.$eval('#retry', (b) => !b.hidden));
    await screenshot(page, 'retry-failed');

    // The provider is back.
    peer = await startPeer('chime', { port });
    await page.click('#retry');
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.$eval('#confirm-text', (p) => p.textContent), /“room”.*attempt 2/);
    await page.click('#confirm-yes');
    await page.waitForFunction(() => /^succeeded/.test(document.getElementById('c-run').textContent),
      { timeout: 30_000 });
    const rows = await page.$$eval('#timeline tbody tr', (trs) =>
      trs.map((tr) => [...tr.cells].slice(0, 3).map((td) => td.textContent).join(' ')));
    assert.deepEqual(rows, ['room 1 failed', 'room 2 succeeded', 'waiting 1 succeeded']);
    assert.equal(await page.$eval('#c-status', (e) => e.textContent), 'waiting_room');
    assert.ok(await page.$eval('#retry', (b) => b.hidden), 'nothing left to retry');
    const output = JSON.parse(await page.$eval('#timeline tbody tr:nth-child(2) td.output', (td) => td.textContent));
    assert.ok(output.provider_room_id, 'the room the peer opened');
    await screenshot(page, 'retry-completed');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const trail = await hub.api('GET', `/v1/audit?action=consultation.retry&entity_id=${id}`, auditor);
  assert.equal(trail.body.items.length, 1, JSON.stringify(trail.body));
});
