'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { segment, GSM_BASIC, GSM_EXTENSION } = require('../src/segments');

const BA = 'ب';
const GRIN = '😀';

test('the GSM alphabet has its 127 basic characters and 10 extension characters', () => {
  assert.strictEqual([...GSM_BASIC].length, 127);
  assert.strictEqual(new Set(GSM_BASIC).size, 127);
  assert.strictEqual([...GSM_EXTENSION].length, 10);
  const all = segment(GSM_BASIC);
  assert.strictEqual(all.encoding, 'GSM-7');
  assert.strictEqual(all.units, 127);
  assert.strictEqual(segment(GSM_EXTENSION).units, 20);
});

test('GSM-7: one part of 160, then parts of 153', () => {
  for (const [length, parts] of [[160, 1], [161, 2], [306, 2], [307, 3]]) {
    const s = segment('a'.repeat(length));
    assert.strictEqual(s.encoding, 'GSM-7');
    assert.strictEqual(s.segments, parts, `${length}`);
    assert.strictEqual(s.parts.join(''), 'a'.repeat(length));
  }
  assert.strictEqual(segment('{'.repeat(80)).segments, 1);
  assert.strictEqual(segment(`${'{'.repeat(80)}a`).segments, 2);
  assert.strictEqual(segment(`${'a'.repeat(159)}€`).units, 161);
});

test('an escape sequence starts the next part rather than being split', () => {
  const s = segment(`${'a'.repeat(152)}[${'a'.repeat(152)}`);
  assert.strictEqual(s.units, 306);
  assert.strictEqual(s.segments, 3);
  assert.deepStrictEqual(s.parts.map((p) => p.length), [152, 152, 1]);
});

test('Arabic is UCS-2: one part of 70, then parts of 67', () => {
  for (const [length, parts] of [[70, 1], [71, 2], [134, 2], [135, 3], [201, 3], [202, 4]]) {
    const s = segment(BA.repeat(length));
    assert.strictEqual(s.encoding, 'UCS-2');
    assert.strictEqual(s.units, length);
    assert.strictEqual(s.segments, parts, `${length}`);
  }
  const mixed = segment(`${'a'.repeat(50)}${BA.repeat(21)}`);
  assert.strictEqual(mixed.encoding, 'UCS-2');
  assert.strictEqual(mixed.segments, 2);
  assert.strictEqual(segment(`${'a'.repeat(100)}ç`).encoding, 'UCS-2');
  assert.strictEqual(segment(`${'a'.repeat(100)}Ç`).encoding, 'GSM-7');
});

test('an emoji is two UTF-16 units and is never split', () => {
  assert.deepStrictEqual({ ...segment(GRIN), parts: undefined },
    { encoding: 'UCS-2', characters: 1, units: 2, segments: 1, parts: undefined });
  assert.strictEqual(segment(`${BA.repeat(68)}${GRIN}`).segments, 1);
  assert.strictEqual(segment(`${BA.repeat(69)}${GRIN}`).segments, 2);
  const s = segment(`${BA.repeat(66)}${GRIN}${BA.repeat(66)}`);
  assert.strictEqual(s.units, 134);
  assert.strictEqual(s.segments, 3);
  assert.strictEqual(s.parts[1].startsWith(GRIN), true);
});

test('the empty text has no parts', () => {
  assert.strictEqual(segment('').segments, 0);
});
