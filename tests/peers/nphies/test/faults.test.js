'use strict';
// The faults that leave a claim in doubt: drop before and after the store,
// a connect timeout (the TLS handshake never answered), 408 and 504. Each
// ends, when the client checks the status and resends what the exchange
// does not hold, with exactly one claim at the exchange.

const assert = require('node:assert/strict');
const https = require('node:https');
const tls = require('node:tls');
const { test, before, after, beforeEach } = require('node:test');
const { poll } = require('../../support');
const { ExchangeFixture, focal, claimSample, statusCheck, statusAnswer } = require('./exchange_fixture');

let exchange;

before(async () => { exchange = await ExchangeFixture.start(); });
after(() => exchange.close());
beforeEach(() => exchange.control('POST', '/_peer/reset'));

async function fault(rule) {
  const added = await exchange.control('POST', '/_peer/faults', rule, { withStatus: true });
  assert.equal(added.status, 200, JSON.stringify(added.json));
  return added.json;
}

const cut = (err) => err.code === 'ECONNRESET' || /socket hang up/.test(err.message);

// A TLS connection to the exchange: resolves { secured, closedAfterMs } once
// the server closes it, `secured` telling whether the handshake completed.
function connectAndWaitForClose() {
  return new Promise((resolve) => {
    const started = Date.now();
    let secured = false;
    const socket = tls.connect(exchange.tlsOptions(), () => { secured = true; socket.end(); });
    socket.on('error', () => {});
    socket.on('close', () => resolve({ secured, closedAfterMs: Date.now() - started }));
  });
}

async function outcomes() {
  return (await exchange.received()).map((r) => r.outcome);
}

test('drop "before": the connection is cut and nothing is stored', async () => {
  await fault({ event: 'claim-request', drop: 'before' });
  await assert.rejects(exchange.post(claimSample('b1')), cut);
  assert.deepEqual(await exchange.claims(), []);
  assert.ok((await outcomes()).includes('fault drop before store (nothing stored, connection cut)'));
  assert.equal(statusAnswer((await exchange.post(statusCheck(claimSample('b1')))).body).status, 'rejected');
  assert.equal((await exchange.post(claimSample('b1'))).status, 200);
  const claims = await exchange.claims();
  assert.deepEqual(claims.map((c) => [c.submissions, c.duplicates]), [[1, 0]]);
});

test('drop true or "after": the claim is stored, then the connection is cut', async () => {
  for (const [id, drop] of [['a1', true], ['a2', 'after']]) {
    await fault({ event: 'claim-request', drop });
    await assert.rejects(exchange.post(claimSample(id)), cut);
    const claims = await exchange.claims();
    assert.equal(claims.find((c) => c.key.endsWith(`|req_${id}`)).state, 'approved', String(drop));
    assert.equal(statusAnswer((await exchange.post(statusCheck(claimSample(id)))).body).held, 'complete');
  }
  assert.equal((await outcomes()).filter((o) => o === 'fault drop (answer stored, connection cut)').length, 2);
  assert.equal((await exchange.control('GET', '/_peer/faults')).fired, 2);
});

test('408: an OperationOutcome, the connection closed, nothing stored; no afterEffect', async () => {
  const refused = await exchange.control('POST', '/_peer/faults',
    { event: 'claim-request', status: 408, afterEffect: true }, { withStatus: true });
  assert.equal(refused.status, 400);
  assert.match(refused.json.error, /408 says the request was never read/);
  await fault({ event: 'claim-request', status: 408 });
  const answer = await exchange.post(claimSample('t1'));
  assert.equal(answer.status, 408);
  assert.equal(answer.headers.connection, 'close');
  assert.equal(answer.body.resourceType, 'OperationOutcome');
  assert.equal(answer.body.issue[0].code, 'timeout');
  assert.deepEqual(await exchange.claims(), []);
  assert.ok((await outcomes()).includes('fault 408'));
});

test('504 stores nothing, or with afterEffect stores the claim first', async () => {
  await fault([{ event: 'claim-request', status: 504 }, { event: 'claim-request', status: 504, afterEffect: true }]);
  const lost = await exchange.post(claimSample('g1'));
  assert.equal(lost.status, 504);
  assert.equal(lost.body.resourceType, 'OperationOutcome');
  assert.equal(lost.body.issue[0].code, 'timeout');
  assert.deepEqual(await exchange.claims(), []);
  await exchange.control('POST', '/_peer/rules', { claim: { outcome: 'queue', queueSeconds: 3600, then: 'approve' } });
  const stored = await exchange.post(claimSample('g2'));
  assert.equal(stored.status, 504);
  assert.deepEqual(stored.body.issue.map((i) => i.code), ['timeout']);
  assert.deepEqual((await exchange.claims()).map((c) => [c.key.split('|')[1], c.state]), [['req_g2', 'queued']]);
  assert.equal(statusAnswer((await exchange.post(statusCheck(claimSample('g2')))).body).held, 'queued');
  const records = await outcomes();
  assert.ok(records.includes('fault 504') && records.includes('fault 504 (answer stored)'), records.join(', '));
});

test('connectTimeout: the next N handshakes are never answered, each closed after closeAfterMs', async () => {
  const described = await fault({ connectTimeout: true, count: 2, closeAfterMs: 300 });
  assert.deepEqual(described.connectTimeouts, [{ remaining: 2, closeAfterMs: 300 }]);
  const held = [connectAndWaitForClose(), connectAndWaitForClose()];
  for (const { secured, closedAfterMs } of await Promise.all(held)) {
    assert.equal(secured, false, 'the handshake never completed');
    assert.ok(closedAfterMs >= 250, String(closedAfterMs));
  }
  const faults = await exchange.control('GET', '/_peer/faults');
  assert.deepEqual([faults.stalled, faults.fired, faults.connectTimeouts], [0, 2, []]);
  assert.equal((await exchange.post(claimSample('c1'))).status, 200, 'the third connection is served');
  const records = await outcomes();
  assert.equal(records.filter((o) => o === 'fault connect timeout (handshake held, closed after 300 ms)').length, 2);
});

test('connectTimeout: a client with a connect timeout gives up; a reset closes what is held', async () => {
  await fault({ connectTimeout: true });
  await assert.rejects(exchange.post(claimSample('c2'), { timeoutMs: 200 }), (err) => err.code === 'CLIENT_TIMEOUT');
  assert.deepEqual(await exchange.claims(), []);
  await poll(async () => (await exchange.control('GET', '/_peer/faults')).stalled === 0, 5000);

  await fault({ event: '*', connectTimeout: true });
  const held = connectAndWaitForClose();
  await poll(async () => (await exchange.control('GET', '/_peer/faults')).stalled === 1, 5000);
  await exchange.control('POST', '/_peer/reset');
  const { secured, closedAfterMs } = await held;
  assert.equal(secured, false);
  assert.ok(closedAfterMs < 60000, 'closed by the reset, not after the default 600000 ms');
  assert.equal((await exchange.control('GET', '/_peer/faults')).stalled, 0);
});

test('connectTimeout: idle kept-alive connections are closed, so the next message connects anew', async () => {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    assert.equal((await exchange.post(claimSample('k1'), { agent })).status, 200);
    const idle = () => Object.values(agent.freeSockets).flat().length;
    await poll(() => idle() === 1, 5000);  // the agent keeps its connection
    await fault({ connectTimeout: true, closeAfterMs: 60000 });
    await poll(() => idle() === 0, 5000);
    await assert.rejects(exchange.post(claimSample('k2'), { agent, timeoutMs: 200 }), (err) => err.code === 'CLIENT_TIMEOUT');
    assert.deepEqual((await exchange.claims()).map((c) => c.key.split('|')[1]), ['req_k1']);
  } finally {
    agent.destroy();
  }
});

test('any fault added closes idle kept-alive connections: a drop cuts a fresh connection', async () => {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    assert.equal((await exchange.post(claimSample('k1'), { agent })).status, 200);
    const idle = () => Object.values(agent.freeSockets).flat().length;
    await poll(() => idle() === 1, 5000);
    await fault({ event: 'claim-request', drop: 'before' });
    await poll(() => idle() === 0, 5000);
    await assert.rejects(exchange.post(claimSample('k2'), { agent }));
    assert.deepEqual((await exchange.claims()).map((c) => c.key.split('|')[1]), ['req_k1']);
  } finally {
    agent.destroy();
  }
});

test('a connectTimeout rule names no event and takes count and closeAfterMs only', async () => {
  for (const [rule, pattern] of [
    [{ connectTimeout: true, event: 'claim-request' }, /names no event/],
    [{ connectTimeout: true, status: 500 }, /count and closeAfterMs only, not status/],
    [{ connectTimeout: true, closeAfterMs: 600001 }, /closeAfterMs must be an integer 0..600000/],
    [{ connectTimeout: 'yes' }, /connectTimeout must be true/],
    [{ connectTimeout: true, count: 0 }, /count must be/],
  ]) {
    const refused = await exchange.control('POST', '/_peer/faults', rule, { withStatus: true });
    assert.equal(refused.status, 400, JSON.stringify(rule));
    assert.match(refused.json.error, pattern);
  }
  assert.deepEqual((await exchange.control('GET', '/_peer/faults')).connectTimeouts, []);
});

// The client's side of the protocol: a submission without an answer is in
// doubt; a status-check says whether the exchange holds it; only then is
// the same bundle resent.
async function submitUntilKnown(claim, options) {
  let answer;
  try {
    answer = await exchange.post(claim, options);
  } catch (err) {
    answer = { lost: err.code || err.message };
  }
  if (answer.status === 200) return { first: 'answered' };
  const check = statusAnswer((await exchange.post(statusCheck(claim, 1))).body);
  if (check.status === 'rejected') {
    const resent = await exchange.post(claim);
    assert.equal(resent.status, 200);
    assert.equal(focal(resent.body).outcome, 'complete');
  }
  const final = statusAnswer((await exchange.post(statusCheck(claim, 2))).body);
  return { first: answer.lost ? 'lost' : answer.status, check: check.held || check.status, final: final.held };
}

test('every in-doubt fault ends with exactly one claim at the exchange', async () => {
  const cases = [
    ['drop before store', { event: 'claim-request', drop: 'before' }, { first: 'lost', check: 'rejected' }],
    ['drop after store', { event: 'claim-request', drop: 'after' }, { first: 'lost', check: 'complete' }],
    ['connect timeout', { connectTimeout: true, closeAfterMs: 60000 }, { first: 'lost', check: 'rejected' }, { timeoutMs: 200 }],
    ['408', { event: 'claim-request', status: 408 }, { first: 408, check: 'rejected' }],
    ['504', { event: 'claim-request', status: 504 }, { first: 504, check: 'rejected' }],
    ['504 after effect', { event: 'claim-request', status: 504, afterEffect: true }, { first: 504, check: 'complete' }],
  ];
  for (const [name, rule, expected, options] of cases) {
    await exchange.control('POST', '/_peer/reset');
    await fault(rule);
    const claim = claimSample('e1');
    const seen = await submitUntilKnown(claim, options);
    assert.deepEqual(seen, { ...expected, final: 'complete' }, name);
    const claims = await exchange.claims();
    assert.equal(claims.length, 1, name);
    assert.deepEqual([claims[0].key, claims[0].submissions, claims[0].duplicates, claims[0].statusChecks],
      [`${focal(claim).identifier[0].system}|req_e1`, 1, 0, expected.check === 'complete' ? 2 : 1], name);
    assert.equal((await exchange.control('GET', '/_peer/faults')).fired, 1, name);
  }
});
