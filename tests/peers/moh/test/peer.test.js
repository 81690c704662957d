'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { MohPeer } = require('../src/server');

const TOKEN = 'test-token';

function message(reportId, { name = false, mrn = false } = {}) {
  const patient = {
    resourceType: 'Patient',
    id: 'p1',
    identifier: [{ system: 'http://nphies.sa/identifier/nationalid', value: '1000000001' }],
  };
  if (mrn) patient.identifier.push({ system: 'urn:hospital:mrn', value: 'M1' });
  if (name) patient.name = [{ text: 'فاطمة الزهراني' }];
  return {
    resourceType: 'Bundle',
    id: 'b1',
    identifier: { system: 'urn:wasl:report-id', value: reportId },
    type: 'message',
    timestamp: '2025-03-01T12:00:00+03:00',
    entry: [
      { fullUrl: 'urn:uuid:8f1c2b1e-0000-4000-8000-000000000001', resource: {
        resourceType: 'MessageHeader', id: 'h1',
        eventCoding: { system: 'urn:wasl:fhir:CodeSystem:moh-message-event', code: 'telehealth-consultation-report' },
        source: { endpoint: 'urn:wasl:facility:sandbox' },
        focus: [{ reference: 'urn:uuid:8f1c2b1e-0000-4000-8000-000000000002' }] } },
      { fullUrl: 'urn:uuid:8f1c2b1e-0000-4000-8000-000000000002', resource: {
        resourceType: 'Encounter', id: 'e1', status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
        serviceType: { text: 'Telemedicine' },
        subject: { reference: 'urn:uuid:8f1c2b1e-0000-4000-8000-000000000003' },
        period: { start: '2025-03-01T09:00:00+03:00', end: '2025-03-01T09:30:00+03:00' } } },
      { fullUrl: 'urn:uuid:8f1c2b1e-0000-4000-8000-000000000003', resource: patient },
      { fullUrl: 'urn:uuid:8f1c2b1e-0000-4000-8000-000000000004', resource: {
        resourceType: 'Practitioner', id: 'pr1',
        identifier: [{ system: 'http://nphies.sa/license/practitioner-license', value: 'L1' }] } },
      { fullUrl: 'urn:uuid:8f1c2b1e-0000-4000-8000-000000000005', resource: {
        resourceType: 'Organization', id: 'o1', name: 'Sandbox Hospital' } },
    ],
  };
}

function measureReport(reportId) {
  const group = (code) => ({ code: { coding: [{ system: 'urn:wasl:fhir:CodeSystem:telehealth-measure-group', code }] },
    measureScore: { value: 1 } });
  return {
    resourceType: 'MeasureReport',
    identifier: [{ system: 'urn:wasl:report-id', value: reportId }],
    status: 'complete',
    type: 'summary',
    measure: 'urn:wasl:fhir:Measure:telehealth-activity',
    period: { start: '2025-03-01T00:00:00+03:00', end: '2025-03-01T23:59:59+03:00' },
    group: ['total', 'completed', 'cancelled', 'no-show', 'clinician-no-show', 'by-specialty',
      'by-consultation-type', 'session-duration-median', 'session-duration-p90'].map(group)
      .concat([{ code: { coding: [{ system: 'urn:wasl:fhir:CodeSystem:telehealth-measure-group', code: 'attendee-minutes' }] },
        measureScore: { value: 12.5, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' } }]),
  };
}

async function withPeer(options, fn) {
  const peer = new MohPeer({ token: TOKEN, ...options });
  const port = await peer.listen();
  try {
    await fn(`http://127.0.0.1:${port}`, peer);
  } finally {
    await peer.close();
  }
}

function post(base, path, body, headers = {}) {
  return fetch(base + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(body),
  });
}

test('a valid message is accepted once and its receipt replayed on a duplicate', () => withPeer({}, async (base) => {
  const first = await post(base, '/fhir/$process-message', message('r-1'));
  assert.strictEqual(first.status, 200);
  const receipt = await first.json();
  assert.strictEqual(receipt.entry[0].resource.response.code, 'ok');
  const again = await (await post(base, '/fhir/$process-message', message('r-1'))).json();
  assert.strictEqual(again.id, receipt.id);
  const effects = await (await fetch(`${base}/_peer/effects`)).json();
  assert.strictEqual(effects.messages, 1);
  assert.strictEqual(effects.duplicates, 1);
}));

test('a patient name or another identifier is refused unless names are configured', () => withPeer({}, async (base) => {
  const named = await post(base, '/fhir/$process-message', message('r-2', { name: true }));
  assert.strictEqual(named.status, 422);
  assert.match(JSON.stringify(await named.json()), /patient names are not configured/);
  const mrn = await post(base, '/fhir/$process-message', message('r-3', { mrn: true }));
  assert.strictEqual(mrn.status, 422);
  await fetch(`${base}/_peer/config`, { method: 'POST', body: JSON.stringify({ allowPatientNames: true }) });
  assert.strictEqual((await post(base, '/fhir/$process-message', message('r-2', { name: true }))).status, 200);
}));

test('invalid R4 is refused with the validators\' words', () => withPeer({}, async (base) => {
  const bad = message('r-4');
  bad.entry[1].resource.status = 'finito';
  const answer = await post(base, '/fhir/$process-message', bad);
  assert.strictEqual(answer.status, 422);
  assert.match(JSON.stringify(await answer.json()), /status/);
}));

test('a no-show is a cancelled Encounter; its outcome and attendee seconds are checked', () => withPeer({}, async (base) => {
  const outcome = (code) => ({ url: 'urn:wasl:fhir:StructureDefinition:consultation-outcome',
    valueCoding: { system: 'urn:wasl:fhir:CodeSystem:consultation-outcome', code } });
  const seconds = (value) => ({ url: 'urn:wasl:fhir:StructureDefinition:attendee-seconds',
    valueQuantity: { value, unit: 's', system: 'http://unitsofmeasure.org', code: 's' } });
  const noShow = message('r-6');
  noShow.entry[1].resource.status = 'cancelled';
  noShow.entry[1].resource.extension = [outcome('no-show'), seconds(0)];
  assert.strictEqual((await post(base, '/fhir/$process-message', noShow)).status, 200);

  const finished = message('r-7');
  finished.entry[1].resource.extension = [outcome('no-show'), seconds(0)];
  const refused = await post(base, '/fhir/$process-message', finished);
  assert.strictEqual(refused.status, 422);
  assert.match(JSON.stringify(await refused.json()), /outcome is no-show cannot have status finished/);

  const unknown = message('r-8');
  unknown.entry[1].resource.extension = [outcome('late'), seconds(-1)];
  const twice = JSON.stringify(await (await post(base, '/fhir/$process-message', unknown)).json());
  assert.match(twice, /consultation outcome must be/);
  assert.match(twice, /attendee seconds must be/);
}));

test('a MeasureReport without the no-show and attendance groups is refused', () => withPeer({}, async (base) => {
  const report = measureReport('m-2');
  report.group = report.group.filter((g) => !['clinician-no-show', 'attendee-minutes'].includes(g.code.coding[0].code));
  const answer = await post(base, '/fhir/MeasureReport', report);
  assert.strictEqual(answer.status, 422);
  const text = JSON.stringify(await answer.json());
  assert.match(text, /group clinician-no-show is missing/);
  assert.match(text, /group attendee-minutes is missing/);
}));

test('a monthly MeasureReport carries the patients\' experience, checked on its 1-5 scale', () => withPeer({}, async (base) => {
  const experience = (responses, clinician, connection) => {
    const rating = (code, value) => ({ code: { coding: [{ system: 'urn:wasl:fhir:CodeSystem:telehealth-measure-group', code }] },
      ...(value === undefined ? {} : { measureScore: { value, unit: '{score}', system: 'http://unitsofmeasure.org', code: '{score}' } }) });
    return [
      { code: { coding: [{ system: 'urn:wasl:fhir:CodeSystem:telehealth-measure-group', code: 'patient-experience-responses' }] },
        measureScore: { value: responses } },
      rating('patient-experience-clinician-rating', clinician),
      rating('patient-experience-connection-rating', connection),
    ];
  };
  const month = (id) => ({ ...measureReport(id), period: { start: '2025-03-01T00:00:00+03:00', end: '2025-03-31T23:59:59+03:00' } });

  const without = await post(base, '/fhir/MeasureReport', month('x-1'));
  assert.strictEqual(without.status, 422);
  assert.match(JSON.stringify(await without.json()), /monthly MeasureReport must carry the patient-experience groups/);

  const good = month('x-2');
  good.group = good.group.concat(experience(12, 4.42, 3.75));
  assert.strictEqual((await post(base, '/fhir/MeasureReport', good)).status, 201);

  const nobody = month('x-3');
  nobody.group = nobody.group.concat(experience(0));
  assert.strictEqual((await post(base, '/fhir/MeasureReport', nobody)).status, 201);

  const outOfScale = month('x-4');
  outOfScale.group = outOfScale.group.concat(experience(3, 6, 0));
  const refused = await post(base, '/fhir/MeasureReport', outOfScale);
  assert.strictEqual(refused.status, 422);
  const text = JSON.stringify(await refused.json());
  assert.match(text, /patient-experience-clinician-rating score must be a number from 1 to 5/);
  assert.match(text, /patient-experience-connection-rating score must be a number from 1 to 5/);

  // A day's report may carry them or not.
  assert.strictEqual((await post(base, '/fhir/MeasureReport', measureReport('x-5'))).status, 201);
}));

test('no bearer token is 401', () => withPeer({}, async (base) => {
  const answer = await post(base, '/fhir/$process-message', message('r-5'), { Authorization: 'Bearer nope' });
  assert.strictEqual(answer.status, 401);
}));

test('a MeasureReport is a conditional create; faults fire first', () => withPeer({}, async (base) => {
  await fetch(`${base}/_peer/faults`, { method: 'POST',
    body: JSON.stringify({ operation: 'MeasureReport', count: 2, status: 503, retryAfterSeconds: 1 }) });
  const headers = { 'If-None-Exist': 'identifier=urn:wasl:report-id|m-1' };
  assert.strictEqual((await post(base, '/fhir/MeasureReport', measureReport('m-1'), headers)).status, 503);
  assert.strictEqual((await post(base, '/fhir/MeasureReport', measureReport('m-1'), headers)).status, 503);
  const created = await post(base, '/fhir/MeasureReport', measureReport('m-1'), headers);
  assert.strictEqual(created.status, 201);
  const id = (await created.json()).id;
  const again = await post(base, '/fhir/MeasureReport', measureReport('m-1'), headers);
  assert.strictEqual(again.status, 200);
  assert.strictEqual((await again.json()).id, id);
  const reports = await (await fetch(`${base}/_peer/reports`)).json();
  assert.strictEqual(reports.measureReports.length, 1);
}));

test('faults name an operation of the peer; fired rules are counted in effects', () => withPeer({}, async (base) => {
  const refused = await fetch(`${base}/_peer/faults`, { method: 'POST', body: JSON.stringify({ operation: 'Claim', status: 503 }) });
  assert.strictEqual(refused.status, 400);
  assert.match((await refused.json()).error, /process-message, MeasureReport, \*/);
  await fetch(`${base}/_peer/faults`, { method: 'POST',
    body: JSON.stringify({ operation: 'process-message', status: 500, afterEffect: true }) });
  assert.strictEqual((await post(base, '/fhir/$process-message', message('r-6'))).status, 500);
  const effects = await (await fetch(`${base}/_peer/effects`)).json();
  assert.strictEqual(effects.faults, 1);
  assert.strictEqual(effects.messages, 1, 'the lost answer: the report was stored');
  assert.deepStrictEqual((await (await fetch(`${base}/_peer/faults`)).json()).rules, []);
}));
