'use strict';
// `answers` rules: a read answered 200 with a hostile body the peer makes
// itself (nested arrays past any depth budget, or padding past a size), the
// bounds a rule may ask for, and what the rule leaves alone.

const test = require('node:test');
const assert = require('node:assert/strict');
const { startPeer } = require('./helpers');

// The raw text of a read (never parsed: the deep answer is the point).
async function readText(s, path) {
  const res = await fetch(`${s.base}/${path}`, { headers: { Accept: 'application/fhir+json' } });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

// The deepest nesting of arrays and objects in `text`, strings skipped.
function depthOf(text) {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  let escaped = false;
  for (const c of text) {
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === '[' || c === '{') {
      deepest = Math.max(deepest, ++depth);
    } else if (c === ']' || c === '}') {
      depth--;
    }
  }
  return deepest;
}

test('answers rules', async (t) => {
  const s = await startPeer({ seed: 'demo' });
  t.after(() => s.close());
  t.beforeEach(async () => {
    await s.control('POST', '/_peer/reset');
    assert.equal((await s.control('POST', '/_peer/seed', { fixtures: ['demo'] })).status, 200);
  });
  const faulted = async () => (await s.control('GET', '/_peer/received/faulted')).body.records;

  await t.test('a deep answer: the stored resource with 200000 nested arrays, once', async () => {
    const f = await s.control('POST', '/_peer/faults', { operation: 'GET Appointment/fatimah-booked', answer: 'deep', depth: 200000 });
    assert.equal(f.status, 200);
    // Another resource of the type is not touched.
    assert.equal((await s.fhir('GET', 'Patient/fatimah-alzahrani')).status, 200);
    const r = await readText(s, 'Appointment/fatimah-booked');
    assert.equal(r.status, 200);
    assert.match(r.type, /^application\/fhir\+json/);
    assert.ok(r.text.startsWith('{"resourceType":"Appointment","id":"fatimah-booked"'), r.text.slice(0, 80));
    assert.equal(depthOf(r.text), 200001);
    assert.ok(r.text.length > 400000 && r.text.length < 401000 + 2000, `${r.text.length} bytes`);
    assert.ok(r.text.endsWith(`${']'.repeat(200000)}}`));
    const [record] = await faulted();
    assert.equal(record.item.call, 'GET Appointment/fatimah-booked');
    assert.equal(record.item.answer, 'deep');
    assert.equal(record.item.depth, 200000);
    assert.equal(record.item.sentBytes, Buffer.byteLength(r.text));
    // Used up: the next read is the resource itself.
    const again = await s.fhir('GET', 'Appointment/fatimah-booked');
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'booked');
    assert.equal((await faulted()).length, 1);
  });

  await t.test('a huge answer: valid JSON one byte past the size asked, for a resource the server lacks too', async () => {
    const bytes = 4 << 20;
    assert.equal((await s.control('POST', '/_peer/faults', { operation: 'read Appointment', answer: 'huge', bytes, count: 2 })).status, 200);
    for (const id of ['fatimah-booked', 'nowhere']) {
      const r = await readText(s, `Appointment/${id}`);
      assert.equal(r.status, 200);
      assert.equal(Buffer.byteLength(r.text), bytes + 1);
      const parsed = JSON.parse(r.text);
      assert.equal(parsed.resourceType, 'Appointment');
      assert.equal(parsed.id, id);
      assert.equal(parsed.text.status, 'generated');
    }
    assert.equal((await readText(s, 'Appointment/nowhere')).status, 404);
  });

  await t.test('under "*": every read is answered by the rule, a search never', async () => {
    assert.equal((await s.control('POST', '/_peer/faults', { operation: '*', answer: 'deep', depth: 10 })).status, 200);
    const search = await s.fhir('GET', 'Appointment?status=booked');
    assert.equal(search.status, 200);
    assert.equal(search.body.resourceType, 'Bundle');
    const read = await readText(s, 'Patient/fatimah-alzahrani');
    assert.equal(depthOf(read.text), 11);
  });

  await t.test('bounds: depth, bytes, the answer kind and the operation are checked; all or nothing', async () => {
    for (const rule of [
      { operation: 'read Appointment', answer: 'deep', depth: 1000001 },
      { operation: 'read Appointment', answer: 'deep' },
      { operation: 'read Appointment', answer: 'huge', bytes: (64 << 20) + 1 },
      { operation: 'read Appointment', answer: 'huge', bytes: 100 },
      { operation: 'read Appointment', answer: 'poison', depth: 10 },
      { answer: 'deep', depth: 10 },
      { operation: 'read Appointment', answer: 'deep', depth: 10, count: 0 },
    ]) {
      const f = await s.control('POST', '/_peer/faults', rule);
      assert.equal(f.status, 400, JSON.stringify(rule));
    }
    const f = await s.control('POST', '/_peer/faults', [
      { operation: 'read Appointment', answer: 'deep', depth: 10 },
      { operation: 'read Appointment', answer: 'huge', bytes: 1 },
    ]);
    assert.equal(f.status, 400);
    assert.deepEqual((await s.control('GET', '/_peer/faults')).body.answers, []);
    assert.equal((await s.fhir('GET', 'Appointment/fatimah-booked')).body.status, 'booked');
  });
});
