'use strict';
// The FHIRPath business-validation invariants: CHI's samples keep them, and
// a message breaking one is answered like any business-rule failure, with
// its BV- code.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');
const { INVARIANTS, invariantErrors } = require('../src/bv_invariants');
const { ERRORS } = require('../src/nphies_terms');
const { focal, errorCodes, claimSample, bareExchange } = require('./exchange_fixture');

const SAMPLES = path.resolve(__dirname, '../../../../../shared/data/nphies');

function patientOf(bundle) {
  return bundle.entry.find((e) => e.resource.resourceType === 'Patient').resource;
}

test('every invariant has a BV- code, and every CHI sample keeps every invariant', () => {
  for (const [key, expression] of INVARIANTS) {
    assert.match(ERRORS[key][0], /^BV-\d{4}$/, key);
    assert.ok(expression.startsWith('Bundle.entry.resource.ofType('), key);
  }
  const samples = fs.readdirSync(SAMPLES).filter((f) => f.endsWith('.json') && !f.includes('derived'));
  assert.ok(samples.length >= 10);
  for (const file of samples) {
    const bundle = JSON.parse(fs.readFileSync(path.join(SAMPLES, file), 'utf8'));
    assert.deepEqual(invariantErrors(bundle), [], file);
  }
});

test('a claim breaking an invariant is answered with errors naming it', () => {
  const { exchange } = bareExchange();
  const cases = [
    ['a total off the nets', (c) => { focal(c).total.value = 120; }, ['MN-0002', 'BV-0001']],
    ['two items with one sequence', (c) => {
      const claim = focal(c);
      claim.item.push(JSON.parse(JSON.stringify(claim.item[0])));
      claim.total.value = 243.8;
    }, ['BV-0002']],
    ['a care team sequence the claim lacks', (c) => { focal(c).item[0].careTeamSequence = [2]; }, ['BV-0003']],
    ['a diagnosis sequence the claim lacks', (c) => { focal(c).item[0].diagnosisSequence = [1, 3]; }, ['BV-0003']],
    ['a quantity of 0', (c) => {
      const item = focal(c).item[0];
      item.quantity.value = 0;
      item.net.value = 15.9;
      focal(c).total.value = 15.9;
    }, ['BV-0004']],
    ['a patient identifier without its value', (c) => { delete patientOf(c).identifier[0].value; }, ['BV-0008']],
  ];
  cases.forEach(([name, breakIt, codes], n) => {
    const claim = claimSample(`bv${n}`);
    breakIt(claim);
    const answer = focal(exchange.process(claim).body);
    assert.equal(answer.outcome, 'error', name);
    assert.deepEqual(errorCodes(answer), codes, name);
  });
  assert.deepEqual(exchange.claimSummaries().map((c) => c.state), cases.map(() => 'error'));
  const fine = claimSample('fine');
  assert.deepEqual(errorCodes(focal(exchange.process(fine).body)), []);
});

test('the invariants look at communications and payment-notices too', () => {
  const communication = {
    resourceType: 'Bundle', type: 'message',
    entry: [{ resource: {
      resourceType: 'Communication', status: 'completed',
      about: [{ type: 'Claim', identifier: { system: 'http://sgh.com.sa/claim', value: 'req_1' } }],
      payload: [{ contentAttachment: { contentType: 'application/pdf', data: 'JVBERi0=', size: 5 } }],
    } }],
  };
  assert.deepEqual(invariantErrors(communication), []);
  const encounter = JSON.parse(JSON.stringify(communication));
  encounter.entry[0].resource.about[0].type = 'Encounter';
  assert.deepEqual(invariantErrors(encounter), ['bvCommunicationAbout']);
  const sizeless = JSON.parse(JSON.stringify(communication));
  delete sizeless.entry[0].resource.payload[0].contentAttachment.size;
  assert.deepEqual(invariantErrors(sizeless), ['bvAttachment']);
  const notice = { resourceType: 'Bundle', type: 'message', entry: [{ resource: { resourceType: 'PaymentNotice', amount: { value: 1, currency: 'USD' } } }] };
  assert.deepEqual(invariantErrors(notice), ['bvNoticeCurrency']);
  notice.entry[0].resource.amount.currency = 'SAR';
  assert.deepEqual(invariantErrors(notice), []);
});
