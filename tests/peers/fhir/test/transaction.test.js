'use strict';
// Transactions and the `slots` fixture: Slot and Schedule search, a
// transaction Bundle applied all or nothing with If-Match per entry (of two
// concurrent bookings of one slot exactly one commits), and an invalid entry
// refusing the whole Bundle.
const test = require('node:test');
const assert = require('node:assert/strict');
const { startPeer } = require('./helpers');

function booking(base, slot, key) {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: `urn:uuid:7c0e5a1e-0000-4000-8000-${String(key).padStart(12, '0')}`,
        resource: {
          resourceType: 'Appointment',
          identifier: [{ system: 'urn:wasl:test', value: `k${key}` }],
          status: 'booked',
          slot: [{ reference: `Slot/${slot.id}` }],
          start: slot.start,
          end: slot.end,
          participant: [{ actor: { reference: 'Patient/fatimah-alzahrani' }, status: 'accepted' }],
        },
        request: { method: 'POST', url: 'Appointment', ifNoneExist: `identifier=urn:wasl:test|k${key}` },
      },
      {
        fullUrl: `${base}/Slot/${slot.id}`,
        resource: { ...slot, status: 'busy' },
        request: { method: 'PUT', url: `Slot/${slot.id}`, ifMatch: `W/"${slot.meta.versionId}"` },
      },
    ],
  };
}

test('slots and transactions', async (t) => {
  const p = await startPeer({ seed: 'demo,slots' });
  t.after(() => p.close());

  await t.test('free slots by schedule and time, and schedules by a clinic', async () => {
    const schedules = await p.fhir('GET', 'Schedule?actor=HealthcareService/telehealth-clinic');
    assert.equal(schedules.body.total, 2);
    const roles = await p.fhir('GET', 'PractitionerRole?service=HealthcareService/telehealth-clinic');
    assert.equal(roles.body.total, 2);
    const free = await p.fhir('GET', 'Slot?schedule=Schedule/khalid-telehealth,Schedule/sara-telehealth&status=free&_sort=start');
    assert.deepEqual(free.body.entry.map((e) => e.resource.id), ['sara-0845', 'khalid-0900', 'khalid-0930']);
    const start = free.body.entry[1].resource.start;
    const after = await p.fhir('GET', `Slot?schedule=Schedule/khalid-telehealth&status=free&start=gt${encodeURIComponent(start)}`);
    assert.deepEqual(after.body.entry.map((e) => e.resource.id), ['khalid-0930']);
  });

  await t.test('of two concurrent bookings of one slot exactly one commits', async () => {
    const slot = (await p.fhir('GET', 'Slot/khalid-0900')).body;
    const before = (await p.control('GET', '/_peer/resources/Appointment')).body.count;
    const [a, b] = await Promise.all([1, 2].map((k) => p.fhir('POST', '', { body: booking(p.base, slot, k) })));
    assert.deepEqual([a.status, b.status].sort(), [200, 412]);
    const won = a.status === 200 ? a : b;
    assert.equal(won.body.type, 'transaction-response');
    assert.equal(won.body.entry[0].response.status, '201');
    assert.equal((await p.control('GET', '/_peer/resources/Appointment')).body.count, before + 1);
    assert.equal((await p.fhir('GET', 'Slot/khalid-0900')).body.status, 'busy');
  });

  await t.test('an invalid entry refuses the whole Bundle', async () => {
    const slot = (await p.fhir('GET', 'Slot/khalid-0930')).body;
    const bundle = booking(p.base, slot, 3);
    bundle.entry[0].resource.status = 'not-a-status';
    const before = (await p.control('GET', '/_peer/resources/Appointment')).body.count;
    const refused = await p.fhir('POST', '', { body: bundle });
    assert.equal(refused.status, 422);
    assert.match(refused.body.issue[0].details.text, /Bundle\.entry\[0\]/);
    assert.equal((await p.control('GET', '/_peer/resources/Appointment')).body.count, before);
    assert.equal((await p.fhir('GET', 'Slot/khalid-0930')).body.status, 'free');
  });

  await t.test('a failed entry undoes the ones before it', async () => {
    const slot = (await p.fhir('GET', 'Slot/khalid-0930')).body;
    const bundle = booking(p.base, { ...slot, meta: { versionId: 'stale' } }, 4);
    const before = (await p.control('GET', '/_peer/resources/Appointment')).body.count;
    const refused = await p.fhir('POST', '', { body: bundle });
    assert.equal(refused.status, 412);
    assert.equal((await p.control('GET', '/_peer/resources/Appointment')).body.count, before);
  });
});
