'use strict';
// status-check: the exchange answers from its store whether it holds a
// claim (queued or complete) or not, and refuses a malformed status-check
// as it refuses any malformed message.

const assert = require('node:assert/strict');
const { test, before, after, beforeEach } = require('node:test');
const { Exchange } = require('../src/exchange');
const { Message } = require('../src/message');
const { validateR4 } = require('../src/r4_validation');
const {
  ExchangeFixture, sample, focal, claimSample, statusCheck, statusAnswer, PROVIDER,
} = require('./exchange_fixture');

let exchange;

before(async () => { exchange = await ExchangeFixture.start(); });
after(() => exchange.close());
beforeEach(() => exchange.control('POST', '/_peer/reset'));

const TASK_OUTPUT_TYPE = 'http://nphies.sa/terminology/CodeSystem/task-output-type';
const TASK_CODE = 'http://nphies.sa/terminology/CodeSystem/task-code';

function poll() {
  const p = sample('poll-request');
  p.entry[0].resource.sender.identifier.value = PROVIDER;
  return p;
}

function acknowledgement(answerHeaderId) {
  return {
    resourceType: 'Bundle', id: `ack-${answerHeaderId}`, type: 'message', timestamp: new Date().toISOString(),
    meta: { profile: ['http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/bundle|1.0.0'] },
    entry: [{ fullUrl: `urn:uuid:ack-header-${answerHeaderId}`, resource: {
      resourceType: 'MessageHeader', id: `ack-header-${answerHeaderId}`,
      meta: { profile: ['http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/message-header|1.0.0'] },
      eventCoding: { system: 'http://nphies.sa/terminology/CodeSystem/ksa-message-events', code: 'acknowledgement' },
      destination: [{ endpoint: 'http://nphies.sa', receiver: { type: 'Organization', identifier: { system: 'http://nphies.sa/license/nphies', value: 'NPHIES' } } }],
      sender: { type: 'Organization', identifier: { system: 'http://nphies.sa/license/provider-license', value: PROVIDER } },
      source: { endpoint: 'http://sgh.com.sa' },
      response: { identifier: answerHeaderId, code: 'ok' },
    } }],
  };
}

test('a claim the exchange does not hold: the Task is rejected, no output', async () => {
  const check = statusCheck(claimSample('s0'));
  const answer = await exchange.post(check);
  assert.equal(answer.status, 200);
  const header = answer.body.entry[0].resource;
  assert.equal(header.eventCoding.code, 'status-response');
  assert.equal(header.response.identifier, check.entry[0].resource.id);
  assert.equal(header.response.code, 'ok');
  const { task, status, held } = statusAnswer(answer.body);
  assert.equal(status, 'rejected');
  assert.deepEqual(task.statusReason, { text: 'no claim with this identifier' });
  assert.equal(task.output, undefined);
  assert.equal(held, undefined);
  assert.deepEqual(task.code.coding, [{ system: TASK_CODE, code: 'status' }]);
  assert.deepEqual(task.focus, { type: 'Claim', identifier: focal(claimSample('s0')).identifier[0] });
  assert.deepEqual(validateR4(answer.body), [], 'the answer is valid R4');
  const record = (await exchange.received()).at(-1);
  assert.equal(record.event, 'status-check');
  assert.equal(record.outcome, 'not-held');
  assert.equal(record.claimIdentifier, `${focal(check).focus.identifier.system}|req_s0`);
});

test('an adjudicated claim is complete; the resend of its bundle gets its answer again', async () => {
  const claim = claimSample('s1');
  const first = await exchange.post(claim);
  assert.equal(focal(first.body).outcome, 'complete');
  const answer = await exchange.post(statusCheck(claim));
  const { task, status, held } = statusAnswer(answer.body);
  assert.equal(status, 'completed');
  assert.equal(held, 'complete');
  assert.deepEqual(task.output, [{ type: { coding: [{ system: TASK_OUTPUT_TYPE, code: 'status' }] }, valueCode: 'complete' }]);
  assert.deepEqual(task.focus.identifier, focal(claim).identifier[0]);
  assert.equal(task.statusReason, undefined);
  assert.deepEqual(validateR4(answer.body), []);
  const again = await exchange.post(claim);
  assert.deepEqual(again.body, first.body);
  const claims = await exchange.claims();
  assert.equal(claims.length, 1);
  assert.deepEqual([claims[0].submissions, claims[0].duplicates, claims[0].statusChecks], [1, 1, 1]);
});

test('a claim answered with errors is complete too: its error answer is stored', async () => {
  const claim = claimSample('s2');
  claim.entry.find((e) => e.resource.resourceType === 'Patient').resource.identifier[0].system = 'http://sgh.com.sa/mrn';
  assert.equal(focal((await exchange.post(claim)).body).outcome, 'error');
  assert.equal(statusAnswer((await exchange.post(statusCheck(claim))).body).held, 'complete');
});

test('a queued claim is queued until its polled answer is acknowledged, then complete', async () => {
  await exchange.control('POST', '/_peer/rules', { claim: { outcome: 'queue', queueSeconds: 3600, then: 'approve' } });
  const claim = claimSample('s3');
  await exchange.post(claim);
  assert.equal(statusAnswer((await exchange.post(statusCheck(claim, 1))).body).held, 'queued');
  await exchange.control('POST', '/_peer/queue/release');
  const polled = await exchange.post(poll());
  const delivered = polled.body.entry.filter((e) => e.resource.resourceType === 'Bundle');
  assert.equal(delivered.length, 1);
  assert.equal(statusAnswer((await exchange.post(statusCheck(claim, 2))).body).held, 'queued',
    'delivered but not acknowledged: still queued');
  assert.equal((await exchange.post(acknowledgement(delivered[0].resource.entry[0].resource.id))).status, 200);
  assert.equal(statusAnswer((await exchange.post(statusCheck(claim, 3))).body).held, 'complete');
  const outcomes = (await exchange.received()).filter((r) => r.event === 'status-check').map((r) => r.outcome);
  assert.deepEqual(outcomes, ['queued', 'queued', 'complete']);
  assert.equal((await exchange.claims())[0].statusChecks, 3);
});

test('a status-check is answered afresh each time, never replayed', async () => {
  const claim = claimSample('s4');
  const check = statusCheck(claim);
  assert.equal(statusAnswer((await exchange.post(check)).body).status, 'rejected');
  await exchange.post(claim);
  assert.equal(statusAnswer((await exchange.post(check)).body).held, 'complete');
});

test('a malformed status-check is refused with 400, as any malformed message', async () => {
  const claim = claimSample('s5');
  await exchange.post(claim);
  const cases = [
    ['no claim identifier', (t) => { delete t.focus.identifier.value; }, /Task.focus.identifier/],
    ['no identifier system', (t) => { delete t.focus.identifier.system; }, /Task.focus.identifier/],
    ['another task code', (t) => { t.code.coding[0].code = 'cancel'; }, /Task.code must be status/],
    ['focus not a Claim', (t) => { t.focus.type = 'Coverage'; }, /Task.focus.type must be Claim/],
    ['not requested', (t) => { t.status = 'draft'; }, /Task.status must be requested/],
    ['not an order', (t) => { t.intent = 'plan'; }, /Task.intent must be order/],
    ['not R4', (t) => { t.status = 'maybe'; }, /./],
  ];
  for (const [name, breakIt, pattern] of cases) {
    const check = statusCheck(claim, name.length);
    breakIt(focal(check));
    const answer = await exchange.post(check);
    assert.equal(answer.status, 400, name);
    assert.equal(answer.body.resourceType, 'OperationOutcome', name);
    assert.ok(answer.body.issue.some((i) => pattern.test(i.details.text)), `${name}: ${JSON.stringify(answer.body.issue)}`);
  }
  const noProfile = statusCheck(claim, 9);
  delete focal(noProfile).meta;
  assert.equal((await exchange.post(noProfile)).status, 400);
  const records = (await exchange.received()).filter((r) => r.event === 'status-check');
  assert.equal(records.length, cases.length + 1);
  assert.ok(records.every((r) => r.outcome === 'rejected'), JSON.stringify(records));
  assert.equal((await exchange.claims())[0].statusChecks, 0);
});

test('a status-check breaking a business rule is answered with a rejected Task and error codes', async () => {
  const claim = claimSample('s6');
  await exchange.post(claim);
  const strangerOwner = statusCheck(claim, 1);
  strangerOwner.entry.find((e) => e.resource.resourceType === 'Organization' &&
    e.resource.identifier[0].system.endsWith('payer-license')).resource.identifier[0].value = 'N-I-00077';
  const unknownPayer = statusCheck(claim, 2);
  unknownPayer.entry[0].resource.destination[0].receiver.identifier.value = 'N-I-00077';
  for (const [check, code] of [[strangerOwner, 'PY-0002'], [unknownPayer, 'PY-0001']]) {
    const answer = await exchange.post(check);
    assert.equal(answer.status, 200);
    const { task, status, held } = statusAnswer(answer.body);
    assert.equal(status, 'rejected');
    assert.equal(held, undefined);
    assert.ok(task.statusReason.coding.some((c) => c.code === code), JSON.stringify(task.statusReason));
    assert.equal(task.statusReason.text, undefined, 'not the "no claim" answer');
  }
  assert.equal((await exchange.claims())[0].statusChecks, 0);
});

test('a provider learns nothing of another provider\'s claims', () => {
  const store = new Exchange({
    providers: [PROVIDER, 'N-F-00002'], payers: ['N-I-00001'],
    serviceSystems: ['http://nphies.sa/terminology/CodeSystem/services'], validateR4: false,
  });
  const claim = claimSample('s7');
  assert.equal(focal(store.process(claim).body).outcome, 'complete');
  const mine = store.process(statusCheck(claim, 1));
  assert.equal(statusAnswer(mine.body).held, 'complete');
  const theirs = statusCheck(claim, 2);
  theirs.entry[0].resource.sender.identifier.value = 'N-F-00002';
  const requester = new Message(theirs).resolve(focal(theirs).requester);
  requester.identifier[0].value = 'N-F-00002';
  const answer = store.process(theirs);
  assert.equal(statusAnswer(answer.body).status, 'rejected');
  assert.deepEqual(statusAnswer(answer.body).task.statusReason, { text: 'no claim with this identifier' });
  assert.equal(store.claimSummaries()[0].statusChecks, 1);
});
