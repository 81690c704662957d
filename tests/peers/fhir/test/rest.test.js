'use strict';
// The FHIR R4 REST API: reads, search paging, conditional create, If-Match,
// R4 validation of every write, the fixtures, faults and the control API.

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { poll } = require('../../support');
const { startPeer } = require('./helpers');

const EXAMPLES = path.resolve(__dirname, '../../../../../shared/data/fhir');

function encounter(key, extra = {}) {
  return {
    resourceType: 'Encounter',
    identifier: [{ system: 'urn:wasl:step', value: key }],
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
    subject: { reference: 'Patient/fatimah-alzahrani' },
    ...extra,
  };
}

test('FHIR REST', async (t) => {
  const s = await startPeer({ seed: 'demo,examples', examplesDir: EXAMPLES });
  t.after(() => s.close());
  t.beforeEach(async () => {
    await s.control('POST', '/_peer/reset');
    assert.equal((await s.control('POST', '/_peer/seed', { fixtures: ['demo', 'examples'] })).status, 200);
  });

  await t.test('reads the demo patient with her Arabic name, identifiers and KSA gender byte for byte', async () => {
    const r = await s.fhir('GET', 'Patient/fatimah-alzahrani');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('etag'), /^W\/".+"$/);
    assert.match(r.headers.get('content-type'), /^application\/fhir\+json/);
    const p = r.body;
    assert.equal(p.name[0].text, 'فاطمة الزهراني');
    assert.deepEqual(p.name[0].extension, [{ url: 'http://hl7.org/fhir/StructureDefinition/language', valueCode: 'ar' }]);
    assert.deepEqual(p.identifier.map((i) => i.system).slice(0, 2),
      ['http://nphies.sa/identifier/nationalid', 'http://nphies.sa/identifier/iqama']);
    assert.equal(p._gender.extension[0].valueCodeableConcept.coding[0].code, 'female');
  });

  await t.test('the saudi fixture: found by national id, iqama and passport', async () => {
    assert.equal((await s.control('POST', '/_peer/seed', { fixtures: ['saudi'] })).status, 200);
    for (const [query, id] of [
      ['identifier=http://nphies.sa/identifier/nationalid|1011111111', 'abdullah-alqahtani'],
      ['identifier=http://nphies.sa/identifier/iqama|2222222222', 'mohammed-rahman'],
      ['identifier=http://nphies.sa/identifier/passportnumber|P1234567', 'aisha-visitor'],
      ['identifier=http://nphies.sa/identifier/iqama|2033333333', 'noura-parts-only'],
    ]) {
      const r = await s.fhir('GET', `Patient?${query}`);
      assert.equal(r.body.total, 1, query);
      assert.equal(r.body.entry[0].resource.id, id);
    }
  });

  await t.test('reads the official examples', async () => {
    for (const ref of ['Patient/example', 'Practitioner/example', 'Appointment/example', 'Coverage/9876B1', 'Encounter/f001']) {
      assert.equal((await s.fhir('GET', ref)).status, 200, ref);
    }
  });

  await t.test('an unknown id is 404 with an OperationOutcome; an unknown type too', async () => {
    const r = await s.fhir('GET', 'Patient/nobody');
    assert.equal(r.status, 404);
    assert.equal(r.body.resourceType, 'OperationOutcome');
    assert.equal((await s.fhir('GET', 'Nonsense/1')).status, 404);
    assert.equal((await s.fhir('GET', 'Patient/%E0%A4%A')).status, 400);
  });

  await t.test('searches by identifier and by beneficiary and status', async () => {
    let r = await s.fhir('GET', 'Patient?identifier=http://nphies.sa/identifier/iqama|2123456789');
    assert.equal(r.body.total, 1);
    assert.equal(r.body.entry[0].resource.id, 'fatimah-alzahrani');
    assert.equal(r.body.entry[0].fullUrl, `${s.base}/Patient/fatimah-alzahrani`);
    r = await s.fhir('GET', 'Coverage?beneficiary=Patient/fatimah-alzahrani&status=active');
    assert.equal(r.body.total, 1);
    r = await s.fhir('GET', 'Patient?identifier=http://nphies.sa/identifier/iqama|0000000000');
    assert.equal(r.body.total, 0);
    assert.equal(r.body.entry, undefined);
  });

  await t.test('pages a search with _count and Bundle.link next until the last page', async () => {
    for (let i = 0; i < 7; i++) {
      const r = await s.fhir('POST', 'Encounter', { body: encounter(`page-${i}`) });
      assert.equal(r.status, 201);
    }
    const seen = [];
    let url = 'Encounter?_count=3&status=finished';
    let pages = 0;
    while (url) {
      const r = await s.fhir('GET', url);
      assert.equal(r.status, 200);
      assert.ok(r.body.entry.length <= 3);
      seen.push(...r.body.entry.map((e) => e.resource.id));
      const next = r.body.link.find((l) => l.relation === 'next');
      url = next && next.url;
      pages++;
      assert.ok(pages < 10);
    }
    const total = (await s.control('GET', '/_peer/resources/Encounter')).body.count;
    assert.equal(total, 8); // seven and the example
    assert.equal(new Set(seen).size, 8);
    assert.equal(pages, 3);
    assert.equal((await s.fhir('GET', 'Encounter?_count=x')).status, 400);
  });

  await t.test('conditional create finds the first resource on a resend', async () => {
    const headers = { 'If-None-Exist': 'identifier=urn:wasl:step|key-1' };
    const first = await s.fhir('POST', 'Encounter', { body: encounter('key-1'), headers });
    assert.equal(first.status, 201);
    assert.match(first.headers.get('location'), new RegExp(`^${s.base}/Encounter/${first.body.id}/_history/`));
    const again = await s.fhir('POST', 'Encounter', { body: encounter('key-1'), headers });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    const list = (await s.control('GET', '/_peer/resources/Encounter')).body;
    assert.equal(list.resources.filter((e) => e.identifier?.[0]?.value === 'key-1').length, 1);
  });

  await t.test('a create ignores the id and version the client sent', async () => {
    const r = await s.fhir('POST', 'Encounter', { body: encounter('id-sent', { id: 'mine', meta: { versionId: '7' } }) });
    assert.equal(r.status, 201);
    assert.notEqual(r.body.id, 'mine');
    assert.notEqual(r.body.meta.versionId, '7');
  });

  await t.test('update with If-Match: the current version wins, a stale one is 412', async () => {
    const read = await s.fhir('GET', 'Appointment/fatimah-booked');
    const etag = read.headers.get('etag');
    const changed = { ...read.body, status: 'arrived' };
    const ok = await s.fhir('PUT', 'Appointment/fatimah-booked', { body: changed, headers: { 'If-Match': etag } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, 'arrived');
    assert.notEqual(ok.headers.get('etag'), etag);
    const stale = await s.fhir('PUT', 'Appointment/fatimah-booked', { body: { ...read.body, status: 'cancelled' }, headers: { 'If-Match': etag } });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.resourceType, 'OperationOutcome');
    assert.equal((await s.fhir('GET', 'Appointment/fatimah-booked')).body.status, 'arrived');
  });

  await t.test('an invalid R4 resource is 422 with the problems and nothing is stored', async () => {
    const before = (await s.control('GET', '/_peer/resources/Encounter')).body.count;
    let r = await s.fhir('POST', 'Encounter', { body: { resourceType: 'Encounter', status: 'bogus' } });
    assert.equal(r.status, 422);
    assert.equal(r.body.resourceType, 'OperationOutcome');
    assert.ok(r.body.issue.some((i) => (i.expression || []).includes('Encounter.class')));
    r = await s.fhir('POST', 'Encounter', { body: encounter('x', { notAnElement: 1 }) });
    assert.equal(r.status, 422);
    r = await s.fhir('POST', 'DocumentReference', { body: { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { size: 'big' } }] } });
    assert.equal(r.status, 422);
    const read = await s.fhir('GET', 'Appointment/fatimah-booked');
    r = await s.fhir('PUT', 'Appointment/fatimah-booked', { body: { ...read.body, participant: [] } });
    assert.equal(r.status, 422);
    assert.equal((await s.control('GET', '/_peer/resources/Encounter')).body.count, before);
  });

  await t.test('a reference to a resource not on the server is 422 naming it', async () => {
    const r = await s.fhir('POST', 'Encounter', { body: encounter('dangling', { subject: { reference: 'Patient/nobody' } }) });
    assert.equal(r.status, 422);
    assert.match(r.body.issue[0].details.text, /Patient\/nobody/);
    assert.deepEqual(r.body.issue[0].expression, ['Encounter.subject']);
    const ok = await s.fhir('POST', 'Encounter', {
      body: encounter('linked', {
        participant: [{ individual: { reference: 'Practitioner/khalid-alharbi' } }],
        appointment: [{ reference: 'Appointment/fatimah-booked' }],
        serviceProvider: { reference: 'Organization/wasl-clinic' },
        partOf: { reference: 'http://elsewhere.example/fhir/Encounter/1' },
      }),
    });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
  });

  await t.test('a body that is not JSON, or of another type, is 400', async () => {
    assert.equal((await s.fhir('POST', 'Encounter', { body: '{nope' })).status, 400);
    assert.equal((await s.fhir('POST', 'Encounter', { body: { resourceType: 'Patient' } })).status, 400);
    const read = await s.fhir('GET', 'Appointment/fatimah-booked');
    assert.equal((await s.fhir('PUT', 'Appointment/other', { body: read.body })).status, 400);
  });

  await t.test('a DocumentReference with a hub URL, hash, size and text notes is accepted', async () => {
    const doc = {
      resourceType: 'DocumentReference',
      identifier: [{ system: 'urn:wasl:step', value: 'doc-1' }],
      status: 'current',
      subject: { reference: 'Patient/fatimah-alzahrani' },
      content: [
        { attachment: { contentType: 'video/mp4', url: 'https://hub.example/v1/recordings/r1', size: 1048576, hash: Buffer.alloc(20).toString('base64') } },
        { attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from('ملاحظات').toString('base64') } },
      ],
      context: { encounter: [{ reference: 'Encounter/f001' }] },
    };
    const r = await s.fhir('POST', 'DocumentReference', { body: doc, headers: { 'If-None-Exist': 'identifier=urn:wasl:step|doc-1' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  });

  await t.test('metadata is an R4 CapabilityStatement', async () => {
    const r = await s.fhir('GET', 'metadata');
    assert.equal(r.status, 200);
    assert.equal(r.body.resourceType, 'CapabilityStatement');
    assert.equal(r.body.fhirVersion, '4.0.1');
  });

  await t.test('faults: a failed create has no effect, a 429 carries Retry-After, a dropped answer committed', async () => {
    let f = await s.control('POST', '/_peer/faults', [
      { operation: 'create Encounter', status: 503, count: 1 },
      { operation: 'read', status: 429, retryAfterSeconds: 3 },
    ]);
    assert.equal(f.status, 200);
    let r = await s.fhir('POST', 'Encounter', { body: encounter('fault-1') });
    assert.equal(r.status, 503);
    assert.equal(r.body.resourceType, 'OperationOutcome');
    r = await s.fhir('GET', 'Patient/fatimah-alzahrani');
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '3');
    assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani')).status, 200);
    assert.equal((await s.control('GET', '/_peer/resources/Encounter')).body.count, 1);
    f = await s.control('POST', '/_peer/faults', { operation: 'POST Encounter', drop: true });
    assert.equal(f.status, 200);
    await assert.rejects(s.fhir('POST', 'Encounter', { body: encounter('fault-2') }));
    assert.equal((await s.control('GET', '/_peer/resources/Encounter')).body.count, 2);
    f = await s.control('POST', '/_peer/faults', { operation: 'GET Patient/fatimah-alzahrani', status: 500, count: 2 });
    assert.equal(f.status, 200);
    assert.equal((await s.fhir('GET', 'Patient/example')).status, 200);
    assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani')).status, 500);
    assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani')).status, 500);
    assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani')).status, 200);
    f = await s.control('POST', '/_peer/faults', { operation: 'create', status: 418 });
    assert.equal(f.status, 400);
  });

  await t.test('seed refuses unknown fixtures and invalid resources', async () => {
    assert.equal((await s.control('POST', '/_peer/seed', { fixtures: ['nothing'] })).status, 400);
    const r = await s.control('POST', '/_peer/seed', { fixtures: [], resources: [{ resourceType: 'Patient', id: 'p', gender: 'x' }] });
    assert.equal(r.status, 422);
    assert.equal((await s.fhir('GET', 'Patient/p')).status, 404);
  });

  await t.test('reset forgets every resource', async () => {
    await s.control('POST', '/_peer/reset');
    assert.equal((await s.control('GET', '/_peer/resources/Patient')).body.count, 0);
  });
});

test('a server claiming another FHIR version says so in metadata', async (t) => {
  const s = await startPeer({ fhirVersion: '5.0.0' });
  t.after(() => s.close());
  assert.equal((await s.fhir('GET', 'metadata')).body.fhirVersion, '5.0.0');
});

test('hang and a lost answer', async (t) => {
  const s = await startPeer({ seed: 'demo' });
  t.after(() => s.close());

  await t.test('a hung read answers nothing until reset releases it', async () => {
    assert.equal((await s.control('POST', '/_peer/faults', { operation: 'read Patient', hang: true })).status, 200);
    const hung = s.fhir('GET', 'Patient/fatimah-alzahrani');
    await poll(async () => (await s.control('GET', '/_peer/faults')).body.held === 1, 5000);
    await s.control('POST', '/_peer/reset');
    await assert.rejects(hung);
  });

  await t.test('a create answered 500 after it committed is found by the conditional resend', async () => {
    await s.control('POST', '/_peer/seed', { fixtures: ['demo'] });
    await s.control('POST', '/_peer/faults', { operation: 'create Encounter', status: 500, afterEffect: true });
    const headers = { 'If-None-Exist': 'identifier=urn:wasl:step|lost-1' };
    const body = {
      resourceType: 'Encounter', identifier: [{ system: 'urn:wasl:step', value: 'lost-1' }], status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' },
    };
    assert.equal((await s.fhir('POST', 'Encounter', { body, headers })).status, 500);
    const resend = await s.fhir('POST', 'Encounter', { body, headers });
    assert.equal(resend.status, 200);
    assert.equal((await s.control('GET', '/_peer/resources/Encounter')).body.count, 1);
  });
});

test('a delayed read is answered late and recorded with when it began and ended', async (t) => {
  const s = await startPeer({ seed: 'demo' });
  t.after(() => s.close());
  const faulted = async () => (await s.control('GET', '/_peer/received/faulted')).body.records;

  const delayMs = 1500;
  assert.equal((await s.control('POST', '/_peer/faults', { operation: 'read Appointment', delayMs })).status, 200);
  const sent = Date.now();
  const late = s.fhir('GET', 'Appointment/fatimah-booked');
  // While it is held: recorded, not ended.
  const [during] = await poll(async () => {
    const records = await faulted();
    return records.length === 1 ? records : null;
  }, 5000);
  assert.equal(during.item.call, 'GET Appointment/fatimah-booked');
  assert.equal(during.item.operation, 'read Appointment');
  assert.equal(during.item.delayMs, delayMs);
  assert.equal(during.item.hang, false);
  assert.equal(during.item.status, null);
  assert.equal(during.item.endedAt, null);

  const read = await late;
  assert.equal(read.status, 200);
  assert.equal(read.body.id, 'fatimah-booked');
  assert.ok(Date.now() - sent >= delayMs - 5, `answered after ${Date.now() - sent} ms`);
  const [after] = await faulted();
  const held = Date.parse(after.item.endedAt) - Date.parse(after.at);
  assert.ok(held >= delayMs - 5 && held < delayMs + 2000, `held ${held} ms`);

  // The rule is used up: the next read is on time and not recorded.
  assert.equal((await s.fhir('GET', 'Appointment/fatimah-booked')).status, 200);
  assert.equal((await faulted()).length, 1);
});

test('a hung call is recorded as ended once reset releases it', async (t) => {
  const s = await startPeer({ seed: 'demo' });
  t.after(() => s.close());
  assert.equal((await s.control('POST', '/_peer/faults', { operation: 'GET Appointment/fatimah-booked', hang: true })).status, 200);
  const hung = s.fhir('GET', 'Appointment/fatimah-booked');
  await poll(async () => (await s.control('GET', '/_peer/faults')).body.held === 1, 5000);
  const [record] = (await s.control('GET', '/_peer/received/faulted')).body.records;
  assert.equal(record.item.call, 'GET Appointment/fatimah-booked');
  assert.equal(record.item.hang, true);
  assert.equal(record.item.endedAt, null);
  const item = s.peer.effects.records('faulted')[0].item;
  await s.control('POST', '/_peer/reset');
  await assert.rejects(hung);
  assert.ok(item.endedAt !== null);
});
