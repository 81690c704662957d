'use strict';
// The queue providers collect with poll-request: each provider gets its own
// messages only, oldest due first, until it acknowledges them.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const {
  focal, claimFrom, pollRequest, polledBundles, acknowledgement, bareExchange, PROVIDER,
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
