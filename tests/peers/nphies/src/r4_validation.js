'use strict';
// R4 validation of an incoming bundle: the support library's R4Validator
// (medplum's validateResource and the HL7 R4 JSON schema, as the MOH and
// FHIR peers do) over this peer's pinned modules, its problems as
// OperationOutcome issues; an empty array means valid.

const { R4Validator } = require('../../support');

const r4 = R4Validator.using(require);

// Loads the definitions once per process (a few seconds); later calls are free.
function loadDefinitions() {
  r4.load();
}

// The R4 problems of `resource`, at most `limit` of them.
function validateR4(resource, limit = 20) {
  return r4.problems(resource).slice(0, limit).map((p) => {
    const issue = {
      severity: 'error',
      code: p.code,
      details: { text: p.validator === 'schema' ? `R4 JSON schema: ${p.text}` : p.text },
    };
    if (p.expression) issue.expression = [p.expression];
    return issue;
  });
}

module.exports = { validateR4, loadDefinitions };
