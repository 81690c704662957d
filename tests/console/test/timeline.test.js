// The consultation timeline shows each attempt's input and output and, for a
// step waiting to be retried, when its next attempt is due: a workflow
// deployed by the test creates a room through a Chime instance whose far end
// refuses connections, so the step fails and waits out its backoff.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { fill, launchBrowser, newPage, screenshot, startHub } from '../lib/harness.js';

const INSTANCE = 'video.chime-timeline';
const WORKFLOW = `name: console_retry
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
      max_attempts: 3
      initial_delay: 10m
      max_delay: 10m
      jitter: 0
`;

let hub;
let chromium;
let browser;
let admin;
let id;
let run;

// A loopback port nothing listens on (bound, then closed).
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

before(async () => {
  chromium = launchBrowser();
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
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
  admin = await hub.apiKey('hospital-a', 'admin');
  const deployed = await fetch(`${hub.base}/v1/workflows/console_retry`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' },
    body: WORKFLOW,
  });
  assert.equal(deployed.status, 201, await deployed.text());
  const hospital = await hub.apiKey('hospital-a', 'hospital');
  const made = await hub.api('POST', '/v1/consultations', hospital, {
    type: 'doctor_patient', workflow: 'console_retry', appointment_id: 'tl-1',
    scheduled_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: 'p1', name: 'Patient 1', identifiers: [{ kind: 'national_id', value: '1000000001' }] },
    practitioner: { id: '3', name: 'Dr' },
  }, 'tl-1');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  id = made.body.id;
  const deadline = Date.now() + 20_000;
  do {
    run = (await hub.api('GET', `/v1/consultations/${id}/timeline`, admin)).body;
    if (run?.next_attempt?.retry) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.ok(run?.next_attempt?.retry, `the step never waited for a retry: ${JSON.stringify(run)}`);
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
});

test('a step waiting to be retried shows its next attempt, input and error', async () => {
  assert.equal(run.next_attempt.step_id, 'room');
  assert.equal(run.next_attempt.attempt, 2);
  // Due after the backoff (10 minutes, no jitter), counted from the failure.
  const wait = run.next_attempt.at_ms - run.attempts[0].finished_at_ms;
  assert.ok(wait > 9.9 * 60_000 && wait <= 10 * 60_000 + 1000, JSON.stringify(run));
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#consultation/${id}`, { waitUntil: 'load' });
    await fill(page, '#api-key', admin);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
    await page.waitForSelector('#next-attempt', { visible: true });
    assert.match(await page.$eval('#next-attempt', (p) => p.textContent),
      /^Waiting to retry: attempt 2 of “room” at .+\d{2}:\d{2}:\d{2}/);
    assert.equal(await page.$eval('#next-attempt', (p) => Number(p.dataset.at)), run.next_attempt.at_ms);
    const cells = await page.$$eval('#timeline tbody tr:first-child td', (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[0], 'room');
    assert.equal(cells[2], 'failed');
    assert.notEqual(cells[5], '', 'the error is shown');
    const input = JSON.parse(cells[6]);
    assert.equal(input.name, `consultation-${id}`);
    assert.equal(input.participant_limit, 3);
    assert.equal(cells[7], '', 'a failed attempt has no output');
    await screenshot(page, 'timeline-retry');

    await page.click('#language');
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
    assert.match(await page.$eval('#next-attempt', (p) => p.textContent), /^بانتظار إعادة المحاولة/);
    assert.equal(await page.$eval('#timeline thead th:nth-child(7)', (th) => th.textContent), 'المدخلات');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an integrator sees the same timeline with PHI masked, and nothing it may not read', async () => {
  const integrator = await hub.apiKey('hospital-a', 'integrator');
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await page.goto(`${hub.base}/console/#consultation/${id}`, { waitUntil: 'load' });
    await fill(page, '#api-key', integrator);
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
    await page.waitForSelector('#next-attempt', { visible: true });
    const input = JSON.parse(await page.$eval('#timeline tbody tr:first-child td.input', (td) => td.textContent));
    assert.equal(input.name, '[redacted:name]', 'a member the domain declares PHI');
    assert.equal(input.participant_limit, 3);
    // Participants and recordings are the clinical record: not read, not shown.
    assert.ok(await page.$eval('#participants-part', (e) => e.hidden));
    assert.ok(await page.$eval('#recordings-part', (e) => e.hidden));
    assert.ok(await page.$eval('#claims-part', (e) => !e.hidden));
    assert.deepEqual(problems, [], 'no request the role is refused');
  } finally {
    await context.close();
  }
});

test("another facility's key gets 404 for the timeline", async () => {
  const theirs = await hub.apiKey('hospital-b', 'admin');
  const answer = await hub.api('GET', `/v1/consultations/${id}/timeline`, theirs);
  assert.equal(answer.status, 404);
  assert.ok(!JSON.stringify(answer.body).includes('consultation-'));
});
