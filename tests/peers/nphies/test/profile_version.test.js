'use strict';
// Profile versions: a message names 1.0.0 or 0.3.0 in every nphies-fs
// profile, one version per message, and is answered in that version.

const assert = require('node:assert/strict');
const { test, before, after, beforeEach } = require('node:test');
const { validateR4 } = require('../src/r4_validation');
const {
  ExchangeFixture, sample, focal, errorCodes, claimSample, pollRequest, polledBundles, bareExchange, PROVIDER,
} = require('./exchange_fixture');

const BASE = 'http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/';

let exchange;

before(async () => { exchange = await ExchangeFixture.start(); });
after(() => exchange.close());
beforeEach(() => exchange.control('POST', '/_peer/reset'));

// `bundle` with every profile of version 1.0.0 made `version`.
function inVersion(bundle, version) {
  return JSON.parse(JSON.stringify(bundle).replaceAll('|1.0.0"', `|${version}"`));
}

// Every nphies-fs profile a bundle names, its own and its entries'.
function versionsOf(bundle) {
  const found = new Set();
  JSON.stringify(bundle, (key, value) => {
    if (typeof value === 'string' && value.startsWith(BASE) && value.includes('|')) found.add(value.slice(value.lastIndexOf('|') + 1));
    return value;
  });
  return [...found];
}

test('0.3.0 messages are taken and answered in 0.3.0; 1.0.0 ones in 1.0.0', async () => {
  const claim = inVersion(claimSample('v1'), '0.3.0');
  assert.deepEqual(versionsOf(claim), ['0.3.0']);
  const answer = await exchange.post(claim);
  assert.equal(answer.status, 200);
  assert.equal(focal(answer.body).outcome, 'complete');
  assert.deepEqual(errorCodes(focal(answer.body)), []);
  assert.deepEqual(versionsOf(answer.body), ['0.3.0']);
  assert.deepEqual(validateR4(answer.body), []);
  const eligibility = await exchange.post(inVersion(sample('eligibility-request-benefits-validation'), '0.3.0'));
  assert.equal(focal(eligibility.body).outcome, 'complete');
  assert.deepEqual(versionsOf(eligibility.body), ['0.3.0']);
  assert.deepEqual(versionsOf((await exchange.post(claimSample('v2'))).body), ['1.0.0']);
});

test('a message mixing versions, or naming another, is a 400 naming the profile', async () => {
  const mixed = claimSample('m1');
  const patient = mixed.entry.find((e) => e.resource.resourceType === 'Patient').resource;
  patient.meta.profile = [`${BASE}patient|0.3.0`];
  const cases = [
    [mixed, /mixes profile versions: .*\|1\.0\.0 and .*patient\|0\.3\.0/],
    [inVersion(claimSample('m2'), '2.0.0'), /the profile .*bundle\|2\.0\.0 names version 2\.0\.0; the exchange takes 1\.0\.0 or 0\.3\.0/],
  ];
  const unversioned = claimSample('m3');
  unversioned.entry.find((e) => e.resource.resourceType === 'Patient').resource.meta.profile = [`${BASE}patient`];
  cases.push([unversioned, /the profile .*StructureDefinition\/patient names no version/]);
  for (const [bundle, pattern] of cases) {
    const answer = await exchange.post(bundle);
    assert.equal(answer.status, 400);
    assert.equal(answer.body.resourceType, 'OperationOutcome');
    assert.ok(answer.body.issue.some((i) => pattern.test(i.details.text)), JSON.stringify(answer.body.issue));
  }
  const where = (await exchange.post(mixed)).body.issue[0].expression[0];
  assert.match(where, /^Bundle\.entry\[\d\]\.resource\.meta\.profile\[0\]$/);
  assert.deepEqual(await exchange.claims(), []);
});

test('what the exchange sends about a 0.3.0 claim is in 0.3.0; its own messages in the version asked', () => {
  const { exchange: ex } = bareExchange();
  ex.setRules({ claim: { outcome: 'queue', queueSeconds: 0, then: 'approve' } });
  ex.communications.add({ nextClaimFrom: PROVIDER, texts: ['Why?'] });
  ex.process(inVersion(claimSample('q1'), '0.3.0'));
  assert.deepEqual(ex.queueErrorNotice({ issues: [{ code: 'X', text: 'y' }], profileVersion: '0.3.0' }).problems, []);
  assert.match(ex.queueOrphans({ count: 1, profileVersion: '9.9.9' }).problems.join(), /profileVersion must be one of 1.0.0, 0.3.0/);
  ex.queueAdvancedAuthorization({ patient: { identifier: '1000000001' }, memberId: 'M-1' });
  const polled = polledBundles(ex.process(pollRequest({
    include: ['communication-request', 'error-notice', 'advanced-authorization'], count: 100,
  })).body);
  assert.deepEqual(polled.map((b) => [b.entry[0].resource.eventCoding.code, versionsOf(b).join()]), [
    ['communication-request', '0.3.0'], ['error-notice', '0.3.0'], ['advanced-authorization', '1.0.0'],
  ]);
});
