'use strict';
// The messages a payer (or NPHIES) sends a provider on its own, which the
// provider collects with poll-request: communication-request,
// payment-reconciliation, advanced-authorization, error-notice, and orphan
// claim-responses that answer nothing the provider sent. Each function
// returns a message Bundle (MessageHeader first, then its focus and the
// entries its references point at); none answers a request of the provider
// except an error-notice about one of its messages.

const {
  LICENSE, NS, ADJUDICATION_ERROR, COMMUNICATION_REASON, PAYMENT_TYPE, EXTENSION, PROFILE_BASE,
  PATIENT_IDENTIFIER_SYSTEMS, KSA_GENDER_EXTENSION, profileUrl,
} = require('./nphies_terms');
const { messageBundle, entryUrl, uuid, today, money, PEER_BASE } = require('./responses');

const PAYER_BASE = 'http://payer.example';
const NPHIES_LICENCE = { system: LICENSE.nphies, value: 'NPHIES' };

function shortId() { return uuid().replace(/-/g, '').slice(0, 16); }
function reference(resource) { return { reference: entryUrl(resource) }; }
function coding(system, code) { return { coding: [{ system, code }] }; }

function organization(kind, licence, version) {
  const payer = kind === 'insurer';
  return {
    resourceType: 'Organization',
    id: shortId(),
    meta: { profile: [profileUrl(payer ? 'insurer-organization' : 'provider-organization', version)] },
    identifier: [{ system: payer ? LICENSE.payer : LICENSE.provider, value: licence }],
    active: true,
    type: [coding(`${NS}/terminology/CodeSystem/organization-type`, payer ? 'ins' : 'prov')],
    name: payer ? `Payer ${licence}` : `Provider ${licence}`,
  };
}

// A copy of `resource` (an entry of the provider's message) to carry in a
// message of the exchange's own, with an id when it had none.
function copied(resource) {
  const copy = JSON.parse(JSON.stringify(resource));
  if (!copy.id) copy.id = shortId();
  return copy;
}

// A communication-request about the claim `claim` carried (a Message of the
// claim-request): `ask` is { identifier {system, value}, reason, texts,
// attachments [{contentType, title}], due (dateTime) }; its profiles are
// of the claim's version.
function communicationRequestMessage(claimMessage, ask, now) {
  const claim = claimMessage.focal;
  const patient = copied(claimMessage.resolve(claim.patient));
  const insurer = copied(claimMessage.resolve(claim.insurer));
  const provider = copied(claimMessage.resolve(claim.provider));
  const request = {
    resourceType: 'CommunicationRequest',
    id: shortId(),
    meta: { profile: [profileUrl('communication-request', claimMessage.version)] },
    identifier: [ask.identifier],
    status: 'active',
    priority: 'routine',
    authoredOn: new Date(now).toISOString(),
    subject: reference(patient),
    about: [{ type: 'Claim', identifier: claim.identifier[0] }],
    reasonCode: [coding(COMMUNICATION_REASON, ask.reason)],
    payload: [
      ...ask.texts.map((text) => ({ contentString: text })),
      ...ask.attachments.map((a) => ({ contentAttachment: { contentType: a.contentType, title: a.title } })),
    ],
    occurrenceDateTime: ask.due,
    requester: reference(insurer),
    recipient: [reference(provider)],
  };
  return messageBundle({
    event: 'communication-request', focal: request, more: [patient, insurer, provider], now,
    senderLicense: { system: LICENSE.payer, value: claimMessage.receiver.value }, provider: claimMessage.sender.value,
    version: claimMessage.version,
  });
}

// A payment-reconciliation: `payment` is { identifier {system, value},
// provider, payer, paymentDate, period {start, end}, paymentIdentifier
// {system, value}, paymentAmount, details: [{ claimIdentifier {system,
// value}, amount, earlyFee, nphiesFee, adjustment }], version } (fees and
// the adjustment optional; an adjustment is its own detail, code
// adjustment; version: the profile version of its resources).
function paymentReconciliationMessage(payment, now) {
  const insurer = organization('insurer', payment.payer, payment.version);
  const provider = organization('provider', payment.provider, payment.version);
  const detail = [];
  payment.details.forEach((d, i) => {
    const paid = {
      identifier: { system: `${PAYER_BASE}/payment-detail`, value: `${payment.identifier.value}-${i + 1}` },
      type: coding(PAYMENT_TYPE, 'payment'),
      request: { type: 'Claim', identifier: d.claimIdentifier },
      submitter: reference(provider),
      date: payment.paymentDate,
      amount: money(d.amount),
    };
    const extension = [];
    if (d.earlyFee !== undefined) extension.push({ url: EXTENSION.earlyFee, valueMoney: money(d.earlyFee) });
    if (d.nphiesFee !== undefined) extension.push({ url: EXTENSION.nphiesFee, valueMoney: money(d.nphiesFee) });
    if (extension.length) paid.extension = extension;
    detail.push(paid);
    if (d.adjustment !== undefined) {
      detail.push({
        identifier: { system: `${PAYER_BASE}/payment-detail`, value: `${payment.identifier.value}-${i + 1}-adjustment` },
        type: coding(PAYMENT_TYPE, 'adjustment'),
        request: { type: 'Claim', identifier: d.claimIdentifier },
        submitter: reference(provider),
        date: payment.paymentDate,
        amount: money(d.adjustment),
      });
    }
  });
  const reconciliation = {
    resourceType: 'PaymentReconciliation',
    id: shortId(),
    meta: { profile: [profileUrl('payment-reconciliation', payment.version)] },
    identifier: [payment.identifier],
    status: 'active',
    period: payment.period,
    created: new Date(now).toISOString(),
    paymentIssuer: reference(insurer),
    requestor: reference(provider),
    outcome: 'complete',
    disposition: 'Payment of the claims named in detail',
    paymentDate: payment.paymentDate,
    paymentAmount: money(payment.paymentAmount),
    paymentIdentifier: payment.paymentIdentifier,
    detail,
  };
  return messageBundle({
    event: 'payment-reconciliation', focal: reconciliation, more: [insurer, provider], now,
    senderLicense: { system: LICENSE.payer, value: payment.payer }, provider: payment.provider, version: payment.version,
  });
}

// An advanced-authorization: `auth` is { provider, payer, patient {system,
// value, name, gender, birthDate}, member {system, value}, preAuthRef,
// period {start, end}, claimType, version }.
function advancedAuthorizationMessage(auth, now) {
  const insurer = organization('insurer', auth.payer, auth.version);
  const provider = organization('provider', auth.provider, auth.version);
  const patient = {
    resourceType: 'Patient',
    id: shortId(),
    meta: { profile: [profileUrl('patient', auth.version)] },
    identifier: [{
      type: coding('http://terminology.hl7.org/CodeSystem/v2-0203', PATIENT_IDENTIFIER_SYSTEMS[auth.patient.system]),
      system: auth.patient.system,
      value: auth.patient.value,
    }],
    active: true,
    name: [{ use: 'official', text: auth.patient.name }],
    gender: auth.patient.gender,
    _gender: {
      extension: [{
        url: KSA_GENDER_EXTENSION,
        valueCodeableConcept: coding(`${NS}/terminology/CodeSystem/ksa-administrative-gender`, auth.patient.gender),
      }],
    },
  };
  if (auth.patient.birthDate) patient.birthDate = auth.patient.birthDate;
  const coverage = {
    resourceType: 'Coverage',
    id: shortId(),
    meta: { profile: [profileUrl('coverage', auth.version)] },
    identifier: [auth.member],
    status: 'active',
    type: coding(`${NS}/terminology/CodeSystem/coverage-type`, 'EHCPOL'),
    subscriber: reference(patient),
    beneficiary: reference(patient),
    relationship: coding('http://terminology.hl7.org/CodeSystem/subscriber-relationship', 'self'),
    payor: [reference(insurer)],
  };
  const id = shortId();
  const authorization = {
    resourceType: 'ClaimResponse',
    id,
    meta: { profile: [profileUrl('prior-auth-response', auth.version)] },
    extension: [{
      url: `${PROFILE_BASE}extension-adjudication-outcome`,
      valueCodeableConcept: coding(`${NS}/terminology/CodeSystem/adjudication-outcome`, 'approved'),
    }],
    identifier: [{ system: `${PAYER_BASE}/advanced-authorization`, value: `AA-${id}` }],
    status: 'active',
    type: coding('http://terminology.hl7.org/CodeSystem/claim-type', auth.claimType),
    use: 'preauthorization',
    patient: reference(patient),
    created: today(now),
    insurer: reference(insurer),
    requestor: reference(provider),
    outcome: 'complete',
    disposition: 'Advanced authorization granted by the payer',
    preAuthRef: auth.preAuthRef,
    preAuthPeriod: auth.period,
    insurance: [{ sequence: 1, focal: true, coverage: reference(coverage) }],
  };
  return messageBundle({
    event: 'advanced-authorization', focal: authorization, more: [patient, coverage, insurer, provider], now,
    senderLicense: { system: LICENSE.payer, value: auth.payer }, provider: auth.provider, version: auth.version,
  });
}

// An error-notice from NPHIES to `provider`: `notice` is { provider, about
// (a MessageHeader id of the provider's, or undefined), issues: [{ type
// (FHIR issue type), code (adjudication-error), text }], version }.
function errorNoticeMessage(notice, now) {
  const outcome = {
    resourceType: 'OperationOutcome',
    id: shortId(),
    meta: { profile: [profileUrl('operation-outcome', notice.version)] },
    issue: notice.issues.map((i) => ({
      severity: 'error',
      code: i.type,
      details: { coding: [{ system: ADJUDICATION_ERROR, code: i.code }], text: i.text },
    })),
  };
  return messageBundle({
    event: 'error-notice', focal: outcome, now, senderLicense: NPHIES_LICENCE, provider: notice.provider, version: notice.version,
    response: notice.about ? { identifier: notice.about, code: 'fatal-error' } : undefined,
  });
}

// The `n`th orphan answer (profiles of `version`): a claim-response (or priorauth-response) whose
// MessageHeader.response names a message the provider never sent, about a
// Claim identifier it never used.
function orphanResponseMessage({ provider, payer, event, n, version }, now) {
  const id = shortId();
  const preauth = event === 'priorauth-response';
  const response = {
    resourceType: 'ClaimResponse',
    id,
    meta: { profile: [profileUrl(preauth ? 'prior-auth-response' : 'claim-response', version)] },
    identifier: [{ system: `${PEER_BASE}/claimresponse`, value: `orphan_${id}` }],
    status: 'active',
    type: coding('http://terminology.hl7.org/CodeSystem/claim-type', 'professional'),
    use: preauth ? 'preauthorization' : 'claim',
    patient: { reference: `${PEER_BASE}/Patient/orphan-${id}` },
    created: today(now),
    insurer: { identifier: { system: LICENSE.payer, value: payer } },
    requestor: { identifier: { system: LICENSE.provider, value: provider } },
    request: { type: 'Claim', identifier: { system: `${PEER_BASE}/orphan-claim`, value: `orphan-${n}-${id}` } },
    outcome: 'complete',
    disposition: 'An answer to a claim this provider never sent',
  };
  return messageBundle({
    event, focal: response, now, senderLicense: { system: LICENSE.payer, value: payer }, provider, version,
    response: { identifier: uuid(), code: 'ok' },
  });
}

module.exports = {
  communicationRequestMessage, paymentReconciliationMessage, advancedAuthorizationMessage, errorNoticeMessage,
  orphanResponseMessage, PAYER_BASE,
};
