'use strict';
// A prior authorisation's preAuthRef, as the exchange issued it and as a
// later claim carries it back.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { sample, focal, claimSample, bareExchange } = require('./exchange_fixture');

// CHI's prior-authorisation sample, its ids numbered `id`.
function priorauthSample(id) {
  const bundle = sample('priorauth-request-professional');
  bundle.id = `bundle-${id}`;
  bundle.entry[0].resource.id = `header-${id}`;
  focal(bundle).identifier[0].value = `req_${id}`;
  return bundle;
}

test('an approved prior authorisation issues a preAuthRef; the claim carrying it shows it', () => {
  const { exchange } = bareExchange();
  const answer = exchange.process(priorauthSample('p1'));
  const issued = focal(answer.body).preAuthRef;
  assert.ok(issued, 'an approval carries preAuthRef');
  const claim = claimSample('c1');
  focal(claim).insurance[0].preAuthRef = [issued];
  exchange.process(claim);
  const [authorization, claimed] = exchange.claimSummaries();
  assert.equal(authorization.use, 'preauthorization');
  assert.equal(authorization.issuedPreAuthRef, issued);
  assert.equal(authorization.preAuthRef, undefined);
  assert.equal(claimed.use, 'claim');
  assert.equal(claimed.preAuthRef, issued);
  assert.equal(claimed.issuedPreAuthRef, undefined);
});

test('a rejected prior authorisation issues none; a queued approval issues one with its answer', () => {
  const { exchange } = bareExchange();
  exchange.setRules({ priorauth: { outcome: 'reject' } });
  exchange.process(priorauthSample('r1'));
  exchange.setRules({ priorauth: { outcome: 'queue', queueSeconds: 0, then: 'approve' } });
  exchange.process(priorauthSample('q1'));
  const [rejected, queued] = exchange.claimSummaries();
  assert.equal(rejected.state, 'rejected');
  assert.equal(rejected.issuedPreAuthRef, undefined);
  assert.equal(queued.state, 'queued');
  assert.match(queued.issuedPreAuthRef, /^PA-/);
});
