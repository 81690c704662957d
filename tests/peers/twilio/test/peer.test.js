'use strict';
// The emulator end to end over loopback HTTP: room lifecycle, uniqueness of
// UniqueName among in-progress rooms, participants, recording rules,
// compositions and their media redirect, faults, callbacks signed with the
// twilio library (checked here with twilio.validateRequest), the access-token
// checker, and Prism's validation of request shapes.

const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');
const twilio = require('twilio');
const { TwilioPeer } = require('../src/server');
const { checkAccessToken } = require('../src/token_check');
const { startPrism } = require('../src/prism');
const { mediaDigest } = require('../src/media_bytes');

const ACCOUNT = 'AC0123456789abcdef0123456789abcdef';
const KEY = 'SK0123456789abcdef0123456789abcdef';
const SECRET = 'peer-test-api-key-secret';
const AUTH_TOKEN = 'peer-test-auth-token';

// A webhook receiver that validates every callback with twilio.validateRequest.
function startReceiver() {
  const received = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const url = `http://127.0.0.1:${server.address().port}${req.url}`;
      const params = Object.fromEntries(new URLSearchParams(body));
      const valid = twilio.validateRequest(AUTH_TOKEN, req.headers['x-twilio-signature'], url, params);
      received.push({ params, valid, signature: req.headers['x-twilio-signature'], body });
      res.writeHead(valid ? 204 : 401);
      res.end();
      for (const w of waiters.splice(0)) w();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    server,
    received,
    url: `http://127.0.0.1:${server.address().port}/v1/webhooks/video.twilio-main`,
    // Polls with a deadline for `predicate(received)`.
    async until(predicate, what, deadlineMs = 5000) {
      const deadline = Date.now() + deadlineMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${received.map((r) => r.params.StatusCallbackEvent)}`);
        await new Promise((r) => { waiters.push(r); setTimeout(r, 50); });
      }
    },
  })));
}

function client(port, { user = KEY, pass = SECRET } = {}) {
  const call = (method, path, form, extraHeaders = {}) => new Promise((resolve, reject) => {
    const body = form === undefined ? '' : (typeof form === 'string' ? form : new URLSearchParams(form).toString());
    const headers = { ...extraHeaders };
    if (user !== null) headers.Authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    if (body) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        let json;
        try { json = JSON.parse(raw.toString('utf8')); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, json, raw });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
  return {
    get: (path, h) => call('GET', path, undefined, h),
    post: (path, form) => call('POST', path, form),
    del: (path) => call('DELETE', path),
    json: (method, path, obj) => new Promise((resolve, reject) => {
      const body = obj === undefined ? '' : JSON.stringify(obj);
      const req = http.request({ host: '127.0.0.1', port, method, path, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (c) => { text += c; });
        res.on('end', () => resolve({ status: res.statusCode, json: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
      req.end(body);
    }),
  };
}

async function withPeer(options, fn) {
  const peer = new TwilioPeer({ accountSid: ACCOUNT, apiKeySid: KEY, apiKeySecret: SECRET, authToken: AUTH_TOKEN, compositionMs: 60, mediaBytes: 100000, ...options });
  const port = await peer.listen();
  const receiver = await startReceiver();
  try {
    await fn({ peer, port, api: client(port), receiver });
  } finally {
    await peer.close();
    await new Promise((r) => receiver.server.close(r));
  }
}

function createForm(receiver, uniqueName, extra = {}) {
  return {
    Type: 'group', UniqueName: uniqueName, StatusCallback: receiver.url, StatusCallbackMethod: 'POST',
    MaxParticipants: '4', EmptyRoomTimeout: '5', UnusedRoomTimeout: '5', MaxParticipantDuration: '3600',
    RecordParticipantsOnConnect: 'false', ...extra,
  };
}

test('a whole room lifecycle with signed callbacks, one composition and its media', async () => {
  await withPeer({}, async ({ port, api, receiver }) => {
    const created = await api.post('/v1/Rooms', createForm(receiver, 'wasl-run-1-create_room'));
    assert.equal(created.status, 201);
    const room = created.json;
    assert.match(room.sid, /^RM[0-9a-f]{32}$/);
    assert.equal(room.status, 'in-progress');
    assert.equal(room.unique_name, 'wasl-run-1-create_room');
    assert.equal(room.max_participants, 4);

    // UniqueName is unique among in-progress rooms: Twilio's 53113.
    const again = await api.post('/v1/Rooms', createForm(receiver, 'wasl-run-1-create_room'));
    assert.equal(again.status, 400);
    assert.equal(again.json.code, 53113);
    const found = await api.get('/v1/Rooms?UniqueName=wasl-run-1-create_room&Status=in-progress');
    assert.deepEqual(found.json.rooms.map((r) => r.sid), [room.sid]);
    assert.equal(found.json.meta.key, 'rooms');
    assert.equal((await api.get('/v1/Rooms/wasl-run-1-create_room')).json.sid, room.sid);

    const sim = await api.json('POST', `/_peer/rooms/${room.sid}/simulate`, { actions: [
      { type: 'join', identity: 'clinician-1' }, { type: 'join', identity: 'patient-1' }] });
    assert.equal(sim.status, 200);
    const listed = await api.get(`/v1/Rooms/${room.sid}/Participants`);
    assert.deepEqual(listed.json.participants.map((p) => p.identity).sort(), ['clinician-1', 'patient-1']);

    const rules = await api.post(`/v1/Rooms/${room.sid}/RecordingRules`, { Rules: JSON.stringify([{ type: 'include', all: true }]) });
    assert.equal(rules.status, 200);
    assert.deepEqual(rules.json.rules, [{ type: 'include', all: true }]);
    const recs = await api.get(`/v1/Rooms/${room.sid}/Recordings`);
    assert.equal(recs.json.recordings.length, 4); // two tracks each

    const patient = listed.json.participants.find((p) => p.identity === 'patient-1');
    const kicked = await api.post(`/v1/Rooms/${room.sid}/Participants/${patient.sid}`, { Status: 'disconnected' });
    assert.equal(kicked.json.status, 'disconnected');

    const ended = await api.post(`/v1/Rooms/${room.sid}`, { Status: 'completed' });
    assert.equal(ended.json.status, 'completed');
    const endedAgain = await api.post(`/v1/Rooms/${room.sid}`, { Status: 'completed' });
    assert.equal(endedAgain.status, 200);
    // The name is free again once the room is completed.
    assert.equal((await api.get('/v1/Rooms?UniqueName=wasl-run-1-create_room&Status=in-progress')).json.rooms.length, 0);

    const comp = await api.post('/v1/Compositions', new URLSearchParams([
      ['RoomSid', room.sid], ['Format', 'mp4'], ['StatusCallback', receiver.url],
      ['VideoLayout', JSON.stringify({ grid: { video_sources: ['*'] } })],
      ['AudioSources', '*']]).toString());
    assert.equal(comp.status, 201, JSON.stringify(comp.json));
    assert.equal(comp.json.status, 'enqueued');
    await receiver.until((r) => r.some((x) => x.params.StatusCallbackEvent === 'composition-available'), 'composition-available');
    const media = await api.get(`/v1/Compositions/${comp.json.sid}/Media`);
    assert.equal(media.status, 302);
    assert.equal(media.headers.location, media.json.redirect_to);
    const file = await client(port, { user: null }).get(new URL(media.headers.location).pathname + new URL(media.headers.location).search);
    assert.equal(file.status, 200);
    assert.equal(file.raw.length, 100000);
    const digest = crypto.createHash('sha256').update(file.raw).digest('hex');
    assert.equal(digest, mediaDigest(`wasl-twilio-peer/compositions/${comp.json.sid}`, 100000));
    const ranged = await client(port, { user: null }).get(new URL(media.headers.location).pathname + new URL(media.headers.location).search, { Range: 'bytes=10-19' });
    assert.equal(ranged.status, 206);
    assert.deepEqual(ranged.raw, file.raw.subarray(10, 20));
    const forgedMedia = await client(port, { user: null }).get(`/_media/compositions/${comp.json.sid}?Expires=9999999999&Signature=${'0'.repeat(64)}`);
    assert.equal(forgedMedia.status, 403);

    // Data minimization: delete the Twilio-side copies.
    assert.equal((await api.del(`/v1/Compositions/${comp.json.sid}`)).status, 204);
    for (const r of recs.json.recordings) assert.equal((await api.del(`/v1/Recordings/${r.sid}`)).status, 204);

    const events = receiver.received.map((x) => x.params.StatusCallbackEvent);
    for (const e of ['room-created', 'participant-connected', 'recording-started', 'participant-disconnected',
      'recording-completed', 'room-ended', 'composition-enqueued', 'composition-progress', 'composition-available']) {
      assert.ok(events.includes(e), `missing ${e} in ${events}`);
    }
    assert.ok(receiver.received.every((x) => x.valid), 'every callback validates with twilio.validateRequest');
    const stamps = receiver.received.map((x) => Date.parse(x.params.Timestamp));
    assert.deepEqual([...stamps].sort((a, b) => a - b), stamps);
    assert.ok(receiver.received.every((x) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(x.params.Timestamp)));

    const effects = (await api.json('GET', '/_peer/effects')).json;
    assert.equal(effects.roomsCreatedByUniqueName['wasl-run-1-create_room'], 1);
    assert.equal(effects.compositionsCreatedByUniqueName['wasl-run-1-create_room'], 1);
    assert.equal(effects.compositionsDeleted, 1);
    assert.equal(effects.recordingsDeleted, 4);
  });
});

test('callback signatures are the twilio library\'s and a forged one would not validate', async () => {
  await withPeer({}, async ({ api, receiver }) => {
    await api.post('/v1/Rooms', createForm(receiver, 'sig-room'));
    await receiver.until((r) => r.length >= 1, 'room-created');
    const cb = receiver.received[0];
    assert.equal(cb.valid, true);
    assert.equal(cb.signature, twilio.getExpectedTwilioSignature(AUTH_TOKEN, receiver.url, cb.params));
    assert.equal(twilio.validateRequest('another-token', cb.signature, receiver.url, cb.params), false);
    assert.equal(twilio.validateRequest(AUTH_TOKEN, cb.signature, `${receiver.url}x`, cb.params), false);
    // Spaces travel as '+' in the body (URLSearchParams), which both decoders read as a space.
    const odd = await api.post('/v1/Rooms', createForm(receiver, 'room with spaces & ümlauts'));
    assert.equal(odd.status, 201);
    await receiver.until((r) => r.some((x) => x.params.RoomName === 'room with spaces & ümlauts'), 'odd room');
    assert.ok(receiver.received.every((x) => x.valid));
  });
});

test('HTTP Basic: API key or account credentials, nothing else', async () => {
  await withPeer({}, async ({ port }) => {
    assert.equal((await client(port).get('/v1/Rooms')).status, 200);
    assert.equal((await client(port, { user: ACCOUNT, pass: AUTH_TOKEN }).get('/v1/Rooms')).status, 200);
    const bad = await client(port, { pass: 'wrong' }).get('/v1/Rooms');
    assert.equal(bad.status, 401);
    assert.equal(bad.json.code, 20003);
    assert.equal((await client(port, { user: null }).get('/v1/Rooms')).status, 401);
  });
});

test('faults: 429 with Retry-After, 500 after the effect, slow answers', async () => {
  await withPeer({}, async ({ api, receiver }) => {
    const set = await api.json('POST', '/_peer/faults', [
      { operation: 'CreateRoom', count: 1, status: 429, retryAfterSeconds: 2 },
      { operation: 'CreateRoom', count: 1, status: 500, afterEffect: true },
      { operation: 'FetchRoom', count: 1, delayMs: 300 },
    ]);
    assert.equal(set.status, 200);
    const throttled = await api.post('/v1/Rooms', createForm(receiver, 'fault-room'));
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers['retry-after'], '2');
    assert.equal(throttled.json.code, 20429);
    const lost = await api.post('/v1/Rooms', createForm(receiver, 'fault-room'));
    assert.equal(lost.status, 500);
    // The lost answer did create the room: a retry must find it, not make another.
    const retry = await api.post('/v1/Rooms', createForm(receiver, 'fault-room'));
    assert.equal(retry.json.code, 53113);
    const started = Date.now();
    const slow = await api.get('/v1/Rooms/fault-room');
    assert.equal(slow.status, 200);
    assert.ok(Date.now() - started >= 290);
    const effects = (await api.json('GET', '/_peer/effects')).json;
    assert.equal(effects.roomsCreatedByUniqueName['fault-room'], 1);
    assert.equal((await api.json('POST', '/_peer/faults', { operation: 'X', status: 404 })).status, 400);
  });
});

test('callback faults: duplicated and reordered deliveries', async () => {
  await withPeer({}, async ({ api, receiver }) => {
    await api.json('POST', '/_peer/faults', [
      { callbacks: 'duplicate', count: 1, event: 'room-created' },
      { callbacks: 'reorder', count: 2, event: 'participant-connected' },
    ]);
    const room = (await api.post('/v1/Rooms', createForm(receiver, 'cb-faults'))).json;
    await api.json('POST', `/_peer/rooms/${room.sid}/simulate`, { actions: [
      { type: 'join', identity: 'a' }, { type: 'join', identity: 'b' }] });
    await receiver.until((r) => r.filter((x) => x.params.StatusCallbackEvent === 'participant-connected').length === 2, 'joins');
    const events = receiver.received.map((x) => x.params.StatusCallbackEvent);
    assert.deepEqual(events.slice(0, 2), ['room-created', 'room-created']);
    const joins = receiver.received.filter((x) => x.params.StatusCallbackEvent === 'participant-connected');
    assert.deepEqual(joins.map((x) => x.params.ParticipantIdentity), ['b', 'a']);
    assert.ok(Date.parse(joins[0].params.Timestamp) > Date.parse(joins[1].params.Timestamp));
    assert.ok(receiver.received.every((x) => x.valid));
  });
});

test('a hold fault keeps callbacks until the flush, then sends them newest first', async () => {
  await withPeer({}, async ({ api, receiver }) => {
    const room = (await api.post('/v1/Rooms', createForm(receiver, 'cb-hold'))).json;
    await receiver.until((r) => r.length === 1, 'room-created');
    await api.json('POST', '/_peer/faults', { callbacks: 'hold', count: 2, event: 'participant-connected' });
    await api.json('POST', `/_peer/rooms/${room.sid}/simulate`, { actions: [
      { type: 'join', identity: 'a' }, { type: 'join', identity: 'b' }, { type: 'join', identity: 'c' }] });
    await receiver.until((r) => r.length === 2, 'the join that was not held');
    assert.equal(receiver.received[1].params.ParticipantIdentity, 'c');
    const flushed = await api.json('POST', '/_peer/callbacks/flush', {});
    assert.equal(flushed.json.released, 2);
    await receiver.until((r) => r.length === 4, 'the held joins');
    assert.deepEqual(receiver.received.slice(2).map((x) => x.params.ParticipantIdentity), ['b', 'a']);
    assert.equal((await api.json('POST', '/_peer/callbacks/flush', {})).json.released, 0);
  });
});

test('a simulated action may say when it happened: the callbacks carry that time', async () => {
  await withPeer({}, async ({ api, receiver }) => {
    const room = (await api.post('/v1/Rooms', createForm(receiver, 'cb-at'))).json;
    const t = 1767225600000;  // 2026-01-01T00:00:00Z
    await api.json('POST', `/_peer/rooms/${room.sid}/simulate`, { actions: [
      { type: 'join', identity: 'a', at: t + 60000 }, { type: 'leave', identity: 'a', at: t + 150500 },
      { type: 'end', at: t + 300000 }] });
    await receiver.until((r) => r.some((x) => x.params.StatusCallbackEvent === 'room-ended'), 'room-ended');
    const of = (event) => receiver.received.find((x) => x.params.StatusCallbackEvent === event).params;
    assert.equal(of('participant-connected').Timestamp, '2026-01-01T00:01:00.000Z');
    assert.equal(of('participant-disconnected').Timestamp, '2026-01-01T00:02:30.500Z');
    assert.equal(of('participant-disconnected').ParticipantDuration, '91');
    assert.equal(of('room-ended').Timestamp, '2026-01-01T00:05:00.000Z');
    const bad = await api.json('POST', `/_peer/rooms/${room.sid}/simulate`, { type: 'end', at: -1 });
    assert.equal(bad.status, 400);
  });
});

test('rooms end by themselves when unused or empty', async () => {
  await withPeer({ minuteMs: 20 }, async ({ api, receiver }) => {
    const unused = (await api.post('/v1/Rooms', createForm(receiver, 'unused', { UnusedRoomTimeout: '1' }))).json;
    const empty = (await api.post('/v1/Rooms', createForm(receiver, 'empty', { EmptyRoomTimeout: '1', UnusedRoomTimeout: '60' }))).json;
    await api.json('POST', `/_peer/rooms/${empty.sid}/simulate`, { actions: [
      { type: 'join', identity: 'x' }, { type: 'leave', identity: 'x' }] });
    await receiver.until((r) => r.filter((x) => x.params.StatusCallbackEvent === 'room-ended').length === 2, 'two room-ended');
    assert.equal((await api.get(`/v1/Rooms/${unused.sid}`)).json.status, 'completed');
    assert.equal((await api.get(`/v1/Rooms/${empty.sid}`)).json.status, 'completed');
  });
});

test('compositions need a completed room and a layout or audio sources; media waits for completion', async () => {
  await withPeer({ compositionMs: -1 }, async ({ api, receiver }) => {
    const room = (await api.post('/v1/Rooms', createForm(receiver, 'comp-room'))).json;
    const early = await api.post('/v1/Compositions', { RoomSid: room.sid, Format: 'mp4', AudioSources: '*' });
    assert.equal(early.status, 400);
    assert.equal(early.json.code, 53150);
    await api.post(`/v1/Rooms/${room.sid}`, { Status: 'completed' });
    assert.equal((await api.post('/v1/Compositions', { RoomSid: room.sid, Format: 'mp4' })).status, 400);
    const held = await api.post('/v1/Compositions', { RoomSid: room.sid, Format: 'mp4', AudioSources: '*', StatusCallback: receiver.url });
    assert.equal(held.status, 201);
    const media = await api.get(`/v1/Compositions/${held.json.sid}/Media`);
    assert.equal(media.status, 404);
    assert.equal(media.json.code, 53208);
    const failed = await api.json('POST', `/_peer/compositions/${held.json.sid}/fail`);
    assert.equal(failed.json.status, 'failed');
    await receiver.until((r) => r.some((x) => x.params.StatusCallbackEvent === 'composition-failed'), 'composition-failed');
    assert.equal((await api.get(`/v1/Compositions/${held.json.sid}/Media`)).status, 404);
    assert.equal((await api.get(`/v1/Compositions?RoomSid=${room.sid}`)).json.compositions.length, 1);
  });
});

test('a participant connects with an access token: its identity joins; forged, expired or another room\'s are refused', async () => {
  await withPeer({}, async ({ api, receiver }) => {
    const room = (await api.post('/v1/Rooms', createForm(receiver, 'token-room'))).json;
    const { AccessToken } = twilio.jwt;
    const token = ({ identity = 'patient-9', ttl = 600, grant = 'token-room', secret = SECRET, nbf } = {}) => {
      const t = new AccessToken(ACCOUNT, KEY, secret, { identity, ttl, nbf });
      t.addGrant(new AccessToken.VideoGrant({ room: grant }));
      return t.toJwt();
    };
    const join = (jwtText) => api.json('POST', `/_peer/rooms/${room.sid}/simulate`, { type: 'join', token: jwtText });

    const joined = await join(token());
    assert.equal(joined.status, 200, JSON.stringify(joined.json));
    assert.equal(joined.json.results[0].identity, 'patient-9');
    const bySid = await join(token({ identity: 'clinician-9', grant: room.sid }));
    assert.equal(bySid.status, 200, JSON.stringify(bySid.json));
    const listed = await api.get(`/v1/Rooms/${room.sid}/Participants`);
    assert.deepEqual(listed.json.participants.map((p) => p.identity).sort(), ['clinician-9', 'patient-9']);

    assert.equal((await join(token({ secret: 'not-the-key-secret' }))).status, 401);
    assert.equal((await join(token({ grant: 'another-room' }))).status, 403);
    // Issued and expired an hour ago.
    const expired = new AccessToken(ACCOUNT, KEY, SECRET, { identity: 'patient-9', ttl: 60 });
    expired.addGrant(new AccessToken.VideoGrant({ room: 'token-room' }));
    const claims = JSON.parse(Buffer.from(expired.toJwt().split('.')[1], 'base64url'));
    const jwt = require('jsonwebtoken');
    const old = jwt.sign({ ...claims, iat: claims.iat - 3600, exp: claims.iat - 3540, jti: `${KEY}-${claims.iat - 3600}` },
      SECRET, { algorithm: 'HS256', header: { typ: 'JWT', cty: 'twilio-fpa;v=1' } });
    const refused = await join(old);
    assert.equal(refused.status, 401);
    assert.match(JSON.stringify(refused.json), /expired/);
    assert.equal((await api.get(`/v1/Rooms/${room.sid}/Participants`)).json.participants.length, 2);
  });
});

test('access tokens: the twilio library\'s own are accepted, tampered ones are not', async () => {
  const { AccessToken } = twilio.jwt;
  const token = new AccessToken(ACCOUNT, KEY, SECRET, { identity: 'clinician-1', ttl: 600 });
  token.addGrant(new AccessToken.VideoGrant({ room: 'wasl-run-1' }));
  const jwtText = token.toJwt();
  const expect = { apiKeySid: KEY, apiKeySecret: SECRET, accountSid: ACCOUNT, identity: 'clinician-1', room: 'wasl-run-1' };
  const ok = checkAccessToken(jwtText, expect);
  assert.equal(ok.valid, true, ok.reason);
  assert.equal(ok.header.cty, 'twilio-fpa;v=1');

  assert.equal(checkAccessToken(jwtText, { ...expect, apiKeySecret: 'other' }).valid, false);
  assert.equal(checkAccessToken(jwtText, { ...expect, room: 'other-room' }).valid, false);
  assert.equal(checkAccessToken(jwtText, { ...expect, accountSid: 'AC1' }).valid, false);
  const [h, p, s] = jwtText.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url'));
  claims.grants.video.room = 'another';
  assert.equal(checkAccessToken(`${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`, expect).valid, false);
  assert.equal(checkAccessToken(jwtText.slice(0, -2), expect).valid, false);
  // Correctly signed but without the cty header Twilio requires.
  const jwt = require('jsonwebtoken');
  const noCty = jwt.sign({ jti: `${KEY}-${claims.iat}`, grants: { identity: 'clinician-1', video: { room: 'wasl-run-1' } } },
    SECRET, { algorithm: 'HS256', issuer: KEY, subject: ACCOUNT, expiresIn: 600, header: { typ: 'JWT' } });
  const refused = checkAccessToken(noCty, expect);
  assert.equal(refused.valid, false);
  assert.match(refused.reason, /cty/);
  const expired = jwt.sign({ jti: `${KEY}-1`, grants: { identity: 'x', video: {} } }, SECRET,
    { algorithm: 'HS256', issuer: KEY, subject: ACCOUNT, header: { typ: 'JWT', cty: 'twilio-fpa;v=1' }, expiresIn: -10 });
  assert.equal(checkAccessToken(expired, { ...expect, identity: undefined, room: undefined }).valid, false);

  await withPeer({}, async ({ api }) => {
    const viaPeer = await api.json('POST', '/_peer/check-token', { token: jwtText, apiKeySid: KEY, apiKeySecret: SECRET, accountSid: ACCOUNT, identity: 'clinician-1' });
    assert.equal(viaPeer.json.valid, true, viaPeer.json.reason);
  });
});

test('prism validates request shapes against the patched spec', { timeout: 120000 }, async () => {
  const prism = await startPrism({});
  try {
    const api = client(prism.port);
    const good = await api.post('/v1/Rooms', new URLSearchParams([
      ['Type', 'group'], ['UniqueName', 'wasl run 1'], ['StatusCallback', 'https://hub.example/v1/webhooks/video.twilio-main'],
      ['MaxParticipants', '4'], ['EmptyRoomTimeout', '5'], ['UnusedRoomTimeout', '5'], ['MaxParticipantDuration', '3600'],
      ['RecordParticipantsOnConnect', 'true'], ['VideoCodecs', 'VP8'], ['VideoCodecs', 'H264']]).toString()
      .replace(/\+/g, '%20'));
    assert.equal(good.status, 201, JSON.stringify(good.json));
    const bad = await api.post('/v1/Rooms', { Type: 'conference', MaxParticipants: 'four' });
    assert.equal(bad.status, 422);
    assert.ok(bad.json.validation.some((v) => v.location.includes('Type')));
    const comp = await api.post('/v1/Compositions', new URLSearchParams([
      ['RoomSid', 'RM0123456789abcdef0123456789abcdef'], ['Format', 'mp4'],
      ['VideoLayout', JSON.stringify({ grid: { video_sources: ['*'] } })], ['AudioSources', 'a'], ['AudioSources', 'b']]).toString());
    assert.notEqual(comp.status, 422, JSON.stringify(comp.json));
    const noRoom = await api.post('/v1/Compositions', { Format: 'mp4' });
    assert.equal(noRoom.status, 422);
    const unauth = await client(prism.port, { user: null }).get('/v1/Rooms');
    assert.equal(unauth.status, 401);
  } finally {
    await prism.stop();
  }
});
