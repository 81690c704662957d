'use strict';
// rest-hook Subscriptions: an Appointment matching the criteria, created or
// updated, is POSTed to the endpoint with the channel's header; the R4
// payload Bundle and the topic-based (backport) notification Bundle; a
// notify fault drops one.

const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { poll } = require('../../support');
const { startPeer } = require('./helpers');
const { validateR4 } = require('../src/r4');
const { BACKPORT_PROFILE, FILTER_CRITERIA, PAYLOAD_CONTENT } = require('../src/subscriptions');

// A receiver standing in for the hub's webhook: keeps every POST.
async function startReceiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      received.push({ url: req.url, headers: req.headers, body: text ? JSON.parse(text) : undefined });
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { received, url: `http://127.0.0.1:${server.address().port}/v1/webhooks/ehr.fhir-sandbox`, close: () => server.close() };
}

function subscription(endpoint, extra = {}) {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Telehealth appointments for Wasl',
    criteria: 'Appointment?status=booked,cancelled',
    channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json', header: ['X-Wasl-Subscription-Secret: s3cret'] },
    ...extra,
  };
}

test('rest-hook Subscriptions', async (t) => {
  const s = await startPeer({ seed: 'demo' });
  const hub = await startReceiver();
  t.after(async () => {
    await s.close();
    hub.close();
  });
  t.beforeEach(async () => {
    await s.control('POST', '/_peer/reset');
    await s.control('POST', '/_peer/seed', { fixtures: ['demo'] });
    hub.received.length = 0;
  });

  await t.test('a booked appointment, created then cancelled, is notified twice with the header and the R4 bundle', async () => {
    const sub = await s.fhir('POST', 'Subscription', { body: subscription(hub.url) });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    assert.equal(sub.body.status, 'active');
    const proposed = (await s.fhir('GET', 'Appointment/fatimah-proposed')).body;
    const created = await s.fhir('POST', 'Appointment', { body: { ...proposed, id: undefined, meta: undefined, status: 'booked' } });
    assert.equal(created.status, 201);
    await poll(() => hub.received.length === 1, 5000);
    const first = hub.received[0];
    assert.equal(first.url, '/v1/webhooks/ehr.fhir-sandbox');
    assert.equal(first.headers['x-wasl-subscription-secret'], 's3cret');
    assert.match(first.headers['content-type'], /^application\/fhir\+json/);
    assert.equal(first.body.resourceType, 'Bundle');
    assert.equal(first.body.type, 'history');
    assert.deepEqual(validateR4(first.body), [], 'the notification is valid R4');
    assert.equal(first.body.entry[0].resource.id, created.body.id);
    assert.equal(first.body.entry[0].request.method, 'POST');
    assert.equal(first.body.entry[0].fullUrl, `${s.base}/Appointment/${created.body.id}`);

    const cancelled = await s.fhir('PUT', `Appointment/${created.body.id}`, {
      body: { ...created.body, status: 'cancelled' }, headers: { 'If-Match': created.headers.get('etag') },
    });
    assert.equal(cancelled.status, 200);
    await poll(() => hub.received.length === 2, 5000);
    assert.equal(hub.received[1].body.entry[0].resource.status, 'cancelled');
    assert.equal(hub.received[1].body.entry[0].request.method, 'PUT');
    const records = (await s.control('GET', '/_peer/received/notifications')).body.records;
    assert.equal(records.length, 2);
    assert.equal(records[0].item.status, 200);
  });

  await t.test('an appointment the criteria do not match, or another type, is not notified', async () => {
    await s.fhir('POST', 'Subscription', { body: subscription(hub.url) });
    const proposed = (await s.fhir('GET', 'Appointment/fatimah-proposed')).body;
    assert.equal((await s.fhir('PUT', 'Appointment/fatimah-proposed', { body: { ...proposed, description: 'changed' } })).status, 200);
    const patient = (await s.fhir('GET', 'Patient/fatimah-alzahrani')).body;
    assert.equal((await s.fhir('PUT', 'Patient/fatimah-alzahrani', { body: { ...patient, birthDate: '1990-04-18' } })).status, 200);
    const booked = (await s.fhir('GET', 'Appointment/fatimah-booked')).body;
    assert.equal((await s.fhir('PUT', 'Appointment/fatimah-booked', { body: { ...booked, description: 'changed' } })).status, 200);
    await poll(() => hub.received.length === 1, 5000);
    assert.equal(hub.received[0].body.entry[0].resource.id, 'fatimah-booked');
    assert.equal((await s.control('GET', '/_peer/effects')).body.notificationsPending, 0);
    assert.equal(hub.received.length, 1);
  });

  await t.test('without a payload the notification has no body; seeding notifies too', async () => {
    const sub = subscription(hub.url);
    delete sub.channel.payload;
    await s.fhir('POST', 'Subscription', { body: sub });
    const booked = (await s.fhir('GET', 'Appointment/fatimah-booked')).body;
    const r = await s.control('POST', '/_peer/seed', { fixtures: [], resources: [{ ...booked, id: 'seeded-booked', meta: undefined }] });
    assert.equal(r.status, 200);
    await poll(() => hub.received.length === 1, 5000);
    assert.equal(hub.received[0].body, undefined);
  });

  await t.test('a topic-based (backport) Subscription gets the SubscriptionStatus bundle', async () => {
    const sub = subscription(hub.url, {
      meta: { profile: [BACKPORT_PROFILE] },
      criteria: 'http://wasl.example/fhir/SubscriptionTopic/appointment-changed',
      _criteria: { extension: [{ url: FILTER_CRITERIA, valueString: 'Appointment?status=booked' }] },
    });
    sub.channel._payload = { extension: [{ url: PAYLOAD_CONTENT, valueCode: 'full-resource' }] };
    const created = await s.fhir('POST', 'Subscription', { body: sub });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const booked = (await s.fhir('GET', 'Appointment/fatimah-booked')).body;
    await s.fhir('PUT', 'Appointment/fatimah-booked', { body: { ...booked, description: 'again' } });
    await poll(() => hub.received.length === 1, 5000);
    const bundle = hub.received[0].body;
    assert.equal(bundle.type, 'history');
    assert.deepEqual(validateR4(bundle), [], 'the notification is valid R4');
    const status = bundle.entry[0].resource;
    assert.equal(status.resourceType, 'Parameters');
    const param = (name) => status.parameter.find((p) => p.name === name);
    assert.equal(param('type').valueCode, 'event-notification');
    assert.equal(param('topic').valueCanonical, 'http://wasl.example/fhir/SubscriptionTopic/appointment-changed');
    assert.equal(param('events-since-subscription-start').valueString, '1');
    assert.equal(bundle.entry[1].resource.id, 'fatimah-booked');
  });

  await t.test('a notify fault drops one notification; the next is sent', async () => {
    await s.fhir('POST', 'Subscription', { body: subscription(hub.url) });
    assert.equal((await s.control('POST', '/_peer/faults', { operation: 'notify', drop: true })).status, 200);
    const booked = (await s.fhir('GET', 'Appointment/fatimah-booked')).body;
    await s.fhir('PUT', 'Appointment/fatimah-booked', { body: { ...booked, description: 'one' } });
    await s.fhir('PUT', 'Appointment/fatimah-booked', { body: { ...booked, description: 'two' } });
    await poll(() => hub.received.length === 1, 5000);
    assert.equal(hub.received[0].body.entry[0].resource.description, 'two');
    const effects = (await s.control('GET', '/_peer/effects')).body;
    assert.equal(effects.notifications.dropped, 1);
  });

  await t.test('/_peer/notify sends one notification of any resource, stored or not', async () => {
    await s.fhir('POST', 'Subscription', { body: { ...subscription(hub.url), id: undefined } });
    const id = (await s.control('GET', '/_peer/resources/Subscription')).body.resources[0].id;
    const ghost = { ...(await s.fhir('GET', 'Appointment/fatimah-booked')).body, id: 'not-on-the-server' };
    let r = await s.control('POST', '/_peer/notify', { subscription: id, resource: ghost, created: true });
    assert.equal(r.status, 200);
    r = await s.control('POST', '/_peer/notify', { subscription: id, reference: 'Appointment/fatimah-proposed' });
    assert.equal(r.status, 200);
    await poll(() => hub.received.length === 2, 5000);
    assert.equal(hub.received[0].body.entry[0].resource.id, 'not-on-the-server');
    assert.equal(hub.received[1].body.entry[0].resource.status, 'proposed');
    assert.equal((await s.control('POST', '/_peer/notify', { subscription: 'none', reference: 'Appointment/x' })).status, 404);
    assert.equal((await s.control('POST', '/_peer/notify', { subscription: id, reference: 'Appointment/x' })).status, 404);
  });

  await t.test('a Subscription this server cannot deliver is refused', async () => {
    let r = await s.fhir('POST', 'Subscription', { body: subscription(hub.url, { criteria: 'not a search' }) });
    assert.equal(r.status, 422);
    const email = subscription(hub.url);
    email.channel = { type: 'email', endpoint: 'mailto:a@b.example' };
    r = await s.fhir('POST', 'Subscription', { body: email });
    assert.equal(r.status, 422);
  });
});
