// The waiting room in the console: a consultation whose room a real Chime
// peer opened (a workflow deployed by the test); a patient added by the
// hospital system waits; a clinician's key shows an Admit button on it, asks
// first, and admits (audited, a join token issued by the peer). Roles that
// may not admit see no button; another facility's key gets 404. Last, the
// clinician ends the session from the page (End session, asked first): the
// peer's meeting is ended.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fill, launchBrowser, newPage, screenshot, startHub, startPeer } from '../lib/harness.js';

const INSTANCE = 'video.chime-waiting';
const WORKFLOW = `name: console_room
version: 1
trigger:
  kind: api
  consultation_type: standard
steps:
  - id: room
    call: video.create_room
    with:
      name: consultation-\${consultation.id}
      participant_limit: 5
      recording: false
      max_duration_seconds: 3600
  - id: waiting
    call: hub.set_status
    with:
      status: waiting_room
      room_id: \${steps.room.output.provider_room_id}
  - id: session_ended
    wait_for: room.ended
    correlation: \${steps.room.output.provider_room_id}
    timeout: 12h
`;

let peer;
let hub;
let chromium;
let browser;
let hospital;
let clinician;
let id;
const waiting = [];  // participant ids, in the order added

before(async () => {
  chromium = launchBrowser();
  peer = await startPeer('chime');
  const endpoint = `http://127.0.0.1:${peer.port}`;
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
  const deployed = await fetch(`${hub.base}/v1/workflows/console_room`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' },
    body: WORKFLOW,
  });
  assert.equal(deployed.status, 201, await deployed.text());
  hospital = await hub.apiKey('hospital-a', 'hospital');
  clinician = await hub.apiKey('hospital-a', 'clinician');
  const made = await hub.api('POST', '/v1/consultations', hospital, {
    type: 'doctor_patient', workflow: 'console_room', appointment_id: 'wr-1',
    scheduled_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: 'p1', name: 'Patient 1', identifiers: [{ kind: 'national_id', value: '1000000001' }] },
    practitioner: { id: '3', name: 'Dr' },
  }, 'wr-1');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  id = made.body.id;
  const deadline = Date.now() + 20_000;
  let status;
  do {
    status = (await hub.api('GET', `/v1/consultations/${id}`, hospital)).body?.status;
    if (status === 'waiting_room') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.equal(status, 'waiting_room', 'the room never opened');
  for (const [i, name] of ['ليلى المريضة', 'Interpreter Two'].entries()) {
    const added = await hub.api('POST', `/v1/consultations/${id}/participants`, hospital,
      { role: i === 0 ? 'patient' : 'interpreter', display_name: name }, `wr-p${i}`);
    assert.equal(added.status, 201, JSON.stringify(added.body));
    assert.equal(added.body.state, 'waiting');
    waiting.push(added.body.id);
  }
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
  await peer?.stop();
});

async function openAs(page, key) {
  await page.goto(`${hub.base}/console/#consultation/${id}`, { waitUntil: 'load' });
  await fill(page, '#api-key', key);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
}

const admitButton = (pid) => `#participants li[data-id="${pid}"] button.admit`;

test('a clinician admits a waiting participant: asked first, then admitted and audited', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await openAs(page, clinician);
    assert.deepEqual(await page.$$eval('#participants li', (lis) => lis.map((li) => li.dataset.state)),
      ['waiting', 'waiting']);
    assert.equal((await page.$$('#participants button.admit')).length, 2);
    await screenshot(page, 'waiting-room');

    // Declining changes nothing.
    await page.click(admitButton(waiting[0]));
    await page.waitForSelector('#confirm[open]');
    assert.match(await page.$eval('#confirm-text', (p) => p.textContent), /ليلى المريضة/);
    await page.click('#confirm-no');
    await page.waitForSelector('#confirm:not([open])');
    const still = await hub.api('GET', `/v1/consultations/${id}/participants/${waiting[0]}`, clinician);
    assert.equal(still.body.state, 'waiting');

    await page.click(admitButton(waiting[0]));
    await page.waitForSelector('#confirm[open]');
    await page.click('#confirm-yes');
    await page.waitForFunction((pid) =>
      document.querySelector(`#participants li[data-id="${pid}"]`)?.dataset.state === 'admitted',
    {}, waiting[0]);
    assert.equal(await page.$(admitButton(waiting[0])), null, 'no Admit once admitted');
    assert.ok(await page.$(admitButton(waiting[1])), 'the other one still waits');
    await screenshot(page, 'admitted');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
  const now = await hub.api('GET', `/v1/consultations/${id}/participants/${waiting[0]}`, clinician);
  assert.equal(now.body.state, 'admitted');
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const trail = await hub.api('GET', `/v1/audit?action=participant.admit&entity_id=${waiting[0]}`, auditor);
  assert.equal(trail.body.items.length, 1, JSON.stringify(trail.body));
  assert.ok(trail.body.items[0].actor.startsWith('apikey:'));
});

test('a hospital key sees the waiting room but no Admit button', async () => {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await openAs(page, hospital);
    assert.ok((await page.$$('#participants li[data-state=waiting]')).length >= 1);
    assert.equal((await page.$$('#participants button.admit')).length, 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("another facility's clinician can neither see nor admit them", async () => {
  const theirs = await hub.apiKey('hospital-b', 'clinician');
  const list = await hub.api('GET', `/v1/consultations/${id}/participants`, theirs);
  assert.equal(list.status, 404);
  const admit = await hub.api('POST', `/v1/consultations/${id}/participants/${waiting[1]}/admit`,
    theirs, undefined, 'wr-foreign');
  assert.equal(admit.status, 404);
  const still = await hub.api('GET', `/v1/consultations/${id}/participants/${waiting[1]}`, clinician);
  assert.equal(still.body.state, 'waiting');
});

// The consultation's meeting at the Chime peer (its control API).
async function meeting() {
  const room = (await hub.api('GET', `/v1/consultations/${id}`, hospital)).body.video_room_id;
  const { meetings } = await (await fetch(`http://127.0.0.1:${peer.port}/_peer/meetings`)).json();
  return meetings.find((m) => m.MeetingId === room);
}

test('a clinician ends the session from the console: asked first, in English and Arabic, then the meeting is ended and audited', async () => {
  // Roles that may not end it see no button; another facility's key gets 404.
  const integrator = await hub.apiKey('hospital-a', 'integrator');
  const theirs = await hub.apiKey('hospital-b', 'clinician');
  const foreign = await hub.api('POST', `/v1/consultations/${id}/end-session`, theirs, {});
  assert.equal(foreign.status, 404, JSON.stringify(foreign.body));
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  try {
    await openAs(page, integrator);
    assert.ok(await page.$eval('#end-session', (b) => b.hidden), 'an integrator sees no End session');
  } finally {
    await context.close();
  }
  assert.equal((await meeting()).ended, false);

  const mine = await browser.createBrowserContext();
  const { page: p, problems: mineProblems } = await newPage(mine);
  try {
    await openAs(p, clinician);
    assert.ok(await p.$eval('#end-session', (b) => !b.hidden));
    assert.equal(await p.$eval('#end-session', (b) => b.textContent), 'End session');
    await p.click('#language');
    await p.waitForFunction(() => document.documentElement.dir === 'rtl' &&
      document.getElementById('end-session').textContent === 'إنهاء الجلسة');

    // Declining changes nothing.
    await p.click('#end-session');
    await p.waitForSelector('#confirm[open]');
    const asked = await p.$eval('#confirm-text', (e) => e.textContent);
    assert.ok(asked.includes(id) && asked.startsWith('ستُنهى جلسة الفيديو'), asked);
    await screenshot(p, 'end-session-confirm-ar');
    await p.click('#confirm-no');
    await p.waitForSelector('#confirm:not([open])');
    assert.equal((await meeting()).ended, false);

    await p.click('#end-session');
    await p.waitForSelector('#confirm[open]');
    await p.click('#confirm-yes');
    await p.waitForFunction(() => document.getElementById('action-result').textContent === 'انتهت الجلسة.');
    assert.equal((await meeting()).ended, true);
    assert.deepEqual(mineProblems, []);
  } finally {
    await mine.close();
  }
  assert.deepEqual(problems, []);
  const auditor = await hub.apiKey('hospital-a', 'auditor');
  const trail = await hub.api('GET', `/v1/audit?action=consultation.end_session&entity_id=${id}`, auditor);
  assert.equal(trail.body.items.length, 1, JSON.stringify(trail.body));
  assert.ok(trail.body.items[0].actor.startsWith('apikey:'));
  // Asked again: the same answer.
  const again = await hub.api('POST', `/v1/consultations/${id}/end-session`, clinician, {});
  assert.equal(again.status, 202, JSON.stringify(again.body));
  assert.equal(again.body.room_status, 'ended');
});
