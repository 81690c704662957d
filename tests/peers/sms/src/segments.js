'use strict';
// How a gateway splits a text into SMS parts, written apart from the plugin
// (plugins/sms/sms_segments.cpp) so each checks the other.
//
// GSM 03.38 7-bit when every character is in the default alphabet's basic
// table (one septet) or its extension table (escape + septet: two);
// otherwise UCS-2, where a character is its UTF-16 code units (one, or two
// for a character outside the BMP). One part holds 160 septets or 70 units;
// beyond that each part holds 153 or 67 (the concatenation header takes the
// rest), and no character is split between parts: an escape sequence or a
// surrogate pair that does not fit what is left starts the next part.

// 3GPP TS 23.038 §6.2.1, in table order (0x1B, the escape, left out).
const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?'
  + '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
// §6.2.1.1: form feed ^ { } \ [ ~ ] | €.
const GSM_EXTENSION = '\f^{}\\[~]|€';

const basic = new Set(GSM_BASIC);
const extension = new Set(GSM_EXTENSION);

const LIMITS = {
  'GSM-7': { single: 160, perPart: 153 },
  'UCS-2': { single: 70, perPart: 67 },
};

// { encoding: 'GSM-7' | 'UCS-2', characters, units, segments, parts }
// where parts are the texts of the parts in order ([] for '').
function segment(text) {
  const characters = [...text];
  const gsm = characters.every((c) => basic.has(c) || extension.has(c));
  const encoding = gsm ? 'GSM-7' : 'UCS-2';
  const cost = (c) => (gsm ? (extension.has(c) ? 2 : 1) : c.length);
  const units = characters.reduce((sum, c) => sum + cost(c), 0);
  if (characters.length === 0) return { encoding, characters: 0, units: 0, segments: 0, parts: [] };
  const { single, perPart } = LIMITS[encoding];
  if (units <= single) return { encoding, characters: characters.length, units, segments: 1, parts: [text] };
  const parts = [];
  let current = '';
  let used = 0;
  for (const c of characters) {
    if (used + cost(c) > perPart) {
      parts.push(current);
      current = '';
      used = 0;
    }
    current += c;
    used += cost(c);
  }
  parts.push(current);
  return { encoding, characters: characters.length, units, segments: parts.length, parts };
}

module.exports = { segment, GSM_BASIC, GSM_EXTENSION };
