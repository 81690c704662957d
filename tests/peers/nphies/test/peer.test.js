'use strict';
// The peer's own tests: a real https server with the certificates of
// scripts/test-pki, spoken to with client certificates, CHI's sample
// messages and broken variants of them.

const assert = require('node:assert/strict');
const { test, before, after, beforeEach } = require('node:test');
const { ExchangeFixture, sample, focal, errorCodes, claimSample } = require('./exchange_fixture');

let exchange;
const post = (body, options) => exchange.post(body, options);
const control = (method, route, body) => exchange.control(method, route, body);
let controlPort;

before(async () => {
  exchange = await ExchangeFixture.start();
  controlPort = exchange.controlPort;
});

after(() => exchange.close());

beforeEach(() => control('POST', '/_peer/reset'));

test('CHI samples are accepted and answered with their response events', async () => {
  const eligibility = await post(sample('eligibility-request-benefits-validation'));
  assert.equal(eligibility.status, 200);
  assert.equal(eligibility.body.entry[0].resource.eventCoding.code, 'eligibility-response');
  assert.equal(eligibility.body.entry[0].resource.response.identifier, 'c19c71dc-cfad-4401-b5b0-c0f20e8f1490');
  assert.equal(focal(eligibility.body).outcome, 'complete');
  const claim = await post(claimSample());
  assert.equal(claim.status, 200);
  assert.equal(focal(claim.body).outcome, 'complete');
  assert.ok(claim.headers.date);
});

test('without a client certificate the CA vouches for, nothing is processed', async () => {
  for (const client of [null, 'other-client', 'client-expired']) {
    const refused = await post(sample('poll-request'), { client });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.resourceType, 'OperationOutcome');
    assert.equal(refused.body.issue[0].code, 'security');
  }
  const received = (await control('GET', '/_peer/received')).items;
  assert.equal(received.length, 3);
  assert.ok(received.every((r) => r.outcome === 'tls-refused'), JSON.stringify(received));
  assert.match(received[2].reason, /CERT_HAS_EXPIRED/);
});

test('a server certificate outside the client\'s CA bundle is refused by the client', async () => {
  await assert.rejects(post(sample('poll-request'), { ca: 'other-ca' }), /certificate/);
  assert.equal((await control('GET', '/_peer/received')).items.length, 0);
});

test('a bundle that is not valid R4 is refused with 400 and an OperationOutcome', async () => {
  const bad = sample('eligibility-request-benefits-validation');
  bad.entry.find((e) => e.resource.resourceType === 'Patient').resource.gender = 'mail';
  const answer = await post(bad);
  assert.equal(answer.status, 400);
  assert.equal(answer.body.resourceType, 'OperationOutcome');
  assert.ok(answer.body.issue.length >= 1);
});

test('the NPHIES envelope rules are enforced', async () => {
  const headerLast = sample('eligibility-request-benefits-validation');
  headerLast.entry.push(headerLast.entry.shift());
  const a = await post(headerLast);
  assert.equal(a.status, 400);
  assert.ok(a.body.issue.some((i) => /MessageHeader/.test(i.details.text)), JSON.stringify(a.body));

  const noProfile = sample('eligibility-request-benefits-validation');
  delete noProfile.entry[2].resource.meta;
  const b = await post(noProfile);
  assert.equal(b.status, 400);
  assert.ok(b.body.issue.some((i) => /lacks its NPHIES profile/.test(i.details.text)));

  const unfocused = sample('eligibility-request-benefits-validation');
  unfocused.entry[0].resource.focus[0].reference = 'http://sgh.com.sa/Coverageeligibilityrequest/nope';
  const c = await post(unfocused);
  assert.equal(c.status, 400);
  assert.ok(c.body.issue.some((i) => /not the fullUrl of an entry/.test(i.details.text)));

  const unknownEvent = sample('eligibility-request-benefits-validation');
  unknownEvent.entry[0].resource.eventCoding.code = 'claim-please';
  assert.equal((await post(unknownEvent)).status, 400);
});

test('business rule violations are answered with adjudication-error codes', async () => {
  const stranger = sample('eligibility-request-benefits-validation');
  stranger.entry[0].resource.sender.identifier.value = 'N-F-00077';
  stranger.entry.find((e) => e.resource.resourceType === 'Organization' && e.resource.identifier[0].system.endsWith('provider-license')).resource.identifier[0].value = 'N-F-00077';
  const a = await post(stranger);
  assert.equal(a.status, 200);
  assert.equal(focal(a.body).outcome, 'error');
  assert.ok(errorCodes(focal(a.body)).includes('PV-0001'));
  assert.ok(errorCodes(focal(a.body)).includes('PV-0003'));  // not the certificate's licence

  const unknownId = claimSample('x1');
  unknownId.entry.find((e) => e.resource.resourceType === 'Patient').resource.identifier[0].system = 'http://sgh.com.sa/mrn';
  const b = await post(unknownId);
  assert.deepEqual(errorCodes(focal(b.body)), ['PT-0001']);

  await control('POST', '/_peer/rules', { eligibility: 'no-member' });
  const fresh = sample('eligibility-request-benefits-validation');
  fresh.id = 'bundle-e2';
  focal(fresh).identifier[0].value = 'req_e2';
  const c = await post(fresh);
  assert.deepEqual(errorCodes(focal(c.body)), ['1658']);
});

test('a resend is answered from the store, by Bundle id or by claim identifier', async () => {
  const first = await post(claimSample('d1'));
  const again = await post(claimSample('d1'));
  assert.deepEqual(again.body, first.body);
  const newBundle = claimSample('d1');
  newBundle.id = 'another-bundle-id';
  const byIdentifier = await post(newBundle);
  assert.deepEqual(byIdentifier.body, first.body);
  const claims = (await control('GET', '/_peer/claims')).items;
  assert.equal(claims.length, 1);
  assert.equal(claims[0].submissions, 1);
  assert.equal(claims[0].duplicates, 2);
});

test('queued claims are polled, delivered until acknowledged', async () => {
  await control('POST', '/_peer/rules', { claim: { outcome: 'queue', queueSeconds: 3600, then: 'partial' } });
  const queued = await post(claimSample('q1'));
  assert.equal(focal(queued.body).outcome, 'queued');
  const poll = sample('poll-request');
  poll.entry[0].resource.sender.identifier.value = 'N-F-00001';
  const early = await post(poll);
  assert.equal(early.body.entry.filter((e) => e.resource.resourceType === 'Bundle').length, 0);
  await control('POST', '/_peer/queue/release');
  for (let round = 0; round < 2; round++) {
    const polled = await post(poll);
    const delivered = polled.body.entry.filter((e) => e.resource.resourceType === 'Bundle');
    assert.equal(delivered.length, 1);
    const answer = delivered[0].resource;
    assert.equal(answer.entry[0].resource.eventCoding.code, 'claim-response');
    assert.equal(answer.entry[0].resource.response.identifier, 'header-q1');
    assert.equal(focal(answer).extension[0].valueCodeableConcept.coding[0].code, 'partial');
  }
  const polled = await post(poll);
  const answerHeader = polled.body.entry.find((e) => e.resource.resourceType === 'Bundle').resource.entry[0].resource;
  const ack = {
    resourceType: 'Bundle', id: 'ack-1', type: 'message', timestamp: new Date().toISOString(),
    meta: { profile: ['http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/bundle|1.0.0'] },
    entry: [{ fullUrl: 'urn:uuid:ack-header-1', resource: {
      resourceType: 'MessageHeader', id: 'ack-header-1',
      meta: { profile: ['http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/message-header|1.0.0'] },
      eventCoding: { system: 'http://nphies.sa/terminology/CodeSystem/ksa-message-events', code: 'acknowledgement' },
      destination: [{ endpoint: 'http://nphies.sa', receiver: { type: 'Organization', identifier: { system: 'http://nphies.sa/license/nphies', value: 'NPHIES' } } }],
      sender: { type: 'Organization', identifier: { system: 'http://nphies.sa/license/provider-license', value: 'N-F-00001' } },
      source: { endpoint: 'http://sgh.com.sa' },
      response: { identifier: answerHeader.id, code: 'ok' },
    } }],
  };
  assert.equal((await post(ack)).status, 200);
  const after = await post(poll);
  assert.equal(after.body.entry.filter((e) => e.resource.resourceType === 'Bundle').length, 0);
  const claims = (await control('GET', '/_peer/claims')).items;
  assert.equal(claims[0].state, 'partial');
});

test('a poll asks for at most 100 messages', async () => {
  const poll = sample('poll-request');
  poll.entry[0].resource.sender.identifier.value = 'N-F-00001';
  focal(poll).input.push({ type: { coding: [{ system: 'http://nphies.sa/terminology/CodeSystem/task-input-type', code: 'count' }] }, valuePositiveInt: 101 });
  assert.equal((await post(poll)).status, 400);
});

test('faults: 500 and 429 store nothing; a dropped answer is replayed on the resend', async () => {
  await control('POST', '/_peer/faults', { event: 'claim-request', count: 1, status: 500 });
  await control('POST', '/_peer/faults', { event: 'claim-request', count: 1, status: 429, retryAfterSeconds: 2 });
  assert.equal((await post(claimSample('f1'))).status, 500);
  const throttled = await post(claimSample('f1'));
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers['retry-after'], '2');
  assert.equal((await control('GET', '/_peer/claims')).items.length, 0);

  await control('POST', '/_peer/faults', { event: 'claim-request', count: 1, drop: true });
  await assert.rejects(post(claimSample('f1')));
  const resend = await post(claimSample('f1'));
  assert.equal(resend.status, 200);
  const claims = (await control('GET', '/_peer/claims')).items;
  assert.equal(claims.length, 1);
  assert.equal(claims[0].submissions, 1);
});

test('faults name an event; a held answer is stored first and sent late', async () => {
  const refused = await fetch(`http://127.0.0.1:${controlPort}/_peer/faults`, {
    method: 'POST', body: JSON.stringify({ operation: 'claim-request', status: 500 }) });
  assert.equal(refused.status, 400);
  assert.match((await refused.json()).error, /event is required/);
  const added = await control('POST', '/_peer/faults', { event: 'claim-request', holdAnswerMs: 300 });
  assert.deepEqual(added.rules.map((r) => [r.event, r.delayMs]), [['claim-request', 300]]);
  const sent = Date.now();
  const pending = post(claimSample('h1'));
  const stored = async () => (await control('GET', '/_peer/claims')).items.length === 1;
  for (let i = 0; i < 100 && !(await stored()); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(await stored(), 'stored before the answer is sent');
  assert.equal((await pending).status, 200);
  assert.ok(Date.now() - sent >= 300);
  const outcomes = (await control('GET', '/_peer/received')).items.map((i) => i.outcome);
  assert.ok(outcomes.includes('fault hold (answer stored, sent after 300 ms)'), outcomes.join(', '));
  assert.equal((await control('GET', '/_peer/effects')).faultsFired, 1);
});

test('the clock offset moves the Date header', async () => {
  await control('POST', '/_peer/clock', { offsetMs: 20 * 60 * 1000 });
  const answer = await post(sample('eligibility-request-benefits-validation'));
  const skew = Date.parse(answer.headers.date) - Date.now();
  assert.ok(skew > 19 * 60 * 1000 && skew < 21 * 60 * 1000, String(skew));
});
