'use strict';
// What the SMTP peer checks of every message before it takes it, from the
// raw bytes (as the client sent them, dot-unstuffed) and mailparser's parse.
// A message with any problem is refused (554 5.6.0) and kept apart, so a
// test sees exactly what was wrong. The checks are those of a strict
// receiver of a message sent without SMTPUTF8 or 8BITMIME:
//
//  - the header section is ASCII, CRLF-terminated, lines at most 998
//    characters, lines holding an encoded-word at most 76 (RFC 2047 §2);
//  - every encoded-word is at most 75 characters, UTF-8, and decodes to
//    whole characters on its own (no character split between two words);
//  - Date (RFC 5322 date-time), From, To, Subject, Message-ID (<left@right>)
//    and MIME-Version (1.0) are present, each once; To names exactly the
//    envelope's recipients;
//  - Content-Type is text/plain; charset=utf-8, the transfer encoding
//    quoted-printable or base64 (7bit only for ASCII), its lines at most 76
//    characters, and the decoded body is valid UTF-8;
//  - Content-Language, when present, is a BCP 47-shaped tag;
//  - neither the decoded subject nor the text holds U+FFFD (a decoding
//    that went wrong).

const MAX_LINE = 998;
const MAX_ENCODED_LINE = 76;
const MAX_ENCODED_WORD = 75;
const MAX_BODY_LINE = 76;
const REQUIRED_ONCE = ['date', 'from', 'to', 'subject', 'message-id', 'mime-version'];
const ENCODED_WORD = /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g;
const DATE_TIME = /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}(?::\d{2})? [+-]\d{4}$/;
const MESSAGE_ID = /^<[^<>@\s"\\]+@[^<>@\s"\\]+>$/;
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$/;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes) {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// The bytes of a Q encoded-word's text (RFC 2047 §4.2).
function decodeQ(text) {
  const bytes = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '_') bytes.push(0x20);
    else if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0));
  }
  return Buffer.from(bytes);
}

// The bytes of a quoted-printable body (RFC 2045 §6.7), or null when it
// holds an '=' that is neither a soft break nor two hex digits.
function decodeQuotedPrintable(text) {
  const bytes = [];
  const lines = text.split('\r\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].replace(/[ \t]+$/, '');
    let soft = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c !== '=') {
        bytes.push(c.charCodeAt(0));
        continue;
      }
      if (i === line.length - 1) {
        soft = true;
        break;
      }
      const hex = line.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    }
    if (!soft && n < lines.length - 1) bytes.push(0x0d, 0x0a);
  }
  return Buffer.from(bytes);
}

// The header section's fields, unfolded: [{name, value, lines}].
function headerFields(headerText) {
  const fields = [];
  for (const line of headerText.split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length > 0) {
      const last = fields[fields.length - 1];
      last.value += line;
      last.lines.push(line);
    } else {
      const colon = line.indexOf(':');
      fields.push({
        name: colon > 0 ? line.slice(0, colon).trim() : line,
        value: colon > 0 ? line.slice(colon + 1).trim() : '',
        lines: [line],
      });
    }
  }
  return fields;
}

function addressesOf(addressObject) {
  if (!addressObject) return [];
  const groups = Array.isArray(addressObject) ? addressObject : [addressObject];
  return groups.flatMap((g) => g.value || []).map((a) => ({ address: a.address || '', name: a.name || '' }));
}

// Checks `raw` (Buffer) against `parsed` (mailparser) and `envelope`
// ({mailFrom, rcptTo}: addresses). Returns {problems, fields}: the sentences
// saying what is wrong ([] when nothing is) and the unfolded header fields.
function checkMessage(raw, parsed, envelope) {
  const problems = [];
  const text = raw.toString('latin1');  // byte for byte; the header must be ASCII anyway
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) {
    return { problems: ['no empty line (CRLF CRLF) ends the header section'], fields: [] };
  }
  const headerText = text.slice(0, split);
  const bodyText = text.slice(split + 4);

  if (/[^\x00-\x7f]/.test(headerText)) problems.push('the header section holds non-ASCII bytes (8-bit headers need SMTPUTF8; use encoded-words)');
  if (/[\0]/.test(headerText)) problems.push('the header section holds a NUL byte');
  if (/(^|[^\r])\n|\r(?!\n)/.test(headerText)) problems.push('the header section has a bare CR or LF');

  const fields = headerFields(headerText);
  for (const field of fields) {
    for (const line of field.lines) {
      if (line.length > MAX_LINE) problems.push(`a line of ${field.name} is ${line.length} characters (at most ${MAX_LINE})`);
      if (line.includes('=?') && line.length > MAX_ENCODED_LINE) {
        problems.push(`a line of ${field.name} holding an encoded-word is ${line.length} characters (at most ${MAX_ENCODED_LINE})`);
      }
    }
    for (const match of field.value.matchAll(ENCODED_WORD)) {
      const [word, charset, encoding, payload] = match;
      if (word.length > MAX_ENCODED_WORD) problems.push(`an encoded-word in ${field.name} is ${word.length} characters (at most ${MAX_ENCODED_WORD})`);
      if (charset.toLowerCase() !== 'utf-8') problems.push(`an encoded-word in ${field.name} is in ${charset}, not UTF-8`);
      const bytes = encoding.toUpperCase() === 'B' ? Buffer.from(payload, 'base64') : decodeQ(payload);
      if (!isUtf8(bytes)) problems.push(`an encoded-word in ${field.name} does not decode to whole UTF-8 characters on its own`);
    }
  }
  const byName = new Map();
  for (const field of fields) {
    const key = field.name.toLowerCase();
    byName.set(key, [...(byName.get(key) || []), field.value]);
  }
  for (const name of REQUIRED_ONCE) {
    const count = (byName.get(name) || []).length;
    if (count !== 1) problems.push(count === 0 ? `no ${name} header field` : `${count} ${name} header fields (one expected)`);
  }
  const one = (name) => (byName.get(name) || [])[0] || '';

  if (byName.has('message-id') && !MESSAGE_ID.test(one('message-id'))) problems.push('Message-ID is not <left@right>');
  if (byName.has('date') && (!DATE_TIME.test(one('date')) || !(parsed.date instanceof Date) || Number.isNaN(parsed.date.getTime()))) {
    problems.push('Date is not an RFC 5322 date-time');
  }
  if (byName.has('mime-version') && one('mime-version') !== '1.0') problems.push('MIME-Version is not 1.0');
  const from = addressesOf(parsed.from);
  if (byName.has('from') && (from.length !== 1 || !from[0].address)) problems.push('From does not name one mailbox');
  const to = addressesOf(parsed.to).map((a) => a.address.toLowerCase()).sort();
  const rcpt = envelope.rcptTo.map((a) => a.toLowerCase()).sort();
  if (byName.has('to') && JSON.stringify(to) !== JSON.stringify(rcpt)) problems.push('To does not name exactly the envelope recipients (RCPT TO)');
  if (typeof parsed.subject === 'string' && parsed.subject.includes('\uFFFD')) problems.push('the decoded Subject holds U+FFFD (a broken encoding)');
  if (byName.has('content-language') && !LANGUAGE_TAG.test(one('content-language'))) problems.push('Content-Language is not a language tag');

  const contentType = one('content-type').toLowerCase().replace(/\s+/g, '');
  if (!/^text\/plain;(?:.*;)?charset="?utf-8"?(?:;.*)?$/.test(contentType)) problems.push('Content-Type is not text/plain; charset=utf-8');
  const encoding = (one('content-transfer-encoding') || '7bit').toLowerCase();
  let body = null;
  if (encoding === 'base64') {
    if (!/^[A-Za-z0-9+/=\r\n]*$/.test(bodyText)) problems.push('the base64 body holds characters outside base64');
    body = Buffer.from(bodyText.replace(/\r\n/g, ''), 'base64');
  } else if (encoding === 'quoted-printable') {
    body = decodeQuotedPrintable(bodyText);
    if (body === null) problems.push('the quoted-printable body holds a malformed = escape');
  } else if (encoding === '7bit') {
    if (/[^\x00-\x7f]/.test(bodyText)) problems.push('a 7bit body holds non-ASCII bytes');
    body = Buffer.from(bodyText, 'latin1');
  } else {
    problems.push(`Content-Transfer-Encoding ${encoding} is not quoted-printable, base64 or 7bit`);
  }
  const bodyLimit = encoding === '7bit' ? MAX_LINE : MAX_BODY_LINE;
  const long = bodyText.split('\r\n').find((line) => line.length > bodyLimit);
  if (long !== undefined) problems.push(`a body line is ${long.length} characters (at most ${bodyLimit} in ${encoding})`);
  if (body !== null && !isUtf8(body)) problems.push('the decoded body is not valid UTF-8');
  if (typeof parsed.text === 'string' && parsed.text.includes('\uFFFD')) problems.push('the decoded text holds U+FFFD (a broken encoding)');
  return { problems, fields };
}

module.exports = { checkMessage, decodeQuotedPrintable, headerFields, addressesOf };
