// Download a recording from the console, against the real hub and the real
// Chime peer: a workflow deployed by the test opens a recorded room, waits
// for the peer to report its end, composes and archives the recording
// (encrypted by the hub). A clinician opens the consultation and downloads
// it: the file the browser saves is the recording the peer produced, byte
// for byte. An admin, who may list recordings but not read them, sees it
// without a Download button. The doctor's time in the room, reported by the
// peer as a join and the meeting's end, shows in the consultation's
// attendance.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fill, launchBrowser, newPage, screenshot, startHub, startPeer } from '../lib/harness.js';

const INSTANCE = 'video.chime-recordings';
const EVENTS_SECRET = 'console-recordings-events';
const RECORDING_BYTES = 300_000;
const WORKFLOW = `name: console_recording
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
      recording: true
      max_duration_seconds: 3600
  - id: waiting
    call: hub.set_status
    with:
      status: waiting_room
      room_id: \${steps.room.output.provider_room_id}
  - id: session_ended
    wait_for: room.ended
    correlation: \${steps.room.output.provider_room_id}
    timeout: 5m
  - id: composition
    call: video.request_composition
    with:
      room_id: \${steps.room.output.provider_room_id}
      format: mp4
      layout: grid
  - id: composition_ready
    wait_for: composition.completed
    correlation: \${steps.room.output.provider_room_id}
    timeout: 2m
    on_failure: continue
  - id: archive
    call: hub.archive_recording
    with:
      media_id: \${steps.composition.output.provider_id}
      room_id: \${steps.room.output.provider_room_id}
      content_type: video/mp4
      retention_days: 30
    retry:
      max_attempts: 10
      initial_delay: 200ms
      max_delay: 1s
`;

let peer;
let hub;
let chromium;
let browser;
let archiveDir;
let downloads;
let clinician;
let integrator;
let id;
let recording;

async function peerCall(method, target, body) {
  const response = await fetch(`http://127.0.0.1:${peer.port}${target}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${target}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

before(async () => {
  chromium = launchBrowser();
  archiveDir = await mkdtemp(path.join(tmpdir(), 'wasl-console-archive-'));
  downloads = await mkdtemp(path.join(tmpdir(), 'wasl-console-downloads-'));
  peer = await startPeer('chime', {
    args: ['--concatenation-ms', '100', '--recording-bytes', String(RECORDING_BYTES),
      '--events-header-value', EVENTS_SECRET],
  });
  const endpoint = `http://127.0.0.1:${peer.port}`;
  hub = await startHub({
    bindings: { 'hospital-a': { video: INSTANCE } },
    extra: [
      'archive:', `  root: ${archiveDir}`,
      'plugins:', '  files:', '    - name: chime', '      file: libwasl_chime.so',
      'instances:', `  ${INSTANCE}:`, '    plugin: chime', '    settings:', '      endpoints:',
      `        meetings: ${endpoint}`, `        media_pipelines: ${endpoint}`, `        s3: ${endpoint}`,
      '      credentials:', '        access_key_id: AKIDEXAMPLE',
      '        secret_access_key: wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      '      capture:', '        bucket_arn: arn:aws:s3:::wasl-console-recordings', '        prefix: captures',
      '      eventbridge:', `        header_value: ${EVENTS_SECRET}`,
    ],
  });
  await peerCall('POST', '/_peer/config', { eventsUrl: `${hub.base}/v1/webhooks/${INSTANCE}` });
  const admin = await hub.apiKey('hospital-a', 'admin');
  const deployed = await fetch(`${hub.base}/v1/workflows/console_recording`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' },
    body: WORKFLOW,
  });
  assert.equal(deployed.status, 201, await deployed.text());
  clinician = await hub.apiKey('hospital-a', 'clinician');
  integrator = await hub.apiKey('hospital-a', 'integrator');
  const hospital = await hub.apiKey('hospital-a', 'hospital');
  const made = await hub.api('POST', '/v1/consultations', hospital, {
    type: 'doctor_patient', workflow: 'console_recording', appointment_id: 'recording-1',
    scheduled_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: 'p1', name: 'Patient 1', identifiers: [{ kind: 'national_id', value: '1000000001' }] },
    practitioner: { id: '3', name: 'Dr' },
  }, 'recording-1');
  assert.equal(made.status, 201, JSON.stringify(made.body));
  id = made.body.id;

  // The run waits for the room's end; the meeting ends at the peer, which
  // reports it, and the run composes and archives the recording.
  const until = (ms) => Date.now() + ms;
  let deadline = until(20_000);
  let run;
  do {
    run = (await hub.api('GET', `/v1/consultations/${id}/timeline`, integrator)).body;
    if (run?.status === 'waiting') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.equal(run?.status, 'waiting', JSON.stringify(run));
  // The doctor joins and the meeting ends (a meeting nobody joined would
  // not end the room: Chime reports the end of an idle first meeting too).
  const doctor = await hub.api('POST', `/v1/consultations/${id}/participants`, clinician,
    { role: 'doctor', display_name: 'Dr Test' }, 'recording-doctor');
  assert.equal(doctor.status, 201, JSON.stringify(doctor.body));
  const meeting = doctor.body.join.provider.room_id;
  await peerCall('POST', `/_peer/meetings/${meeting}/simulate`, {
    actions: [{ type: 'join', attendeeId: doctor.body.join.provider_participant_id }],
  });
  // The meeting ends once the hub has recorded the join, so the doctor's
  // period has a length.
  deadline = until(20_000);
  let attendance;
  do {
    attendance = (await hub.api('GET', `/v1/consultations/${id}/attendance`, clinician)).body;
    if (attendance?.clinician_joined) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  } while (Date.now() < deadline);
  assert.ok(attendance?.clinician_joined, JSON.stringify(attendance));
  await peerCall('POST', `/_peer/meetings/${meeting}/simulate`, { actions: [{ type: 'end' }] });
  deadline = until(30_000);
  do {
    run = (await hub.api('GET', `/v1/consultations/${id}/timeline`, integrator)).body;
    if (run?.status === 'succeeded' || run?.status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (Date.now() < deadline);
  assert.equal(run?.status, 'succeeded', `${JSON.stringify(run)}\n${JSON.stringify(await peerCall('GET', '/_peer/events'))}\n${hub.log().slice(-3000)}`);
  const recordings = (await hub.api('GET', `/v1/consultations/${id}/recordings`, clinician)).body;
  assert.equal(recordings.items.length, 1, JSON.stringify(recordings));
  recording = recordings.items[0];
  assert.equal(recording.state, 'archived', JSON.stringify(recording));
  browser = await chromium.ready();
});

after(async () => {
  await chromium?.close();  // its connections first: the hub's stop waits for open ones
  await hub?.stop();
  await peer?.stop();
  for (const dir of [archiveDir, downloads]) if (dir) await rm(dir, { recursive: true, force: true });
});

async function signedIn(context, key) {
  const { page, problems } = await newPage(context);
  await page.goto(`${hub.base}/console/#consultation/${id}`, { waitUntil: 'load' });
  await fill(page, '#api-key', key);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('consultation').dataset.state === 'loaded');
  return { page, problems };
}

test('a clinician downloads the archived recording, byte for byte', async () => {
  const context = await browser.createBrowserContext();
  try {
    const { page, problems } = await signedIn(context, clinician);
    const item = `#recordings li[data-id="${recording.id}"]`;
    assert.equal(await page.$eval(item, (li) => li.dataset.state), 'archived');
    // Downloads of this browser context land in `downloads`; the browser
    // reports when one is complete.
    const cdp = await browser.target().createCDPSession();
    const done = new Promise((resolve) => {
      cdp.on('Browser.downloadProgress', (e) => { if (e.state !== 'inProgress') resolve(e.state); });
    });
    await cdp.send('Browser.setDownloadBehavior', {
      behavior: 'allow', downloadPath: downloads, browserContextId: context.id, eventsEnabled: true,
    });
    await page.$eval(item, (li) => li.scrollIntoView({ block: 'center' }));
    await screenshot(page, 'recording-download');
    await page.click(`${item} button.download`);
    assert.equal(await done, 'completed');
    const files = await readdir(downloads);
    assert.deepEqual(files, [`${recording.id}.mp4`]);
    const bytes = await readFile(path.join(downloads, files[0]));
    assert.equal(bytes.length, RECORDING_BYTES);
    assert.equal(createHash('sha256').update(bytes).digest('hex'), recording.plaintext_sha256);
    // The doctor's one period, closed by the meeting's end.
    const attended = await page.$$eval('#attendance li', (items) => items.map((li) => ({
      role: li.dataset.role, periods: li.dataset.periods, text: li.textContent,
    })));
    assert.equal(attended.length, 1, JSON.stringify(attended));
    assert.equal(attended[0].role, 'clinician');
    assert.equal(attended[0].periods, '1');
    assert.ok(!attended[0].text.includes('still in the room'), attended[0].text);
    const objects = await peerCall('GET', '/_peer/objects?sha256=1');
    assert.ok(objects.objects.some((o) => o.sha256 === recording.plaintext_sha256),
      'the peer produced these bytes');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('an admin sees the recording but is offered no download', async () => {
  const admin = await hub.apiKey('hospital-a', 'admin');
  const context = await browser.createBrowserContext();
  try {
    const { page, problems } = await signedIn(context, admin);
    const item = `#recordings li[data-id="${recording.id}"]`;
    assert.equal(await page.$eval(item, (li) => li.dataset.state), 'archived');
    assert.equal(await page.$(`${item} button.download`), null);
    // The run's timeline lists the doctor's join and the room's end.
    const marks = await page.$$eval('#events li', (items) => items.map((li) => li.textContent));
    assert.ok(marks.some((m) => m.includes('Clinician') && m.includes('joined')), JSON.stringify(marks));
    assert.ok(marks.some((m) => m.includes('the room ended')), JSON.stringify(marks));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
