'use strict';
// rest-hook Subscriptions: after a resource is created or updated, every
// active Subscription whose criteria it matches (`Appointment?status=booked`,
// matched with @medplum/core's search matching) is notified: a POST to its
// channel.endpoint carrying each channel.header ("Name: value") and
// Content-Type application/fhir+json. The body:
//
// - R4 (the Subscription as R4 defines it): with channel.payload
//   `application/fhir+json`, a Bundle of type `history` with the resource as
//   its one entry (request POST or PUT, response 201 or 200); without a
//   payload, no body.
// - Topic-based (a Subscription with the R4 backport profile): a Bundle of
//   type `history` whose first entry is the SubscriptionStatus Parameters
//   (subscription, topic, status, type event-notification,
//   events-since-subscription-start, notification-event with its number,
//   timestamp and focus), then the resource when the payload content is
//   full-resource (the backport-payload-content extension on
//   channel.payload; id-only otherwise). Criteria: the topic is in
//   `criteria`, the filter in its backport-filter-criteria extension
//   (`Appointment?status=booked`); without one every Appointment matches.
//
// Deliveries to one Subscription go out in order, one at a time, each bounded
// by a timeout; each is recorded (kind `notifications`) with the answer's
// status or the error. A fault rule on operation `notify` (the peer's own
// kind, fhir_peer.js) drops a notification (nothing is sent) or delays it.

const { core } = require('./r4');
const { delay } = require('../../support');

const BACKPORT_PROFILE = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription';
const STATUS_PROFILE = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4';
const FILTER_CRITERIA = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-filter-criteria';
const PAYLOAD_CONTENT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content';
const DELIVERY_TIMEOUT_MS = 5000;

function isBackport(subscription) {
  return Boolean(subscription.meta && (subscription.meta.profile || []).includes(BACKPORT_PROFILE));
}

// The search the subscription's criteria stand for, or null when malformed.
function criteriaOf(subscription) {
  let text = subscription.criteria || '';
  if (isBackport(subscription)) {
    const ext = ((subscription._criteria && subscription._criteria.extension) || []).find((e) => e.url === FILTER_CRITERIA);
    text = ext ? ext.valueString : 'Appointment';
  }
  const m = /^([A-Z][A-Za-z]+)(\?.*)?$/.exec(text);
  if (!m) return null;
  try {
    return core.parseSearchRequest(text);
  } catch {
    return null;
  }
}

function headersOf(subscription) {
  const out = { 'Content-Type': 'application/fhir+json; charset=utf-8' };
  for (const line of subscription.channel.header || []) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}

class Subscriptions {
  // fhir: the FhirService; effects and faults: the peer's.
  constructor({ fhir, effects, faults }) {
    this.fhir = fhir;
    this.effects = effects;
    this.faults = faults;
    this.queues = new Map(); // subscription id → the promise of its last delivery
    this.eventNumbers = new Map(); // subscription id → events so far
    this.pending = 0;
  }

  reset() {
    this.eventNumbers.clear();
  }

  // Queues the notifications `resource` (just written) causes.
  async written(resource, created, baseUrl) {
    if (resource.resourceType === 'Subscription') return;
    const subscriptions = await this.fhir.list('Subscription');
    for (const subscription of subscriptions) {
      if (subscription.status !== 'active' || !subscription.channel || subscription.channel.type !== 'rest-hook') continue;
      const search = criteriaOf(subscription);
      if (!search || search.resourceType !== resource.resourceType) continue;
      if (!core.matchesSearchRequest(resource, search)) continue;
      this.notify(subscription, resource, created, baseUrl);
    }
  }

  // Queues one notification of `resource` to `subscription`, matched or not
  // and stored or not (POST /_peer/notify: an EHR announcing an appointment
  // it does not serve).
  notify(subscription, resource, created, baseUrl) {
    const number = (this.eventNumbers.get(subscription.id) || 0) + 1;
    this.eventNumbers.set(subscription.id, number);
    const body = this.bodyOf(subscription, resource, created, baseUrl, number);
    this.enqueue(subscription, body, `${resource.resourceType}/${resource.id}`);
  }

  bodyOf(subscription, resource, created, baseUrl, number) {
    const entry = {
      fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`,
      resource,
      request: created ? { method: 'POST', url: resource.resourceType } : { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
      response: { status: created ? '201' : '200' },
    };
    const timestamp = new Date().toISOString();
    if (!isBackport(subscription)) {
      if (!subscription.channel.payload) return undefined;
      return { resourceType: 'Bundle', type: 'history', timestamp, entry: [entry] };
    }
    const payload = subscription.channel._payload || {};
    const content = ((payload.extension || []).find((e) => e.url === PAYLOAD_CONTENT) || {}).valueCode || 'id-only';
    const status = {
      resourceType: 'Parameters',
      meta: { profile: [STATUS_PROFILE] },
      parameter: [
        { name: 'subscription', valueReference: { reference: `${baseUrl}/Subscription/${subscription.id}` } },
        { name: 'topic', valueCanonical: subscription.criteria },
        { name: 'status', valueCode: 'active' },
        { name: 'type', valueCode: 'event-notification' },
        { name: 'events-since-subscription-start', valueString: String(number) },
        {
          name: 'notification-event',
          part: [
            { name: 'event-number', valueString: String(number) },
            { name: 'timestamp', valueInstant: timestamp },
            { name: 'focus', valueReference: { reference: entry.fullUrl } },
          ],
        },
      ],
    };
    const entries = [{
      fullUrl: `urn:uuid:${core.generateId()}`,
      resource: status,
      // A history Bundle's every entry has request and response (bdl-3).
      request: { method: 'GET', url: `${baseUrl}/Subscription/${subscription.id}/$status` },
      response: { status: '200' },
    }];
    if (content === 'full-resource') entries.push(entry);
    else if (content === 'id-only') entries.push({ fullUrl: entry.fullUrl, request: entry.request, response: entry.response });
    return { resourceType: 'Bundle', type: 'history', timestamp, entry: entries };
  }

  enqueue(subscription, body, focus) {
    const previous = this.queues.get(subscription.id) || Promise.resolve();
    this.pending++;
    const next = previous.then(() => this.deliver(subscription, body, focus)).finally(() => {
      this.pending--;
    });
    this.queues.set(subscription.id, next);
  }

  async deliver(subscription, body, focus) {
    const record = { subscription: `Subscription/${subscription.id}`, endpoint: subscription.channel.endpoint, focus, body };
    const rule = this.faults.takeOwn('notify');
    if (rule && rule.drop) {
      this.effects.count(['notifications', 'dropped']);
      this.effects.record('notifications', { ...record, dropped: true });
      return;
    }
    if (rule) await delay(rule.delayMs);
    try {
      const res = await fetch(subscription.channel.endpoint, {
        method: 'POST',
        headers: headersOf(subscription),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      this.effects.count(['notifications', res.ok ? 'delivered' : 'refused']);
      this.effects.record('notifications', { ...record, status: res.status });
    } catch (err) {
      this.effects.count(['notifications', 'failed']);
      this.effects.record('notifications', { ...record, error: err && err.message ? err.message : String(err) });
    }
  }
}

module.exports = { Subscriptions, BACKPORT_PROFILE, STATUS_PROFILE, FILTER_CRITERIA, PAYLOAD_CONTENT, criteriaOf };
