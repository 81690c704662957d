'use strict';
// What Wasl's MOH reporting proposal requires beyond valid R4
// (plugins/moh/README.md). Each function returns a list of problems.

const REPORT_ID_SYSTEM = 'urn:wasl:report-id';
const EVENT_SYSTEM = 'urn:wasl:fhir:CodeSystem:moh-message-event';
const EVENT_CODE = 'telehealth-consultation-report';
const MEASURE = 'urn:wasl:fhir:Measure:telehealth-activity';
const OUTCOME_EXTENSION = 'urn:wasl:fhir:StructureDefinition:consultation-outcome';
const OUTCOME_SYSTEM = 'urn:wasl:fhir:CodeSystem:consultation-outcome';
const ATTENDEE_SECONDS_EXTENSION = 'urn:wasl:fhir:StructureDefinition:attendee-seconds';
// The outcomes a consultation report names, and the Encounter.status each
// must come with: a consultation that did not take place is cancelled.
const OUTCOME_STATUSES = {
  held: ['finished'],
  'no-show': ['cancelled'],
  'clinician-no-show': ['cancelled'],
  'not-held': ['cancelled', 'unknown', 'planned', 'arrived', 'in-progress'],
};
const PATIENT_ID_SYSTEMS = new Set([
  'http://nphies.sa/identifier/nationalid',
  'http://nphies.sa/identifier/iqama',
]);

function reportIdOf(resource) {
  const ids = Array.isArray(resource.identifier) ? resource.identifier : [resource.identifier];
  const id = ids.find((i) => i && i.system === REPORT_ID_SYSTEM && typeof i.value === 'string');
  return id ? id.value : null;
}

function messageProblems(bundle, { allowPatientNames }) {
  const problems = [];
  if (bundle.type !== 'message') problems.push('Bundle.type must be message');
  if (!reportIdOf(bundle)) problems.push(`Bundle.identifier must carry ${REPORT_ID_SYSTEM}`);
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const resources = entries.map((e) => e.resource || {});
  const header = resources[0];
  if (!header || header.resourceType !== 'MessageHeader') {
    problems.push('the first entry must be the MessageHeader');
  } else if (header.eventCoding?.system !== EVENT_SYSTEM || header.eventCoding?.code !== EVENT_CODE) {
    problems.push(`MessageHeader.eventCoding must be ${EVENT_SYSTEM}#${EVENT_CODE}`);
  }
  const of = (type) => resources.filter((r) => r.resourceType === type);
  const encounters = of('Encounter');
  if (encounters.length !== 1) problems.push('exactly one Encounter is required');
  for (const e of encounters) {
    if (e.class?.code !== 'VR') problems.push('Encounter.class must be v3-ActCode VR (virtual)');
    if (!e.period?.start) problems.push('Encounter.period.start is required');
    if (!e.serviceType) problems.push('Encounter.serviceType is required');
    problems.push(...outcomeProblems(e));
  }
  const patients = of('Patient');
  if (patients.length !== 1) problems.push('exactly one Patient is required');
  for (const p of patients) {
    const ids = Array.isArray(p.identifier) ? p.identifier : [];
    if (ids.length === 0) problems.push('the Patient must be identified by national id or iqama');
    for (const id of ids) {
      if (!PATIENT_ID_SYSTEMS.has(id.system)) problems.push(`Patient.identifier system ${id.system} is not national id or iqama`);
    }
    if (p.name !== undefined && !allowPatientNames) problems.push('Patient.name is present but patient names are not configured');
    for (const key of ['telecom', 'address', 'birthDate', 'photo']) {
      if (p[key] !== undefined) problems.push(`Patient.${key} must not be sent`);
    }
  }
  if (of('Practitioner').length !== 1) problems.push('exactly one Practitioner is required');
  if (of('Organization').length !== 1) problems.push('exactly one Organization (the facility) is required');
  return problems;
}

// The Encounter's outcome and attendee seconds, when it carries them (a
// report of a hub before attendance carries neither).
function outcomeProblems(encounter) {
  const problems = [];
  const extensions = Array.isArray(encounter.extension) ? encounter.extension : [];
  const outcome = extensions.find((x) => x.url === OUTCOME_EXTENSION);
  if (outcome) {
    const coding = outcome.valueCoding || {};
    const statuses = OUTCOME_STATUSES[coding.code];
    if (coding.system !== OUTCOME_SYSTEM || !statuses) {
      problems.push(`the consultation outcome must be ${OUTCOME_SYSTEM}#(${Object.keys(OUTCOME_STATUSES).join('|')})`);
    } else if (!statuses.includes(encounter.status)) {
      problems.push(`an Encounter whose outcome is ${coding.code} cannot have status ${encounter.status}`);
    }
  }
  const seconds = extensions.find((x) => x.url === ATTENDEE_SECONDS_EXTENSION);
  if (seconds) {
    const q = seconds.valueQuantity || {};
    if (!Number.isInteger(q.value) || q.value < 0 || q.code !== 's') {
      problems.push('the attendee seconds must be a whole number of UCUM s, at least 0');
    }
  }
  return problems;
}

const EXPERIENCE_RATINGS = ['patient-experience-clinician-rating', 'patient-experience-connection-rating'];

// A period of one whole civil month: from the 1st at 00:00:00 to the last
// second of its last day (FHIR Period.end is inclusive).
function isMonth(period) {
  const start = /^(\d{4})-(\d{2})-01T00:00:00/.exec(period?.start || '');
  const end = /^(\d{4})-(\d{2})-(\d{2})T23:59:59/.exec(period?.end || '');
  if (!start || !end || start[1] !== end[1] || start[2] !== end[2]) return false;
  const lastDay = new Date(Date.UTC(Number(start[1]), Number(start[2]), 0)).getUTCDate();
  return Number(end[3]) === lastDay;
}

// The patients' experience: required in a month's report; where present, a
// count of responses and, when someone answered, both mean ratings on the
// questionnaire's 1-5 scale ({score}).
function experienceProblems(report) {
  const problems = [];
  const byCode = new Map((report.group || []).map((g) => [g.code?.coding?.[0]?.code, g]));
  const responses = byCode.get('patient-experience-responses');
  const present = responses || EXPERIENCE_RATINGS.some((c) => byCode.has(c));
  if (!present) {
    if (isMonth(report.period)) problems.push('a monthly MeasureReport must carry the patient-experience groups');
    return problems;
  }
  const count = responses?.measureScore?.value;
  if (!Number.isInteger(count) || count < 0) {
    problems.push('the patient-experience-responses score must be a whole number, at least 0');
    return problems;
  }
  for (const code of EXPERIENCE_RATINGS) {
    const group = byCode.get(code);
    if (!group) {
      problems.push(`MeasureReport.group ${code} is missing`);
      continue;
    }
    const score = group.measureScore;
    if (count === 0) {
      if (score) problems.push(`${code} has a score but nobody answered`);
    } else if (!score || typeof score.value !== 'number' || score.value < 1 || score.value > 5 || score.code !== '{score}') {
      problems.push(`the ${code} score must be a number from 1 to 5 of UCUM {score}`);
    }
  }
  return problems;
}

function measureReportProblems(report) {
  const problems = [];
  if (report.type !== 'summary') problems.push('MeasureReport.type must be summary');
  if (report.status !== 'complete') problems.push('MeasureReport.status must be complete');
  if (report.measure !== MEASURE) problems.push(`MeasureReport.measure must be ${MEASURE}`);
  if (!reportIdOf(report)) problems.push(`MeasureReport.identifier must carry ${REPORT_ID_SYSTEM}`);
  const codes = (report.group || []).map((g) => g.code?.coding?.[0]?.code);
  for (const code of ['total', 'completed', 'cancelled', 'no-show', 'clinician-no-show', 'by-specialty',
    'by-consultation-type', 'session-duration-median', 'session-duration-p90', 'attendee-minutes']) {
    if (!codes.includes(code)) problems.push(`MeasureReport.group ${code} is missing`);
  }
  const minutes = (report.group || []).find((g) => g.code?.coding?.[0]?.code === 'attendee-minutes');
  const score = minutes?.measureScore;
  if (score && (typeof score.value !== 'number' || score.value < 0 || score.code !== 'min')) {
    problems.push('the attendee-minutes score must be a number of UCUM min, at least 0');
  }
  problems.push(...experienceProblems(report));
  return problems;
}

module.exports = { messageProblems, measureReportProblems, reportIdOf, REPORT_ID_SYSTEM };
