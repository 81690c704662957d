'use strict';
// The support library in process, through the example peer: faults, effects,
// records and the built-in control routes.

const { test, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { NotesPeer } = require('../example/src/notes_peer');
const { request, poll } = require('./helpers');

const AUTH = { authorization: 'Bearer t' };
let peer;
let port;

beforeEach(async () => {
  peer = new NotesPeer({ token: 't' });
  port = await peer.listen({ host: '127.0.0.1', port: 0 });
});

afterEach(async () => {
  await peer.close();
});

const create = (key, text = 'note', extra = {}) =>
  request(port, { method: 'POST', path: '/notes', headers: { ...AUTH, 'idempotency-key': key }, body: { text }, ...extra });
const control = (method, path, body) => request(port, { method, path, body });
const effects = async () => (await control('GET', '/_peer/effects')).json;

test('an error without effect carries Retry-After; the rule is consumed', async () => {
  assert.equal((await control('POST', '/_peer/faults', { operation: 'CreateNote', status: 429, retryAfterSeconds: 2 })).status, 200);
  const throttled = await create('k1');
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers['retry-after'], '2');
  assert.equal((await effects()).notesCreated, undefined);
  const next = await create('k1');
  assert.equal(next.status, 201);
  assert.equal((await effects()).notesCreated, 1);
  assert.deepEqual((await control('GET', '/_peer/faults')).json.rules, []);
});

test('503 gets Retry-After 1 by default; 500 none', async () => {
  await control('POST', '/_peer/faults', [{ operation: '*', status: 503 }, { operation: '*', status: 500 }]);
  assert.equal((await create('a')).headers['retry-after'], '1');
  const plain = await create('a');
  assert.equal(plain.status, 500);
  assert.equal(plain.headers['retry-after'], undefined);
});

test('afterEffect: the call takes effect and the answer is the error', async () => {
  await control('POST', '/_peer/faults', { operation: 'CreateNote', status: 500, afterEffect: true });
  assert.equal((await create('k')).status, 500);
  assert.equal((await effects()).notesCreated, 1);
  const retry = await create('k');
  assert.equal(retry.status, 201);
  assert.equal(retry.json.id, 'note-1');
  assert.equal((await effects()).notesCreated, 1, 'the retry with the same key created nothing');
});

test('delayMs: the effect happens, the answer comes late', async () => {
  await control('POST', '/_peer/faults', { operation: 'CreateNote', delayMs: 300 });
  const started = Date.now();
  const slow = await create('slow');
  assert.equal(slow.status, 201);
  assert.ok(Date.now() - started >= 290);
});

test('drop: the call takes effect, the connection closes unanswered', async () => {
  await control('POST', '/_peer/faults', { operation: 'CreateNote', drop: true });
  await assert.rejects(create('dropped'), (err) => err.code === 'ECONNRESET' || /socket hang up/.test(err.message));
  assert.equal((await effects()).notesCreated, 1);
  assert.equal((await peer.effects.records('notes')).length, 1);
});

test('drop "before": the connection closes unanswered and the call takes no effect', async () => {
  const before = (await effects()).notesCreated || 0;
  await control('POST', '/_peer/faults', { operation: 'CreateNote', drop: 'before' });
  await assert.rejects(create('lost'), (err) => err.code === 'ECONNRESET' || /socket hang up/.test(err.message));
  assert.equal((await effects()).notesCreated || 0, before);
  assert.equal((await control('GET', '/_peer/faults')).json.fired, 1);
  assert.equal((await create('lost')).status, 201, 'the resend is the first the peer takes');
  assert.equal((await effects()).notesCreated, before + 1);
});

test('hang: no answer until the peer is reset, which closes the call', async () => {
  await control('POST', '/_peer/faults', { operation: 'GetNote', hang: true });
  const hung = request(port, { path: '/notes/note-1', headers: AUTH, timeoutMs: 20000 }).then(() => null, (err) => err);
  await poll(async () => (await control('GET', '/_peer/faults')).json.held === 1);
  assert.equal((await control('POST', '/_peer/reset')).status, 200);
  const err = await hung;
  assert.ok(err && (err.code === 'ECONNRESET' || /socket hang up/.test(err.message)), String(err));
  assert.equal((await control('GET', '/_peer/faults')).json.held, 0);
});

test('DELETE /_peer/faults forgets the rules and keeps what the peer holds', async () => {
  assert.equal((await create('k-1')).status, 201);
  await control('POST', '/_peer/faults', { operation: '*', count: 100, delayMs: 30000 });
  const cleared = await control('DELETE', '/_peer/faults');
  assert.equal(cleared.status, 200);
  assert.deepEqual(cleared.json.rules, []);
  const started = Date.now();
  assert.equal((await request(port, { path: '/notes/note-1', headers: AUTH })).status, 200);
  assert.ok(Date.now() - started < 5000);
});

test('hang with afterEffect: the effect is committed, then nothing comes back', async () => {
  await control('POST', '/_peer/faults', { operation: 'CreateNote', hang: true, afterEffect: true });
  const hung = create('h', 'x', { timeoutMs: 300 });
  await assert.rejects(hung, (err) => err.code === 'TIMEOUT');
  assert.equal((await effects()).notesCreated, 1);
  await poll(async () => (await control('GET', '/_peer/faults')).json.held === 0);
});

test('malformed rules are refused with 400 and none of the batch is kept', async () => {
  for (const rule of [
    { status: 500 },
    { operation: 'CreateNote', status: 404 },
    { operation: 'CreateNote', count: 0, status: 500 },
    { operation: 'CreateNote' },
    { operation: 'CreateNote', status: 500, hang: true },
    { operation: 'CreateNote', delayMs: 60001 },
    { operation: 'CreateNote', status: 429, retryAfterSeconds: -1 },
  ]) {
    const answer = await control('POST', '/_peer/faults', rule);
    assert.equal(answer.status, 400, JSON.stringify(rule));
    assert.equal(typeof answer.json.error, 'string');
  }
  const batch = await control('POST', '/_peer/faults', { faults: [{ operation: 'CreateNote', status: 500 }, { operation: 'X' }] });
  assert.equal(batch.status, 400);
  assert.match(batch.json.error, /^rule 2: /);
  assert.deepEqual((await control('GET', '/_peer/faults')).json.rules, []);
});

test('count: a rule fires for exactly the next N calls of its operation', async () => {
  await control('POST', '/_peer/faults', { operation: 'GetNote', count: 2, status: 503 });
  assert.equal((await create('c')).status, 201, 'another operation is not affected');
  assert.equal((await request(port, { path: '/notes/note-1', headers: AUTH })).status, 503);
  assert.equal((await request(port, { path: '/notes/note-1', headers: AUTH })).status, 503);
  assert.equal((await request(port, { path: '/notes/note-1', headers: AUTH })).status, 200);
});

test('effects and records count what the peer received; reset forgets them', async () => {
  await create('r1', 'first');
  await create('r2', 'second');
  await create('r2', 'second');
  const counted = await effects();
  assert.equal(counted.notesCreated, 2);
  assert.equal(counted.requests.byOperation.CreateNote, 3);
  assert.equal(counted.received.notes, 2);
  const records = (await control('GET', '/_peer/received/notes')).json.records;
  assert.deepEqual(records.map((r) => [r.seq, r.item.text]), [[1, 'first'], [2, 'second']]);
  assert.deepEqual((await control('GET', '/_peer/notes')).json.notes.length, 2);
  await control('POST', '/_peer/reset');
  assert.deepEqual(await effects(), {});
  assert.deepEqual((await control('GET', '/_peer/received/notes')).json.records, []);
});

test('the control API: unknown routes 404, bad JSON 400, oversized bodies 413', async () => {
  assert.equal((await control('GET', '/_peer/nothing')).status, 404);
  assert.equal((await request(port, { method: 'POST', path: '/_peer/faults', body: '{not json' })).status, 400);
  assert.equal((await request(port, { method: 'POST', path: '/_peer/faults', body: `"${'x'.repeat(1 << 20)}"` })).status, 413);
  assert.equal((await request(port, { path: '/notes/x' })).status, 401, 'the provider routes are not the control API');
});
