// The join page end to end: `wasl serve` with the Janus plugin bound to a
// real Janus (Debian's 1.1.2, started by scripts/test-janus with its event
// handler posting to this hub), a consultation whose workflow opens the room,
// waits for the patient and for the room's end, then archives the room's
// recording as workflows/consultation.yaml does, and two chromium browsers
// with fake camera and microphone opening the join links the hub hands out.
// The patient's page waits while Janus refuses her token (433) until the
// clinician admits her; both publish; the hub's timeline shows both joins; a
// removed participant is kicked and her old link refused; the clinician
// ends the session (POST /v1/consultations/{id}/end-session), Janus
// destroys the room and its event moves the run on: the recording is
// converted (.mjr -> one WebM), archived, decodes with ffprobe (an audio and
// a video stream, at least 8 s) and its SHA-256 equals the recording's
// plaintext_sha256.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort, newPage, openBrowser, screenshot, sourceDir, startHub } from '../lib/harness.js';

const run = promisify(execFile);
const INSTANCE = 'video.janus-join';
const WORKFLOW = `name: join_page
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
    timeout: 30s
  - id: waiting
    call: hub.set_status
    with:
      status: waiting_room
      room_id: \${steps.room.output.provider_room_id}
    on_failure:
      compensate: end_room
  - id: arrival
    wait_for: patient.arrival
    correlation: \${consultation.id}
    timeout: 1h
    on_failure:
      compensate: end_room
  - id: session_ended
    wait_for: room.ended
    when: steps.arrival.output.payload.outcome == 'joined'
    correlation: \${steps.room.output.provider_room_id}
    timeout: 1h
    on_failure:
      compensate: end_room
  - id: attendance
    call: hub.attendance
    when: steps.session_ended.status == 'succeeded'
  - id: ended
    call: hub.set_status
    when: exists(steps.attendance.output) and steps.attendance.output.clinician_joined == true
    with:
      status: ended
  # The recording steps of workflows/consultation.yaml, with shorter
  # retry delays.
  - id: stop_recording
    call: video.stop_recording
    when: steps.ended.status == 'succeeded'
    with:
      room_id: \${steps.room.output.provider_room_id}
    on_failure: continue
  - id: composition
    call: video.request_composition
    when: steps.ended.status == 'succeeded'
    with:
      room_id: \${steps.room.output.provider_room_id}
      format: mp4
      layout: grid
    retry:
      max_attempts: 6
      initial_delay: 1s
      max_delay: 5s
  - id: composition_ready
    wait_for: composition.completed
    when: steps.ended.status == 'succeeded' and steps.composition.output.status != 'completed'
    correlation: \${steps.room.output.provider_room_id}
    timeout: 15m
    on_failure: continue
  - id: archive
    call: hub.archive_recording
    when: steps.ended.status == 'succeeded'
    with:
      media_id: \${steps.composition.output.provider_id}
      room_id: \${steps.room.output.provider_room_id}
      content_type: video/mp4
      retention_days: 2555
    timeout: 1h
    retry:
      max_attempts: 10
      initial_delay: 2s
      max_delay: 10s
compensations:
  - id: end_room
    call: video.end_room
    with:
      room_id: \${steps.room.output.provider_room_id}
    on_failure: continue
    then: cancelled
  - id: cancelled
    call: hub.set_status
    with:
      status: cancelled
`;

let janusDir;
let janus;
let hub;
let browser;

// Polls `probe` until it answers something truthy; fails with `what` after
// `ms`.
async function until(what, probe, ms = 20_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within ${ms} ms (last: ${JSON.stringify(last)})`);
}

before(async () => {
  const hubPort = await freePort();
  janusDir = await mkdtemp(path.join(tmpdir(), 'wasl-join-janus-'));
  await run(path.join(sourceDir, 'scripts/test-janus'),
    ['start', janusDir, `http://127.0.0.1:${hubPort}/v1/webhooks/${INSTANCE}`], { timeout: 60_000 });
  janus = Object.fromEntries((await readFile(path.join(janusDir, 'endpoints'), 'utf8'))
    .trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  const secret = async (name) => {
    const file = path.join(janusDir, `${name}.secret`);
    await writeFile(file, janus[name], { mode: 0o600 });
    return `\${file:${file}}`;
  };
  hub = await startHub({
    port: hubPort,
    serverLines: [`  public_url: http://127.0.0.1:${hubPort}`],
    bindings: { 'hospital-a': { video: INSTANCE }, 'hospital-b': { video: INSTANCE } },
    extra: [
      // The archived recordings, in the test's scratch directory.
      'archive:', `  root: ${path.join(janusDir, 'archive')}`,
      'plugins:', '  files:', '    - name: janus', '      file: libwasl_janus.so',
      'instances:', `  ${INSTANCE}:`, '    plugin: janus', '    settings:',
      `      api_url: ${janus.api_url}`,
      `      admin_url: ${janus.admin_url}`,
      `      admin_secret: ${await secret('admin_secret')}`,
      `      room_admin_key: ${await secret('room_admin_key')}`,
      `      recording_root: ${janus.recordings}`,
      '      events:', `        user: ${janus.events_user}`,
      `        password: ${await secret('events_password')}`,
    ],
  });
  browser = await openBrowser({
    extraArgs: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      // Host candidates as addresses, not mDNS names Janus would not resolve.
      '--disable-features=WebRtcHideLocalIpsWithMdns'],
  });
});

after(async () => {
  await browser?.close();
  await hub?.stop();
  if (janusDir) {
    await run(path.join(sourceDir, 'scripts/test-janus'), ['stop', janusDir], { timeout: 60_000 });
    await rm(janusDir, { recursive: true, force: true });
  }
});

// A page whose problems leave out what the end of a Janus session always
// causes: the long poll under way when the session goes is aborted, or
// answered 404 (the session is gone) or 403 (the hub removed the token at
// the removal or the room's end) by Janus. The states the tests wait for
// show that the page stopped there.
async function joinPage() {
  const context = await browser.createBrowserContext();
  const { page, problems } = await newPage(context);
  const janusOrigin = new URL(janus.api_url).origin;
  const longPoll = (text) => text.includes(`${janusOrigin}/janus/`) && text.includes('maxev=');
  const refusals = { count: 0 };
  page.on('response', async (response) => {
    if (!response.url().startsWith(janusOrigin) || response.request().method() !== 'GET') return;
    const body = await response.text().catch(() => '');
    if (body.includes('"error_code":433')) refusals.count += 1;
  });
  return {
    context, page, refusals,
    problems: () => problems.filter((p) => !(longPoll(p) &&
      /ERR_ABORTED|HTTP 40[34]|status of 40[34]/.test(p))),
  };
}

const status = (page) => page.$eval('#status', (s) => ({ state: s.dataset.state, text: s.textContent }));
const remoteVideos = (page) => page.$$eval('.remote video', (videos) => videos.map((v) => ({
  width: v.videoWidth, time: v.currentTime,
  audio: v.srcObject?.getAudioTracks().filter((t) => t.readyState === 'live').length ?? 0,
})));

async function book(hospital, key) {
  const made = await hub.api('POST', '/v1/consultations', hospital, {
    type: 'doctor_patient', workflow: 'join_page', appointment_id: key,
    scheduled_at: new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    patient: { id: 'p1', name: 'Sara', identifiers: [{ kind: 'national_id', value: '1000000001' }] },
    practitioner: { id: '3', name: 'Dr Huda' },
  }, key);
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return made.body.id;
}

test('a clinician admits a waiting patient, both publish, the timeline shows both joins, a removed patient cannot rejoin, the clinician ends the session and the recording is archived', async () => {
  const admin = await hub.apiKey('hospital-a', 'admin');
  const deployed = await fetch(`${hub.base}/v1/workflows/join_page`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/yaml' },
    body: WORKFLOW,
  });
  assert.equal(deployed.status, 201, await deployed.text());
  const hospital = await hub.apiKey('hospital-a', 'hospital');
  const clinicianKey = await hub.apiKey('hospital-a', 'clinician');
  const id = await book(hospital, 'join-1');
  await until('the room is open', async () =>
    (await hub.api('GET', `/v1/consultations/${id}`, hospital)).body?.status === 'waiting_room');

  // The page's Content-Security-Policy lets it call this Janus and nothing else.
  const served = await fetch(`${hub.base}/join/`);
  assert.equal(served.status, 200);
  assert.match(served.headers.get('content-security-policy'),
    new RegExp(`; connect-src ${new URL(janus.api_url).origin.replace(/\./g, '\\.')}$`));

  const participants = `/v1/consultations/${id}/participants`;
  const doctor = await hub.api('POST', participants, clinicianKey, { role: 'doctor', display_name: 'Dr Huda' });
  assert.equal(doctor.status, 201, JSON.stringify(doctor.body));
  assert.equal(doctor.body.state, 'admitted');
  const patient = await hub.api('POST', participants, clinicianKey, { role: 'patient', display_name: 'سارة' });
  assert.equal(patient.status, 201, JSON.stringify(patient.body));
  assert.equal(patient.body.state, 'waiting');
  const doctorUrl = doctor.body.join?.url;
  const patientUrl = patient.body.join?.url;
  assert.ok(doctorUrl?.startsWith(`${hub.base}/join/#`), JSON.stringify(doctor.body.join));
  assert.ok(patientUrl?.startsWith(`${hub.base}/join/#`),
    `a waiting patient of a Janus room gets her link at once: ${JSON.stringify(patient.body)}`);

  const clinician = await joinPage();
  const sara = await joinPage();
  try {
    // The clinician's page: Arabic by the facility's default, switched to
    // English; the credential leaves the address bar.
    await clinician.page.goto(doctorUrl, { waitUntil: 'load' });
    await until('the clinician is in the room', async () => (await status(clinician.page)).state === 'in_room');
    assert.equal(await clinician.page.evaluate(() => location.hash), '');
    assert.equal(await clinician.page.evaluate(() => document.documentElement.dir), 'rtl');
    await clinician.page.click('#language');
    assert.equal(await clinician.page.evaluate(() => document.documentElement.dir), 'ltr');
    assert.deepEqual(await status(clinician.page), { state: 'in_room', text: 'You are in the consultation.' });

    // The patient's page, in Arabic: Janus refuses her token (433) again
    // and again while she waits.
    await sara.page.goto(patientUrl, { waitUntil: 'load' });
    await until('the patient waits', async () => (await status(sara.page)).state === 'waiting');
    assert.equal(await sara.page.evaluate(() => document.documentElement.dir), 'rtl');
    assert.equal(await sara.page.evaluate(() => document.documentElement.lang), 'ar');
    assert.equal((await status(sara.page)).text, 'بانتظار أن يسمح لك الطبيب بالدخول…');
    await until('Janus refused the waiting token twice', async () => sara.refusals.count >= 2, 15_000);
    assert.equal((await status(sara.page)).state, 'waiting');
    await screenshot(sara.page, 'join-waiting-ar');

    const admitted = await hub.api('POST', `${participants}/${patient.body.id}/admit`, clinicianKey, {});
    assert.equal(admitted.status, 200, JSON.stringify(admitted.body));
    await until('the patient is in the room', async () => (await status(sara.page)).state === 'in_room', 15_000);
    assert.equal((await status(sara.page)).text, 'أنت الآن في الاستشارة.');

    // Each sees and hears the other; both publish for 10 s.
    const started = {};
    for (const [who, page] of [['clinician', clinician.page], ['patient', sara.page]]) {
      const [video] = await until(`the ${who} receives video`, async () => {
        const videos = await remoteVideos(page);
        return videos.length === 1 && videos[0].width > 0 && videos[0].audio === 1 ? videos : null;
      });
      started[who] = video.time;
    }
    for (const [who, page] of [['clinician', clinician.page], ['patient', sara.page]]) {
      await until(`the ${who} received 10 s of the other's media`, async () => {
        const [video] = await remoteVideos(page);
        return video && video.time >= started[who] + 10 && video.audio === 1;
      }, 30_000);
    }
    await screenshot(sara.page, 'join-room-ar');
    await screenshot(clinician.page, 'join-room-en');

    // The hub heard both joins from Janus's event handler.
    const timeline = await until('the timeline shows both joins', async () => {
      const t = (await hub.api('GET', `/v1/consultations/${id}/timeline`, hospital)).body;
      const joined = new Set((t?.attendance ?? []).filter((e) => e.mark === 'join').map((e) => e.participant_id));
      return joined.has(doctor.body.id) && joined.has(patient.body.id) ? t : null;
    });
    assert.ok(timeline.attendance.some((e) => e.mark === 'join' && e.role === 'patient'));

    // Removed: Janus kicks her, her page says so, and the old link is refused.
    const removed = await hub.api('DELETE', `${participants}/${patient.body.id}`, clinicianKey);
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    await until('the patient is told she was removed', async () => (await status(sara.page)).state === 'removed');
    assert.equal((await status(sara.page)).text, 'تمت إزالتك من الاستشارة.');
    await until('the clinician no longer shows her', async () => (await remoteVideos(clinician.page)).length === 0);
    const again = await joinPage();
    try {
      await again.page.goto(patientUrl, { waitUntil: 'load' });
      await until('the old link is refused', async () => (await status(again.page)).state === 'link_refused');
      assert.deepEqual(again.problems(), []);
    } finally {
      await again.context.close();
    }

    // The clinician ends the session: the hub ends the room at Janus (202;
    // the run is moved on by Janus's event, not by the answer); the
    // clinician's page says so and the timeline has the end. Asked again,
    // the same answer.
    const endSession = `/v1/consultations/${id}/end-session`;
    const ended = await hub.api('POST', endSession, clinicianKey, {});
    assert.equal(ended.status, 202, JSON.stringify(ended.body));
    assert.equal(ended.body.room_status, 'ended');
    assert.equal(ended.body.room_id, doctor.body.join.room_id);
    await until('the clinician is told the consultation ended', async () =>
      (await status(clinician.page)).state === 'ended');
    assert.equal((await status(clinician.page)).text, 'The consultation has ended.');
    await until('the timeline shows the room end', async () =>
      ((await hub.api('GET', `/v1/consultations/${id}/timeline`, hospital)).body?.attendance ?? [])
        .some((e) => e.mark === 'room_end'));
    assert.deepEqual(await hub.api('POST', endSession, clinicianKey, {}), ended);

    // Janus's "destroyed" moved the run on: the session ended (not
    // cancelled), and the room's recording is converted and archived.
    const [recording] = await until('the recording is archived', async () => {
      const items = (await hub.api('GET', `/v1/consultations/${id}/recordings`, hospital)).body?.items ?? [];
      return items.length === 1 && items[0].state === 'archived' ? items : null;
    }, 120_000);
    const consultation = (await hub.api('GET', `/v1/consultations/${id}`, hospital)).body;
    assert.equal(consultation.status, 'ended', JSON.stringify(consultation));
    const runSteps = (await hub.api('GET', `/v1/consultations/${id}/timeline`, hospital)).body;
    assert.ok(runSteps.attempts.some((a) => a.step_id === 'session_ended' && a.status === 'succeeded'),
      JSON.stringify(runSteps.attempts));
    assert.ok(!runSteps.attempts.some((a) => a.compensation), JSON.stringify(runSteps.attempts));

    // The archived file decodes: an audio and a video stream, at least 8 s;
    // its SHA-256 is the recording's plaintext_sha256.
    const content = await fetch(`${hub.base}/v1/recordings/${recording.id}/content`,
      { headers: { Authorization: `Bearer ${hospital}` } });
    assert.equal(content.status, 200);
    const media = Buffer.from(await content.arrayBuffer());
    assert.equal(createHash('sha256').update(media).digest('hex'), recording.plaintext_sha256);
    const file = path.join(janusDir, 'archived-recording.webm');
    await writeFile(file, media);
    const probed = JSON.parse((await run('ffprobe', ['-v', 'error', '-show_entries',
      'stream=codec_type,codec_name:format=duration', '-of', 'json', file], { timeout: 60_000 })).stdout);
    const kinds = probed.streams.map((st) => st.codec_type).sort();
    assert.deepEqual(kinds, ['audio', 'video'], JSON.stringify(probed));
    assert.ok(Number(probed.format.duration) >= 8, JSON.stringify(probed.format));

    assert.deepEqual(clinician.problems(), []);
    assert.deepEqual(sara.problems(), []);
  } finally {
    await clinician.context.close();
    await sara.context.close();
  }
});

test('a link without a Janus credential says the provider\'s own client is used; a broken one says so', async () => {
  const other = Buffer.from(JSON.stringify({ v: 1, provider: 'chime', lang: 'en' })).toString('base64url');
  for (const [fragment, state, text] of [
    [other, 'other_provider', /video provider's own app/],
    ['not*base64', 'no_credential', /^هذا الرابط غير مكتمل/],
  ]) {
    const page = await joinPage();
    try {
      await page.page.goto(`${hub.base}/join/#${fragment}`, { waitUntil: 'load' });
      await until(`the page says ${state}`, async () => (await status(page.page)).state === state);
      assert.match((await status(page.page)).text, text);
      assert.deepEqual(page.problems(), []);
    } finally {
      await page.context.close();
    }
  }
});
