'use strict';
// payment-reconciliation (queued by a rule, collected by poll) pays
// approved claims; the provider's payment-notice must name it and its
// amount.

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { validateR4 } = require('../src/r4_validation');
const {
  ExchangeFixture, focal, claimSample, claimFrom, pollRequest, polledBundles, acknowledgement, bareExchange,
  providerMessage, organizations, PROVIDER,
} = require('./exchange_fixture');

const EARLY_FEE = 'http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/extension-early-fee';
const NPHIES_FEE = 'http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/extension-nphies-fee';

// Claims p1 (approved: benefit 111.3), p2 (partial: 68.9), p3 (approved),
// p4 (rejected) of the professional sample (net 121.9, tax 15.9).
function adjudicatedClaims(exchange) {
  exchange.process(claimSample('p1'));
  exchange.setRules({ claim: { outcome: 'partial' } });
  exchange.process(claimSample('p2'));
  exchange.setRules({ claim: { outcome: 'approve' } });
  exchange.process(claimSample('p3'));
  exchange.setRules({ claim: { outcome: 'reject' } });
  exchange.process(claimSample('p4'));
}

function paymentNotice(reconciliation, { id, amount, status = 'cleared' }) {
  const notice = {
    resourceType: 'PaymentNotice',
    id: `pn-${id}`,
    identifier: [{ system: 'http://provider.example/paymentnotice', value: `pn-${id}` }],
    status: 'active',
    created: '2025-02-02',
    provider: { reference: 'http://provider.example/Organization/prov' },
    payment: { type: 'PaymentReconciliation', identifier: { ...reconciliation.identifier[0] } },
    recipient: { reference: 'http://provider.example/Organization/ins' },
    amount: { value: amount === undefined ? reconciliation.paymentAmount.value : amount, currency: 'SAR' },
    paymentStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/paymentstatus', code: status }] },
  };
  return providerMessage('payment-notice', notice, organizations(), { id });
}

function ackOf(answer) {
  const header = answer.entry[0].resource;
  return {
    code: header.response.code, respondsTo: header.response.identifier,
    errors: header.focus ? focal(answer).issue.map((i) => i.details.coding[0].code) : [],
  };
}

test('a reconciliation pays three claims, one in part, with fees and an adjustment', () => {
  const { exchange } = bareExchange();
  adjudicatedClaims(exchange);
  const added = exchange.payments.add({
    paymentDate: '2025-02-01', period: { start: '2025-01-01', end: '2025-01-31' }, paymentIdentifier: 'TRF-88',
    claims: [
      { claim: 'req_p1', nphiesFee: 1.5 },
      { claim: 'req_p2', amount: 50, earlyFee: 0.5 },
      { claim: 'req_p3', adjustment: -10 },
    ],
  });
  assert.deepEqual(added.problems, []);
  const r = added.reconciliation;
  assert.equal(r.paymentAmount, 260.6, '111.3 + 50 + 111.3 - 10 - 0.5 - 1.5');
  assert.equal(r.provider, PROVIDER);

  const [message] = polledBundles(exchange.process(pollRequest({ include: ['payment-reconciliation'], count: 10 })).body);
  assert.deepEqual(validateR4(message), []);
  const header = message.entry[0].resource;
  assert.equal(header.eventCoding.code, 'payment-reconciliation');
  assert.deepEqual(header.sender.identifier, { system: 'http://nphies.sa/license/payer-license', value: 'N-I-00001' });
  const pr = focal(message);
  assert.deepEqual(pr.identifier, [r.identifier]);
  assert.deepEqual([pr.status, pr.outcome, pr.paymentDate], ['active', 'complete', '2025-02-01']);
  assert.deepEqual(pr.period, { start: '2025-01-01', end: '2025-01-31' });
  assert.deepEqual(pr.paymentAmount, { value: 260.6, currency: 'SAR' });
  assert.equal(pr.paymentIdentifier.value, 'TRF-88');
  const entry = (ref) => message.entry.find((e) => e.fullUrl === ref.reference).resource;
  assert.equal(entry(pr.paymentIssuer).identifier[0].value, 'N-I-00001');
  assert.equal(entry(pr.requestor).identifier[0].value, PROVIDER);
  const detail = pr.detail.map((d) => ({
    type: d.type.coding[0].code, claim: d.request.identifier.value, amount: d.amount.value,
    early: (d.extension || []).find((e) => e.url === EARLY_FEE)?.valueMoney.value,
    nphies: (d.extension || []).find((e) => e.url === NPHIES_FEE)?.valueMoney.value,
  }));
  assert.deepEqual(detail, [
    { type: 'payment', claim: 'req_p1', amount: 111.3, early: undefined, nphies: 1.5 },
    { type: 'payment', claim: 'req_p2', amount: 50, early: 0.5, nphies: undefined },
    { type: 'payment', claim: 'req_p3', amount: 111.3, early: undefined, nphies: undefined },
    { type: 'adjustment', claim: 'req_p3', amount: -10, early: undefined, nphies: undefined },
  ]);
  assert.ok(pr.detail.every((d) => d.request.type === 'Claim' && d.request.identifier.system === 'http://sgh.com.sa/claim' &&
    entry(d.submitter).identifier[0].value === PROVIDER && d.date === '2025-02-01' && d.amount.currency === 'SAR'));

  const claims = Object.fromEntries(exchange.claimSummaries().map((c) => [c.key.split('|')[1], c]));
  assert.deepEqual(['req_p1', 'req_p2', 'req_p3'].map((k) => [claims[k].benefit, claims[k].paid, claims[k].payment]),
    [[111.3, 111.3, 'paid'], [68.9, 50, 'partially-paid'], [111.3, 111.3, 'paid']]);
  assert.deepEqual([claims.req_p3.adjustments, claims.req_p1.nphiesFees, claims.req_p2.earlyFees], [-10, 1.5, 0.5]);
  assert.deepEqual(claims.req_p1.reconciliations, [r.identifier.value]);

  const rest = exchange.payments.add({ paymentDate: '2025-03-01', claims: [{ claim: 'req_p2' }] });
  assert.equal(rest.reconciliation.paymentAmount, 18.9, 'what is left of the benefit');
  assert.equal(exchange.claimSummaries().find((c) => c.key.endsWith('req_p2')).payment, 'paid');
});

test('a reconciliation pays only approved claims it holds, up to what was approved', () => {
  const { exchange } = bareExchange();
  adjudicatedClaims(exchange);
  exchange.setRules({ claim: { outcome: 'queue', queueSeconds: 0, then: 'approve' } });
  exchange.process(claimSample('p5'));
  exchange.setRules({ claim: { outcome: 'approve' } });
  exchange.process(claimFrom('N-F-00002', 'o1'));
  const cases = [
    [[{ claim: 'req_nope' }], /req_nope is not held/],
    [[{ claim: 'req_p4' }], /req_p4 is rejected/],
    [[{ claim: 'req_p5' }], /req_p5 is queued/],
    [[{ claim: 'req_p1', amount: 111.31 }], /more than the 111.3 SAR approved/],
    [[{ claim: 'req_p1' }, { claim: 'req_o1' }], /claims of one provider/],
    [[{ claim: 'req_p1', adjustment: 5 }], /adjustment must be a negative amount/],
    [[{ claim: 'req_p1' }, { claim: 'req_p1' }], /named twice/],
  ];
  for (const [claims, pattern] of cases) {
    const { problems } = exchange.payments.add({ paymentDate: '2025-02-01', claims });
    assert.match(problems.join('; '), pattern);
  }
  assert.match(exchange.payments.add({ claims: [{ claim: 'req_p1' }] }).problems.join(), /paymentDate/);
  assert.equal(exchange.queue.length, 1, 'only the queued claim\'s answer');
  assert.deepEqual(exchange.payments.add({ paymentDate: '2025-02-01', claims: [{ claim: 'req_p1' }] }).problems, []);
  assert.match(exchange.payments.add({ paymentDate: '2025-02-01', claims: [{ claim: 'req_p1' }] }).problems.join(), /paid in full already/);
});

test('a payment-notice is acknowledged when it names the reconciliation and its amount', () => {
  const { exchange } = bareExchange();
  adjudicatedClaims(exchange);
  exchange.payments.add({ paymentDate: '2025-02-01', claims: [{ claim: 'req_p1', nphiesFee: 1.5 }] });
  const [message] = polledBundles(exchange.process(pollRequest({ include: ['payment-reconciliation'], count: 10 })).body);
  const reconciliation = focal(message);
  const unknown = JSON.parse(JSON.stringify(reconciliation));
  unknown.identifier[0].value = 'PR-nope';
  const cases = [
    ['another amount', paymentNotice(reconciliation, { id: 'x1', amount: 111.3 }), ['PN-0002']],
    ['an unknown reconciliation', paymentNotice(unknown, { id: 'x2' }), ['PN-0001']],
    ['not cleared', paymentNotice(reconciliation, { id: 'x3', status: 'paid' }), ['PN-0003']],
  ];
  for (const [name, notice, codes] of cases) {
    const answer = exchange.process(notice);
    assert.equal(answer.status, 200, name);
    assert.deepEqual(ackOf(answer.body), { code: 'fatal-error', respondsTo: notice.entry[0].resource.id, errors: codes }, name);
  }
  const dollars = paymentNotice(reconciliation, { id: 'x4' });
  focal(dollars).amount.currency = 'USD';
  assert.deepEqual(ackOf(exchange.process(dollars).body).errors, ['MN-0001', 'BV-0007', 'PN-0002']);

  const good = paymentNotice(reconciliation, { id: 'ok' });
  const answer = exchange.process(good);
  assert.deepEqual(ackOf(answer.body), { code: 'ok', respondsTo: 'message-header-ok', errors: [] });
  assert.deepEqual(validateR4(answer.body), []);
  assert.deepEqual(exchange.process(good).body, answer.body, 'a resend: the stored acknowledgement');
  assert.deepEqual(ackOf(exchange.process(paymentNotice(reconciliation, { id: 'again' })).body).errors, ['PN-0004']);
  const notices = exchange.payments.noticeSummaries();
  assert.deepEqual(notices.map((n) => [n.reconciliation, n.amount, n.duplicates]), [[reconciliation.identifier[0].value, 109.8, 1]]);
  assert.deepEqual(exchange.payments.reconciliationSummaries()[0].notice.identifier.value, 'pn-ok');
});

test('over HTTP: the reconciliation route, the notice, the lists', async () => {
  const exchange = await ExchangeFixture.start();
  try {
    await exchange.post(claimSample('h1'));
    const refused = await exchange.control('POST', '/_peer/payment-reconciliations', { paymentDate: '2025-02-01', claims: [{ claim: 'req_zz' }] }, { withStatus: true });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error, /req_zz is not held/);
    const r = await exchange.control('POST', '/_peer/payment-reconciliations', { paymentDate: '2025-02-01', claims: [{ claim: 'req_h1' }] });
    assert.equal(r.paymentAmount, 111.3);
    const [message] = polledBundles((await exchange.post(pollRequest({ include: ['payment-reconciliation'], count: 10 }))).body);
    assert.equal((await exchange.post(acknowledgement(message.entry[0].resource.id))).status, 200);
    const answer = await exchange.post(paymentNotice(focal(message), { id: 'h1' }));
    assert.deepEqual(ackOf(answer.body).errors, []);
    const listed = (await exchange.control('GET', '/_peer/payment-reconciliations')).items;
    assert.deepEqual(listed.map((x) => [x.paymentAmount, x.acknowledged, x.notice.identifier.value, x.details[0].claimIdentifier]),
      [[111.3, true, 'pn-h1', 'http://sgh.com.sa/claim|req_h1']]);
    assert.equal((await exchange.control('GET', '/_peer/payment-notices')).items.length, 1);
    assert.equal((await exchange.claims())[0].payment, 'paid');
  } finally {
    await exchange.close();
  }
});
