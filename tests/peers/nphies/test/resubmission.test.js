'use strict';
// A rejected claim sent again as a new Claim with related.relationship
// `prior` naming it.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { focal, errorCodes, claimSample, claimFrom, bareExchange } = require('./exchange_fixture');

const RELATED = 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship';

// claimSample(id) resubmitting the claim `prior` carried.
function resubmission(id, prior) {
  const claim = claimSample(id);
  focal(claim).related = [{
    claim: { identifier: { ...focal(prior).identifier[0] } },
    relationship: { coding: [{ system: RELATED, code: 'prior' }] },
  }];
  return claim;
}

test('a rejected claim is resubmitted with related prior; the exchange links the two', () => {
  const { exchange } = bareExchange();
  exchange.setRules({ claim: { outcome: 'reject' } });
  const rejected = claimSample('r1');
  exchange.process(rejected);
  exchange.setRules({ claim: { outcome: 'approve' } });
  const again = exchange.process(resubmission('r2', rejected));
  assert.equal(focal(again.body).outcome, 'complete');
  assert.deepEqual(errorCodes(focal(again.body)), []);
  const [first, second] = exchange.claimSummaries();
  assert.deepEqual(first.resubmittedAs, ['http://sgh.com.sa/claim|req_r2']);
  assert.equal(second.resubmissionOf, 'http://sgh.com.sa/claim|req_r1');
  assert.equal(second.state, 'approved');

  const withErrors = claimSample('e1');
  withErrors.entry.find((e) => e.resource.resourceType === 'Patient').resource.identifier[0].system = 'http://sgh.com.sa/mrn';
  assert.equal(focal(exchange.process(withErrors).body).outcome, 'error');
  assert.deepEqual(errorCodes(focal(exchange.process(resubmission('e2', withErrors)).body)), [], 'answered with errors: rejected too');
});

test('a prior claim the exchange does not hold from this provider, or did not reject, is refused', () => {
  const { exchange } = bareExchange();
  const approved = claimSample('a1');
  exchange.process(approved);
  exchange.setRules({ claim: { outcome: 'reject' } });
  const theirs = claimFrom('N-F-00002', 'o1');
  exchange.process(theirs);
  exchange.setRules({ claim: { outcome: 'approve' } });
  const cases = [
    ['never sent', resubmission('x1', claimSample('never')), ['CL-0007']],
    ['another provider\'s', resubmission('x2', theirs), ['CL-0007']],
    ['approved', resubmission('x3', approved), ['CL-0008']],
  ];
  for (const [name, claim, codes] of cases) {
    const answer = focal(exchange.process(claim).body);
    assert.equal(answer.outcome, 'error', name);
    assert.deepEqual(errorCodes(answer), codes, name);
  }
  assert.equal(exchange.claimSummaries()[0].resubmittedAs, undefined);
});
