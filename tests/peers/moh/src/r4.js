'use strict';
// The peer's R4 validator: the support library's, over this peer's pinned
// medplum and JSON-schema modules.

const { R4Validator } = require('../../support');

module.exports = { r4: R4Validator.using(require) };
