'use strict';
// batch-request: up to 200 claims acknowledged at once, each answered later
// through poll.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { validateR4 } = require('../src/r4_validation');
const {
  ExchangeFixture, focal, errorCodes, claimSample, statusCheck, statusAnswer, pollRequest, polledBundles,
  acknowledgement, bareExchange, PROVIDER,
} = require('./exchange_fixture');

const SD = 'http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition';

// A batch-request from the known provider carrying `claims` (bundles of
// claimSample), each Claim given the batch extensions (`tweak(claim, n)`
// may change them afterwards).
function batchRequest(claims, { id = 'b1', tweak = () => {} } = {}) {
  claims.forEach((bundle, i) => {
    const claim = focal(bundle);
    claim.extension = (claim.extension || []).filter((e) => !e.url.startsWith(`${SD}/extension-batch-`)).concat([
      { url: `${SD}/extension-batch-identifier`, valueIdentifier: { system: 'http://sgh.com.sa/batch', value: `batch-${id}` } },
      { url: `${SD}/extension-batch-number`, valuePositiveInt: i + 1 },
      { url: `${SD}/extension-batch-count`, valuePositiveInt: claims.length },
    ]);
    tweak(claim, i + 1);
  });
  const header = claims[0] ? JSON.parse(JSON.stringify(claims[0].entry[0].resource)) : {
    resourceType: 'MessageHeader', meta: { profile: [`${SD}/message-header|1.0.0`] },
    eventCoding: { system: 'http://nphies.sa/terminology/CodeSystem/ksa-message-events' },
    destination: [{ endpoint: 'http://nphies.sa/license/payer-license/N-I-00001', receiver: { type: 'Organization', identifier: { system: 'http://nphies.sa/license/payer-license', value: 'N-I-00001' } } }],
    sender: { type: 'Organization', identifier: { system: 'http://nphies.sa/license/provider-license', value: PROVIDER } },
    source: { endpoint: 'http://sgh.com.sa' },
  };
  header.id = `batch-header-${id}`;
  header.eventCoding.code = 'batch-request';
  delete header.focus;
  return {
    resourceType: 'Bundle', id: `batch-${id}`, meta: { profile: [`${SD}/bundle|1.0.0`] }, type: 'message',
    timestamp: '2025-01-15T08:00:00Z',
    entry: [{ fullUrl: `urn:uuid:batch-header-${id}`, resource: header },
      ...claims.map((b) => ({ fullUrl: `urn:uuid:${b.id}`, resource: b }))],
  };
}

function claims(prefix, n) {
  return Array.from({ length: n }, (_, i) => claimSample(`${prefix}${i + 1}`));
}

function btCodes(outcome) {
  return outcome.issue.map((i) => i.details.coding && i.details.coding[0].code);
}

test('a batch is acknowledged at once; each claim is answered through poll', () => {
  const { exchange } = bareExchange();
  const sent = claims('c', 3);
  sent[1].entry.find((e) => e.resource.resourceType === 'Patient').resource.identifier[0].system = 'http://sgh.com.sa/mrn';
  const batch = batchRequest(sent);
  const answer = exchange.process(batch);
  assert.equal(answer.status, 200);
  const header = answer.body.entry[0].resource;
  assert.equal(header.eventCoding.code, 'batch-response');
  assert.deepEqual(header.response, { identifier: 'batch-header-b1', code: 'ok' });
  assert.equal(answer.body.entry.length, 1);
  assert.deepEqual(validateR4(answer.body), []);
  assert.deepEqual(exchange.claimSummaries().map((c) => [c.state, c.finalState, c.batch]),
    [['queued', 'approved', 'batch-b1'], ['queued', 'error', 'batch-b1'], ['queued', 'approved', 'batch-b1']]);
  assert.equal(statusAnswer(exchange.process(statusCheck(sent[0])).body).held, 'queued');

  const polled = polledBundles(exchange.process(pollRequest({ include: ['claim-response'], count: 100 })).body);
  assert.deepEqual(polled.map((b) => b.entry[0].resource.response.identifier), sent.map((b) => b.entry[0].resource.id));
  assert.deepEqual(polled.map((b) => focal(b).outcome), ['complete', 'error', 'complete']);
  assert.deepEqual(errorCodes(focal(polled[1])), ['PT-0001']);
  for (const b of polled) exchange.process(acknowledgement(b.entry[0].resource.id));
  assert.deepEqual(exchange.claimSummaries().map((c) => c.state), ['approved', 'error', 'approved']);

  assert.deepEqual(exchange.process(batch).body, answer.body, 'a resent batch: the stored batch-response');
  assert.equal(focal(exchange.process(sent[0]).body).outcome, 'queued', 'a claim of the batch resent alone');
  assert.deepEqual(exchange.claimSummaries().map((c) => [c.submissions, c.duplicates]), [[1, 1], [1, 0], [1, 0]]);
  const records = exchange.received.filter((r) => r.batch === 'batch-b1');
  assert.deepEqual(records.map((r) => [r.event, r.outcome, r.finalOutcome]),
    [['claim-request', 'queued', 'approved'], ['claim-request', 'queued', 'error'], ['claim-request', 'queued', 'approved']]);
  assert.deepEqual(exchange.batches.summaries().map((b) => [b.identifier.value, b.count, b.claims.length, b.duplicates.length]),
    [['batch-b1', 3, 3, 0]]);
});

test('batch claims follow the claim rule and the communication-requests, and a held claim is a duplicate', () => {
  const { exchange, clock } = bareExchange();
  const held = claimSample('h1');
  exchange.process(held);
  exchange.setRules({ claim: { outcome: 'queue', queueSeconds: 30, then: 'partial' } });
  exchange.communications.add({ nextClaimFrom: PROVIDER, texts: ['Why?'] });
  const sent = [claimSample('h1'), claimSample('h2'), claimSample('h3')];
  const answer = exchange.process(batchRequest(sent, { id: 'b2' }));
  assert.equal(answer.body.entry[0].resource.response.code, 'ok');
  assert.deepEqual(exchange.batches.summaries()[0].duplicates, ['http://sgh.com.sa/claim|req_h1']);
  assert.equal(exchange.claimSummaries()[0].duplicates, 1);
  const now = polledBundles(exchange.process(pollRequest({ include: ['claim-response', 'communication-request'], count: 100 })).body);
  assert.deepEqual(now.map((b) => b.entry[0].resource.eventCoding.code), ['communication-request'], 'about h2, the next claim');
  assert.equal(focal(now[0]).about[0].identifier.value, 'req_h2');
  clock.now += 30000;
  const later = polledBundles(exchange.process(pollRequest({ include: ['claim-response'], count: 100 })).body);
  assert.deepEqual(later.map((b) => focal(b).request.identifier.value), ['req_h3'], 'h2 is held');
  assert.equal(focal(later[0]).extension[0].valueCodeableConcept.coding[0].code, 'partial');
});

test('more than 200 claims, or broken batch extensions, are refused with 400 and nothing stored', () => {
  const { exchange } = bareExchange();
  const big = batchRequest(claims('x', 201), { id: 'big' });
  const answer = exchange.process(big);
  assert.equal(answer.status, 400);
  assert.deepEqual(btCodes(answer.body), ['BT-0001']);
  assert.match(answer.body.issue[0].details.text, /this one carries 201/);
  assert.equal(exchange.process(batchRequest([], { id: 'empty' })).status, 400);

  const cases = [
    ['a wrong count', (c) => { c.extension.find((e) => e.url.endsWith('batch-count')).valuePositiveInt = 5; }, 'BT-0003'],
    ['a number twice', (c) => { c.extension.find((e) => e.url.endsWith('batch-number')).valuePositiveInt = 1; }, 'BT-0003'],
    ['no identifier', (c, n) => { if (n === 2) c.extension = c.extension.filter((e) => !e.url.endsWith('batch-identifier')); }, 'BT-0003'],
    ['two identifiers', (c, n) => { if (n === 2) c.extension.find((e) => e.url.endsWith('batch-identifier')).valueIdentifier.value = 'other'; }, 'BT-0003'],
  ];
  for (const [name, tweak, code] of cases) {
    const refused = exchange.process(batchRequest(claims(`${name.length}-`, 2), { id: `t${name.length}`, tweak }));
    assert.equal(refused.status, 400, name);
    assert.ok(btCodes(refused.body).every((c) => c === code) && btCodes(refused.body).length > 0, `${name}: ${JSON.stringify(refused.body)}`);
  }
  const notClaims = batchRequest(claims('y', 2), { id: 'nc' });
  notClaims.entry[2].resource.entry[0].resource.eventCoding.code = 'eligibility-request';
  const refused = exchange.process(notClaims);
  assert.deepEqual(btCodes(refused.body), ['BT-0002']);
  assert.match(refused.body.issue[0].details.text, /Bundle.entry\[2\].resource: .*not claim-request/);
  assert.deepEqual(exchange.claimSummaries(), []);
  assert.equal(exchange.queue.length, 0);
  assert.deepEqual(exchange.batches.summaries(), []);
});

test('over HTTP: a batch of 200 claims is R4, taken, and polled in two rounds', async () => {
  const exchange = await ExchangeFixture.start();
  try {
    const answer = await exchange.post(batchRequest(claims('z', 200), { id: 'full' }));
    assert.equal(answer.status, 200, JSON.stringify(answer.body).slice(0, 500));
    assert.equal(answer.body.entry[0].resource.eventCoding.code, 'batch-response');
    assert.equal((await exchange.claims()).length, 200);
    const first = polledBundles((await exchange.post(pollRequest({ include: ['claim-response'], count: 100, id: 'r1' }))).body);
    assert.equal(first.length, 100);
    for (const b of first) await exchange.post(acknowledgement(b.entry[0].resource.id));
    const second = polledBundles((await exchange.post(pollRequest({ include: ['claim-response'], count: 100, id: 'r2' }))).body);
    assert.equal(second.length, 100);
    assert.equal(focal(second[99]).request.identifier.value, 'req_z200');
    const batches = (await exchange.control('GET', '/_peer/batches')).items;
    assert.deepEqual(batches.map((b) => [b.count, b.claims.length]), [[200, 200]]);
    const refused = await exchange.post(batchRequest(claims('w', 201), { id: 'over' }));
    assert.equal(refused.status, 400);
    assert.equal((await exchange.claims()).length, 200);
  } finally {
    await exchange.close();
  }
});
