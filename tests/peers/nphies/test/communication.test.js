'use strict';
// communication-request (queued by a rule, collected by poll) holds the
// claim's answer until the provider answers it with a valid communication.

const assert = require('node:assert/strict');
const { test, before, after, beforeEach } = require('node:test');
const { validateR4 } = require('../src/r4_validation');
const {
  ExchangeFixture, focal, claimSample, claimFrom, statusCheck, statusAnswer, pollRequest, polledBundles,
  acknowledgement, bareExchange, providerMessage, organizations, PROVIDER,
} = require('./exchange_fixture');

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', 'latin1');
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0xff, 0xd9]);
const ALL = ['claim-response', 'communication-request'];
const ADJUDICATION_ERROR = 'http://nphies.sa/terminology/CodeSystem/adjudication-error';

// A communication from the provider about the claim `claim` (a bundle of
// claimSample) answering `request` (a CommunicationRequest, or none).
function communication({ claim, request, id, status = 'completed', texts = [], attachments = [], statusReason }) {
  const claimFocal = focal(claim);
  const patient = claim.entry.find((e) => e.fullUrl === claimFocal.patient.reference).resource;
  const c = {
    resourceType: 'Communication',
    id: `comm-${id}`,
    identifier: [{ system: 'http://provider.example/communication', value: `comm-${id}` }],
    status,
    subject: { reference: `http://provider.example/Patient/${patient.id}` },
    about: [{ type: 'Claim', identifier: { ...claimFocal.identifier[0] } }],
    sent: '2025-01-15T09:00:00Z',
    sender: { reference: 'http://provider.example/Organization/prov' },
    recipient: [{ reference: 'http://provider.example/Organization/ins' }],
    payload: [
      ...texts.map((t) => ({ contentString: t })),
      ...attachments.map((a) => ({
        contentAttachment: {
          contentType: a.contentType, data: a.bytes.toString('base64'), title: a.title || 'Visit note',
          size: a.size === undefined ? a.bytes.length : a.size, creation: '2025-01-15',
        },
      })),
    ],
  };
  if (request) c.basedOn = [{ type: 'CommunicationRequest', identifier: { ...request.identifier[0] } }];
  if (statusReason) c.statusReason = { text: statusReason };
  if (c.payload.length === 0) delete c.payload;
  return providerMessage('communication', c, [patient, ...organizations()], { id });
}

function ackOf(answer) {
  const header = answer.entry[0].resource;
  const outcome = header.focus ? focal(answer) : undefined;
  return {
    event: header.eventCoding.code, code: header.response.code, respondsTo: header.response.identifier,
    errors: outcome ? outcome.issue.map((i) => i.details.coding[0].code) : [],
  };
}

function events(bundles) { return bundles.map((b) => b.entry[0].resource.eventCoding.code); }

test('the next claim is asked about: its answer waits for the communication, then comes through poll', () => {
  const { exchange, clock } = bareExchange();
  const added = exchange.communications.add({
    nextClaimFrom: PROVIDER, texts: ['Why was the visit virtual?'],
    attachments: [{ contentType: 'application/pdf', title: 'Visit note' }], dueDate: '2025-01-22T00:00:00Z',
  });
  assert.deepEqual(added.problems, []);
  assert.equal(added.request.state, 'waiting');
  const claim = claimSample('c1');
  const sync = exchange.process(claim);
  assert.equal(focal(sync.body).outcome, 'queued', 'the claim rule approves at once, but it is asked about');
  assert.equal(exchange.communications.waiting.length, 0);

  const [request] = polledBundles(exchange.process(pollRequest({ include: ALL, count: 100 })).body);
  assert.deepEqual(events([request]), ['communication-request'], 'the answer is held');
  assert.deepEqual(validateR4(request), []);
  const header = request.entry[0].resource;
  assert.deepEqual(header.sender.identifier, { system: 'http://nphies.sa/license/payer-license', value: 'N-I-00001' });
  assert.equal(header.response, undefined);
  const ask = focal(request);
  const entry = (ref) => request.entry.find((e) => e.fullUrl === ref.reference).resource;
  assert.deepEqual(ask.identifier, [added.request.identifier]);
  assert.deepEqual([ask.status, ask.priority, ask.occurrenceDateTime], ['active', 'routine', '2025-01-22T00:00:00Z']);
  assert.deepEqual(ask.about, [{ type: 'Claim', identifier: focal(claim).identifier[0] }]);
  assert.deepEqual(ask.reasonCode[0].coding[0], { system: 'http://nphies.sa/terminology/CodeSystem/communication-reason', code: 'missing-attachment' });
  assert.deepEqual(ask.payload, [
    { contentString: 'Why was the visit virtual?' },
    { contentAttachment: { contentType: 'application/pdf', title: 'Visit note' } },
  ]);
  assert.equal(entry(ask.subject).identifier[0].value, '0000000001');
  assert.equal(entry(ask.requester).identifier[0].value, 'N-I-00001');
  assert.equal(entry(ask.recipient[0]).identifier[0].value, PROVIDER);
  assert.equal(statusAnswer(exchange.process(statusCheck(claim, 1)).body).held, 'queued');
  exchange.process(acknowledgement(header.id));

  clock.now += 1000;
  const answer = exchange.process(communication({
    claim, request: ask, id: 'a1', texts: ['The patient lives abroad'],
    attachments: [{ contentType: 'application/pdf', bytes: PDF, title: 'Visit note' }],
  }));
  assert.equal(answer.status, 200);
  assert.deepEqual(ackOf(answer.body), { event: 'acknowledgement', code: 'ok', respondsTo: 'message-header-a1', errors: [] });
  assert.deepEqual(answer.body.entry[0].resource.sender.identifier.value, 'N-I-00001');
  assert.deepEqual(validateR4(answer.body), []);

  const [final] = polledBundles(exchange.process(pollRequest({ include: ALL, count: 100 })).body);
  assert.deepEqual(events([final]), ['claim-response']);
  assert.equal(final.entry[0].resource.response.identifier, claim.entry[0].resource.id);
  assert.equal(focal(final).extension[0].valueCodeableConcept.coding[0].code, 'approved', 'the claim rule\'s outcome');
  exchange.process(acknowledgement(final.entry[0].resource.id));
  assert.equal(statusAnswer(exchange.process(statusCheck(claim, 2)).body).held, 'complete');

  const [stored] = exchange.communications.answerSummaries();
  assert.deepEqual(stored.attachments, [{ contentType: 'application/pdf', size: PDF.length, title: 'Visit note' }]);
  assert.deepEqual([stored.basedOn, stored.about, stored.status], [added.request.identifier.value, `http://sgh.com.sa/claim|req_c1`, 'completed']);
  const [asked] = exchange.communications.requestSummaries();
  assert.deepEqual([asked.state, asked.answeredBy, asked.acknowledged], ['answered', 'comm-a1', true]);
  const [summary] = exchange.claimSummaries();
  assert.deepEqual([summary.state, summary.answerHeld, summary.communicationRequests], ['approved', false, [added.request.identifier.value]]);
});

test('asked by Claim identifier value: a queued claim\'s answer is held, a claim not seen yet is waited for', () => {
  const { exchange, clock } = bareExchange();
  exchange.setRules({ claim: { outcome: 'queue', queueSeconds: 60, then: 'partial' } });
  const queued = claimSample('q1');
  exchange.process(queued);
  const now = exchange.communications.add({ claim: 'req_q1', texts: ['Which diagnosis?'], reason: 'information-correction' });
  assert.deepEqual([now.request.state, now.request.holdsAnswer], ['queued', true]);
  const later = exchange.communications.add({ claim: 'req_q2', attachments: [{ contentType: 'image/jpeg', title: 'Photo' }] });
  assert.equal(later.request.state, 'waiting');
  exchange.setRules({ claim: { outcome: 'reject' } });
  const other = claimSample('q2');
  assert.equal(focal(exchange.process(other).body).outcome, 'queued');
  clock.now += 61000;
  const polled = polledBundles(exchange.process(pollRequest({ include: ALL, count: 100 })).body);
  assert.deepEqual(events(polled), ['communication-request', 'communication-request'], 'both answers held');
  const [askQ1, askQ2] = polled.map(focal);
  assert.deepEqual(askQ1.about[0].identifier.value, 'req_q1');
  assert.equal(askQ1.reasonCode[0].coding[0].code, 'information-correction');
  assert.equal(askQ2.reasonCode[0].coding[0].code, 'missing-attachment');

  assert.deepEqual(ackOf(exchange.process(communication({ claim: other, request: askQ2, id: 'j1', attachments: [{ contentType: 'image/jpeg', bytes: JPEG }] })).body).errors, []);
  let due = polledBundles(exchange.process(pollRequest({ include: ['claim-response'], count: 100 })).body);
  assert.deepEqual(due.map((b) => focal(b).request.identifier.value), ['req_q2']);
  assert.equal(focal(due[0]).extension[0].valueCodeableConcept.coding[0].code, 'rejected', 'the rule when it arrived');
  assert.deepEqual(ackOf(exchange.process(communication({ claim: queued, request: askQ1, id: 't1', texts: ['J45.9'] })).body).errors, []);
  due = polledBundles(exchange.process(pollRequest({ include: ['claim-response'], count: 100 })).body);
  assert.deepEqual(due.map((b) => focal(b).request.identifier.value), ['req_q1', 'req_q2']);
  assert.equal(focal(due[0]).extension[0].valueCodeableConcept.coding[0].code, 'partial');
});

test('a not-done answer releases the claim\'s answer with the request\'s notDone outcome', () => {
  const { exchange } = bareExchange();
  exchange.communications.add({ nextClaimFrom: PROVIDER, attachments: [{ contentType: 'application/pdf', title: 'Lab report' }] });
  const claim = claimSample('n1');
  exchange.process(claim);
  const [request] = polledBundles(exchange.process(pollRequest({ include: ALL, count: 100 })).body);
  const refused = exchange.process(communication({ claim, request: focal(request), id: 'n0', status: 'not-done' }));
  assert.deepEqual(ackOf(refused.body).errors, ['CM-0008']);
  const answer = exchange.process(communication({ claim, request: focal(request), id: 'n1', status: 'not-done', statusReason: 'No lab test was done' }));
  assert.deepEqual(ackOf(answer.body), { event: 'acknowledgement', code: 'ok', respondsTo: 'message-header-n1', errors: [] });
  const due = polledBundles(exchange.process(pollRequest({ include: ['claim-response'], count: 100 })).body);
  assert.equal(focal(due[0]).extension[0].valueCodeableConcept.coding[0].code, 'rejected');
  assert.equal(exchange.communications.answerSummaries()[0].statusReason, 'No lab test was done');
  exchange.process(acknowledgement(due[0].entry[0].resource.id));
  assert.equal(exchange.claimSummaries()[0].state, 'rejected');
});

test('a communication breaking a rule is refused with its CM- code; the answer stays held', () => {
  const { exchange } = bareExchange();
  exchange.communications.add({ nextClaimFrom: PROVIDER, texts: ['Send the visit note'], attachments: [{ contentType: 'application/pdf', title: 'Visit note' }] });
  const claim = claimSample('r1');
  exchange.process(claim);
  const elsewhere = claimFrom('N-F-00002', 'r2');
  exchange.process(elsewhere);
  const request = focal(polledBundles(exchange.process(pollRequest({ include: ALL, count: 100 })).body)[0]);
  const pdf = (extra = {}) => ({ contentType: 'application/pdf', bytes: PDF, ...extra });
  const cases = [
    ['a JPEG said to be a PDF', { attachments: [pdf({ bytes: JPEG })] }, ['CM-0005']],
    ['a PDF said to be a JPEG', { attachments: [{ contentType: 'image/jpeg', bytes: PDF }] }, ['CM-0005']],
    ['size not the decoded bytes', { attachments: [pdf({ size: PDF.length + 1 })] }, ['CM-0006']],
    ['a type not taken', { attachments: [pdf({ contentType: 'image/png' })] }, ['CM-0004']],
    ['text only where a document is asked', { texts: ['here it is'] }, ['CM-0010']],
    ['no payload', {}, ['CM-0011', 'CM-0010']],
    ['about another provider\'s claim', { attachments: [pdf()], about: elsewhere }, ['CM-0001', 'CM-0009']],
    ['about an unknown claim', { attachments: [pdf()], about: claimSample('never') }, ['CM-0001', 'CM-0009']],
    ['basedOn an unknown request', { attachments: [pdf()], basedOn: 'CR-nope' }, ['CM-0002']],
  ];
  cases.forEach(([name, c, codes], n) => {
    const bundle = communication({ claim, request, id: `bad${n}`, texts: c.texts, attachments: c.attachments });
    const comm = focal(bundle);
    if (c.about) comm.about[0].identifier = focal(c.about).identifier[0];
    if (c.basedOn) comm.basedOn[0].identifier.value = c.basedOn;
    const answer = exchange.process(bundle);
    assert.equal(answer.status, 200, name);
    const ack = ackOf(answer.body);
    assert.equal(ack.code, 'fatal-error', name);
    assert.deepEqual(ack.errors, codes, name);
    const outcome = focal(answer.body);
    assert.equal(outcome.issue[0].details.coding[0].system, ADJUDICATION_ERROR);
    assert.ok(outcome.issue[0].details.text.length > 10);
  });
  const broken = communication({ claim, request, id: 'mismatch', attachments: [pdf()] });
  focal(broken).sender = { reference: 'http://provider.example/Organization/ins' };
  assert.deepEqual(ackOf(exchange.process(broken).body).errors, ['PV-0002']);
  assert.equal(polledBundles(exchange.process(pollRequest({ include: ['claim-response'], count: 100 })).body).length, 0);
  assert.deepEqual(exchange.communications.answerSummaries(), [], 'nothing stored');
  const rejected = exchange.received.filter((r) => r.event === 'communication');
  assert.equal(rejected.length, cases.length + 1);
  assert.ok(rejected.every((r) => r.outcome === 'rejected' && r.claimIdentifier));

  assert.deepEqual(ackOf(exchange.process(communication({ claim, request, id: 'good', attachments: [pdf()] })).body).errors, []);
  const again = communication({ claim, request, id: 'good2', attachments: [pdf()] });
  assert.deepEqual(ackOf(exchange.process(again).body).errors, ['CM-0003'], 'already answered');
  const unsolicited = communication({ claim, id: 'extra', texts: ['One more thing'] });
  assert.deepEqual(ackOf(exchange.process(unsolicited).body).errors, [], 'no basedOn: unsolicited, about a claim it sent');
});

test('a resend of a communication gets the stored acknowledgement and is counted once', () => {
  const { exchange } = bareExchange();
  exchange.communications.add({ nextClaimFrom: PROVIDER, texts: ['Why?'] });
  const claim = claimSample('d1');
  exchange.process(claim);
  const request = focal(polledBundles(exchange.process(pollRequest({ include: ALL, count: 100 })).body)[0]);
  const sent = communication({ claim, request, id: 'd1', texts: ['Because'] });
  const first = exchange.process(sent);
  assert.deepEqual(exchange.process(sent).body, first.body, 'same bundle');
  const rebundled = communication({ claim, request, id: 'd1', texts: ['Because'] });
  rebundled.id = 'another-bundle';
  assert.deepEqual(exchange.process(rebundled).body, first.body, 'same Communication identifier');
  const stored = exchange.communications.answerSummaries();
  assert.equal(stored.length, 1);
  assert.equal(stored[0].duplicates, 2);
  assert.deepEqual(exchange.received.filter((r) => r.event === 'communication').map((r) => r.outcome), ['accepted', 'duplicate', 'duplicate']);
});

test('over HTTP: the rule, the communication with its attachments, and a message over 10 MB', async () => {
  const exchange = await ExchangeFixture.start();
  try {
    const refused = await exchange.control('POST', '/_peer/communication-requests', { claim: 'x', nextClaimFrom: PROVIDER, texts: ['a'] }, { withStatus: true });
    assert.equal(refused.status, 400);
    assert.match(refused.json.error, /one of them/);
    const empty = await exchange.control('POST', '/_peer/communication-requests', { claim: 'x' }, { withStatus: true });
    assert.match(empty.json.error, /give texts or attachments/);
    const added = await exchange.control('POST', '/_peer/communication-requests', {
      nextClaimFrom: PROVIDER, attachments: [{ contentType: 'application/pdf', title: 'Visit note' }, { contentType: 'image/jpeg', title: 'Photo' }],
    });
    assert.equal(added.state, 'waiting');
    const claim = claimSample('h1');
    await exchange.post(claim);
    const requests = (await exchange.control('GET', '/_peer/communication-requests')).items;
    assert.deepEqual(requests.map((r) => [r.state, r.claimKey, r.holdsAnswer]), [['queued', 'http://sgh.com.sa/claim|req_h1', true]]);
    const polled = polledBundles((await exchange.post(pollRequest({ include: ALL, count: 100 }))).body);
    const request = focal(polled[0]);

    const big = Buffer.alloc(8 * 1024 * 1024, 0x20);
    PDF.copy(big);
    const tooBig = communication({ claim, request, id: 'big', attachments: [{ contentType: 'application/pdf', bytes: big }] });
    const bigAnswer = await exchange.post(tooBig);
    assert.equal(bigAnswer.status, 200);
    assert.deepEqual(ackOf(bigAnswer.body).errors, ['CM-0007']);

    const answer = await exchange.post(communication({
      claim, request, id: 'ok', attachments: [
        { contentType: 'application/pdf', bytes: PDF, title: 'Visit note' }, { contentType: 'image/jpeg', bytes: JPEG, title: 'Photo' }],
    }));
    assert.deepEqual(ackOf(answer.body), { event: 'acknowledgement', code: 'ok', respondsTo: 'message-header-ok', errors: [] });
    const stored = (await exchange.control('GET', '/_peer/communications')).items;
    assert.deepEqual(stored.map((c) => c.attachments), [[
      { contentType: 'application/pdf', size: PDF.length, title: 'Visit note' },
      { contentType: 'image/jpeg', size: JPEG.length, title: 'Photo' },
    ]]);
    assert.equal((await exchange.claims())[0].answerHeld, false);

    const padded = pollRequest({ id: 'padded' });
    padded.entry[1].resource.note = [{ text: 'x'.repeat(11 * 1024 * 1024) }];
    const tooLarge = await exchange.post(padded);
    assert.equal(tooLarge.status, 413);
    assert.match(tooLarge.body.issue[0].details.text, /up to 10485760 bytes/);
  } finally {
    await exchange.close();
  }
});

test('attachment data past the validator\'s 1 MB string limit is R4 when it is base64, and left as it was', () => {
  const data = Buffer.alloc(2 * 1024 * 1024, 0x41).toString('base64');
  const resource = {
    resourceType: 'Communication', id: 'big', status: 'completed',
    payload: [{ contentAttachment: { contentType: 'application/pdf', data, size: 2 * 1024 * 1024 } }],
  };
  assert.deepEqual(validateR4(resource), []);
  assert.equal(resource.payload[0].contentAttachment.data, data);
  resource.payload[0].contentAttachment.data = `${data.slice(0, -4)}@@@@`;
  const issues = validateR4(resource);
  assert.deepEqual(issues.map((i) => i.details.text), ['Communication.payload[0].contentAttachment.data is not base64']);
  assert.ok(resource.payload[0].contentAttachment.data.endsWith('@@@@'));
});
