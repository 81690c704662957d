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

// R4 puts no upper limit on base64Binary (a string may not pass 1 MB), but
// the validator holds every string to 1 MB. So an Attachment.data longer
// than this is checked here as base64 and handed to the validator cut short
// (in place, for the time of the call: the caller's object is as it was).
const LONG_DATA = 64 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// Every Attachment-like object (data and contentType) in `value` whose data
// is longer than LONG_DATA, with its path.
function longData(value, path, out = []) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => longData(v, `${path}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    if (typeof value.data === 'string' && value.data.length > LONG_DATA && 'contentType' in value) {
      out.push({ holder: value, path: `${path}.data` });
    } else {
      for (const [k, v] of Object.entries(value)) if (v && typeof v === 'object') longData(v, `${path}.${k}`, out);
    }
  }
  return out;
}

// The R4 problems of `resource`, at most `limit` of them.
function validateR4(resource, limit = 20) {
  const long = longData(resource, resource && resource.resourceType);
  const problems = [];
  for (const found of long) {
    const { holder, path } = found;
    if (holder.data.length % 4 !== 0 || !BASE64.test(holder.data)) {
      problems.push({ severity: 'error', code: 'value', details: { text: `${path} is not base64` }, expression: [path] });
    }
    found.data = holder.data;
    holder.data = holder.data.slice(0, LONG_DATA);
  }
  let found;
  try {
    found = r4.problems(resource);
  } finally {
    for (const { holder, data } of long) holder.data = data;
  }
  return problems.concat(found.map((p) => {
    const issue = {
      severity: 'error',
      code: p.code,
      details: { text: p.validator === 'schema' ? `R4 JSON schema: ${p.text}` : p.text },
    };
    if (p.expression) issue.expression = [p.expression];
    return issue;
  })).slice(0, limit);
}

module.exports = { validateR4, loadDefinitions };
