'use strict';
// What the peer checks in an MDM the hub sends it (v2.5.1, structures
// MDM_T01 and MDM_T02), and the summary it keeps:
//
//   MDM^T01 (MDM_T01): MSH [SFT] EVN PID PV1 [ORC group] TXA [CON]
//   MDM^T02, MDM^T08 (MDM_T02): the same, then {OBX [NTE]} (at least one)
//
// where the ORC group is ORC [TQ1 [TQ2]] [OBR] [NTE], repeating; Z-segments
// are ignored. Each problem carries its HL7 error code (table 0357) and
// location (ERR-2: segment^sequence^field), for the ERR of the AE answer.

const { unescapeValue } = require('./hl7_text');
const {
  PATIENT_CLASS, RESULT_STATUS, DTM, instant, text, fieldText, identifiers: pidIdentifiers,
} = require('./segment_values');

const EVENTS = {
  T01: { structure: 'MDM_T01', content: false },
  T02: { structure: 'MDM_T02', content: true },
  T08: { structure: 'MDM_T02', content: true },
};

const ORDER_GROUP = '( ORC( TQ1( TQ2)*)*( OBR)?( NTE)*)*';
const SEQUENCE = {
  false: new RegExp(`^MSH( SFT)* EVN PID PV1${ORDER_GROUP} TXA( CON)*$`),
  true: new RegExp(`^MSH( SFT)* EVN PID PV1${ORDER_GROUP} TXA( CON)*( OBX( NTE)*)+$`),
};

// HL7 tables the peer checks values against (with those of segment_values.js).
const COMPLETION_STATUS = ['DI', 'DO', 'IN', 'IP', 'AU', 'PA', 'LA'];         // 0271
const VALUE_TYPES = ['ST', 'TX', 'FT', 'NM', 'ED', 'CE', 'CWE', 'SN', 'DT', 'TM', 'DTM', 'TS', 'RP', 'DR'];

// The OBX-5 value as text: repetitions (TX, FT) joined with a line break.
function observationValue(obx) {
  const field = obx.getField(5);
  if (!field) return '';
  if (['ED', 'RP', 'CE', 'CWE', 'SN', 'DR'].includes(text(obx, 2))) return field.toString();
  return field.components.map((rep) => unescapeValue(rep.join('^'))).join('\n');
}

// Checks `message` (an @medplum/core Hl7Message, already decoded in its
// charset). Returns {summary, problems: [{code, location, text}]}; no
// problems means the message is an MDM the peer accepts.
function checkMdm(message) {
  const problems = [];
  const problem = (code, location, what) => problems.push({ code, location, text: what });
  const msh = message.getSegment('MSH');
  const [code, event, structure] = [1, 2, 3].map((c) => text(msh, 9, c));
  const type = `${code}^${event}`;
  const spec = EVENTS[event];
  if (code !== 'MDM') problem(200, 'MSH^1^9', `MSH-9 is ${type}, not an MDM`);
  else if (!spec) problem(201, 'MSH^1^9', `MSH-9 event ${event} is not one the peer takes (T01, T02, T08)`);
  else if (structure && structure !== spec.structure) problem(102, 'MSH^1^9', `MSH-9.3 is ${structure}, not ${spec.structure}`);
  if (!text(msh, 10)) problem(101, 'MSH^1^10', 'MSH-10 (message control id) is missing');
  if (!text(msh, 11)) problem(101, 'MSH^1^11', 'MSH-11 (processing id) is missing');
  const version = text(msh, 12);
  if (!/^2\.\d/.test(version)) problem(203, 'MSH^1^12', `MSH-12 version ${JSON.stringify(version)} is not HL7 v2`);

  const names = message.segments.map((s) => s.name).filter((n) => !n.startsWith('Z'));
  const content = spec ? spec.content : true;
  if (code === 'MDM' && spec) {
    for (const required of ['EVN', 'PID', 'PV1', 'TXA', ...(content ? ['OBX'] : [])]) {
      if (!names.includes(required)) problem(100, `${required}^1`, `${required} is missing`);
    }
    if (!content && names.includes('OBX')) problem(100, 'OBX^1', `${type} carries no OBX`);
    if (problems.every((p) => p.code !== 100) && !SEQUENCE[content].test(names.join(' '))) {
      problem(100, '', `the segments ${names.join(' ')} are not in ${spec.structure} order`);
    }
  }

  const evn = message.getSegment('EVN');
  if (evn) {
    const recorded = text(evn, 2);
    if (!recorded) problem(101, 'EVN^1^2', 'EVN-2 (recorded date/time) is missing');
    else if (!DTM.test(recorded)) problem(102, 'EVN^1^2', `EVN-2 ${JSON.stringify(recorded)} is not a DTM`);
  }
  const pid = message.getSegment('PID');
  if (pid) {
    if (!text(pid, 3)) problem(101, 'PID^1^3', 'PID-3 (patient identifier list) is missing');
    if (!text(pid, 5)) problem(101, 'PID^1^5', 'PID-5 (patient name) is missing');
  }
  const pv1 = message.getSegment('PV1');
  if (pv1) {
    const patientClass = text(pv1, 2);
    if (!patientClass) problem(101, 'PV1^1^2', 'PV1-2 (patient class) is missing');
    else if (!PATIENT_CLASS.includes(patientClass)) problem(103, 'PV1^1^2', `PV1-2 ${JSON.stringify(patientClass)} is not in table 0004`);
  }
  const txa = message.getSegment('TXA');
  if (txa) {
    if (!text(txa, 1)) problem(101, 'TXA^1^1', 'TXA-1 (set id) is missing');
    if (!text(txa, 2)) problem(101, 'TXA^1^2', 'TXA-2 (document type) is missing');
    if (!text(txa, 12)) problem(101, 'TXA^1^12', 'TXA-12 (unique document number) is missing');
    const status = text(txa, 17);
    if (!status) problem(101, 'TXA^1^17', 'TXA-17 (document completion status) is missing');
    else if (!COMPLETION_STATUS.includes(status)) problem(103, 'TXA^1^17', `TXA-17 ${JSON.stringify(status)} is not in table 0271`);
  }
  const observations = message.getAllSegments('OBX').map((obx, i) => {
    const at = (field) => `OBX^${i + 1}^${field}`;
    const valueType = text(obx, 2);
    const value = observationValue(obx);
    const status = text(obx, 11);
    if (text(obx, 1) !== String(i + 1)) problem(102, at(1), `OBX-1 is ${JSON.stringify(text(obx, 1))}, not ${i + 1}`);
    if (!valueType) problem(101, at(2), 'OBX-2 (value type) is missing');
    else if (!VALUE_TYPES.includes(valueType)) problem(103, at(2), `OBX-2 ${JSON.stringify(valueType)} is not a value type the peer reads`);
    if (!value) problem(101, at(5), 'OBX-5 (observation value) is empty');
    else if (valueType === 'NM' && !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(value)) problem(102, at(5), `OBX-5 ${JSON.stringify(value)} is not a number`);
    else if (valueType === 'DR') {
      // A date/time range: a DTM start, and a DTM end not before it (none
      // while still open).
      const [start, end] = [text(obx, 5, 1), text(obx, 5, 2)];
      if (!DTM.test(start)) problem(102, at(5), `OBX-5 range start ${JSON.stringify(start)} is not a DTM`);
      else if (end && !DTM.test(end)) problem(102, at(5), `OBX-5 range end ${JSON.stringify(end)} is not a DTM`);
      else if (end && instant(end) < instant(start)) problem(102, at(5), 'OBX-5 range ends before it starts');
    } else if (valueType === 'ED') {
      const encoding = text(obx, 5, 4);
      const data = obx.getComponent(5, 5);
      if (encoding.toUpperCase() === 'BASE64' && !/^[A-Za-z0-9+/]*={0,2}$/.test(data.replace(/\\\.br\\/g, ''))) {
        problem(102, at(5), 'OBX-5 encapsulated data is not Base64');
      }
    }
    if (!status) problem(101, at(11), 'OBX-11 (result status) is missing');
    else if (!RESULT_STATUS.includes(status)) problem(103, at(11), `OBX-11 ${JSON.stringify(status)} is not in table 0085`);
    return {
      set_id: text(obx, 1),
      value_type: valueType,
      identifier: fieldText(obx, 3),
      sub_id: text(obx, 4),
      value,
      units: fieldText(obx, 6),
      status,
      observer: fieldText(obx, 16),
    };
  });

  const identifiers = pidIdentifiers(pid);
  const summary = {
    message_type: type,
    structure,
    msh10: text(msh, 10),
    version,
    sending: { application: text(msh, 3), facility: text(msh, 4) },
    recorded: text(evn, 2),
    patient: { identifiers, family: text(pid, 5, 1), given: text(pid, 5, 2) },
    visit: { class: text(pv1, 2), number: text(pv1, 19), attending: fieldText(pv1, 7) },
    document: txa ? {
      type: text(txa, 2),
      presentation: text(txa, 3),
      activity_time: text(txa, 4),
      number: text(txa, 12),
      parent: text(txa, 13),
      filename: text(txa, 16),
      status: text(txa, 17),
    } : null,
    observations,
  };
  return { summary, problems };
}

module.exports = { checkMdm, MDM_EVENTS: Object.keys(EVENTS) };
