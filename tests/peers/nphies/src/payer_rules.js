'use strict';
// What the tests ask the payer (or NPHIES) to send a provider, as given to
// the control API, checked and given its defaults. Each parse function
// takes the JSON body and { providers, payers, now } and returns
// { problems: [sentences], rule } (rule undefined when there are problems).

const { ATTACHMENT_MAGIC, NS, PROFILE_VERSIONS, PROFILE_VERSION } = require('./nphies_terms');

const REASONS = ['missing-info', 'missing-attachment', 'information-correction'];
const OUTCOMES = ['approve', 'reject', 'partial'];
const ISSUE_TYPES = ['business-rule', 'invalid', 'processing', 'not-found', 'duplicate', 'exception', 'required',
  'value', 'structure', 'security', 'code-invalid', 'not-supported', 'informational'];
const PATIENT_SYSTEMS = ['nationalid', 'iqama', 'passportnumber', 'bordernumber'];
const GENDERS = ['male', 'female', 'other', 'unknown'];
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;
const DAY_MS = 24 * 3600 * 1000;

function isText(v) { return typeof v === 'string' && v.trim() !== ''; }
function isDate(v) { return typeof v === 'string' && DATE.test(v) && !Number.isNaN(Date.parse(v)); }
function isDateTime(v) { return typeof v === 'string' && DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)); }
function isObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
function round(v) { return Math.round(v * 100) / 100; }

function result(problems, rule) {
  return problems.length ? { problems } : { problems, rule };
}

// The provider licence `value` names (default: the first the exchange
// knows), or a problem.
function providerOf(value, options, problems) {
  if (value === undefined) return options.providers[0];
  if (!options.providers.includes(value)) problems.push(`provider ${value} is not a provider licence the exchange knows`);
  return value;
}

// The profile version `value` names (default PROFILE_VERSION), or a problem.
function versionOf(value, problems) {
  if (value === undefined) return PROFILE_VERSION;
  if (!PROFILE_VERSIONS.includes(value)) problems.push(`profileVersion must be one of ${PROFILE_VERSIONS.join(', ')}`);
  return value;
}

function payerOf(value, options, problems) {
  if (value === undefined) return options.payers[0];
  if (!options.payers.includes(value)) problems.push(`payer ${value} is not a payer licence the exchange knows`);
  return value;
}

// {"claim": "<Claim.identifier value>" | "nextClaimFrom": "<provider licence>",
//  "reason": "missing-info" | "missing-attachment" | "information-correction",
//  "texts": ["what is asked"], "attachments": [{"contentType": "application/pdf", "title": "..."}],
//  "dueDate": "<dateTime>", "notDone": "reject" | "approve" | "partial"}
function parseCommunicationRequest(body, options) {
  const problems = [];
  if (!isObject(body)) return result(['the body must be a JSON object']);
  let match;
  if ((body.claim === undefined) === (body.nextClaimFrom === undefined)) {
    problems.push('give claim (a Claim identifier value) or nextClaimFrom (a provider licence), one of them');
  } else if (body.claim !== undefined) {
    if (!isText(body.claim)) problems.push('claim must be a Claim identifier value');
    match = { claim: body.claim };
  } else {
    match = { nextClaimFrom: providerOf(body.nextClaimFrom, options, problems) };
  }
  const texts = body.texts === undefined ? [] : body.texts;
  if (!Array.isArray(texts) || !texts.every(isText)) problems.push('texts must be an array of non-empty strings');
  const attachments = body.attachments === undefined ? [] : body.attachments;
  if (!Array.isArray(attachments) || !attachments.every((a) => isObject(a) && ATTACHMENT_MAGIC[a.contentType] && isText(a.title))) {
    problems.push('attachments must be an array of {contentType: application/pdf or image/jpeg, title}');
  } else if (Array.isArray(texts) && texts.length + attachments.length === 0) {
    problems.push('a communication-request asks for something: give texts or attachments');
  }
  const reason = body.reason === undefined
    ? (Array.isArray(attachments) && attachments.length ? 'missing-attachment' : 'missing-info') : body.reason;
  if (!REASONS.includes(reason)) problems.push(`reason must be one of ${REASONS.join(', ')}`);
  const due = body.dueDate === undefined ? new Date(options.now + 7 * DAY_MS).toISOString() : body.dueDate;
  if (!isDateTime(due)) problems.push('dueDate must be a FHIR dateTime');
  const notDone = body.notDone === undefined ? 'reject' : body.notDone;
  if (!OUTCOMES.includes(notDone)) problems.push(`notDone must be one of ${OUTCOMES.join(', ')}`);
  return result(problems, {
    match, reason, due, notDone,
    texts: Array.isArray(texts) ? texts : [],
    attachments: Array.isArray(attachments) ? attachments.map((a) => ({ contentType: a.contentType, title: a.title })) : [],
  });
}

// {"paymentDate": "YYYY-MM-DD", "period": {"start", "end"}, "paymentIdentifier": "...",
//  "claims": [{"claim": "<Claim.identifier value>", "amount": 90.5, "earlyFee": 1,
//              "nphiesFee": 0.5, "adjustment": -10}]}
function parseReconciliation(body, options) {
  const problems = [];
  if (!isObject(body)) return result(['the body must be a JSON object']);
  if (!isDate(body.paymentDate)) problems.push('paymentDate must be a date (YYYY-MM-DD)');
  let period = { start: body.paymentDate, end: body.paymentDate };
  if (body.period !== undefined) {
    if (!isObject(body.period) || !isDate(body.period.start) || !isDate(body.period.end) || body.period.start > body.period.end) {
      problems.push('period must be {start, end}, dates (YYYY-MM-DD), start not after end');
    } else {
      period = { start: body.period.start, end: body.period.end };
    }
  }
  if (body.paymentIdentifier !== undefined && !isText(body.paymentIdentifier)) problems.push('paymentIdentifier must be a string');
  const claims = [];
  if (!Array.isArray(body.claims) || body.claims.length === 0) {
    problems.push('claims must be a non-empty array of {claim, amount?, earlyFee?, nphiesFee?, adjustment?}');
  } else {
    body.claims.forEach((c, i) => {
      if (!isObject(c) || !isText(c.claim)) {
        problems.push(`claims[${i}].claim must be a Claim identifier value`);
        return;
      }
      const number = (name, ok, says) => {
        if (c[name] === undefined) return undefined;
        if (typeof c[name] !== 'number' || !Number.isFinite(c[name]) || !ok(c[name])) {
          problems.push(`claims[${i}].${name} must be ${says}`);
          return undefined;
        }
        return round(c[name]);
      };
      claims.push({
        claim: c.claim,
        amount: number('amount', (v) => v > 0, 'a positive amount (SAR)'),
        earlyFee: number('earlyFee', (v) => v >= 0, 'an amount (SAR), 0 or more'),
        nphiesFee: number('nphiesFee', (v) => v >= 0, 'an amount (SAR), 0 or more'),
        adjustment: number('adjustment', (v) => v < 0, 'a negative amount (SAR)'),
      });
    });
    const names = claims.map((c) => c.claim);
    if (new Set(names).size !== names.length) problems.push('a claim is named twice in claims');
  }
  return result(problems, {
    paymentDate: body.paymentDate, period, claims,
    paymentIdentifier: body.paymentIdentifier,
  });
}

// {"provider": "...", "payer": "...", "patient": {"identifierSystem": "nationalid", "identifier": "...",
//  "name": "...", "gender": "male", "birthDate": "YYYY-MM-DD"}, "memberId": "...",
//  "memberSystem": "...", "preAuthRef": "...", "period": {"start", "end"}, "claimType": "professional",
//  "profileVersion": "1.0.0"}
function parseAdvancedAuthorization(body, options) {
  const problems = [];
  if (!isObject(body)) return result(['the body must be a JSON object']);
  const provider = providerOf(body.provider, options, problems);
  const payer = payerOf(body.payer, options, problems);
  const p = body.patient;
  let patient;
  if (!isObject(p) || !isText(p.identifier)) {
    problems.push('patient must be {identifier, identifierSystem?, name?, gender?, birthDate?}');
  } else {
    const system = p.identifierSystem === undefined ? 'nationalid' : p.identifierSystem;
    if (!PATIENT_SYSTEMS.includes(system)) problems.push(`patient.identifierSystem must be one of ${PATIENT_SYSTEMS.join(', ')}`);
    const gender = p.gender === undefined ? 'male' : p.gender;
    if (!GENDERS.includes(gender)) problems.push(`patient.gender must be one of ${GENDERS.join(', ')}`);
    if (p.birthDate !== undefined && !isDate(p.birthDate)) problems.push('patient.birthDate must be a date (YYYY-MM-DD)');
    if (p.name !== undefined && !isText(p.name)) problems.push('patient.name must be a string');
    patient = {
      system: `${NS}/identifier/${system}`, value: p.identifier, name: p.name || 'Patient', gender, birthDate: p.birthDate,
    };
  }
  if (!isText(body.memberId)) problems.push('memberId must be the member id (Coverage.identifier value)');
  if (body.memberSystem !== undefined && !isText(body.memberSystem)) problems.push('memberSystem must be a URI');
  if (body.preAuthRef !== undefined && !isText(body.preAuthRef)) problems.push('preAuthRef must be a string');
  let period = { start: new Date(options.now).toISOString().slice(0, 10), end: new Date(options.now + 30 * DAY_MS).toISOString().slice(0, 10) };
  if (body.period !== undefined) {
    if (!isObject(body.period) || !isDate(body.period.start) || !isDate(body.period.end) || body.period.start > body.period.end) {
      problems.push('period must be {start, end}, dates (YYYY-MM-DD), start not after end');
    } else {
      period = { start: body.period.start, end: body.period.end };
    }
  }
  const claimType = body.claimType === undefined ? 'professional' : body.claimType;
  if (!['institutional', 'oral', 'pharmacy', 'professional', 'vision'].includes(claimType)) {
    problems.push('claimType must be institutional, oral, pharmacy, professional or vision');
  }
  return result(problems, {
    provider, payer, patient, claimType, period, version: versionOf(body.profileVersion, problems),
    member: { system: body.memberSystem || 'http://payer.example/memberid', value: body.memberId },
    preAuthRef: body.preAuthRef,
  });
}

// {"provider": "...", "about": "<MessageHeader id>", "issues": [{"code": "...", "text": "...", "type": "business-rule"}],
//  "profileVersion": "1.0.0"}
function parseErrorNotice(body, options) {
  const problems = [];
  if (!isObject(body)) return result(['the body must be a JSON object']);
  const provider = providerOf(body.provider, options, problems);
  if (body.about !== undefined && !isText(body.about)) problems.push('about must be a MessageHeader id');
  const issues = [];
  if (!Array.isArray(body.issues) || body.issues.length === 0) {
    problems.push('issues must be a non-empty array of {code, text, type?}');
  } else {
    body.issues.forEach((i, n) => {
      if (!isObject(i) || !isText(i.code) || !isText(i.text)) {
        problems.push(`issues[${n}] must give code (an adjudication-error code) and text`);
        return;
      }
      const type = i.type === undefined ? 'business-rule' : i.type;
      if (!ISSUE_TYPES.includes(type)) problems.push(`issues[${n}].type must be a FHIR issue type (${ISSUE_TYPES.join(', ')})`);
      issues.push({ code: i.code, text: i.text, type });
    });
  }
  const version = versionOf(body.profileVersion, problems);
  return result(problems, { provider, about: body.about, issues, version });
}

// {"count": 120, "provider": "...", "event": "claim-response" | "priorauth-response", "profileVersion": "1.0.0"}
function parseOrphans(body, options) {
  const problems = [];
  if (!isObject(body)) return result(['the body must be a JSON object']);
  const provider = providerOf(body.provider, options, problems);
  if (!Number.isInteger(body.count) || body.count < 1 || body.count > 1000) problems.push('count must be an integer 1..1000');
  const event = body.event === undefined ? 'claim-response' : body.event;
  if (!['claim-response', 'priorauth-response'].includes(event)) problems.push('event must be claim-response or priorauth-response');
  const version = versionOf(body.profileVersion, problems);
  return result(problems, { provider, payer: options.payers[0], count: body.count, event, version });
}

module.exports = {
  parseCommunicationRequest, parseReconciliation, parseAdvancedAuthorization, parseErrorNotice, parseOrphans, round,
};
