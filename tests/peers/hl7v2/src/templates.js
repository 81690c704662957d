'use strict';
// The messages the peer sends to the hub, v2.5.1 layouts built from
// parameters:
//
//   SIU^S12/S13/S14/S15/S17/S26 (structure SIU_S12):
//       MSH SCH [NTE] PID PV1 RGS AIS [AIG] AIL AIP
//   ADT^A04, ADT^A08 (ADT_A01) and ADT^A31 (ADT_A05):
//       MSH EVN PID PV1 [OBX] [IN1]
//   ADT^A40 (ADT_A39): MSH EVN PID MRG
//
// The patient group (PID, PV1) stands where SIU_S12 puts it, after SCH and
// before the resource group; coverage (IN1) exists only in the ADT
// structures, so an SIU carries none. The NTE (SIU) or OBX (A04/A08/A31)
// holds the padding of an over-size message.
//
// Parameters are declared once in FIELDS with their defaults (a demo
// patient with an Arabic name); an unknown name is refused.

const { Hl7Message } = require('@medplum/core');
const iconv = require('iconv-lite');
const { escapeValue, hl7DateTime, fromDate, addMinutes } = require('./hl7_text');
const { unencodable } = require('./charsets');

// name → default. Dates: ISO 8601 or HL7 DTM.
const FIELDS = {
  appointment_id: 'APT-1001',       // SCH-1 placer appointment id
  filler_appointment_id: '',        // SCH-2
  mrn: 'MRN-0001',                  // PID-3, type MR
  mrn_authority: 'WASLHIS',         // its assigning authority (CX.4)
  national_id: '1010101010',        // PID-3, type NI (omitted when empty)
  national_id_authority: 'SAU',
  family: 'الشمري',                 // PID-5
  given: 'محمد',
  middle: '',
  birth_date: '1985-04-12',         // PID-7
  gender: 'M',                      // PID-8 (HL7 table 0001)
  phone: '+966501234567',           // PID-13
  practitioner_id: 'DR-0007',       // AIP-3 and PV1-7 (XCN)
  practitioner_family: 'الزهراني',
  practitioner_given: 'فاطمة',
  practitioner_authority: 'SCFHS',
  practitioner_role: 'D',           // AIP-4 resource type
  start: '2025-03-01T09:30:00+03:00', // SCH-11, AIS-4, AIL-6, AIP-6
  duration_minutes: 30,             // SCH-9, AIS-7, AIL-9, AIP-9 (units MIN)
  service_code: 'TELECONSULT',      // AIS-3 (CE)
  service_text: 'Video consultation',
  service_system: 'L',
  location: 'TELE',                 // AIL-3 and PV1-3 (PL): point of care
  room: '',
  facility: 'WASL-CLINIC',
  reason: 'ROUTINE',                // SCH-7 appointment reason (HL7 table 0276)
  appointment_type: 'Normal',       // SCH-8 (HL7 table 0277)
  resource_id: '',                  // AIG-3 (AIG omitted when empty)
  resource_text: '',
  patient_class: 'O',               // PV1-2 (A31: N)
  visit_number: '',                 // PV1-19
  merge_mrn: '',                    // MRG-1, the MRN merged away (ADT^A40)
  coverage: null,                   // IN1 (ADT A04/A08/A31), see COVERAGE_FIELDS
};

const COVERAGE_FIELDS = {
  payer_id: '',                     // IN1-3
  payer_name: '',                   // IN1-4
  plan_id: '',                      // IN1-2
  plan_name: '',
  plan_type: '',                    // IN1-15
  member_id: '',                    // IN1-49 (its authority: the payer id)
  policy_number: '',                // IN1-36
  period_start: '',                 // IN1-12
  period_end: '',                   // IN1-13
};

// The SCH-25 filler status (HL7 table 0278), SCH-6 event reason and the
// segment action code of each SIU event.
const SIU_EVENTS = {
  S12: { status: 'Booked', reason: 'BOOK^New booking', action: 'A' },
  S13: { status: 'Booked', reason: 'RESCHED^Rescheduled', action: 'U' },
  S14: { status: 'Booked', reason: 'MODIFY^Modified', action: 'U' },
  S15: { status: 'Cancelled', reason: 'CANCEL^Cancelled', action: 'D' },
  S17: { status: 'Deleted', reason: 'DELETE^Deleted', action: 'D' },
  S26: { status: 'Noshow', reason: 'NOSHOW^Patient did not show up', action: 'U' },
};

const ADT_EVENTS = { A04: 'ADT_A01', A08: 'ADT_A01', A31: 'ADT_A05', A40: 'ADT_A39' };

const TYPES = [
  ...Object.keys(SIU_EVENTS).map((e) => `SIU^${e}`),
  ...Object.keys(ADT_EVENTS).map((e) => `ADT^${e}`),
];

class TemplateError extends Error {}

// Components escaped and joined with ^, trailing empty ones dropped.
function comp(...values) {
  const parts = values.map(escapeValue);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts.join('^');
}

// A segment from its fields (already escaped), trailing empty ones dropped.
function seg(name, fields) {
  const list = [...fields];
  while (list.length && (list[list.length - 1] === '' || list[list.length - 1] === undefined)) list.pop();
  return [name, ...list.map((f) => (f === undefined ? '' : f))].join('|');
}

// fields[i] = value for the 1-based position i.
function positions(values) {
  const out = [];
  for (const [pos, value] of Object.entries(values)) out[Number(pos) - 1] = value;
  for (let i = 0; i < out.length; i++) if (out[i] === undefined) out[i] = '';
  return out;
}

// The parameters of a send: the defaults overlaid with `given`. Throws
// TemplateError naming unknown or malformed ones.
function resolveFields(given = {}) {
  const unknown = Object.keys(given).filter((k) => !(k in FIELDS));
  if (unknown.length) throw new TemplateError(`unknown field(s) ${unknown.join(', ')}; known: ${Object.keys(FIELDS).join(', ')}`);
  const fields = { ...FIELDS, ...given };
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'coverage') continue;
    if (name === 'duration_minutes') {
      if (!Number.isInteger(Number(value)) || Number(value) < 1) throw new TemplateError('duration_minutes must be a positive integer');
      fields[name] = Number(value);
    } else if (typeof value !== 'string' && typeof value !== 'number') {
      throw new TemplateError(`${name} must be a string`);
    }
  }
  if (fields.coverage !== null && fields.coverage !== undefined) {
    if (typeof fields.coverage !== 'object' || Array.isArray(fields.coverage)) throw new TemplateError('coverage must be an object');
    const bad = Object.keys(fields.coverage).filter((k) => !(k in COVERAGE_FIELDS));
    if (bad.length) throw new TemplateError(`unknown coverage field(s) ${bad.join(', ')}; known: ${Object.keys(COVERAGE_FIELDS).join(', ')}`);
    fields.coverage = { ...COVERAGE_FIELDS, ...fields.coverage };
    if (!fields.coverage.payer_id || !fields.coverage.plan_id) throw new TemplateError('coverage needs payer_id and plan_id (IN1-2, IN1-3)');
  }
  return fields;
}

function dtm(name, value) {
  if (value === '' || value === undefined) return '';
  try {
    return hl7DateTime(value);
  } catch (err) {
    throw new TemplateError(`${name}: ${err.message}`);
  }
}

function patientIdentifiers(f) {
  const ids = [comp(f.mrn, '', '', f.mrn_authority, 'MR')];
  if (f.national_id) ids.push(comp(f.national_id, '', '', f.national_id_authority, 'NI'));
  return ids.join('~');
}

function practitioner(f) {
  return comp(f.practitioner_id, f.practitioner_family, f.practitioner_given, '', '', '', '', '', f.practitioner_authority);
}

function pid(f) {
  return seg('PID', positions({
    1: '1',
    3: patientIdentifiers(f),
    5: comp(f.family, f.given, f.middle, '', '', '', 'L'),
    7: escapeValue(dtm('birth_date', f.birth_date)),
    8: escapeValue(f.gender),
    13: f.phone ? comp(f.phone, 'PRN', 'PH') : '',
  }));
}

function pv1(f, patientClass) {
  return seg('PV1', positions({
    1: '1',
    2: escapeValue(patientClass),
    3: comp(f.location, f.room, '', f.facility),
    7: practitioner(f),
    19: escapeValue(f.visit_number),
  }));
}

function in1(c) {
  return seg('IN1', positions({
    1: '1',
    2: comp(c.plan_id, c.plan_name),
    3: comp(c.payer_id),
    4: comp(c.payer_name),
    12: escapeValue(dtm('coverage.period_start', c.period_start)),
    13: escapeValue(dtm('coverage.period_end', c.period_end)),
    15: escapeValue(c.plan_type),
    36: escapeValue(c.policy_number),
    49: c.member_id ? comp(c.member_id, '', '', c.payer_id) : '',
  }));
}

function msh({ type, structure, controlId, charset, sender, now }) {
  const [code, event] = type.split('^');
  return `MSH|^~\\&|${seg('', positions({
    1: escapeValue(sender.sendingApplication),
    2: escapeValue(sender.sendingFacility),
    3: escapeValue(sender.receivingApplication),
    4: escapeValue(sender.receivingFacility),
    5: now,
    7: `${code}^${event}^${structure}`,
    8: escapeValue(controlId),
    9: 'P',
    10: '2.5.1',
    15: 'SAU',
    16: charset.msh18,
  })).slice(1)}`;
}

// The segments of `type` with `padding` (the filler text of the padding
// segment, or null for none).
function segmentsOf(type, f, { controlId, charset, sender, now, padding }) {
  const [code, event] = type.split('^');
  if (code === 'SIU') {
    const e = SIU_EVENTS[event];
    const start = dtm('start', f.start);
    const end = addMinutes(start, f.duration_minutes);
    const duration = String(f.duration_minutes);
    const list = [
      msh({ type, structure: 'SIU_S12', controlId, charset, sender, now }),
      seg('SCH', positions({
        1: comp(f.appointment_id, sender.sendingApplication),
        2: f.filler_appointment_id ? comp(f.filler_appointment_id) : '',
        6: e.reason,
        7: comp(f.reason),
        8: comp(f.appointment_type),
        9: duration,
        10: 'MIN',
        11: `^^${duration}^${start}^${end}`,
        25: e.status,
      })),
    ];
    if (padding !== null) list.push(seg('NTE', ['1', '', padding]));
    list.push(pid(f), pv1(f, f.patient_class));
    list.push(seg('RGS', ['1', e.action]));
    list.push(seg('AIS', positions({
      1: '1', 2: e.action, 3: comp(f.service_code, f.service_text, f.service_system), 4: start, 7: duration, 8: 'MIN',
    })));
    if (f.resource_id) list.push(seg('AIG', ['1', e.action, comp(f.resource_id, f.resource_text)]));
    list.push(seg('AIL', positions({
      1: '1', 2: e.action, 3: comp(f.location, f.room, '', f.facility), 6: start, 9: duration, 10: 'MIN',
    })));
    list.push(seg('AIP', positions({
      1: '1', 2: e.action, 3: practitioner(f), 4: comp(f.practitioner_role), 6: start, 9: duration, 10: 'MIN',
    })));
    return list;
  }
  const structure = ADT_EVENTS[event];
  const list = [
    msh({ type, structure, controlId, charset, sender, now }),
    seg('EVN', [event, now]),
    pid(f),
  ];
  if (event === 'A40') {
    if (!f.merge_mrn) throw new TemplateError('ADT^A40 needs merge_mrn (MRG-1, the MRN merged into this patient)');
    if (padding !== null) throw new TemplateError('ADT^A40 (ADT_A39) has no segment to pad; send an SIU or another ADT over-size');
    list.push(seg('MRG', [comp(f.merge_mrn, '', '', f.mrn_authority, 'MR')]));
    return list;
  }
  list.push(pv1(f, event === 'A31' ? 'N' : f.patient_class));
  if (padding !== null) list.push(seg('OBX', positions({ 1: '1', 2: 'TX', 3: 'PAD^Padding^L', 5: padding, 11: 'F' })));
  if (f.coverage) list.push(in1(f.coverage));
  return list;
}

// Builds one message. `type`: one of TYPES; `fields`: parameters (see
// FIELDS); `charset`: from charsets.js; `sender`: {sendingApplication,
// sendingFacility, receivingApplication, receivingFacility}; `padToBytes`:
// when given, the message is padded to exactly that many bytes in its
// charset. Returns {text, bytes, message (an @medplum/core Hl7Message),
// fields}. Throws TemplateError for a bad type or parameter, or text the
// charset cannot carry.
function buildMessage(type, given, { controlId, charset, sender, now = new Date(), padToBytes } = {}) {
  if (!TYPES.includes(type)) throw new TemplateError(`type must be one of ${TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  const fields = resolveFields(given);
  const options = { controlId, charset, sender, now: fromDate(now), padding: null };
  let text = segmentsOf(type, fields, options).join('\r');
  if (padToBytes !== undefined) {
    // One filler byte, so the padding field and its separators are counted.
    const base = segmentsOf(type, fields, { ...options, padding: 'X' }).join('\r');
    const missing = padToBytes - iconv.encode(base, charset.encoding).length + 1;
    if (missing < 1) throw new TemplateError(`the message is ${padToBytes - missing + 1} bytes with one byte of padding, over ${padToBytes}`);
    text = segmentsOf(type, fields, { ...options, padding: 'X'.repeat(missing) }).join('\r');
  }
  const bytes = iconv.encode(text, charset.encoding);
  if (iconv.decode(bytes, charset.encoding) !== text) {
    throw new TemplateError(`${charset.name} cannot carry ${unencodable(text, charset).map((c) => JSON.stringify(c)).join(', ')}`);
  }
  return { text, bytes: bytes.length, message: Hl7Message.parse(text), fields };
}

module.exports = { buildMessage, resolveFields, FIELDS, COVERAGE_FIELDS, TYPES, SIU_EVENTS, ADT_EVENTS, TemplateError };
