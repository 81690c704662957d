'use strict';
// The character sets the peer speaks, each by the name a test gives, its
// MSH-18 value (HL7 table 0211; WINDOWS-1256 is the name Saudi systems use,
// outside the table) and the iconv-lite encoding @medplum/hl7 reads and
// writes it with.

const iconv = require('iconv-lite');

const CHARSETS = [
  { name: 'UTF-8', msh18: 'UNICODE UTF-8', encoding: 'utf-8' },
  { name: 'ISO-8859-6', msh18: '8859/6', encoding: 'iso-8859-6' },
  { name: 'WINDOWS-1256', msh18: 'WINDOWS-1256', encoding: 'windows-1256' },
];

// The charset named `name` (its name or its MSH-18 value, any case); null
// when unknown. An empty or missing name is UTF-8.
function charsetNamed(name) {
  if (name === undefined || name === null || name === '') return CHARSETS[0];
  const wanted = String(name).trim().toUpperCase();
  return CHARSETS.find((c) => c.name === wanted || c.msh18 === wanted) || null;
}

// The charset an MSH-18 value declares; null for one the peer does not
// speak. An empty MSH-18 (HL7's default, ASCII) reads as UTF-8, its superset.
function charsetOfMsh18(value) {
  if (!value) return CHARSETS[0];
  return CHARSETS.find((c) => c.msh18 === value.trim().toUpperCase()) || null;
}

// The characters of `text` that `charset` cannot represent (an encode and
// decode that does not give the text back), at most 10; [] when it can.
function unencodable(text, charset) {
  const bad = [];
  for (const ch of new Set(text)) {
    if (iconv.decode(iconv.encode(ch, charset.encoding), charset.encoding) !== ch) bad.push(ch);
    if (bad.length === 10) break;
  }
  return bad;
}

module.exports = { CHARSETS, charsetNamed, charsetOfMsh18, unencodable };
