'use strict';
// Starts the peer as its own process (src/main.js), talks to it with requests
// signed by @smithy/signature-v4, and checks idempotency, signature refusal,
// attendees, events, faults, pipelines and the S3 recording.

const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const DEADLINE_MS = 10000;

let peer;
let port;

function httpRequest({ method, path: target, headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        let json;
        try { json = raw.length ? JSON.parse(raw.toString('utf8')) : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, raw, json });
      });
    });
    req.setTimeout(DEADLINE_MS, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function encodeQuery(query) {
  return Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

// Signs like the AWS SDK for JavaScript; `tamper(request)` may change the
// request after signing.
async function aws({ method, path: wirePath, query = {}, body, service = 'chime', headers = {}, tamper }) {
  const s3 = service === 's3';
  const signer = new SignatureV4({
    credentials: CREDENTIALS, region: 'us-east-1', service, sha256: Sha256,
    uriEscapePath: !s3, applyChecksum: s3,
  });
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const request = {
    method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path: wirePath,
    query,
    headers: {
      host: `127.0.0.1:${port}`,
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(s3 ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } : {}),
      ...headers,
    },
    body: payload,
  };
  const signed = await signer.sign(request);
  const out = { method: signed.method, path: signed.path, query: signed.query, headers: { ...signed.headers }, body: payload };
  if (tamper) tamper(out);
  const qs = encodeQuery(out.query);
  return httpRequest({ method: out.method, path: out.path + (qs ? `?${qs}` : ''), headers: out.headers, body: out.body });
}

async function control(method, route, body) {
  return httpRequest({
    method, path: route,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function waitFor(what, probe) {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

function createMeetingBody(token, extra = {}) {
  return { ClientRequestToken: token, ExternalMeetingId: 'visit-123', MediaRegion: 'us-east-1', ...extra };
}

before(async () => {
  peer = spawn(process.execPath, [path.join(__dirname, '..', 'src', 'main.js'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  port = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('peer did not print its port')), DEADLINE_MS);
    peer.stdout.on('data', (chunk) => {
      buffered += chunk;
      const nl = buffered.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(buffered.slice(0, nl)).port);
      }
    });
    peer.on('exit', (code) => reject(new Error(`peer exited with ${code}`)));
  });
});

after(() => {
  peer.kill('SIGTERM');
});

beforeEach(async () => {
  assert.equal((await control('POST', '/_peer/reset')).status, 200);
});

test('CreateMeeting twice with one ClientRequestToken makes one meeting', async () => {
  const first = await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-123-attempt-1') });
  assert.equal(first.status, 200, first.raw.toString());
  const meeting = first.json.Meeting;
  assert.match(meeting.MeetingId, /^[0-9a-f-]{36}$/);
  assert.match(meeting.MediaPlacement.SignalingUrl, /^wss:\/\//);
  assert.match(meeting.MediaPlacement.AudioHostUrl, /:3478$/);

  const second = await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-123-attempt-1') });
  assert.equal(second.status, 200);
  assert.equal(second.json.Meeting.MeetingId, meeting.MeetingId);

  const effects = (await control('GET', '/_peer/effects')).json;
  assert.equal(effects.meetingsCreated, 1);
  assert.deepEqual(effects.meetingsByClientRequestToken, { 'visit-123-attempt-1': 1 });
  assert.equal(effects.requests.byOperation.CreateMeeting, 2);
});

test('a request changed after signing is refused with 403 and changes nothing', async () => {
  const tampered = await aws({
    method: 'POST', path: '/meetings', body: createMeetingBody('visit-9-attempt-1'),
    tamper: (r) => { r.body = JSON.stringify(createMeetingBody('visit-9-attempt-2')); r.headers['content-length'] = Buffer.byteLength(r.body); },
  });
  assert.equal(tampered.status, 403);
  assert.equal(tampered.headers['x-amzn-errortype'], 'ForbiddenException');
  assert.equal(tampered.json.Code, 'Forbidden');
  assert.match(tampered.json.Message, /signature/i);
  assert.equal(tampered.json.RequestId, tampered.headers['x-amzn-requestid']);

  const otherPath = await aws({ method: 'GET', path: '/meetings/00000000-0000-4000-8000-000000000000', tamper: (r) => { r.path = '/meetings/00000000-0000-4000-8000-000000000001'; } });
  assert.equal(otherPath.status, 403);
  const otherQuery = await aws({ method: 'GET', path: '/meetings/00000000-0000-4000-8000-000000000000/attendees', query: { 'max-results': '10' }, tamper: (r) => { r.query = { 'max-results': '11' }; } });
  assert.equal(otherQuery.status, 403);
  const unsigned = await httpRequest({ method: 'GET', path: '/meetings/00000000-0000-4000-8000-000000000000' });
  assert.equal(unsigned.status, 403);
  const wrongSecret = await aws({
    method: 'POST', path: '/meetings', body: createMeetingBody('visit-9-attempt-3'),
    tamper: (r) => { r.headers.authorization = r.headers.authorization.replace(/Signature=[0-9a-f]{4}/, 'Signature=0000'); },
  });
  assert.equal(wrongSecret.status, 403);

  const effects = (await control('GET', '/_peer/effects')).json;
  assert.equal(effects.meetingsCreated, 0);
  assert.equal(effects.requests.rejectedSignatures, 5);
});

test('attendees: batch with partial Errors, paging, and 404 once the meeting ended', async () => {
  const { MeetingId } = (await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-1-attempt-1') })).json.Meeting;
  const batch = await aws({
    method: 'POST', path: `/meetings/${MeetingId}/attendees`, query: { operation: 'batch-create' },
    body: { Attendees: [{ ExternalUserId: 'patient-42' }, { ExternalUserId: 'x' }, { ExternalUserId: 'clinician-7', Capabilities: { Audio: 'Receive', Video: 'Receive', Content: 'Receive' } }] },
  });
  assert.equal(batch.status, 200);
  assert.equal(batch.json.Attendees.length, 2);
  assert.equal(batch.json.Errors.length, 1);
  assert.equal(batch.json.Errors[0].ExternalUserId, 'x');
  assert.equal(batch.json.Errors[0].ErrorCode, 'BadRequest');
  assert.ok(batch.json.Attendees[0].JoinToken.length > 20);

  const page1 = await aws({ method: 'GET', path: `/meetings/${MeetingId}/attendees`, query: { 'max-results': '1' } });
  assert.equal(page1.status, 200);
  assert.equal(page1.json.Attendees.length, 1);
  assert.ok(page1.json.NextToken);
  const page2 = await aws({ method: 'GET', path: `/meetings/${MeetingId}/attendees`, query: { 'max-results': '1', 'next-token': page1.json.NextToken } });
  assert.equal(page2.json.Attendees.length, 1);
  assert.equal(page2.json.NextToken, undefined);
  assert.notEqual(page1.json.Attendees[0].AttendeeId, page2.json.Attendees[0].AttendeeId);

  const tooMany = await aws({
    method: 'POST', path: `/meetings/${MeetingId}/attendees`, query: { operation: 'batch-create' },
    body: { Attendees: Array.from({ length: 101 }, (_, i) => ({ ExternalUserId: `user-${i}` })) },
  });
  assert.equal(tooMany.status, 400);

  assert.equal((await aws({ method: 'DELETE', path: `/meetings/${MeetingId}` })).status, 204);
  const late = await aws({ method: 'POST', path: `/meetings/${MeetingId}/attendees`, body: { ExternalUserId: 'patient-43' } });
  assert.equal(late.status, 404);
  assert.equal(late.headers['x-amzn-errortype'], 'NotFoundException');
  assert.equal(late.json.Message, 'Meeting ended.');
  assert.equal((await aws({ method: 'GET', path: `/meetings/${MeetingId}` })).status, 404);
});

test('faults: 503 with Retry-After, and a lost answer retried with the same token', async () => {
  await control('POST', '/_peer/faults', [
    { operation: 'CreateMeeting', count: 1, status: 503, retryAfterSeconds: 2 },
    { operation: 'CreateMeeting', count: 1, status: 500, afterEffect: true },
  ]);
  const busy = await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-5-attempt-1') });
  assert.equal(busy.status, 503);
  assert.equal(busy.headers['retry-after'], '2');
  assert.equal(busy.headers['x-amzn-errortype'], 'ServiceUnavailableException');
  const lost = await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-5-attempt-1') });
  assert.equal(lost.status, 500);
  const retried = await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-5-attempt-1') });
  assert.equal(retried.status, 200);
  const effects = (await control('GET', '/_peer/effects')).json;
  assert.equal(effects.meetingsCreated, 1);
  assert.deepEqual(effects.meetingsByClientRequestToken, { 'visit-5-attempt-1': 1 });
});

// A stand-in for the hub's webhook route on a loopback port: every event
// posted to it, with its secret header, in `received`.
async function eventSink() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ secret: req.headers['x-hub-secret'], event: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    received,
    url: `http://127.0.0.1:${server.address().port}/v1/webhooks/video.chime-main`,
    close: () => new Promise((r) => server.close(r)),
  };
}

test('events reach the hub with the secret header; a dropped event is counted', async () => {
  const sink = await eventSink();
  const received = sink.received;
  try {
    await control('POST', '/_peer/config', {
      eventsUrl: sink.url, eventsHeaderName: 'x-hub-secret', eventsHeaderValue: 's3cret',
    });
    await control('POST', '/_peer/faults', { dropEvents: 1, eventType: 'chime:AttendeeLeft' });
    const { MeetingId } = (await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-7-attempt-1') })).json.Meeting;
    const { Attendee } = (await aws({ method: 'POST', path: `/meetings/${MeetingId}/attendees`, body: { ExternalUserId: 'patient-42' } })).json;
    const sim = await control('POST', `/_peer/meetings/${MeetingId}/simulate`, {
      actions: [{ type: 'join', attendeeId: Attendee.AttendeeId }, { type: 'leave', attendeeId: Attendee.AttendeeId }, { type: 'end' }],
    });
    assert.equal(sim.status, 200);
    await waitFor('events delivered', async () => {
      const e = (await control('GET', '/_peer/effects')).json.events;
      return e.pending === 0 && e.sent === 4;
    });
    const types = received.map((r) => r.event.detail.eventType);
    assert.deepEqual(types, ['chime:MeetingStarted', 'chime:AttendeeAdded', 'chime:AttendeeJoined', 'chime:MeetingEnded']);
    for (const r of received) {
      assert.equal(r.secret, 's3cret');
      assert.equal(r.event.source, 'aws.chime');
      assert.equal(r.event['detail-type'], 'Chime Meeting State Change');
      assert.match(r.event.id, /^[0-9a-f-]{36}$/);
      assert.equal(r.event.detail.meetingId, MeetingId);
    }
    assert.equal(new Set(received.map((r) => r.event.id)).size, received.length);
    assert.equal((await control('GET', '/_peer/effects')).json.events.dropped, 1);
  } finally {
    await sink.close();
  }
});

test('held events stay queued in order until released', async () => {
  const sink = await eventSink();
  const received = () => sink.received.map((r) => r.event.detail.eventType);
  try {
    await control('POST', '/_peer/config', { eventsUrl: sink.url });
    assert.equal((await control('POST', '/_peer/config', { holdEvents: 'yes' })).status, 400);
    const { MeetingId } = (await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-8-attempt-1') })).json.Meeting;
    await waitFor('the start delivered', async () => received().length === 1);
    assert.equal((await control('POST', '/_peer/config', { holdEvents: true })).status, 200);
    const { Attendee } = (await aws({ method: 'POST', path: `/meetings/${MeetingId}/attendees`, body: { ExternalUserId: 'patient-8' } })).json;
    await control('POST', `/_peer/meetings/${MeetingId}/simulate`, {
      actions: [{ type: 'join', attendeeId: Attendee.AttendeeId }, { type: 'end' }],
    });
    // The meeting is gone at once; its events wait.
    assert.equal((await aws({ method: 'GET', path: `/meetings/${MeetingId}` })).status, 404);
    const held = (await control('GET', '/_peer/effects')).json.events;
    assert.equal(held.pending, 4);
    assert.deepEqual(received(), ['chime:MeetingStarted']);
    assert.equal((await control('POST', '/_peer/config', { holdEvents: false })).status, 200);
    await waitFor('the held events delivered', async () => (await control('GET', '/_peer/effects')).json.events.pending === 0);
    assert.deepEqual(received(), ['chime:MeetingStarted', 'chime:AttendeeAdded', 'chime:AttendeeJoined',
      'chime:AttendeeLeft', 'chime:MeetingEnded']);
  } finally {
    await control('POST', '/_peer/config', { holdEvents: false });
    await sink.close();
  }
});

test('a simulated action may say when it happened; its events carry that time', async () => {
  await control('POST', '/_peer/config', { eventsUrl: '' });
  const { MeetingId } = (await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-9-attempt-1') })).json.Meeting;
  const { Attendee } = (await aws({ method: 'POST', path: `/meetings/${MeetingId}/attendees`, body: { ExternalUserId: 'patient-9' } })).json;
  const t = 1767225600000;  // 2026-01-01T00:00:00Z
  const sim = await control('POST', `/_peer/meetings/${MeetingId}/simulate`, {
    actions: [{ type: 'join', attendeeId: Attendee.AttendeeId, at: t + 90500 },
      { type: 'drop', attendeeId: Attendee.AttendeeId, at: t + 600250 },
      { type: 'end', at: t + 1800000 }],
  });
  assert.equal(sim.status, 200);
  const events = (await control('GET', '/_peer/events')).json.events
    .filter((e) => e.detail.meetingId === MeetingId && e.eventType !== 'chime:MeetingStarted' && e.eventType !== 'chime:AttendeeAdded');
  assert.deepEqual(events.map((e) => [e.eventType, e.detail.timestamp, e.time]), [
    ['chime:AttendeeJoined', t + 90500, '2026-01-01T00:01:30Z'],
    ['chime:AttendeeDropped', t + 600250, '2026-01-01T00:10:00Z'],
    ['chime:MeetingEnded', t + 1800000, '2026-01-01T00:30:00Z'],
  ]);
  const bad = await control('POST', `/_peer/meetings/${MeetingId}/simulate`, { type: 'end', at: 'soon' });
  assert.equal(bad.status, 400);
});

test('recording: capture, stop, concatenate, then S3 GetObject with Range and a known SHA-256', async () => {
  await control('POST', '/_peer/config', { recordingBytes: 3 * 1024 * 1024 + 5, concatenationMs: 10 });
  const { Meeting } = (await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-8-attempt-1') })).json;
  const capture = await aws({
    method: 'POST', path: '/sdk-media-capture-pipelines',
    body: { SourceType: 'ChimeSdkMeeting', SourceArn: Meeting.MeetingArn, SinkType: 'S3Bucket', SinkArn: 'arn:aws:s3:::wasl-recordings/captures', ClientRequestToken: 'visit-8-capture-1' },
  });
  assert.equal(capture.status, 201, capture.raw.toString());
  const pipeline = capture.json.MediaCapturePipeline;
  const again = await aws({
    method: 'POST', path: '/sdk-media-capture-pipelines',
    body: { SourceType: 'ChimeSdkMeeting', SourceArn: Meeting.MeetingArn, SinkType: 'S3Bucket', SinkArn: 'arn:aws:s3:::wasl-recordings/captures', ClientRequestToken: 'visit-8-capture-1' },
  });
  assert.equal(again.json.MediaCapturePipeline.MediaPipelineId, pipeline.MediaPipelineId);
  const second = await aws({
    method: 'POST', path: '/sdk-media-capture-pipelines',
    body: { SourceType: 'ChimeSdkMeeting', SourceArn: Meeting.MeetingArn, SinkType: 'S3Bucket', SinkArn: 'arn:aws:s3:::wasl-recordings/captures', ClientRequestToken: 'visit-8-capture-2' },
  });
  assert.equal(second.status, 409);

  assert.equal((await aws({ method: 'DELETE', path: `/sdk-media-capture-pipelines/${pipeline.MediaPipelineId}` })).status, 204);
  const concat = await aws({
    method: 'POST', path: '/sdk-media-concatenation-pipelines',
    body: {
      ClientRequestToken: 'visit-8-concat-1',
      Sources: [{ Type: 'MediaCapturePipeline', MediaCapturePipelineSourceConfiguration: { MediaPipelineArn: pipeline.MediaPipelineArn, ChimeSdkMeetingConfiguration: { ArtifactsConfiguration: { Audio: { State: 'Enabled' }, Video: { State: 'Enabled' }, Content: { State: 'Enabled' }, DataChannel: { State: 'Enabled' }, TranscriptionMessages: { State: 'Enabled' }, MeetingEvents: { State: 'Enabled' }, CompositedVideo: { State: 'Enabled' } } } } }],
      Sinks: [{ Type: 'S3Bucket', S3BucketSinkConfiguration: { Destination: 'arn:aws:s3:::wasl-recordings/concatenated' } }],
    },
  });
  assert.equal(concat.status, 201, concat.raw.toString());
  const concatId = concat.json.MediaConcatenationPipeline.MediaPipelineId;
  await waitFor('concatenation stopped', async () =>
    (await aws({ method: 'GET', path: `/sdk-media-pipelines/${concatId}` })).json.MediaPipeline.MediaConcatenationPipeline.Status === 'Stopped');

  const list = await aws({ method: 'GET', path: '/wasl-recordings', query: { 'list-type': '2', prefix: 'concatenated/' }, service: 's3' });
  assert.equal(list.status, 200);
  const key = /<Key>([^<]+)<\/Key>/.exec(list.raw.toString())[1];
  assert.equal(key, `concatenated/composited-video/${concatId}.mp4`);

  const whole = await aws({ method: 'GET', path: `/wasl-recordings/${key}`, service: 's3' });
  assert.equal(whole.status, 200);
  assert.equal(whole.raw.length, 3 * 1024 * 1024 + 5);
  const objects = (await control('GET', '/_peer/objects?sha256=1')).json.objects;
  const digest = crypto.createHash('sha256').update(whole.raw).digest('hex');
  assert.equal(objects[0].sha256, digest);
  // The documented formula: AES-256-CTR keystream, key SHA-256(seed), zero counter.
  const key256 = crypto.createHash('sha256').update(objects[0].seed).digest();
  const stream = crypto.createCipheriv('aes-256-ctr', key256, Buffer.alloc(16)).update(Buffer.alloc(whole.raw.length));
  assert.ok(stream.equals(whole.raw));

  const part = await aws({ method: 'GET', path: `/wasl-recordings/${key}`, service: 's3', headers: { range: 'bytes=1048570-1048600' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers['content-range'], `bytes 1048570-1048600/${whole.raw.length}`);
  assert.ok(part.raw.equals(whole.raw.subarray(1048570, 1048601)));
  const tail = await aws({ method: 'GET', path: `/wasl-recordings/${key}`, service: 's3', headers: { range: 'bytes=-7' } });
  assert.ok(tail.raw.equals(whole.raw.subarray(whole.raw.length - 7)));
  const beyond = await aws({ method: 'GET', path: `/wasl-recordings/${key}`, service: 's3', headers: { range: `bytes=${whole.raw.length}-` } });
  assert.equal(beyond.status, 416);

  const tampered = await aws({ method: 'GET', path: `/wasl-recordings/${key}`, service: 's3', headers: { range: 'bytes=0-9' }, tamper: (r) => { r.headers.range = 'bytes=0-99'; } });
  assert.equal(tampered.status, 403);
  assert.match(tampered.raw.toString(), /<Code>SignatureDoesNotMatch<\/Code>/);
  const missing = await aws({ method: 'GET', path: '/wasl-recordings/nope.mp4', service: 's3' });
  assert.equal(missing.status, 404);
  assert.match(missing.raw.toString(), /<Code>NoSuchKey<\/Code>/);

  const effects = (await control('GET', '/_peer/effects')).json;
  assert.equal(effects.capturePipelinesCreated, 1);
  assert.deepEqual(effects.capturePipelinesByClientRequestToken, { 'visit-8-capture-1': 1 });
  assert.equal(effects.concatenationPipelinesCreated, 1);
});

test('an idle meeting ends by itself and says so', async () => {
  await control('POST', '/_peer/config', { idleEndMs: 50 });
  const { MeetingId } = (await aws({ method: 'POST', path: '/meetings', body: createMeetingBody('visit-6-attempt-1') })).json.Meeting;
  await waitFor('meeting ended', async () => (await aws({ method: 'GET', path: `/meetings/${MeetingId}` })).status === 404);
  const log = (await control('GET', '/_peer/events')).json.events.map((e) => e.eventType);
  assert.ok(log.includes('chime:MeetingEnded'));
  await control('POST', '/_peer/config', { idleEndMs: 300000 });
});
