'use strict';
// The response messages the exchange answers with, built the way CHI's
// samples are (../shared/data/nphies/*-response.json).

const crypto = require('node:crypto');
const {
  EVENTS_SYSTEM, LICENSE, NS, PROFILE_BASE, ERRORS, TASK_OUTPUT_TYPE, profileUrl, errorEntry,
} = require('./nphies_terms');
const { businessKey } = require('./message');

const ADJUDICATION = 'http://terminology.hl7.org/CodeSystem/adjudication';
const KSA_ADJUDICATION = `${NS}/terminology/CodeSystem/ksa-adjudication`;
const ADJUDICATION_OUTCOME = `${NS}/terminology/CodeSystem/adjudication-outcome`;
const PEER_BASE = 'http://peer.nphies.test';

function uuid() { return crypto.randomUUID(); }
function today(now) { return new Date(now).toISOString().slice(0, 10); }
function money(value) { return { value: Math.round(value * 100) / 100, currency: 'SAR' }; }

// A message bundle from the exchange to `provider` (a provider licence
// value): MessageHeader first (event `event`, sender `senderLicense`, focus
// `focal`, `response` when it answers a message), then `focal` and `more`;
// its own profiles of `version` (default PROFILE_VERSION).
function messageBundle({ event, focal, more = [], now, senderLicense, provider, response, version }) {
  const headerId = uuid();
  const entries = [];
  const focalUrl = focal ? entryUrl(focal) : undefined;
  const header = {
    resourceType: 'MessageHeader',
    id: headerId,
    meta: { profile: [profileUrl('message-header', version)] },
    eventCoding: { system: EVENTS_SYSTEM, code: event },
    destination: [{
      endpoint: `${NS}/license/provider-license/${provider}`,
      receiver: { type: 'Organization', identifier: { system: LICENSE.provider, value: provider } },
    }],
    sender: { type: 'Organization', identifier: senderLicense },
    source: { endpoint: `${PEER_BASE}/` },
  };
  if (response) header.response = response;
  if (focalUrl) header.focus = [{ reference: focalUrl }];
  entries.push({ fullUrl: `urn:uuid:${headerId}`, resource: header });
  if (focal) entries.push({ fullUrl: focalUrl, resource: focal });
  for (const r of more) entries.push({ fullUrl: entryUrl(r), resource: r });
  return {
    resourceType: 'Bundle',
    id: uuid(),
    meta: { profile: [profileUrl('bundle', version)] },
    type: 'message',
    timestamp: new Date(now).toISOString(),
    entry: entries,
  };
}

// The fullUrl the exchange gives a resource of its own.
function entryUrl(resource) {
  return `${PEER_BASE}/${resource.resourceType}/${resource.id}`;
}

// A response message to `request` (a Message): MessageHeader first, answering
// the request's MessageHeader id, then `focal` and any further resources.
function responseMessage(request, event, focal, more, now, senderLicense, code = 'ok') {
  return messageBundle({
    event, focal, more, now, senderLicense, provider: request.sender.value,
    response: { identifier: request.headerId, code }, version: request.version,
  });
}

function payerLicense(request) {
  return { system: LICENSE.payer, value: request.receiver.value };
}

// decision: { kind: 'eligible' | 'not-inforce' | 'error', errors: [ERRORS keys] }
function eligibilityResponse(request, decision, now) {
  const ask = request.focal;
  const id = uuid().replace(/-/g, '').slice(0, 16);
  const resource = {
    resourceType: 'CoverageEligibilityResponse',
    id,
    meta: { profile: [profileUrl('eligibility-response', request.version)] },
    identifier: [{ system: `${PEER_BASE}/coverageeligibilityresponse`, value: `resp_${id}` }],
    status: 'active',
    purpose: ask.purpose || ['benefits', 'validation'],
    patient: { reference: ask.patient && ask.patient.reference },
    created: new Date(now).toISOString(),
    request: { identifier: (ask.identifier || [])[0] },
    outcome: decision.kind === 'error' ? 'error' : 'complete',
    insurer: { identifier: payerLicense(request) },
  };
  if (ask.servicedPeriod) resource.servicedPeriod = ask.servicedPeriod;
  if (ask.servicedDate) resource.servicedDate = ask.servicedDate;
  if (decision.kind === 'error') {
    resource.disposition = 'The request could not be processed; see the errors';
    resource.error = decision.errors.map((key) => errorEntry(key));
  } else {
    const inforce = decision.kind === 'eligible';
    resource.disposition = inforce
      ? 'Patient’s coverage is subject to the contracted terms and condition'
      : 'The policy is not in force for the service date';
    resource.extension = [{
      url: `${PROFILE_BASE}extension-siteEligibility`,
      valueCodeableConcept: { coding: [{ system: `${NS}/terminology/CodeSystem/siteEligibility`, code: inforce ? 'eligible' : 'not-eligible' }] },
    }];
    const coverage = (ask.insurance || [])[0];
    resource.insurance = [{
      coverage: { reference: coverage && coverage.coverage && coverage.coverage.reference },
      inforce,
      item: inforce ? [{
        category: { coding: [{ system: `${NS}/terminology/CodeSystem/benefit-category`, code: '1' }] },
        excluded: false,
        name: 'Medical Care',
        description: 'Outpatient and virtual consultations.',
        network: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/benefit-network', code: 'in' }] },
        unit: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/benefit-unit', code: 'individual' }] },
        term: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/benefit-term', code: 'annual' }] },
        benefit: [{
          type: { coding: [{ system: `${NS}/terminology/CodeSystem/benefit-type`, code: 'benefit' }] },
          allowedMoney: money(decision.allowed || 10000),
        }],
      }] : [],
    }];
  }
  return responseMessage(request, 'eligibility-response', resource, [], now, payerLicense(request));
}

function category(system, code) { return { coding: [{ system, code }] }; }

function outcomeExtension(code) {
  return {
    url: `${PROFILE_BASE}extension-adjudication-outcome`,
    valueCodeableConcept: { coding: [{ system: ADJUDICATION_OUTCOME, code }] },
  };
}

// The amounts of one claim item under `kind` (approved, partial, rejected).
function itemAmounts(item, kind) {
  const qty = item.quantity && typeof item.quantity.value === 'number' ? item.quantity.value : 1;
  const taxExt = (item.extension || []).find((e) => e.url === `${PROFILE_BASE}extension-tax`);
  const tax = taxExt && taxExt.valueMoney ? taxExt.valueMoney.value : 0;
  const net = item.net ? item.net.value : 0;
  const base = net - tax;
  if (kind === 'rejected') return { eligible: 0, benefit: 0, copay: 0, patientShare: 0, tax: 0, qty: 0 };
  const share = kind === 'partial' ? 0.5 : 0.1;
  const copay = Math.round(base * share * 100) / 100;
  return { eligible: net, copay, patientShare: copay, benefit: net - copay, tax, qty };
}

// decision: { kind: 'approved' | 'partial' | 'rejected' | 'queued' | 'error', errors }
function claimResponse(request, decision, now, use) {
  const claim = request.focal;
  const id = uuid().replace(/-/g, '').slice(0, 16);
  const preauth = use === 'preauthorization';
  const resource = {
    resourceType: 'ClaimResponse',
    id,
    meta: { profile: [profileUrl(preauth ? 'prior-auth-response' : 'claim-response', request.version)] },
    identifier: [{ system: `${PEER_BASE}/claimresponse`, value: `resp_${id}` }],
    status: 'active',
    type: claim.type,
    use: preauth ? 'preauthorization' : 'claim',
    patient: { reference: claim.patient && claim.patient.reference },
    created: today(now),
    insurer: { identifier: payerLicense(request) },
    requestor: { identifier: { system: LICENSE.provider, value: request.sender.value } },
    request: { type: 'Claim', identifier: (claim.identifier || [])[0] },
  };
  if (claim.subType) resource.subType = claim.subType;
  if (decision.kind === 'queued') {
    resource.outcome = 'queued';
    resource.disposition = 'The claim is queued for adjudication; poll for the answer';
  } else if (decision.kind === 'error') {
    resource.outcome = 'error';
    resource.disposition = 'The claim could not be processed; see the errors';
    resource.error = decision.errors.map((key) => errorEntry(key));
  } else {
    resource.outcome = 'complete';
    resource.extension = [outcomeExtension(decision.kind)];
    resource.disposition = {
      approved: 'Claim approved as submitted',
      partial: 'Claim approved in part; the patient share is raised',
      rejected: 'Claim rejected: the service is not covered',
    }[decision.kind];
    if (preauth && decision.kind !== 'rejected') {
      resource.preAuthRef = `PA-${id.slice(0, 10)}`;
      resource.preAuthPeriod = { start: today(now), end: today(now + 30 * 24 * 3600 * 1000) };
    }
    const totals = { eligible: 0, benefit: 0, copay: 0, patientShare: 0, tax: 0 };
    resource.item = (claim.item || []).map((item) => {
      const a = itemAmounts(item, decision.kind);
      for (const k of Object.keys(totals)) totals[k] += a[k];
      return {
        extension: [outcomeExtension(decision.kind)],
        itemSequence: item.sequence,
        adjudication: [
          { category: category(ADJUDICATION, 'eligible'), amount: money(a.eligible) },
          { category: category(ADJUDICATION, 'copay'), amount: money(a.copay) },
          { category: category(KSA_ADJUDICATION, 'patientShare'), amount: money(a.patientShare) },
          { category: category(ADJUDICATION, 'tax'), amount: money(a.tax) },
          { category: category(ADJUDICATION, 'benefit'), amount: money(a.benefit) },
          { category: category(KSA_ADJUDICATION, 'approved-quantity'), value: a.qty },
        ],
      };
    });
    resource.total = ['eligible', 'copay', 'tax', 'benefit'].map((code) =>
      ({ category: category(ADJUDICATION, code), amount: money(totals[code]) }));
    resource.total.push({ category: category(KSA_ADJUDICATION, 'patientShare'), amount: money(totals.patientShare) });
    if (decision.kind === 'rejected') {
      resource.error = (claim.item || []).map((item) => errorEntry('notCovered', item.sequence));
    }
    if (decision.kind === 'partial') {
      resource.error = (claim.item || []).map((item) => errorEntry('partial', item.sequence));
    }
  }
  const reply = preauth ? 'priorauth-response' : 'claim-response';
  return responseMessage(request, reply, resource, [], now, payerLicense(request));
}

// Task answers (cancel-response, status-response): the request's Task,
// completed (or rejected with errors).
function taskResponse(request, reply, now, status, output, errors) {
  const asked = request.focal;
  const id = uuid().replace(/-/g, '').slice(0, 16);
  const task = {
    resourceType: 'Task',
    id,
    meta: { profile: [profileUrl('task', request.version)] },
    identifier: [{ system: `${PEER_BASE}/task`, value: `resp_${id}` }],
    status,
    intent: 'order',
    priority: asked.priority || 'routine',
    code: asked.code,
    authoredOn: today(now),
    lastModified: today(now),
    requester: { identifier: { system: LICENSE.provider, value: request.sender.value } },
    owner: { identifier: request.receiver },
  };
  if (asked.focus) task.focus = asked.focus;
  if (output) task.output = output;
  if (errors && errors.length) {
    task.businessStatus = { text: errors.map((k) => ERRORS[k][1]).join('; ') };
    task.statusReason = { coding: errors.map((k) => errorEntry(k).code.coding[0]) };
  }
  const sender = request.receiver.system === LICENSE.payer ? payerLicense(request)
    : { system: LICENSE.nphies, value: 'NPHIES' };
  return responseMessage(request, reply, task, [], now, sender);
}

// The status-response to a status-check: the asked Task, its focus the same
// Claim identifier. `held` is 'queued' (the answer will come through poll)
// or 'complete' (adjudicated: a resend of the claim gets the answer again):
// Task.status completed with one output of type status; or null (the
// exchange holds no such claim of this provider): Task.status rejected,
// statusReason.text "no claim with this identifier", no output.
function statusResponse(request, now, held) {
  if (!held) {
    const message = taskResponse(request, 'status-response', now, 'rejected');
    message.entry[1].resource.statusReason = { text: 'no claim with this identifier' };
    return message;
  }
  return taskResponse(request, 'status-response', now, 'completed', [{
    type: { coding: [{ system: TASK_OUTPUT_TYPE, code: 'status' }] },
    valueCode: held,
  }]);
}

function pollResponse(request, bundles, now) {
  const output = bundles.map((b) => ({
    type: { coding: [{ system: TASK_OUTPUT_TYPE, code: 'response' }] },
    valueReference: { reference: `${NS}/Bundle/${b.id}` },
  }));
  const message = taskResponse(request, 'poll-response', now, 'completed', output.length ? output : undefined);
  message.entry[0].resource.meta.tag = [{ system: `${NS}/terminology/CodeSystem/meta-tags`, code: 'queued-messages' }];
  message.entry[1].resource.input = request.focal.input;
  for (const b of bundles) message.entry.push({ fullUrl: `${NS}/Bundle/${b.id}`, resource: b });
  return message;
}

function acknowledgementResponse(request, now) {
  return responseMessage(request, 'acknowledgement', null, [], now, { system: LICENSE.nphies, value: 'NPHIES' });
}

// The acknowledgement a payer answers a communication or payment-notice
// with (a batch-response for a batch-request: `event`): response.code `ok`,
// or `fatal-error` and, as its focus, an OperationOutcome whose issues carry
// the adjudication-error codes of `errors` (ERRORS keys) of the rules broken.
function payerAcknowledgement(request, now, errors = [], event = 'acknowledgement') {
  if (!errors.length) return responseMessage(request, event, null, [], now, payerLicense(request));
  const outcome = {
    resourceType: 'OperationOutcome',
    id: uuid(),
    meta: { profile: [profileUrl('operation-outcome', request.version)] },
    issue: errors.map((key) => ({
      severity: 'error',
      code: 'business-rule',
      details: { coding: [errorEntry(key).code.coding[0]], text: ERRORS[key][1] },
    })),
  };
  return responseMessage(request, event, outcome, [], now, payerLicense(request), 'fatal-error');
}

function operationOutcome(issues) {
  return { resourceType: 'OperationOutcome', id: uuid(), issue: issues.map((i) => JSON.parse(JSON.stringify(i))) };
}

module.exports = {
  eligibilityResponse, claimResponse, taskResponse, statusResponse, pollResponse, acknowledgementResponse,
  payerAcknowledgement, operationOutcome, messageBundle, entryUrl, businessKey, uuid, today, money, PEER_BASE,
};
