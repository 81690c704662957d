'use strict';
// HL7 v2 text values: escaping a value into a field (the escape sequences of
// v2.5.1 §2.7.4 for the default delimiters |^~\&) and back, and the DTM
// timestamps (YYYYMMDDHHMMSS±ZZZZ) the templates write.

const ESCAPES = [['\\', '\\E\\'], ['|', '\\F\\'], ['^', '\\S\\'], ['&', '\\T\\'], ['~', '\\R\\']];

// `value` made safe to place inside one component: delimiters escaped, line
// breaks as \.br\ (a segment separator would end the segment).
function escapeValue(value) {
  let text = value === undefined || value === null ? '' : String(value);
  for (const [ch, seq] of ESCAPES) text = text.split(ch).join(seq);
  return text.replace(/\r\n|\r|\n/g, '\\.br\\');
}

// The text of a component as escapeValue wrote it.
function unescapeValue(text) {
  return String(text).replace(/\\(E|F|S|T|R|\.br)\\/g, (_, code) => ({
    E: '\\', F: '|', S: '^', T: '&', R: '~', '.br': '\n',
  })[code]);
}

// An HL7 DTM for `value`: a Date; an ISO 8601 date-time (its offset kept,
// Z as +0000); an ISO date (YYYY-MM-DD → YYYYMMDD); or digits already in
// HL7 form (returned as given). Throws an Error naming the value otherwise.
function hl7DateTime(value) {
  if (value instanceof Date) return fromDate(value);
  const text = String(value).trim();
  if (/^\d{4,14}([+-]\d{4})?$/.test(text)) return text;
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) return `${date[1]}${date[2]}${date[3]}`;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!m) throw new Error(`${JSON.stringify(value)} is not a date-time (ISO 8601 with an offset, or HL7 DTM)`);
  const offset = m[7] === 'Z' ? '+0000' : m[7].replace(':', '');
  return `${m[1]}${m[2]}${m[3]}${m[4]}${m[5]}${m[6] || '00'}${offset}`;
}

// `date` as a DTM in UTC (+0000), to the second.
function fromDate(date) {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}+0000`;
}

// `dtm` + `minutes`, for the end of an appointment: a DTM of the same
// offset. Throws for a DTM without hours and minutes.
function addMinutes(dtm, minutes) {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?([+-]\d{4})?$/.exec(dtm);
  if (!m) throw new Error(`${dtm} has no time of day to add a duration to`);
  const offset = m[7] || '';
  const sign = offset.startsWith('-') ? -1 : 1;
  const offsetMinutes = offset ? sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3, 5))) : 0;
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) - offsetMinutes * 60000;
  const local = new Date(utc + (offsetMinutes + minutes) * 60000).toISOString();
  return `${local.slice(0, 4)}${local.slice(5, 7)}${local.slice(8, 10)}${local.slice(11, 13)}${local.slice(14, 16)}${local.slice(17, 19)}${offset}`;
}

module.exports = { escapeValue, unescapeValue, hl7DateTime, fromDate, addMinutes };
