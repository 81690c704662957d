'use strict';
// cancel-request: `cancel` withdraws a claim, `nullify` reverses an
// adjudicated one.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { validateR4 } = require('../src/r4_validation');
const {
  sample, focal, claimSample, claimFrom, statusCheck, statusAnswer, bareExchange, PROVIDER,
} = require('./exchange_fixture');

const TASK_CODE = 'http://nphies.sa/terminology/CodeSystem/task-code';

// CHI's cancel-request sample, from the known provider to N-I-00001, about
// the claim `claim` carries, with Task.code `code`.
function cancelRequest(claim, code, n = 1) {
  const bundle = sample('cancel-request');
  const tag = `${focal(claim).identifier[0].value.replace(/[^A-Za-z0-9.-]/g, '-')}-${code}-${n}`;  // an R4 id
  bundle.id = `cancel-${tag}`;
  const header = bundle.entry[0].resource;
  header.id = `cancel-header-${tag}`;
  header.sender.identifier.value = PROVIDER;
  header.destination[0].receiver.identifier.value = 'N-I-00001';
  const task = focal(bundle);
  task.identifier[0].value = `cancel-task-${tag}`;
  task.code.coding[0].code = code;
  task.focus.identifier = { ...focal(claim).identifier[0] };
  for (const e of bundle.entry) {
    if (e.resource.resourceType !== 'Organization') continue;
    const id = e.resource.identifier[0];
    id.value = id.system.endsWith('provider-license') ? PROVIDER : 'N-I-00001';
  }
  return bundle;
}

function answerOf(result) {
  const task = focal(result.body);
  return {
    event: result.body.entry[0].resource.eventCoding.code, status: task.status,
    codes: task.statusReason ? task.statusReason.coding.map((c) => c.code) : [],
  };
}

test('nullify reverses an adjudicated claim, paid or not, once', () => {
  const { exchange } = bareExchange();
  const approved = claimSample('n1');
  exchange.process(approved);
  exchange.payments.add({ paymentDate: '2025-02-01', claims: [{ claim: 'req_n1' }] });
  const nullified = exchange.process(cancelRequest(approved, 'nullify'));
  assert.deepEqual(answerOf(nullified), { event: 'cancel-response', status: 'completed', codes: [] });
  assert.deepEqual(validateR4(nullified.body), []);
  assert.deepEqual(focal(nullified.body).code.coding, [{ system: TASK_CODE, code: 'nullify' }]);
  const claim = exchange.claimSummaries()[0];
  assert.deepEqual([claim.state, claim.nullified.from, claim.payment], ['nullified', 'approved', 'paid']);
  assert.equal(statusAnswer(exchange.process(statusCheck(approved)).body).held, 'complete');
  assert.deepEqual(answerOf(exchange.process(cancelRequest(approved, 'nullify', 2))).codes, ['TK-0004']);
  assert.deepEqual(answerOf(exchange.process(cancelRequest(approved, 'cancel', 3))).codes, ['TK-0004']);
  assert.match(exchange.payments.add({ paymentDate: '2025-02-01', claims: [{ claim: 'req_n1', amount: 1 }] }).problems.join(),
    /req_n1 is nullified/);

  exchange.setRules({ claim: { outcome: 'reject' } });
  const rejected = claimSample('n2');
  exchange.process(rejected);
  assert.equal(answerOf(exchange.process(cancelRequest(rejected, 'nullify'))).status, 'completed');
  assert.deepEqual(exchange.received.filter((r) => r.event === 'cancel-request').map((r) => r.outcome),
    ['nullified', 'rejected', 'rejected', 'nullified']);
});

test('a claim not adjudicated yet is cancelled, not nullified', () => {
  const { exchange } = bareExchange();
  exchange.setRules({ claim: { outcome: 'queue', queueSeconds: 3600, then: 'approve' } });
  const queued = claimSample('c1');
  exchange.process(queued);
  assert.deepEqual(answerOf(exchange.process(cancelRequest(queued, 'nullify'))),
    { event: 'cancel-response', status: 'rejected', codes: ['TK-0003'] });
  assert.equal(exchange.claimSummaries()[0].state, 'queued', 'untouched');
  assert.equal(answerOf(exchange.process(cancelRequest(queued, 'cancel'))).status, 'completed');
  assert.equal(exchange.claimSummaries()[0].state, 'cancelled');
  assert.ok(exchange.queueSummary().every((q) => q.acknowledged), 'its answer dropped');
  assert.deepEqual(answerOf(exchange.process(cancelRequest(queued, 'nullify', 2))).codes, ['TK-0003']);
});

test('an adjudicated claim may still be cancelled, as before; another provider\'s claim is unknown', () => {
  const { exchange } = bareExchange();
  const approved = claimSample('a1');
  exchange.process(approved);
  assert.equal(answerOf(exchange.process(cancelRequest(approved, 'cancel'))).status, 'completed');
  assert.equal(exchange.claimSummaries()[0].state, 'cancelled');
  const theirs = claimFrom('N-F-00002', 'o1');
  exchange.process(theirs);
  assert.deepEqual(answerOf(exchange.process(cancelRequest(theirs, 'nullify'))).codes, ['TK-0001']);
  assert.equal(exchange.claimSummaries()[1].state, 'approved');
});

test('a cancel-request whose Task is neither cancel nor nullify is refused with 400', () => {
  const { exchange } = bareExchange();
  const claim = claimSample('b1');
  exchange.process(claim);
  const bad = exchange.process(cancelRequest(claim, 'status'));
  assert.equal(bad.status, 400);
  assert.match(bad.body.issue.map((i) => i.details.text).join(), /Task.code must be cancel or nullify/);
  const unfocused = cancelRequest(claim, 'cancel', 2);
  delete focal(unfocused).focus.identifier;
  assert.match(exchange.process(unfocused).body.issue.map((i) => i.details.text).join(), /must name a Claim by identifier/);
  assert.equal(exchange.claimSummaries()[0].state, 'approved');
});
