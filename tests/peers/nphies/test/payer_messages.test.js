'use strict';
// What the payer (or NPHIES) sends a provider on its own, queued by rules
// of the control API and collected with poll-request: orphan answers,
// error-notices, advanced-authorizations.

const assert = require('node:assert/strict');
const { test, before, after, beforeEach } = require('node:test');
const { validateR4 } = require('../src/r4_validation');
const {
  ExchangeFixture, focal, claimSample, pollRequest, polledBundles, acknowledgement, bareExchange, PROVIDER,
} = require('./exchange_fixture');

let exchange;

before(async () => { exchange = await ExchangeFixture.start(); });
after(() => exchange.close());
beforeEach(() => exchange.control('POST', '/_peer/reset'));

function events(bundles) {
  return bundles.map((b) => b.entry[0].resource.eventCoding.code);
}

test('120 orphan answers queued before the real answer: it comes out in the second poll', () => {
  const { exchange: ex, clock } = bareExchange();
  const orphans = ex.queueOrphans({ count: 120 });
  assert.deepEqual(orphans.problems, []);
  assert.equal(orphans.queued, 120);
  clock.now += 1000;
  ex.setRules({ claim: { outcome: 'queue', queueSeconds: 0, then: 'approve' } });
  const claim = claimSample('real');
  ex.process(claim);
  const first = polledBundles(ex.process(pollRequest({ include: ['claim-response'], count: 100, id: 'p1' })).body);
  assert.equal(first.length, 100);
  assert.ok(first.every((b) => focal(b).request.identifier.value.startsWith('orphan-')));
  assert.ok(first.every((b) => b.entry[0].resource.response.identifier !== claim.entry[0].resource.id));
  for (const b of first) ex.process(acknowledgement(b.entry[0].resource.id));
  const second = polledBundles(ex.process(pollRequest({ include: ['claim-response'], count: 100, id: 'p2' })).body);
  assert.equal(second.length, 21);
  assert.equal(second[20].entry[0].resource.response.identifier, claim.entry[0].resource.id, 'the real answer last');
  assert.deepEqual(validateR4(second[0]), []);
  assert.equal(ex.queueSummary().filter((q) => q.about === 'orphan').length, 120);
});

test('an error-notice names the message it is about; an advanced-authorization its patient and coverage', () => {
  const { exchange: ex } = bareExchange();
  const notice = ex.queueErrorNotice({ about: 'header-x1', issues: [{ code: 'GE-00013', text: 'Invalid signature' }] });
  assert.deepEqual(notice.problems, []);
  const auth = ex.queueAdvancedAuthorization({
    patient: { identifierSystem: 'iqama', identifier: '2000000001', name: 'Sara Ali', gender: 'female', birthDate: '1990-04-01' },
    memberId: 'M-77', preAuthRef: 'AA-1001', period: { start: '2025-01-15', end: '2025-02-14' },
  });
  assert.deepEqual(auth.problems, []);
  const polled = polledBundles(ex.process(pollRequest({ include: ['error-notice', 'advanced-authorization'], count: 10 })).body);
  assert.deepEqual(events(polled), ['error-notice', 'advanced-authorization']);
  for (const b of polled) assert.deepEqual(validateR4(b), [], events([b])[0]);

  const [errorNotice, authorization] = polled;
  const header = errorNotice.entry[0].resource;
  assert.equal(header.id, notice.messageHeaderId);
  assert.deepEqual(header.sender.identifier, { system: 'http://nphies.sa/license/nphies', value: 'NPHIES' });
  assert.deepEqual(header.destination[0].receiver.identifier, { system: 'http://nphies.sa/license/provider-license', value: PROVIDER });
  assert.deepEqual(header.response, { identifier: 'header-x1', code: 'fatal-error' });
  assert.deepEqual(focal(errorNotice).issue, [{
    severity: 'error', code: 'business-rule',
    details: { coding: [{ system: 'http://nphies.sa/terminology/CodeSystem/adjudication-error', code: 'GE-00013' }], text: 'Invalid signature' },
  }]);

  const response = focal(authorization);
  assert.deepEqual([response.use, response.outcome, response.preAuthRef], ['preauthorization', 'complete', 'AA-1001']);
  assert.deepEqual(response.preAuthPeriod, { start: '2025-01-15', end: '2025-02-14' });
  const entry = (ref) => authorization.entry.find((e) => e.fullUrl === ref.reference).resource;
  const patient = entry(response.patient);
  assert.equal(patient.resourceType, 'Patient');
  assert.deepEqual([patient.identifier[0].system, patient.identifier[0].value], ['http://nphies.sa/identifier/iqama', '2000000001']);
  const coverage = entry(response.insurance[0].coverage);
  assert.equal(coverage.identifier[0].value, 'M-77');
  assert.equal(entry(coverage.beneficiary), patient);
  assert.equal(entry(response.insurer).identifier[0].value, 'N-I-00001');
  assert.equal(auth.preAuthRef, 'AA-1001');
  assert.equal(polledBundles(ex.process(pollRequest({ include: ['claim-response'], count: 10 })).body).length, 0,
    'not of an event asked for');

  const unsolicited = ex.queueErrorNotice({ issues: [{ code: 'GE-1', text: 'x' }] });
  const bundle = ex.queue.find(PROVIDER, unsolicited.messageHeaderId).bundle;
  assert.equal(bundle.entry[0].resource.response, undefined, 'about no message: no response');
});

test('the control API queues them, refuses what it cannot send, and poll returns them until acknowledged', async () => {
  const refused = [
    ['/_peer/orphans', { count: 0 }, /count must be an integer 1..1000/],
    ['/_peer/orphans', { count: 2, provider: 'N-F-09999' }, /provider N-F-09999 is not a provider licence/],
    ['/_peer/error-notices', { issues: [] }, /issues must be a non-empty array/],
    ['/_peer/error-notices', { issues: [{ code: 'X', text: 'y', type: 'oops' }] }, /FHIR issue type/],
    ['/_peer/advanced-authorizations', { memberId: 'M' }, /patient must be/],
    ['/_peer/advanced-authorizations', { patient: { identifier: '1', identifierSystem: 'mrn' }, memberId: 'M' }, /identifierSystem/],
  ];
  for (const [route, body, pattern] of refused) {
    const answer = await exchange.control('POST', route, body, { withStatus: true });
    assert.equal(answer.status, 400, route);
    assert.match(answer.json.error, pattern);
  }
  assert.equal((await exchange.control('GET', '/_peer/queue')).items.length, 0);
  assert.equal((await exchange.control('POST', '/_peer/orphans', { count: 2 })).queued, 2);
  await exchange.control('POST', '/_peer/error-notices', { issues: [{ code: 'GE-1', text: 'x' }] });
  await exchange.control('POST', '/_peer/advanced-authorizations', { patient: { identifier: '1000000001' }, memberId: 'M-1' });
  const everything = ['claim-response', 'error-notice', 'advanced-authorization'];
  const polled = polledBundles((await exchange.post(pollRequest({ include: everything, count: 100 }))).body);
  assert.deepEqual(events(polled), ['claim-response', 'claim-response', 'error-notice', 'advanced-authorization']);
  for (const b of polled.slice(0, 3)) await exchange.post(acknowledgement(b.entry[0].resource.id));
  const again = polledBundles((await exchange.post(pollRequest({ include: everything, count: 100, id: 'again' }))).body);
  assert.deepEqual(events(again), ['advanced-authorization']);
  const queue = (await exchange.control('GET', '/_peer/queue')).items;
  assert.deepEqual(queue.map((q) => [q.event, q.acknowledged, q.delivered]), [
    ['claim-response', true, 1], ['claim-response', true, 1], ['error-notice', true, 1], ['advanced-authorization', false, 2],
  ]);
  assert.equal((await exchange.control('GET', '/_peer/effects')).queued, 4);
});
