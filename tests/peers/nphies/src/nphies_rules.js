'use strict';
// The NPHIES messaging rules the exchange enforces beyond R4.
//
// envelopeIssues(): the message itself is unusable (a profile of another
// version than 1.0.0 or 0.3.0, or two versions in one message; not a message
// bundle, MessageHeader not first, unknown event, focus not an entry, a
// resource without its NPHIES profile, sender or destination not a licence,
// a status-check Task that does not ask for the status of a Claim
// identifier, a cancel-request Task neither cancel nor nullify, a
// Communication neither completed nor not-done). The answer is 400 with an
// OperationOutcome: nothing is stored.
//
// businessErrors(): the message is well formed but its content breaks a rule
// (unknown licence, patient identifier system, KSA gender extension, amounts
// not in SAR or not adding up, claim type, service code, diagnosis, virtual
// encounter, eligibility reference, a resubmission's prior claim; for a
// status-check, its Task's requester and owner; and the FHIRPath invariants
// of bv_invariants.js). The answer is a response message whose focal resource has
// outcome "error" and adjudication-error codes (a Task: status "rejected"
// and the codes in statusReason).

const {
  LICENSE, PATIENT_IDENTIFIER_SYSTEMS, KSA_GENDER_EXTENSION, REQUESTS, PROFILES, PROFILE_BASE,
  PROFILE_VERSIONS, NS, TASK_CODE,
} = require('./nphies_terms');

const RELATED_CLAIM = 'http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship';
const { invariantErrors } = require('./bv_invariants');

function issue(code, text, expression) {
  return { severity: 'error', code, details: { text }, expression: expression ? [expression] : undefined };
}

function hasNphiesProfile(resource, version) {
  const allowed = PROFILES[resource.resourceType];
  const profiles = (resource.meta && Array.isArray(resource.meta.profile)) ? resource.meta.profile : [];
  return profiles.some((p) => {
    if (typeof p !== 'string' || !p.startsWith(PROFILE_BASE) || !p.endsWith(`|${version}`)) return false;
    const name = p.slice(PROFILE_BASE.length, p.length - version.length - 1);
    return !allowed || allowed.includes(name);
  });
}

// Every nphies-fs profile `bundle` names (its own and its entries'; a
// batch's claim messages' too), with where.
function nphiesProfiles(bundle, path = 'Bundle', out = []) {
  const named = (resource, where) => {
    const profiles = resource.meta && Array.isArray(resource.meta.profile) ? resource.meta.profile : [];
    profiles.forEach((p, i) => {
      if (typeof p === 'string' && p.startsWith(PROFILE_BASE)) out.push({ profile: p, where: `${where}.meta.profile[${i}]` });
    });
  };
  named(bundle, path);
  (Array.isArray(bundle.entry) ? bundle.entry : []).forEach((e, i) => {
    const r = e && e.resource;
    if (!r || typeof r !== 'object') return;
    if (r.resourceType === 'Bundle') nphiesProfiles(r, `${path}.entry[${i}].resource`, out);
    else named(r, `${path}.entry[${i}].resource`);
  });
  return out;
}

// The profile version rules: every nphies-fs profile of a message names
// one version of PROFILE_VERSIONS, the same one.
function versionIssues(message) {
  const out = [];
  const versions = new Map(); // version -> the first profile naming it
  for (const { profile, where } of nphiesProfiles(message.bundle)) {
    const bar = profile.lastIndexOf('|');
    const version = bar < 0 ? '' : profile.slice(bar + 1);
    if (!PROFILE_VERSIONS.includes(version)) {
      out.push(issue('not-supported', `the profile ${profile} names ${version ? `version ${version}` : 'no version'}; the exchange takes ${PROFILE_VERSIONS.join(' or ')}`, where));
    } else if (!versions.has(version)) {
      versions.set(version, { profile, where });
    }
  }
  if (versions.size > 1) {
    const [first, second] = [...versions.values()];
    out.push(issue('invalid', `the message mixes profile versions: ${first.profile} and ${second.profile}; a message names one version`, second.where));
  }
  return out;
}

function envelopeIssues(message, options) {
  const out = versionIssues(message);
  if (out.length) return out.slice(0, options.maxIssues || out.length);
  const version = message.version;
  const bundleProfile = `${PROFILE_BASE}bundle|${version}`;
  const b = message.bundle;
  if (b.type !== 'message') out.push(issue('invalid', 'Bundle.type must be "message"', 'Bundle.type'));
  if (!b.id) out.push(issue('required', 'Bundle.id is required: the exchange keys duplicates on it', 'Bundle.id'));
  if (!b.timestamp) out.push(issue('required', 'Bundle.timestamp is required', 'Bundle.timestamp'));
  const bundleProfiles = (b.meta && b.meta.profile) || [];
  if (!bundleProfiles.includes(bundleProfile)) {
    out.push(issue('invalid', `Bundle.meta.profile must hold ${bundleProfile}`, 'Bundle.meta.profile'));
  }
  if (!message.header) {
    out.push(issue('invalid', 'the first entry must be the MessageHeader', 'Bundle.entry[0]'));
    return out;
  }
  const h = message.header;
  if (!h.id) out.push(issue('required', 'MessageHeader.id is required', 'MessageHeader.id'));
  const event = message.event;
  const request = event && REQUESTS[event];
  if (!request) {
    const code = h.eventCoding && h.eventCoding.code;
    out.push(issue('code-invalid', `MessageHeader.eventCoding ${code || '(none)'} is not a request event of ksa-message-events the exchange accepts`, 'MessageHeader.eventCoding'));
  }
  const sender = message.sender;
  if (sender.system !== LICENSE.provider || !sender.value) {
    out.push(issue('invalid', `MessageHeader.sender must be identified by a provider licence (${LICENSE.provider})`, 'MessageHeader.sender'));
  }
  const receiver = message.receiver;
  const wantsNphies = event === 'poll-request' || event === 'acknowledgement';
  const receiverOk = receiver.value && (receiver.system === LICENSE.payer || (wantsNphies && receiver.system === LICENSE.nphies));
  if (!receiverOk) {
    out.push(issue('invalid', `MessageHeader.destination[0].receiver must be identified by a payer licence (${LICENSE.payer})${wantsNphies ? ` or ${LICENSE.nphies}` : ''}`, 'MessageHeader.destination'));
  }
  if (request && request.focal) {
    const ref = message.focusReference;
    const focal = message.focal;
    if (!ref) {
      out.push(issue('required', 'MessageHeader.focus is required for this event', 'MessageHeader.focus'));
    } else if (!focal) {
      out.push(issue('invalid', `MessageHeader.focus ${ref} is not the fullUrl of an entry of this bundle`, 'MessageHeader.focus'));
    } else if (focal.resourceType !== request.focal) {
      out.push(issue('invalid', `the focus of ${event} must be a ${request.focal}, not a ${focal.resourceType}`, 'MessageHeader.focus'));
    }
  }
  if (event === 'status-check' && message.focal && message.focal.resourceType === 'Task') {
    out.push(...statusCheckIssues(message.focal));
  }
  if (event === 'cancel-request' && message.focal && message.focal.resourceType === 'Task') {
    out.push(...cancelIssues(message.focal));
  }
  if (event === 'communication' && message.focal && message.focal.resourceType === 'Communication' &&
      !['completed', 'not-done'].includes(message.focal.status)) {
    out.push(issue('invalid', 'Communication.status must be completed or not-done', 'Communication.status'));
  }
  message.entries.forEach((entry, i) => {
    const r = entry.resource;
    if (!entry.fullUrl) out.push(issue('required', `Bundle.entry[${i}].fullUrl is required`, `Bundle.entry[${i}]`));
    if (r && !hasNphiesProfile(r, version)) {
      out.push(issue('invalid', `Bundle.entry[${i}] ${r.resourceType} lacks its NPHIES profile in meta.profile (${PROFILE_BASE}<name>|${version})`, `Bundle.entry[${i}].resource.meta.profile`));
    }
  });
  if (options.maxIssues && out.length > options.maxIssues) out.length = options.maxIssues;
  return out;
}

// What makes a status-check's Task unusable: it must be a requested order
// with code `status` (task-code) whose focus names a Claim by identifier
// (system and value), the identifier the claim-request carried.
function statusCheckIssues(task) {
  const out = [];
  const codings = (task.code && Array.isArray(task.code.coding)) ? task.code.coding : [];
  if (!codings.some((c) => c.system === TASK_CODE && c.code === 'status')) {
    out.push(issue('code-invalid', `the status-check Task.code must be status of ${TASK_CODE}`, 'Task.code'));
  }
  if (task.status !== 'requested') out.push(issue('invalid', 'the status-check Task.status must be requested', 'Task.status'));
  if (task.intent !== 'order') out.push(issue('invalid', 'the status-check Task.intent must be order', 'Task.intent'));
  const focus = task.focus || {};
  if (focus.type !== 'Claim') out.push(issue('invalid', 'the status-check Task.focus.type must be Claim', 'Task.focus.type'));
  const id = focus.identifier;
  if (!id || !id.system || !id.value) {
    out.push(issue('required', 'the status-check Task.focus.identifier must give the claim\'s identifier system and value', 'Task.focus.identifier'));
  }
  return out;
}

// What makes a cancel-request's Task unusable: its code must be cancel or
// nullify (task-code) and its focus name a Claim by identifier.
function cancelIssues(task) {
  const out = [];
  const codings = (task.code && Array.isArray(task.code.coding)) ? task.code.coding : [];
  if (!codings.some((c) => c.system === TASK_CODE && ['cancel', 'nullify'].includes(c.code))) {
    out.push(issue('code-invalid', `the cancel-request Task.code must be cancel or nullify of ${TASK_CODE}`, 'Task.code'));
  }
  const focus = task.focus || {};
  if (focus.type !== 'Claim' || !focus.identifier || !focus.identifier.value) {
    out.push(issue('required', 'the cancel-request Task.focus must name a Claim by identifier (system and value)', 'Task.focus'));
  }
  return out;
}

function identifierValue(resource, system) {
  const ids = (resource && Array.isArray(resource.identifier)) ? resource.identifier : [];
  const found = ids.find((i) => i.system === system);
  return found ? found.value : undefined;
}

function checkPatient(patient, errors) {
  if (!patient) {
    errors.push('noMember');
    return;
  }
  const ids = Array.isArray(patient.identifier) ? patient.identifier : [];
  if (ids.length === 0 || !ids.every((i) => PATIENT_IDENTIFIER_SYSTEMS[i.system])) errors.push('patientIdentifier');
  const ext = patient._gender && Array.isArray(patient._gender.extension) ? patient._gender.extension : [];
  if (!ext.some((e) => e.url === KSA_GENDER_EXTENSION && e.valueCodeableConcept)) errors.push('patientGender');
}

// Every Money in `value`, recursively.
function moneys(value, out = []) {
  if (Array.isArray(value)) {
    value.forEach((v) => moneys(v, out));
  } else if (value && typeof value === 'object') {
    if (typeof value.value === 'number' && 'currency' in value) out.push(value);
    Object.values(value).forEach((v) => moneys(v, out));
  }
  return out;
}

function close(a, b) { return Math.abs(a - b) < 0.005; }

function checkClaim(message, claim, errors, options) {
  const typeCoding = claim.type && claim.type.coding && claim.type.coding[0];
  const subCoding = claim.subType && claim.subType.coding && claim.subType.coding[0];
  if (!typeCoding || typeCoding.system !== 'http://terminology.hl7.org/CodeSystem/claim-type' ||
      !subCoding || subCoding.system !== `${NS}/terminology/CodeSystem/claim-subtype`) {
    errors.push('claimType');
  }
  const items = Array.isArray(claim.item) ? claim.item : [];
  let total = 0;
  let amountsOk = true;
  for (const item of items) {
    const coding = item.productOrService && item.productOrService.coding && item.productOrService.coding[0];
    if (!coding || !coding.code || !options.serviceSystems.includes(coding.system)) errors.push('serviceCode');
    const qty = item.quantity && typeof item.quantity.value === 'number' ? item.quantity.value : 1;
    const unit = item.unitPrice ? item.unitPrice.value : 0;
    const taxExt = (item.extension || []).find((e) => e.url === `${PROFILE_BASE}extension-tax`);
    const tax = taxExt && taxExt.valueMoney ? taxExt.valueMoney.value : 0;
    const net = item.net ? item.net.value : undefined;
    if (net === undefined || !close(net, qty * unit + tax)) amountsOk = false;
    total += net || 0;
  }
  if (!claim.total || !close(claim.total.value, total)) amountsOk = false;
  if (items.length === 0) errors.push('serviceCode');
  if (!amountsOk) errors.push('netMismatch');
  const diagnoses = Array.isArray(claim.diagnosis) ? claim.diagnosis : [];
  const principal = diagnoses.some((d) => (d.type || []).some((t) => (t.coding || []).some((c) => c.code === 'principal')) &&
    d.diagnosisCodeableConcept && (d.diagnosisCodeableConcept.coding || []).some((c) => c.code));
  if (!principal) errors.push('diagnosis');
  const careTeam = Array.isArray(claim.careTeam) ? claim.careTeam : [];
  for (const member of careTeam) {
    const practitioner = message.resolve(member.provider);
    if (!practitioner || !identifierValue(practitioner, LICENSE.practitioner)) errors.push('careTeam');
  }
  const encounterExt = (claim.extension || []).find((e) => e.url === `${PROFILE_BASE}extension-encounter`);
  if (encounterExt) {
    const encounter = message.resolve(encounterExt.valueReference);
    const cls = encounter && encounter.class;
    const virtual = cls && cls.code === 'VR' && cls.system === 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
    const profiled = encounter && ((encounter.meta && encounter.meta.profile) || [])
      .includes(`${PROFILE_BASE}encounter-auth-VR|${message.version}`);
    if (!encounter || (virtual && !profiled) || (!virtual && profiled)) errors.push('encounter');
  }
  for (const key of priorClaims(claim)) {
    const prior = options.claim(key);
    if (!prior || prior.sender !== message.sender.value) errors.push('priorUnknown');
    else if (!['rejected', 'error'].includes(prior.state)) errors.push('priorNotRejected');
  }
  const eligibilityExt = (claim.extension || []).find((e) => e.url === `${PROFILE_BASE}extension-eligibility-response`);
  if (eligibilityExt) {
    const ref = eligibilityExt.valueReference && eligibilityExt.valueReference.identifier;
    const key = ref ? `${ref.system || ''}|${ref.value}` : undefined;
    if (!key || !options.knownEligibility(key)) errors.push('eligibilityReference');
  }
}

// The "system|value" keys of the claims a Claim resubmits: its related
// entries whose relationship is `prior` of ex-relatedclaimrelationship
// (other systems, such as NPHIES' related-claim-relationship in CHI's
// samples, are not read).
function priorClaims(claim) {
  return (Array.isArray(claim.related) ? claim.related : []).filter((r) =>
    r.relationship && (r.relationship.coding || []).some((c) => c.system === RELATED_CLAIM && c.code === 'prior'))
    .map((r) => {
      const id = r.claim && r.claim.identifier;
      return id && id.value ? `${id.system || ''}|${id.value}` : '|';
    });
}

// The licence (of `system`) of the Organization a Reference names: the
// entry it points at, or its logical identifier.
function licenceOf(message, reference, system) {
  const resource = message.resolve(reference);
  if (resource) return resource.resourceType === 'Organization' ? identifierValue(resource, system) : undefined;
  const id = reference && reference.identifier;
  return id && id.system === system ? id.value : undefined;
}

// Business rule violations of a well-formed message, as ERRORS keys (in order,
// without repeats).
function businessErrors(message, options) {
  const errors = [];
  if (!options.providers.includes(message.sender.value)) errors.push('unknownProvider');
  if (options.client && options.providers.includes(options.client) && options.client !== message.sender.value) {
    errors.push('certificateMismatch');
  }
  const event = message.event;
  const toPayer = message.receiver.system === LICENSE.payer;
  if (toPayer && !options.payers.includes(message.receiver.value)) errors.push('unknownPayer');
  if (moneys(message.bundle).some((m) => m.currency !== 'SAR')) errors.push('currency');
  const focal = message.focal;
  if (event === 'eligibility-request' || event === 'claim-request' || event === 'priorauth-request') {
    const provider = message.resolve(focal.provider);
    if (!provider || identifierValue(provider, LICENSE.provider) !== message.sender.value) errors.push('providerMismatch');
    const insurer = message.resolve(focal.insurer);
    if (!insurer || identifierValue(insurer, LICENSE.payer) !== message.receiver.value) errors.push('payerMismatch');
    checkPatient(message.resolve(focal.patient), errors);
  }
  if (event === 'claim-request' || event === 'priorauth-request') checkClaim(message, focal, errors, options);
  if (event === 'status-check') {
    if (licenceOf(message, focal.requester, LICENSE.provider) !== message.sender.value) errors.push('providerMismatch');
    if (licenceOf(message, focal.owner, LICENSE.payer) !== message.receiver.value) errors.push('payerMismatch');
  }
  errors.push(...invariantErrors(message.bundle));
  return [...new Set(errors)];
}

module.exports = { envelopeIssues, businessErrors, identifierValue, licenceOf, checkPatient, priorClaims };
