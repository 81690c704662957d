'use strict';
// What the peer's checks of received messages (mdm_check.js, oru_check.js)
// share: reading a component's text, the DTM form, and the HL7 tables the
// values are checked against.

const { unescapeValue } = require('./hl7_text');

// HL7 tables.
const PATIENT_CLASS = ['E', 'I', 'O', 'P', 'R', 'B', 'C', 'N', 'U'];                    // 0004
const RESULT_STATUS = ['C', 'D', 'F', 'I', 'N', 'O', 'P', 'R', 'S', 'U', 'W', 'X'];     // 0085
const ORDER_RESULT_STATUS = ['O', 'I', 'S', 'A', 'P', 'C', 'R', 'F', 'X', 'Y', 'Z'];    // 0123

const DTM = /^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,4})?)?)?)?)?)?([+-]\d{4})?$/;

// A DTM with its offset as epoch ms (to second precision; no offset: UTC).
function instant(dtm) {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d{1,4})?([+-])?(\d{2})?(\d{2})?$/.exec(dtm);
  const n = (v, d) => (v === undefined ? d : Number(v));
  const local = Date.UTC(n(m[1]), n(m[2], 1) - 1, n(m[3], 1), n(m[4], 0), n(m[5], 0), n(m[6], 0));
  const offset = m[7] ? (m[7] === '-' ? -1 : 1) * (n(m[8], 0) * 60 + n(m[9], 0)) : 0;
  return local - offset * 60000;
}

// Component `component` of field `field`, escapes decoded ('' without the segment).
function text(segment, field, component = 1) {
  return segment ? unescapeValue(segment.getComponent(field, component)) : '';
}

// The whole field as written.
function fieldText(segment, field) {
  return segment?.getField(field)?.toString() || '';
}

// PID-3's identifiers: [{id, authority, type}].
function identifiers(pid) {
  return pid ? (pid.getField(3)?.components || []).map((rep) => ({
    id: unescapeValue(rep[0] || ''), authority: unescapeValue(rep[3] || ''), type: unescapeValue(rep[4] || ''),
  })) : [];
}

module.exports = {
  PATIENT_CLASS, RESULT_STATUS, ORDER_RESULT_STATUS, DTM, instant, text, fieldText, identifiers,
};
