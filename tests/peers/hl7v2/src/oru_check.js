'use strict';
// What the peer checks in an ORU^R01 the hub sends it (v2.5.1, structure
// ORU_R01): vital signs as unsolicited observation results, and the summary
// it keeps.
//
//   MSH [SFT] PID [PD1] [NTE] [NK1] [PV1 [PV2]]
//     { [ORC] OBR [NTE] [TQ1 [TQ2]] [CTD] {OBX [NTE]} [FT1] [CTI] [SPM [OBX]] }
//   [DSC]
//
// (the patient group is optional in the standard; the peer files results
// under a patient, so it wants PID). Each OBR is one vital sign the peer
// knows (VITALS: the LOINC codes of the seven kinds the hub records) with
// its OBX: one whose code is the OBR's, or for the blood pressure panel
// 85354-9 one systolic 8480-6 and one diastolic 8462-4, each NM (a positive
// decimal), LOINC (LN), in a UCUM unit the peer takes for that code, with
// result status and observation time. Z-segments are ignored. Each problem
// carries its HL7 error code (table 0357) and location (ERR-2), for the ERR
// of the AE answer.

const {
  PATIENT_CLASS, RESULT_STATUS, ORDER_RESULT_STATUS, DTM, text, fieldText, identifiers,
} = require('./segment_values');

// The vital signs the peer files, by LOINC code: their UCUM units, and for
// a panel its component codes.
const VITALS = {
  '85354-9': { kind: 'blood pressure', units: [], components: ['8480-6', '8462-4'] },
  '8480-6': { kind: 'systolic blood pressure', units: ['mm[Hg]'], component: true },
  '8462-4': { kind: 'diastolic blood pressure', units: ['mm[Hg]'], component: true },
  '8867-4': { kind: 'heart rate', units: ['/min'] },
  '8310-5': { kind: 'body temperature', units: ['Cel', '[degF]'] },
  '59408-5': { kind: 'oxygen saturation', units: ['%'] },
  '2708-6': { kind: 'oxygen saturation', units: ['%'] },
  '9279-1': { kind: 'respiratory rate', units: ['/min'] },
  '29463-7': { kind: 'body weight', units: ['kg', '[lb_av]'] },
  '2339-0': { kind: 'blood glucose', units: ['mg/dL', 'mmol/L'] },
};
const PANELS = Object.keys(VITALS).filter((code) => !VITALS[code].component);

const ORDER = '( ORC)? OBR( NTE)*( TQ1( TQ2)*)*( CTD)?( OBX( NTE)*)*( FT1)*( CTI)*( SPM( OBX)*)*';
const SEQUENCE = new RegExp(`^MSH( SFT)* PID( PD1)?( NTE)*( NK1)*( PV1( PV2)?)?(${ORDER})+( DSC)?$`);

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

// The OBR groups of `message`: [{obr, obr_index, obxs: [{obx, index}]}],
// index counting the segment's occurrences in the message from 1 (ERR-2's
// sequence); an OBX after SPM belongs to the specimen and is left out.
function orderGroups(message) {
  const groups = [];
  let obrs = 0;
  let obxs = 0;
  let inSpecimen = false;
  for (const segment of message.segments) {
    if (segment.name === 'OBR') {
      obrs += 1;
      inSpecimen = false;
      groups.push({ obr: segment, index: obrs, obxs: [] });
    } else if (segment.name === 'SPM') {
      inSpecimen = true;
    } else if (segment.name === 'OBX') {
      obxs += 1;
      if (groups.length && !inSpecimen) groups[groups.length - 1].obxs.push({ obx: segment, index: obxs });
    }
  }
  return groups;
}

function checkObservation(obx, index, position, problem) {
  const at = (field) => `OBX^${index}^${field}`;
  const [code, codeText, system] = [1, 2, 3].map((c) => text(obx, 3, c));
  const valueType = text(obx, 2);
  const value = text(obx, 5);
  const [unit, unitSystem] = [text(obx, 6, 1), text(obx, 6, 3)];
  const status = text(obx, 11);
  const observedAt = text(obx, 14);
  if (text(obx, 1) !== String(position)) problem(102, at(1), `OBX-1 is ${JSON.stringify(text(obx, 1))}, not ${position}`);
  if (valueType !== 'NM') problem(102, at(2), `OBX-2 is ${JSON.stringify(valueType)}, not NM: a vital sign is a number`);
  if (!code) problem(101, at(3), 'OBX-3 (observation identifier) is missing');
  else if (system !== 'LN') problem(103, at(3), `OBX-3 ${code} is coded in ${JSON.stringify(system)}, not LOINC (LN)`);
  if (!value) problem(101, at(5), 'OBX-5 (observation value) is empty');
  else if (!NUMBER.test(value)) problem(102, at(5), `OBX-5 ${JSON.stringify(value)} is not a number`);
  else if (!(Number(value) > 0)) problem(102, at(5), `OBX-5 ${value} is not a positive number`);
  const known = VITALS[code];
  if (!unit) problem(101, at(6), 'OBX-6 (units) is missing');
  else if (unitSystem !== 'UCUM') problem(103, at(6), `OBX-6 ${unit} is coded in ${JSON.stringify(unitSystem)}, not UCUM`);
  else if (known && known.units.length && !known.units.includes(unit)) {
    problem(103, at(6), `OBX-6 ${unit} is not a unit of ${known.kind} ${code} (${known.units.join(', ')})`);
  }
  if (!status) problem(101, at(11), 'OBX-11 (result status) is missing');
  else if (!RESULT_STATUS.includes(status)) problem(103, at(11), `OBX-11 ${JSON.stringify(status)} is not in table 0085`);
  if (!observedAt) problem(101, at(14), 'OBX-14 (date/time of the observation) is missing');
  else if (!DTM.test(observedAt)) problem(102, at(14), `OBX-14 ${JSON.stringify(observedAt)} is not a DTM`);
  return {
    set_id: text(obx, 1),
    value_type: valueType,
    code,
    text: codeText,
    system,
    value,
    units: unit,
    units_system: unitSystem,
    status,
    observed_at: observedAt,
    observer: fieldText(obx, 16),
  };
}

function checkResult(group, position, problem) {
  const { obr, index } = group;
  const at = (field) => `OBR^${index}^${field}`;
  const [code, codeText, system] = [1, 2, 3].map((c) => text(obr, 4, c));
  const known = VITALS[code];
  if (text(obr, 1) !== String(position)) problem(102, at(1), `OBR-1 is ${JSON.stringify(text(obr, 1))}, not ${position}`);
  if (!text(obr, 3)) problem(101, at(3), 'OBR-3 (filler order number) is missing');
  if (!code) problem(101, at(4), 'OBR-4 (universal service identifier) is missing');
  else if (system !== 'LN') problem(103, at(4), `OBR-4 ${code} is coded in ${JSON.stringify(system)}, not LOINC (LN)`);
  else if (!known || known.component) {
    problem(103, at(4), `OBR-4 ${code} is not a vital sign the peer knows (${PANELS.join(', ')})`);
  }
  const observedAt = text(obr, 7);
  if (!observedAt) problem(101, at(7), 'OBR-7 (observation date/time) is missing');
  else if (!DTM.test(observedAt)) problem(102, at(7), `OBR-7 ${JSON.stringify(observedAt)} is not a DTM`);
  const status = text(obr, 25);
  if (!status) problem(101, at(25), 'OBR-25 (result status) is missing');
  else if (!ORDER_RESULT_STATUS.includes(status)) problem(103, at(25), `OBR-25 ${JSON.stringify(status)} is not in table 0123`);

  const observations = group.obxs.map(({ obx, index: i }, n) => checkObservation(obx, i, n + 1, problem));
  if (known && !known.component) {
    const expected = known.components || [code];
    const got = observations.map((o) => o.code);
    const matches = got.length === expected.length && expected.every((c) => got.filter((g) => g === c).length === 1);
    if (!matches) {
      problem(100, at(4), `OBR ${code} (${known.kind}) needs OBX ${expected.join(' and ')} once each, got ${got.length ? got.join(', ') : 'none'}`);
    }
  }
  return {
    set_id: text(obr, 1),
    code,
    text: codeText,
    system,
    filler: text(obr, 3),
    observed_at: observedAt,
    status,
    observations,
  };
}

// Checks `message` (an @medplum/core Hl7Message, already decoded in its
// charset). Returns {summary, problems: [{code, location, text}]}; no
// problems means the message is an ORU^R01 of vital signs the peer files.
function checkOru(message) {
  const problems = [];
  const problem = (code, location, what) => problems.push({ code, location, text: what });
  const msh = message.getSegment('MSH');
  const [code, event, structure] = [1, 2, 3].map((c) => text(msh, 9, c));
  const type = `${code}^${event}`;
  if (code !== 'ORU') problem(200, 'MSH^1^9', `MSH-9 is ${type}, not an ORU`);
  else if (event !== 'R01') problem(201, 'MSH^1^9', `MSH-9 event ${event} is not one the peer takes (R01)`);
  else if (structure && structure !== 'ORU_R01') problem(102, 'MSH^1^9', `MSH-9.3 is ${structure}, not ORU_R01`);
  if (!text(msh, 10)) problem(101, 'MSH^1^10', 'MSH-10 (message control id) is missing');
  if (!text(msh, 11)) problem(101, 'MSH^1^11', 'MSH-11 (processing id) is missing');
  const version = text(msh, 12);
  if (!/^2\.\d/.test(version)) problem(203, 'MSH^1^12', `MSH-12 version ${JSON.stringify(version)} is not HL7 v2`);

  const names = message.segments.map((s) => s.name).filter((n) => !n.startsWith('Z'));
  for (const required of ['PID', 'OBR', 'OBX']) {
    if (!names.includes(required)) problem(100, `${required}^1`, `${required} is missing`);
  }
  if (problems.every((p) => p.code !== 100) && !SEQUENCE.test(names.join(' '))) {
    problem(100, '', `the segments ${names.join(' ')} are not in ORU_R01 order`);
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
  // Results are read only from segments in order: an OBX out of place
  // belongs to no OBR.
  const ordered = problems.every((p) => p.code !== 100);
  const results = ordered ? orderGroups(message).map((group, n) => checkResult(group, n + 1, problem)) : [];

  const summary = {
    message_type: type,
    structure,
    msh10: text(msh, 10),
    version,
    sending: { application: text(msh, 3), facility: text(msh, 4) },
    patient: { identifiers: identifiers(pid), family: text(pid, 5, 1), given: text(pid, 5, 2) },
    visit: pv1 ? { class: text(pv1, 2), number: text(pv1, 19), attending: fieldText(pv1, 7) } : null,
    results,
  };
  return { summary, problems };
}

module.exports = { checkOru, VITALS };
