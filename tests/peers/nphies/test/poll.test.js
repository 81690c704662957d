'use strict';
// The queue providers collect with poll-request: each provider gets its own
// messages only, oldest due first, until it acknowledges them.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { validateR4 } = require('../src/r4_validation');
const {
  sample, focal, claimFrom, pollRequest, polledBundles, acknowledgement, bareExchange, PROVIDER,
} = require('./exchange_fixture');

const OTHER = 'N-F-00002';

function claimKeys(bundles) {
  return bundles.map((b) => focal(b).request.identifier.value);
}

test('a provider collects only its own queued answers, and acknowledges only its own', () => {
  const { exchange } = bareExchange();
  exchange.setRules({ claim: { outcome: 'queue', queueSeconds: 0, then: 'approve' } });
  assert.equal(focal(exchange.process(claimFrom(PROVIDER, 'm1')).body).outcome, 'queued');
  assert.equal(focal(exchange.process(claimFrom(OTHER, 'o1')).body).outcome, 'queued');
  const mine = polledBundles(exchange.process(pollRequest({ count: 100 })).body);
  assert.deepEqual(claimKeys(mine), ['req_m1']);
  const theirs = polledBundles(exchange.process(pollRequest({ provider: OTHER, count: 100 })).body);
  assert.deepEqual(claimKeys(theirs), ['req_o1']);
  exchange.process(acknowledgement(theirs[0].entry[0].resource.id, PROVIDER));
  assert.equal(polledBundles(exchange.process(pollRequest({ provider: OTHER, count: 100 })).body).length, 1,
    'another provider cannot acknowledge it');
  exchange.process(acknowledgement(theirs[0].entry[0].resource.id, OTHER));
  assert.equal(polledBundles(exchange.process(pollRequest({ provider: OTHER, count: 100 })).body).length, 0);
  assert.deepEqual(exchange.queueSummary().map((q) => [q.provider, q.acknowledged]), [[PROVIDER, false], [OTHER, true]]);
});

test('the oldest due message comes first, whatever the order it was queued in', () => {
  const { exchange, clock } = bareExchange();
  exchange.setRules({ claim: { outcome: 'queue', queueSeconds: 60, then: 'approve' } });
  exchange.process(claimFrom(PROVIDER, 'late'));
  clock.now += 1000;
  exchange.setRules({ claim: { outcome: 'queue', queueSeconds: 1, then: 'reject' } });
  exchange.process(claimFrom(PROVIDER, 'early'));
  clock.now += 2000;
  assert.deepEqual(claimKeys(polledBundles(exchange.process(pollRequest({ count: 10 })).body)), ['req_early']);
  clock.now += 60000;
  assert.deepEqual(claimKeys(polledBundles(exchange.process(pollRequest({ count: 10 })).body)), ['req_early', 'req_late']);
  assert.deepEqual(claimKeys(polledBundles(exchange.process(pollRequest({ count: 1 })).body)), ['req_early']);
});

// CHI's professional prior-authorisation sample, numbered `id`.
function priorauthSample(id) {
  const bundle = sample('priorauth-request-professional');
  bundle.id = `priorauth-${id}`;
  bundle.entry[0].resource.id = `priorauth-header-${id}`;
  focal(bundle).identifier[0].value = `pa_${id}`;
  return bundle;
}

test('a deferred prior authorisation is collected as a priorauth-response, by its own rule', () => {
  const { exchange, clock } = bareExchange();
  assert.deepEqual(exchange.setRules({ priorauth: { outcome: 'queue', queueSeconds: 30, then: 'approve' } }), []);
  assert.equal(focal(exchange.process(claimFrom(PROVIDER, 'c1')).body).outcome, 'complete', 'claims keep their rule');
  const sent = priorauthSample('p1');
  const queued = exchange.process(sent);
  assert.equal(queued.body.entry[0].resource.eventCoding.code, 'priorauth-response');
  assert.equal(focal(queued.body).outcome, 'queued');
  assert.equal(polledBundles(exchange.process(pollRequest({ include: ['priorauth-response'], count: 5 })).body).length, 0,
    'not due yet');
  clock.now += 30000;
  assert.equal(polledBundles(exchange.process(pollRequest({ include: ['claim-response'], count: 5 })).body).length, 0,
    'not a claim-response');
  const [answer] = polledBundles(exchange.process(pollRequest({ include: ['priorauth-response'], count: 5 })).body);
  const header = answer.entry[0].resource;
  assert.equal(header.eventCoding.code, 'priorauth-response');
  assert.equal(header.response.identifier, 'priorauth-header-p1');
  const response = focal(answer);
  assert.equal(response.use, 'preauthorization');
  assert.equal(response.outcome, 'complete');
  assert.match(response.preAuthRef, /^PA-/);
  assert.deepEqual(response.request.identifier, focal(sent).identifier[0]);
  assert.deepEqual(validateR4(answer), []);
  exchange.process(acknowledgement(header.id));
  assert.equal(exchange.claimSummaries().find((c) => c.key.endsWith('|pa_p1')).state, 'approved');
  assert.deepEqual(exchange.setRules({ priorauth: null }), []);
  assert.equal(focal(exchange.process(priorauthSample('p2')).body).outcome, 'complete', 'as the claim rule again');
  assert.deepEqual(exchange.setRules({ priorauth: { outcome: 'queue', then: 'maybe' } }), ['priorauth.then must be approve, reject or partial']);
});
